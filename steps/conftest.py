"""Parametrises every Gherkin scenario by OCPP version (only under steps/)."""

from __future__ import annotations

import pytest

from fixtures.applicability import version_reason
from fixtures.scenario_meta import scenario_of_function
from ocpp_upi.ocpp.versions import VERSIONS
from ocpp_upi.verdicts import NOT_APPLICABLE_PREFIX


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
