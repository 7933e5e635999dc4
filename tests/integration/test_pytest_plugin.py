"""The suite added to a team's own pytest run gives the verdicts and reports of ``ocpp-upi run``.

Against this checkout's installed harness (``pip install -e .``): a project of its own, with
fixtures named like the harness's, runs ``pytest`` with and without ``--ocpp-upi``.
``tests/integration/test_installed_wheel.py`` repeats this from a built wheel.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.integration.plugin_project import (
    OWN_TESTS,
    SELECTION,
    TEAM_FILE,
    run_pytest,
    verdicts,
    write_project,
)

PYTEST = Path(sys.executable).parent / "pytest"
OCPP_UPI = Path(sys.executable).parent / "ocpp-upi"


def test_without_the_option_the_plugin_changes_nothing(tmp_path: Path) -> None:
    project = write_project(tmp_path / "team")
    run = run_pytest(PYTEST, project, "-q")
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "2 passed" in output
    assert "ocpp-upi verdicts" not in output  # no scenario collected, no harness report


def test_the_suite_in_a_teams_run_matches_ocpp_upi_run(tmp_path: Path) -> None:
    project = write_project(tmp_path / "team")
    reports = project / "conformance"
    stale = reports / "allure-results" / "stale-result.json"
    stale.parent.mkdir(parents=True)
    stale.write_text("{}")

    # The team names its own test_conformance.py: the suite's module must still be added.
    plugin_run = run_pytest(
        PYTEST,
        project,
        TEAM_FILE,
        "--ocpp-upi",
        *SELECTION,
        "--ocpp-upi-reports",
        str(reports),
        "-rA",
    )
    output = plugin_run.stdout + plugin_run.stderr
    assert plugin_run.returncode == 0, output[-4000:]
    for name in OWN_TESTS:
        assert f"PASSED {TEAM_FILE}::{name}" in output, output[-4000:]
    for report in ("junit.xml", "summary.json", "allure-results"):
        assert (reports / report).exists(), f"--ocpp-upi-reports wrote no {report}"
    assert not stale.exists(), "a stale Allure result survived into the new run"
    from_plugin = verdicts(reports / "summary.json")
    assert from_plugin, "the plugin run recorded no scenario"
    assert set(from_plugin.values()) == {"PASS"}, from_plugin

    cli_run = subprocess.run(
        [str(OCPP_UPI), "run", "--ocpp", "2.1", "--", "--only-feature", "static_qr", "-q"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert cli_run.returncode == 0, (cli_run.stdout + cli_run.stderr)[-4000:]
    assert verdicts(tmp_path / "reports" / "summary.json") == from_plugin
