"""The review page, built from a real run with a failing scenario, shows what a reviewer needs in
a real browser, offline.

The suite runs in a child process against ``BootClockOff`` (a CSMS whose boot answer carries a
clock two hours slow), so the boot scenario FAILs and the others pass; ``ocpp-upi report`` turns
that ``reports/`` into ``conformance.html``, and the system's Chromium (headless, through
Playwright, never a downloaded browser) opens it from a ``file://`` URL. The page must show the
matrix, the failing run open with its sequence diagram, and fetch nothing but itself.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ocpp_upi.driver.browser import CHROMIUM_ARGS, BrowserUnavailable, chromium_path
from ocpp_upi.reports.review import add_command
from tests.suite_runner import run_suite_timed

BOOT = "The CSMS accepts the boot with a heartbeat interval and its current time"
SELECT = (
    "--csms-class",
    "tests.faults.variants:BootClockOff",
    "--only-feature",
    "ocpp_frames",
    "--ocpp-versions",
    "2.0.1",
)


def _chromium() -> str:
    try:
        return chromium_path()
    except BrowserUnavailable as exc:
        pytest.skip(f"no system Chromium to open the report in: {exc}")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real run's reports/, and the review report built from it by the command."""
    _chromium()
    reports = tmp_path_factory.mktemp("review")
    run_suite_timed(
        reports / "junit.xml",
        *SELECT,
        "--summary-json",
        str(reports / "summary.json"),
        "--trace-dir",
        str(reports / "traces"),
    )
    parser = argparse.ArgumentParser(prog="ocpp-upi")
    add_command(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["report", "--reports-dir", str(reports)])
    assert args.handler(args, []) == 0
    return reports / "conformance.html"


@pytest.fixture(scope="module")
def page(report: Path) -> Iterator[tuple[Any, list[str]]]:
    """The report open in headless Chromium, with every request the page made."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=_chromium(), args=list(CHROMIUM_ARGS))
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            requests: list[str] = []
            page.on("request", lambda request: requests.append(request.url))
            page.goto(report.as_uri(), wait_until="load")
            yield page, requests
        finally:
            browser.close()


@pytest.mark.slow
def test_the_matrix_shows_the_failure_next_to_the_passes(page: tuple[Any, list[str]]) -> None:
    view, _ = page
    matrix = view.locator("table#matrix")
    assert matrix.is_visible()
    row = matrix.locator("tbody tr", has_text="ocpp_frames")
    assert row.locator("td", has_text="1 FAIL").first.is_visible()
    assert "10 PASS" in row.inner_text()
    assert "OCPP 2.0.1" in matrix.locator("thead").inner_text()


@pytest.mark.slow
def test_the_failing_run_is_open_with_its_sequence_diagram(page: tuple[Any, list[str]]) -> None:
    view, _ = page
    failing = view.locator("details.run[open]", has_text=BOOT)
    assert failing.count() == 1
    assert failing.locator("summary .badge", has_text="FAIL").first.is_visible()
    assert failing.locator("dd", has_text="Then the CSMS accepted the boot").first.is_visible()
    assert failing.locator("dd", has_text="s away from UTC now").first.is_visible()  # arrived
    diagram = failing.locator("svg.sequence")
    diagram.scroll_into_view_if_needed()
    assert diagram.is_visible()
    box = diagram.bounding_box()
    assert box is not None and box["width"] > 500 and box["height"] > 200
    boot = diagram.locator("g.frame", has_text="CALL BootNotification")
    assert boot.count() == 1 and boot.is_visible()
    assert diagram.locator("g.frame", has_text="CALLRESULT BootNotification").count() == 1
    # the trace text is there too, folded
    assert failing.locator("details.raw:not([open])").count() == 1


@pytest.mark.slow
def test_passing_runs_are_folded(page: tuple[Any, list[str]]) -> None:
    view, _ = page
    assert view.locator("details.run[open]").count() == 1
    folded = view.locator("details.run:not([open])")
    assert folded.count() == 13  # 10 PASS and the three TLS scenarios, NOT APPLICABLE here
    assert not folded.first.locator("dl").is_visible()


@pytest.mark.slow
def test_the_page_makes_no_request_but_for_itself(
    page: tuple[Any, list[str]], report: Path
) -> None:
    view, requests = page
    view.wait_for_load_state("networkidle")
    assert requests == [report.as_uri()]
