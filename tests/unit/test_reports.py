"""The reports agree by construction: every writer reads the same scenario runs. These tests
pin how each verdict appears in each report, so a writer cannot drift from the others."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

from ocpp_upi.reports.allure_results import (
    RUN_LABEL,
    STATUS,
    align_allure_results,
    write_allure_environment,
)
from ocpp_upi.reports.console import progress_line, verdict_table
from ocpp_upi.reports.junit import write_junit
from ocpp_upi.reports.runs import ScenarioRun, junit_totals, totals
from ocpp_upi.verdicts import Verdict


def _run(verdict: Verdict, name: str, **changes: object) -> ScenarioRun:
    base = ScenarioRun(
        nodeid=f"steps/test_conformance.py::{name}[ocpp1.6]",
        name=f"{name}[ocpp1.6]",
        feature="static_qr",
        scenario=name.replace("_", " "),
        ocpp_version="1.6",
        requirements=["seed:2.1.1"],
        verdict=verdict,
        reason="" if verdict is Verdict.PASS else f"why {name}",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


RUNS = [
    _run(Verdict.PASS, "plain_pass"),
    _run(Verdict.PASS, "quirky_pass", quirks=["NotSupported for an unknown action"]),
    _run(Verdict.FAIL, "broken_rule", detail="expected: 4xx\narrived:  HTTP 200", trace="#1 ..."),
    _run(Verdict.ERROR, "missing_endpoint", reason="endpoint missing: bank webhook ... 405"),
    _run(Verdict.NOT_APPLICABLE, "not_offered", reason="the profile has no [psp] table"),
    _run(Verdict.KNOWN_FAILURE, "declared", reason="CSMS-123"),
    _run(Verdict.UNEXPECTED_PASS, "stale_declaration"),
]


def test_totals_name_every_verdict_and_match_junit_counting() -> None:
    counted = totals(RUNS)
    assert counted == {
        "PASS": 2,
        "FAIL": 1,
        "ERROR": 1,
        "NOT APPLICABLE": 1,
        "KNOWN FAILURE": 1,
        "UNEXPECTED PASS": 1,
        "PASS with quirks": 1,
        "total": 7,
    }
    assert junit_totals(RUNS) == {"tests": 7, "failures": 2, "errors": 1, "skipped": 2}


def test_junit_files_each_verdict_under_its_own_element(tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    write_junit(path, RUNS, 1.5)
    root = ET.parse(path).getroot()
    assert (root.get("tests"), root.get("failures"), root.get("errors"), root.get("skipped")) == (
        "7",
        "2",
        "1",
        "2",
    )
    cases = {c.get("name"): c for c in root.iter("testcase")}
    kinds = {
        name.split("[")[0]: [child.tag for child in case if child.tag != "properties"]
        for name, case in cases.items()
    }
    assert kinds == {
        "plain_pass": [],
        "quirky_pass": ["system-out"],
        "broken_rule": ["failure"],
        "missing_endpoint": ["error"],
        "not_offered": ["skipped"],
        "declared": ["skipped"],
        "stale_declaration": ["failure"],
    }
    skipped = cases["not_offered[ocpp1.6]"].find("skipped")
    assert skipped is not None
    assert skipped.get("message") == "NOT APPLICABLE: the profile has no [psp] table"
    failure = cases["broken_rule[ocpp1.6]"].find("failure")
    assert failure is not None and "arrived:  HTTP 200" in (failure.text or "")
    assert "--- frame trace ---\n#1 ..." in (failure.text or "")
    verdicts = {
        name: {p.get("name"): p.get("value") for p in case.iter("property")}["verdict"]
        for name, case in cases.items()
    }
    assert verdicts["quirky_pass[ocpp1.6]"] == "PASS (quirks)"


def test_allure_results_take_the_verdict_and_missing_ones_are_written(tmp_path: Path) -> None:
    existing = {
        "uuid": "u1",
        "name": "broken rule [OCPP 1.6]",
        "status": "passed",  # what allure-pytest-bdd might have said
        "labels": [{"name": RUN_LABEL, "value": RUNS[2].nodeid}],
    }
    (tmp_path / "u1-result.json").write_text(json.dumps(existing), encoding="utf-8")
    align_allure_results(tmp_path, RUNS)
    results = [json.loads(p.read_text()) for p in tmp_path.glob("*-result.json")]
    by_run = {
        next(lb["value"] for lb in r["labels"] if lb["name"] == RUN_LABEL): r for r in results
    }
    assert len(by_run) == len(RUNS) == len(results)
    for run in RUNS:
        result = by_run[run.nodeid]
        assert result["status"] == STATUS[run.verdict], run.name
        labels = {lb["name"]: lb["value"] for lb in result["labels"]}
        assert labels["verdict"] == run.graded
    assert by_run[RUNS[2].nodeid]["statusDetails"]["message"].startswith("FAIL: why broken_rule")
    assert by_run[RUNS[1].nodeid]["statusDetails"]["message"].startswith("PASS (quirks): ")
    categories = json.loads((tmp_path / "categories.json").read_text())
    assert {c["name"].split(":")[0] for c in categories} >= {
        "FAIL",
        "ERROR",
        "NOT APPLICABLE",
        "KNOWN FAILURE",
        "UNEXPECTED PASS",
        "PASS with quirks",
    }


def test_progress_line_says_why_for_anything_but_a_plain_pass() -> None:
    assert "\n" not in progress_line(RUNS[0])
    line = progress_line(RUNS[3])
    assert line.startswith("ERROR") and "endpoint missing: bank webhook" in line
    assert "NotSupported" in progress_line(RUNS[1])


def test_verdict_table_totals_equal_the_summary_totals() -> None:
    lines = verdict_table(RUNS)
    assert lines[0].split() == [
        "feature",
        "OCPP",
        "PASS",
        "FAIL",
        "ERROR",
        "N/A",
        "KNOWN",
        "UNEXP",
        "quirks",
    ]
    assert lines[2].split() == ["static_qr", "1.6", "2", "1", "1", "1", "1", "1", "1"]
    assert lines[-1].split() == ["total", "2", "1", "1", "1", "1", "1", "1"]


def test_allure_labels_are_unique_and_the_environment_names_the_run(tmp_path: Path) -> None:
    existing = {
        "uuid": "u2",
        "name": "doubly tagged",
        "status": "passed",
        "labels": [
            {"name": RUN_LABEL, "value": RUNS[0].nodeid},
            {"name": "tag", "value": "security"},
            {"name": "tag", "value": "security"},
        ],
    }
    (tmp_path / "u2-result.json").write_text(json.dumps(existing), encoding="utf-8")
    align_allure_results(tmp_path, RUNS[:1])
    labels = json.loads((tmp_path / "u2-result.json").read_text())["labels"]
    pairs = [(lb["name"], lb["value"]) for lb in labels]
    assert len(pairs) == len(set(pairs)) and ("tag", "security") in pairs
    write_allure_environment(tmp_path, {"CSMS": "Acme\nCSMS", "profile digest": "ab\\c"})
    text = (tmp_path / "environment.properties").read_text()
    assert text == "CSMS=Acme\\nCSMS\nprofile_digest=ab\\\\c\n"


def test_a_run_record_crosses_from_an_xdist_worker_unchanged() -> None:
    """A worker hands its record to the controller as plain data; every field survives."""
    run = ScenarioRun(
        nodeid="steps/test_conformance.py::test_x[ocpp2.1]",
        name="test_x[ocpp2.1]",
        feature="static_qr",
        scenario="A credit starts the EVSE",
        ocpp_version="2.1",
        requirements=["uc:F02", "seed:3.2"],
        verdict=Verdict.FAIL,
        reason="the CSMS started EVSE 2",
        detail="expected: EVSE 1\narrived: EVSE 2",
        step="Then the CSMS remotely starts EVSE 1",
        not_run=["And the charger's transaction on EVSE 1 begins"],
        quirks=["kept the socket open"],
        seconds=1.25,
        trace="-> [2, ...]",
        trace_file="/tmp/trace.txt",
    )
    wire = run.to_wire()
    assert json.loads(json.dumps(wire)) == wire  # plain data only: execnet can carry it
    assert ScenarioRun.from_wire(wire) == run
