"""A pay page built by JavaScript: the browser driver pays there, the HTTP driver says it needs
the browser (ERROR, never a FAIL of a CSMS that did nothing wrong).

``JavaScriptPayPage`` serves the reference CSMS's pay page and intent page as an empty body that
a script fills in. Through the system's Chromium (Playwright, no browser download) every
redirect scenario passes; through the HTTP driver each is ERROR "needs the browser driver".
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from ocpp_upi.driver.browser import chromium_path
from ocpp_upi.paths import PROJECT_ROOT
from tests.suite_runner import Verdict, run_suite

# Every redirect scenario runs on 2.1 (none is defined for other versions only).
REDIRECT_SCENARIOS = (
    (PROJECT_ROOT / "features" / "redirect_qr.feature").read_text().count("Scenario:")
)
SELECT = (
    "--csms-class",
    "tests.faults.variants:JavaScriptPayPage",
    "--only-feature",
    "redirect_qr",
    "--ocpp-versions",
    "2.1",
)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Verdict]]:
    chromium_path()  # a missing Chromium fails here, naming the fix (make test installs it)
    base = tmp_path_factory.mktemp("browser")
    drivers = {"browser": ("--pay-page-driver", "browser"), "http": ()}

    def one(name: str) -> tuple[str, dict[str, Verdict]]:
        return name, run_suite(base / f"{name}.xml", *SELECT, *drivers[name])

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(one, drivers))


def test_the_browser_driver_pays_on_a_javascript_pay_page(
    runs: dict[str, dict[str, Verdict]],
) -> None:
    verdicts = runs["browser"]
    assert len(verdicts) == REDIRECT_SCENARIOS, sorted(verdicts)
    not_passed = {
        n: f"{v.verdict}: {v.message[:400]}" for n, v in verdicts.items() if v.verdict != "PASS"
    }
    assert not not_passed, not_passed


def test_the_http_driver_says_it_needs_the_browser(runs: dict[str, dict[str, Verdict]]) -> None:
    verdicts = runs["http"]
    assert len(verdicts) == REDIRECT_SCENARIOS, sorted(verdicts)
    for name, verdict in verdicts.items():
        assert verdict.verdict == "ERROR", (name, verdict.verdict, verdict.message[:400])
        assert "the pay page needs the browser driver" in verdict.message, verdict.message[:400]
