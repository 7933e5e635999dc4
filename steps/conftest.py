"""The suite's fixtures, scoped to the suite's own scenarios, and one run per OCPP version.

Why the fixtures are exposed here rather than as plugins: a fixture of a plugin is global and
loses to any fixture of the same name in a conftest. When a team adds the suite to its own pytest
run (``pytest --ocpp-upi``), its rootdir conftest may well define ``driver``, ``world`` or
``bank``; those would silently replace the harness's in the suite's scenarios, and the harness's
would leak into the team's tests. Declared in this conftest, they apply to the scenarios under
this folder only and win over a rootdir conftest's there.
"""

from __future__ import annotations

import pytest

from ocpp_upi.ocpp.versions import VERSIONS
from ocpp_upi.suite.fixtures.applicability import version_reason
from ocpp_upi.suite.fixtures.bank import bank
from ocpp_upi.suite.fixtures.charger import charger, charger_identity, frame_trace
from ocpp_upi.suite.fixtures.csms import csms_class, csms_profile
from ocpp_upi.suite.fixtures.endpoints import endpoint_ledger
from ocpp_upi.suite.fixtures.psp import driver, mock_psp, psp
from ocpp_upi.suite.fixtures.runtime import harness_loop
from ocpp_upi.suite.fixtures.scenario import scenario_state
from ocpp_upi.suite.fixtures.scenario_meta import scenario_of_function
from ocpp_upi.suite.fixtures.world import world
from ocpp_upi.verdicts import NOT_APPLICABLE_PREFIX

__all__ = [
    "bank",
    "charger",
    "charger_identity",
    "csms_class",
    "csms_profile",
    "driver",
    "endpoint_ledger",
    "frame_trace",
    "harness_loop",
    "mock_psp",
    "psp",
    "scenario_state",
    "world",
]


@pytest.fixture(autouse=True)
def ocpp_version(request: pytest.FixtureRequest) -> str:
    """Replaced by the parametrisation below; a scenario always runs for one version."""
    return request.param  # pragma: no cover - always parametrised


def _selected_versions(config: pytest.Config) -> list[str]:
    raw = config.getoption("ocpp_versions") or ",".join(VERSIONS)
    chosen = [v.strip() for v in raw.split(",") if v.strip()]
    unknown = [v for v in chosen if v not in VERSIONS]
    if unknown:
        raise pytest.UsageError(f"--ocpp-versions: unknown {', '.join(unknown)}")
    return chosen


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One run per selected version the CSMS supports; a version the scenario is not defined
    for is still listed, as NOT APPLICABLE with that reason, so every report has the full
    scenario x version matrix."""
    meta = scenario_of_function(metafunc.function)
    if meta is None:
        return
    versions = _selected_versions(metafunc.config)
    profile_versions = getattr(metafunc.config, "_ocpp_upi_profile_versions", None)
    if profile_versions is not None:
        versions = [v for v in versions if v in profile_versions]
    tagged = [v for v in VERSIONS if f"ocpp{v}" in meta.tags]
    params = []
    for version in versions:
        marks = []
        if tagged and version not in tagged:
            reason = NOT_APPLICABLE_PREFIX + version_reason(tagged)
            marks.append(pytest.mark.skip(reason=reason))
        params.append(pytest.param(version, marks=marks, id=f"ocpp{version}"))
    metafunc.parametrize("ocpp_version", params)
