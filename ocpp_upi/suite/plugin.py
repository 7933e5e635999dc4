"""The conformance suite as a pytest plugin (entry point ``pytest11``: ``ocpp-upi``).

``ocpp-upi run`` is this plugin driven by a command line; a team that already runs pytest adds
the suite to its own run with ``pytest --ocpp-upi`` and the same options (profile, versions,
reports). Installed, the plugin is always loaded, so it must cost nothing and change nothing in a
pytest run that did not ask for the suite: at load time it only declares its options. The step
definitions and fixtures (``ocpp_upi.suite.steps`` / ``ocpp_upi.suite.fixtures``) are loaded
only when the suite is requested, by ``--ocpp-upi`` or by naming the suite's module or folder.

Each Gherkin scenario runs once for each OCPP version the CSMS supports and the run selects
(``ocpp_upi.suite.steps.conftest``). Scenario tags narrow that: ``@ocpp1.6``, ``@ocpp2.0.1``,
``@ocpp2.1`` (none = all three). Tags with a colon are requirement labels (``@flow:static_qr``,
``@seed:2.1.1``, ``@uc:F02``, ``@tc:TC_011_1``) and become Allure labels.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from ocpp_upi.paths import CONFORMANCE_MODULE
from ocpp_upi.reports.layout import ReportLayout
from ocpp_upi.verdicts import NOT_APPLICABLE_PREFIX

if TYPE_CHECKING:
    from ocpp_upi.known_failures import KnownFailure
    from ocpp_upi.suite.fixtures.step_lookup import CachedStepLookup

SUITE_PLUGINS = (
    "ocpp_upi.suite.fixtures.verdicts",
    "ocpp_upi.suite.fixtures.reporting",
    "ocpp_upi.suite.steps.charger_steps",
    "ocpp_upi.suite.steps.bank_steps",
    "ocpp_upi.suite.steps.remote_start_steps",
    "ocpp_upi.suite.steps.qr_steps",
    "ocpp_upi.suite.steps.limit_steps",  # before payment_steps, which imports it
    "ocpp_upi.suite.steps.payment_steps",
    "ocpp_upi.suite.steps.refund_steps",
    "ocpp_upi.suite.steps.web_payment_steps",
    "ocpp_upi.suite.steps.webhook_steps",
    "ocpp_upi.suite.steps.frame_steps",
    "ocpp_upi.suite.steps.core_steps",
    "ocpp_upi.suite.steps.handshake_steps",
    "ocpp_upi.suite.steps.operator_steps",
)
"""The suite's hooks and step definitions, in load order (its fixtures are declared in
``ocpp_upi.suite.steps.conftest``, scoped to the suite's scenarios)."""

_ENABLED = pytest.StashKey[bool]()
_STEP_LOOKUP: pytest.StashKey[CachedStepLookup] = pytest.StashKey()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ocpp-upi", "ocpp-upi conformance harness")
    group.addoption(
        "--ocpp-upi",
        action="store_true",
        default=False,
        help="add the ocpp-upi conformance suite to this pytest run",
    )
    group.addoption(
        "--ocpp-upi-reports",
        default=None,
        metavar="DIR",
        help="write the run's reports here as `ocpp-upi run` does: junit.xml, summary.json, "
        "allure-results/ and traces/ (stale ones are removed first)",
    )
    group.addoption(
        "--csms-profile",
        default=None,
        help="TOML integration profile of the CSMS under test (default: bundled reference CSMS)",
    )
    group.addoption(
        "--reference-security-profile",
        type=int,
        choices=(1, 2, 3),
        default=1,
        help="the bundled reference CSMS's OCPP security profile: 1 (Basic auth, default), "
        "2 (TLS and Basic auth) or 3 (TLS and client certificates), with certificates "
        "generated for the run",
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
        "--junit-report",
        default=None,
        metavar="PATH",
        help="write JUnit XML with one verdict per scenario run (FAIL = failure, ERROR = error, "
        "NOT APPLICABLE / KNOWN FAILURE = skipped with the reason)",
    )
    group.addoption(
        "--trace-dir",
        default=None,
        metavar="DIR",
        help="write the frame trace of every FAIL and ERROR here, one file per scenario run",
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
    group.addoption(
        "--timeout",
        action="append",
        default=[],
        metavar="NAME=SECONDS",
        dest="ocpp_upi_timeouts",
        help="override one of the profile's [timeouts] for this run (repeatable), e.g. "
        "response=20 against a slow staging CSMS",
    )


@pytest.hookimpl(tryfirst=True)  # pytest-bdd's own implementation may be registered later
def pytest_bdd_apply_tag(tag: str, function: object) -> bool | None:
    """Requirement tags (with a colon) are report labels, not pytest marks."""
    return True if ":" in tag else None


def suite_requested(config: pytest.Config) -> bool:
    """``--ocpp-upi``, or a command line naming the suite's module or its folder."""
    return bool(config.getoption("ocpp_upi", False)) or _args_name_suite(config)


def _args_name_suite(config: pytest.Config) -> bool:
    """Whether a command-line path is the suite's module or its folder (by resolved path: a
    team's own ``test_conformance.py`` is not the suite's)."""
    suite = CONFORMANCE_MODULE.resolve()
    for arg in config.args:
        path = Path(arg.split("::", 1)[0])
        if not path.is_absolute():
            path = config.invocation_params.dir / path
        try:
            resolved = path.resolve()
        except OSError:
            continue
        if resolved in (suite, suite.parent):
            return True
    return False


@pytest.hookimpl(tryfirst=True)  # before allure's own configure reads --alluredir
def pytest_configure(config: pytest.Config) -> None:
    """Register the scenario tags; when the suite is requested, load its steps and fixtures,
    lay out the reports and load an external profile early (its OCPP versions decide which
    runs are collected)."""
    config.addinivalue_line("markers", "security: a scenario about webhook or transport security")
    config.addinivalue_line("markers", "resilience: the CSMS copes with a misbehaving PSP")
    for version in ("1.6", "2.0.1", "2.1"):
        config.addinivalue_line(
            "markers", f"ocpp{version}: scenario applies only to OCPP {version}"
        )
    enabled = suite_requested(config)
    config.stash[_ENABLED] = enabled
    if not enabled:
        return
    if config.getoption("ocpp_upi", False) and not _args_name_suite(config):
        config.args.append(str(CONFORMANCE_MODULE))
    _refuse_parallel_external_csms(config)
    from ocpp_upi.config import parse_timeout_overrides

    try:
        parse_timeout_overrides(config.getoption("ocpp_upi_timeouts"))
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from exc
    _lay_out_reports(config)
    for name in SUITE_PLUGINS:
        config.pluginmanager.import_plugin(name)
    from ocpp_upi.suite.fixtures.step_lookup import CachedStepLookup

    lookup = config.stash[_STEP_LOOKUP] = CachedStepLookup()
    lookup.install()
    _load_known_failures(config)
    _load_profile(config)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Give pytest-bdd its own step lookup back (a run inside another, as pytester makes)."""
    lookup = config.stash.get(_STEP_LOOKUP, None)
    if lookup is not None:
        lookup.uninstall()


def _refuse_parallel_external_csms(config: pytest.Config) -> None:
    """pytest-xdist workers each start their own reference CSMS and mocks; against an external
    CSMS they would share its charger identities and bind the mock PSP's one port."""
    workers = getattr(config.option, "numprocesses", None)
    if config.getoption("csms_profile", None) and workers not in (None, 0):
        raise pytest.UsageError(
            f"-n {workers}: an external CSMS (--csms-profile) runs one scenario at a time; "
            "parallel workers need the bundled reference CSMS"
        )


def _lay_out_reports(config: pytest.Config) -> None:
    """``--ocpp-upi-reports DIR`` fills in every report option not given explicitly."""
    directory = config.getoption("ocpp_upi_reports", None)
    if not directory:
        return
    layout = ReportLayout(Path(directory).resolve())
    if not hasattr(config, "workerinput"):  # a pytest-xdist worker must not wipe its siblings'
        layout.start_fresh()
    option = config.option
    if not getattr(option, "junit_report", None):
        option.junit_report = str(layout.junit)
    if not getattr(option, "summary_json", None):
        option.summary_json = str(layout.summary)
    if not getattr(option, "trace_dir", None):
        option.trace_dir = str(layout.traces)
    if hasattr(option, "allure_report_dir") and not option.allure_report_dir:
        option.allure_report_dir = str(layout.allure_results)


def _load_known_failures(config: pytest.Config) -> None:
    known = config.getoption("known_failures", None)
    if not known:
        return
    from ocpp_upi.known_failures import KnownFailuresError, load_known_failures

    try:
        config._ocpp_upi_known_failures = load_known_failures(known)  # type: ignore[attr-defined]
    except KnownFailuresError as exc:
        raise pytest.UsageError(str(exc)) from None


def _load_profile(config: pytest.Config) -> None:
    path = config.getoption("csms_profile", None)
    if not path:
        return
    from ocpp_upi.config import ProfileError, load_profile
    from ocpp_upi.suite.fixtures.summary import remember_profile

    try:
        profile = load_profile(path)
    except ProfileError as exc:
        raise pytest.UsageError(str(exc)) from None
    config._ocpp_upi_profile = profile  # type: ignore[attr-defined]
    remember_profile(profile)  # named in summary.json even if no scenario runs
    config._ocpp_upi_profile_versions = set(profile.target.versions)  # type: ignore[attr-defined]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Decide NOT APPLICABLE from the profile before any step runs, mark the declared known
    failures, then apply ``--only-feature static_qr`` (keep only that feature's scenarios).
    Items that are not the suite's scenarios (the user's own tests) are left alone."""
    if not config.stash.get(_ENABLED, False):
        return
    from ocpp_upi.suite.fixtures.applicability import (
        UnknownCapability,
        missing_capability,
        missing_for_reference,
        reference_security_profile,
    )
    from ocpp_upi.suite.fixtures.scenario_meta import scenario_of

    profile = getattr(config, "_ocpp_upi_profile", None)
    reference_profile = reference_security_profile(config)
    for item in items:
        meta = scenario_of(item)
        if meta is None:
            continue
        try:
            if profile is None:  # the bundled reference CSMS
                reason = missing_for_reference(meta.tags, reference_profile)
            else:
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

    def dropped_by_feature(item: pytest.Item) -> bool:
        meta = scenario_of(item)
        return meta is not None and meta.feature not in wanted

    dropped = [i for i in items if dropped_by_feature(i)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [i for i in items if not dropped_by_feature(i)]


def _mark_known_failures(
    config: pytest.Config, items: list[pytest.Item], known: tuple[KnownFailure, ...]
) -> None:
    """A declared scenario run is a strict xfail: only the CSMS's own failure (a
    ConformanceFailure) counts as the known one; a pass fails the run."""
    from ocpp_upi.known_failures import KnownFailuresError, check_scenarios
    from ocpp_upi.suite.fixtures.scenario_meta import all_scenario_titles, scenario_of, version_of
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
