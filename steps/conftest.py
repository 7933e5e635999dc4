"""Parametrises every Gherkin scenario by OCPP version (only under steps/)."""

from __future__ import annotations

import pytest
from pytest_bdd.scenario import scenario_wrapper_template_registry

from ocpp_upi.ocpp.versions import VERSIONS

VERSION_TAGS = {f"ocpp{v}": v for v in VERSIONS}


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
    template = scenario_wrapper_template_registry.get(metafunc.function)
    if template is None:
        return
    tags = set(template.tags) | set(template.feature.tags)
    versions = _selected_versions(metafunc.config)
    tagged = [VERSION_TAGS[t] for t in tags if t in VERSION_TAGS]
    if tagged:
        versions = [v for v in versions if v in tagged]
    profile_versions = getattr(metafunc.config, "_ocpp_upi_profile_versions", None)
    if profile_versions is not None:
        versions = [v for v in versions if v in profile_versions]
    metafunc.parametrize("ocpp_version", versions, ids=[f"ocpp{v}" for v in versions])
