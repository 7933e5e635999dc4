"""pytest wiring for ocpp-upi-conformance: options, plugins, one run per OCPP version, reports.

The conformance suite (``steps/test_conformance.py``) runs every Gherkin scenario once for each
OCPP version the CSMS supports and the run selects. Scenario tags narrow that: ``@ocpp1.6``,
``@ocpp2.0.1``, ``@ocpp2.1`` (none = all three). Tags with a colon are requirement labels
(``@flow:static_qr``, ``@seed:2.1.1``, ``@uc:F02``, ``@tc:TC_011_1``) and become Allure labels.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from ocpp_upi.verdicts import NOT_APPLICABLE_PREFIX

if TYPE_CHECKING:
    from ocpp_upi.known_failures import KnownFailure

pytest_plugins = [
    "fixtures.verdicts",
    "fixtures.psp",
    "fixtures.runtime",
    "fixtures.csms",
    "fixtures.charger",
    "fixtures.bank",
    "fixtures.scenario",
    "fixtures.endpoints",
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
    "steps.core_steps",
    "steps.handshake_steps",
    "steps.operator_steps",
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
        "--known-failures",
        default=None,
        metavar="FILE",
        help="TOML list of scenarios the CSMS is known to fail ([[known_failure]]): reported as "
        "known failures; one that passes fails the run",
    )
    group.addoption(
        "--pay-page-driver",
        choices=("http", "browser"),
        default=None,
        help="drive the pay page with an HTTP client or the system's Chromium (overrides the "
        "profile's [pay_page] driver)",
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
    known = config.getoption("known_failures", None)
    if known:
        from ocpp_upi.known_failures import KnownFailuresError, load_known_failures

        try:
            config._ocpp_upi_known_failures = load_known_failures(known)  # type: ignore[attr-defined]
        except KnownFailuresError as exc:
            raise pytest.UsageError(str(exc)) from None
    path = config.getoption("csms_profile", None)
    if not path:
        return
    from ocpp_upi.config import ProfileError, load_profile

    try:
        profile = load_profile(path)
    except ProfileError as exc:
        raise pytest.UsageError(str(exc)) from None
    config._ocpp_upi_profile = profile  # type: ignore[attr-defined]
    from fixtures.summary import remember_profile

    remember_profile(profile)  # named in summary.json even if no scenario runs
    config._ocpp_upi_profile_versions = set(profile.target.versions)  # type: ignore[attr-defined]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Decide NOT APPLICABLE from the profile before any step runs, mark the declared known
    failures, then apply ``--only-feature static_qr`` (keep only that feature's scenarios)."""
    from fixtures.applicability import UnknownCapability, missing_capability
    from fixtures.scenario_meta import scenario_of

    profile = getattr(config, "_ocpp_upi_profile", None)
    for item in items:
        meta = scenario_of(item)
        if meta is None:
            continue
        try:
            reason = missing_capability(meta.tags, profile)
        except UnknownCapability as exc:
            raise pytest.UsageError(f"{meta.feature}.feature: {exc}") from None
        if reason is not None:
            item.add_marker(pytest.mark.skip(reason=NOT_APPLICABLE_PREFIX + reason))
    known = getattr(config, "_ocpp_upi_known_failures", ())
    if known:
        _mark_known_failures(config, items, known)
    wanted = set(config.getoption("only_feature") or [])
    if not wanted:
        return

    def feature_of(item: pytest.Item) -> str | None:
        meta = scenario_of(item)
        return meta.feature if meta is not None else None

    keep = [i for i in items if feature_of(i) in wanted or feature_of(i) is None]
    dropped = [i for i in items if i not in keep]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


def _mark_known_failures(
    config: pytest.Config, items: list[pytest.Item], known: tuple[KnownFailure, ...]
) -> None:
    """A declared scenario run is a strict xfail: only the CSMS's own failure (a
    ConformanceFailure) counts as the known one; a pass fails the run."""
    from fixtures.scenario_meta import all_scenario_titles, scenario_of, version_of
    from ocpp_upi.known_failures import KnownFailuresError, check_scenarios
    from ocpp_upi.verdicts import ConformanceFailure

    source = config.getoption("known_failures")
    # Against every scenario of the suite, not just the selected ones: -k must not turn a
    # correct title into an error.
    try:
        check_scenarios(known, all_scenario_titles(), source)
    except KnownFailuresError as exc:
        raise pytest.UsageError(str(exc)) from None
    for item in items:
        meta = scenario_of(item)
        if meta is None:
            continue
        declared = next((k for k in known if k.covers(meta.title, version_of(item))), None)
        if declared is not None:
            reason = f"known failure: {declared.reason} (if it passes now, remove it from {source})"
            item.add_marker(
                pytest.mark.xfail(reason=reason, strict=True, raises=ConformanceFailure)
            )
