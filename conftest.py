"""pytest wiring for ocpp-upi-conformance: options, plugins, one run per OCPP version, reports.

The conformance suite (``steps/test_conformance.py``) runs every Gherkin scenario once for each
OCPP version the CSMS supports and the run selects. Scenario tags narrow that: ``@ocpp1.6``,
``@ocpp2.0.1``, ``@ocpp2.1`` (none = all three). Tags with a colon are requirement labels
(``@flow:static_qr``, ``@seed:2.1.1``, ``@uc:F02``, ``@tc:TC_011_1``) and become Allure labels.
"""

from __future__ import annotations

import pytest

pytest_plugins = [
    "fixtures.summary",
    "fixtures.psp",
    "fixtures.runtime",
    "fixtures.csms",
    "fixtures.charger",
    "fixtures.bank",
    "fixtures.scenario",
    "fixtures.world",
    "fixtures.reporting",
    "steps.charger_steps",
    "steps.bank_steps",
    "steps.remote_start_steps",
    "steps.qr_steps",
    "steps.limit_steps",  # before payment_steps, which imports it
    "steps.payment_steps",
    "steps.refund_steps",
    "steps.web_payment_steps",
    "steps.webhook_steps",
    "steps.frame_steps",
]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ocpp-upi", "ocpp-upi conformance harness")
    group.addoption(
        "--csms-profile",
        default=None,
        help="TOML integration profile of the CSMS under test (default: bundled reference CSMS)",
    )
    group.addoption(
        "--csms-class",
        default=None,
        help="module:Class of a ReferenceCsms variant to run in-process (self-tests)",
    )
    group.addoption(
        "--ocpp-versions",
        default="1.6,2.0.1,2.1",
        help="comma-separated OCPP versions to run each scenario for",
    )
    group.addoption(
        "--only-feature",
        action="append",
        default=[],
        help="run only this feature file (name without .feature, e.g. static_qr); repeatable",
    )
    group.addoption(
        "--summary-json",
        default=None,
        help="write a JSON conformance summary (versions, profile digest, verdicts) here",
    )
    group.addoption(
        "--quiet-window",
        type=float,
        default=None,
        help="seconds a negative check waits for nothing to happen (overrides the profile)",
    )


def pytest_bdd_apply_tag(tag: str, function: object) -> bool | None:
    """Requirement tags (with a colon) are report labels, not pytest marks."""
    return True if ":" in tag else None


def pytest_configure(config: pytest.Config) -> None:
    """Register the plain scenario tags, then load an external profile early: its OCPP
    versions decide which runs are collected."""
    config.addinivalue_line("markers", "security: a scenario about webhook or transport security")
    config.addinivalue_line("markers", "resilience: the CSMS copes with a misbehaving PSP")
    for version in ("1.6", "2.0.1", "2.1"):
        config.addinivalue_line(
            "markers", f"ocpp{version}: scenario applies only to OCPP {version}"
        )
    path = config.getoption("csms_profile", None)
    if not path:
        return
    from ocpp_upi.config import ProfileError, load_profile

    try:
        profile = load_profile(path)
    except ProfileError as exc:
        raise pytest.UsageError(str(exc)) from None
    config._ocpp_upi_profile_versions = set(profile.target.versions)  # type: ignore[attr-defined]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``--only-feature static_qr`` keeps only that feature's scenarios (for focused runs)."""
    wanted = set(config.getoption("only_feature") or [])
    if not wanted:
        return
    from pathlib import Path

    from pytest_bdd.scenario import scenario_wrapper_template_registry

    def feature_of(item: pytest.Item) -> str | None:
        template = scenario_wrapper_template_registry.get(getattr(item, "function", None))
        return Path(template.feature.filename).stem if template is not None else None

    keep = [i for i in items if feature_of(i) in wanted or feature_of(i) is None]
    dropped = [i for i in items if i not in keep]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep
