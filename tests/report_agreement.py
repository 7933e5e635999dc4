"""One check that the four reports of a run say the same thing about every scenario run.

The console table, the JUnit XML, ``summary.json`` and the Allure results are written from one
list of verdicts; this reads each back as a reviewer's tool would and compares them run by run
and in total, so a writer that drifts is caught on a real run, not only in unit tests.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

JUNIT_KIND = {
    "PASS": None,
    "FAIL": "failure",
    "UNEXPECTED PASS": "failure",
    "ERROR": "error",
    "NOT APPLICABLE": "skipped",
    "KNOWN FAILURE": "skipped",
}
ALLURE_STATUS = {
    "PASS": "passed",
    "FAIL": "failed",
    "UNEXPECTED PASS": "failed",
    "ERROR": "broken",
    "NOT APPLICABLE": "skipped",
    "KNOWN FAILURE": "skipped",
}
CONSOLE_COLUMNS = ("PASS", "FAIL", "ERROR", "NOT APPLICABLE", "KNOWN FAILURE", "UNEXPECTED PASS")


def _summary_rows(path: Path) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    summary = json.loads(path.read_text(encoding="utf-8"))
    return summary, {row["test"]: row for row in summary["scenarios"]}


def _junit(path: Path) -> tuple[dict[str, str], dict[str, str | None]]:
    root = ET.parse(path).getroot()
    kinds: dict[str, str | None] = {}
    for case in root.iter("testcase"):
        tags = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
        kinds[case.get("name", "")] = tags[0] if tags else None
    totals = {k: root.get(k, "") for k in ("tests", "failures", "errors", "skipped")}
    return totals, kinds


def _allure(directory: Path) -> dict[str, tuple[str, str]]:
    found: dict[str, tuple[str, str]] = {}
    for path in directory.glob("*-result.json"):
        result = json.loads(path.read_text(encoding="utf-8"))
        labels = {label["name"]: label["value"] for label in result.get("labels", [])}
        found[labels["scenario_run"]] = (result["status"], labels.get("verdict", ""))
    return found


def _console_totals(output: str) -> list[int]:
    match = re.search(r"^total\s+((?:\d+\s+){6}\d+)\s*$", output, re.MULTILINE)
    assert match, f"no verdict table in the console output:\n{output[-2000:]}"
    return [int(n) for n in match.group(1).split()]


def assert_reports_agree(junit: Path, summary_path: Path, allure_dir: Path, output: str) -> None:
    summary, rows = _summary_rows(summary_path)
    # a verdict is traceable to the harness release and the schema set it was judged by
    assert summary["harness_version"] and len(summary["schema_manifest_sha256"]) == 64
    assert set(summary["schemas"]) == {"1.6", "2.0.1", "2.1"}
    totals, kinds = _junit(junit)
    assert set(kinds) == set(rows), (sorted(set(kinds) ^ set(rows)), "JUnit vs summary.json")
    for name, row in rows.items():
        assert kinds[name] == JUNIT_KIND[row["verdict"]], (name, row["verdict"], kinds[name])
        if row["verdict"] == "NOT APPLICABLE":
            assert row["reason"], f"{name}: NOT APPLICABLE without a reason"
    counted = Counter(row["verdict"] for row in rows.values())
    assert totals == {
        "tests": str(len(rows)),
        "failures": str(counted["FAIL"] + counted["UNEXPECTED PASS"]),
        "errors": str(counted["ERROR"]),
        "skipped": str(counted["NOT APPLICABLE"] + counted["KNOWN FAILURE"]),
    }, totals
    assert summary["junit_totals"] == {k: int(v) for k, v in totals.items()}
    for verdict in CONSOLE_COLUMNS:
        assert summary["totals"][verdict] == counted[verdict], verdict
    allure = _allure(allure_dir)
    by_nodeid = {row["test"]: row for row in rows.values()}
    assert len(allure) == len(rows), (len(allure), len(rows), "Allure vs summary.json")
    for nodeid, (status, verdict) in allure.items():
        name = nodeid.rsplit("::", 1)[-1]
        row = by_nodeid[name]
        assert status == ALLURE_STATUS[row["verdict"]], (name, status, row["verdict"])
        assert verdict.removesuffix(" (quirks)") == row["verdict"], (name, verdict)
    if not rows:
        assert "no scenario ran: the selection matched nothing" in output
        return
    console = _console_totals(output)
    quirky = sum(1 for row in rows.values() if row["verdict"] == "PASS" and row["quirks"])
    assert console == [*(counted[v] for v in CONSOLE_COLUMNS), quirky], console
