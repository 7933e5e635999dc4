"""Bring the Allure results in line with the scenario runs' verdicts, and group them.

allure-pytest-bdd decides a status from the exception type (any AssertionError is *failed*,
the rest *broken*) and writes nothing for a run that never reached its first step (NOT
APPLICABLE at collection, a fixture that failed). After the run, this module sets each result's
status from the harness's verdict, adds ``verdict`` and ``quirk`` labels, writes a result for
every run that has none, and writes ``categories.json`` so the report groups runs by verdict.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from pathlib import Path
from typing import Any

from ocpp_upi.reports.runs import ScenarioRun
from ocpp_upi.verdicts import Verdict

RUN_LABEL = "scenario_run"  # set on each result during the run: the pytest node id

STATUS = {
    Verdict.PASS: "passed",
    Verdict.FAIL: "failed",
    Verdict.ERROR: "broken",
    Verdict.NOT_APPLICABLE: "skipped",
    Verdict.KNOWN_FAILURE: "skipped",
    Verdict.UNEXPECTED_PASS: "failed",
}

CATEGORIES = [
    {
        "name": "FAIL: the CSMS broke a rule",
        "matchedStatuses": ["failed"],
        "messageRegex": "^FAIL: [\\s\\S]*",
    },
    {
        "name": "UNEXPECTED PASS: a declared known failure passed",
        "matchedStatuses": ["failed"],
        "messageRegex": "^UNEXPECTED PASS: [\\s\\S]*",
    },
    {
        "name": "ERROR: endpoint missing",
        "matchedStatuses": ["broken"],
        "messageRegex": "^ERROR: endpoint missing[\\s\\S]*",
    },
    {
        "name": "ERROR: the check could not run",
        "matchedStatuses": ["broken"],
        "messageRegex": "^ERROR: [\\s\\S]*",
    },
    {
        "name": "NOT APPLICABLE",
        "matchedStatuses": ["skipped"],
        "messageRegex": "^NOT APPLICABLE: [\\s\\S]*",
    },
    {
        "name": "KNOWN FAILURE",
        "matchedStatuses": ["skipped"],
        "messageRegex": "^KNOWN FAILURE: [\\s\\S]*",
    },
    {
        "name": "PASS with quirks",
        "matchedStatuses": ["passed"],
        "messageRegex": "^PASS \\(quirks\\): [\\s\\S]*",
    },
]


def _message(run: ScenarioRun) -> str | None:
    if run.verdict is Verdict.PASS and not run.quirks:
        return None
    return run.explanation()


def _run_of(result: dict[str, Any]) -> str | None:
    for label in result.get("labels", ()):
        if label.get("name") == RUN_LABEL:
            return label.get("value")
    return None


def _apply(result: dict[str, Any], run: ScenarioRun) -> None:
    result["status"] = STATUS[run.verdict]
    message = _message(run)
    details = result.setdefault("statusDetails", {})
    if message is not None:
        details["message"] = message
    labels = [
        label
        for label in result.setdefault("labels", [])
        if label.get("name") not in ("verdict", "quirk")
    ]
    labels.append({"name": "verdict", "value": run.graded})
    labels.extend({"name": "quirk", "value": q} for q in run.quirks)
    result["labels"] = _unique(labels)


def _unique(labels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """allure-pytest-bdd and the harness both tag a run with its Gherkin tags: keep one each."""
    seen: set[tuple[Any, Any]] = set()
    kept = []
    for label in labels:
        key = (label.get("name"), label.get("value"))
        if key not in seen:
            seen.add(key)
            kept.append(label)
    return kept


def _new_result(run: ScenarioRun) -> dict[str, Any]:
    """A result for a run that never reached a Gherkin step (so Allure saw nothing)."""
    now = int(time.time() * 1000)
    full_name = f"features/{run.feature}.feature:{run.scenario}"
    case_id = hashlib.md5(full_name.encode()).hexdigest()
    version = run.ocpp_version or ""
    return {
        "uuid": str(uuid.uuid4()),
        "name": run.title,
        "fullName": full_name,
        "testCaseId": case_id,
        "historyId": hashlib.md5(f"{full_name}[{version}]".encode()).hexdigest(),
        "start": now,
        "stop": now,
        "labels": [
            {"name": "feature", "value": run.feature},
            {"name": "epic", "value": run.feature},
            {"name": "ocpp_version", "value": version},
            {"name": RUN_LABEL, "value": run.nodeid},
            {"name": "framework", "value": "pytest-bdd"},
        ],
        "parameters": [{"name": "OCPP version", "value": version}],
        "steps": [],
        "attachments": [],
    }


def align_allure_results(directory: Path, runs: list[ScenarioRun]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    by_run = {run.nodeid: run for run in runs}
    seen: set[str] = set()
    for path in directory.glob("*-result.json"):
        result = json.loads(path.read_text(encoding="utf-8"))
        nodeid = _run_of(result)
        run = by_run.get(nodeid) if nodeid else None
        if run is None:
            continue
        seen.add(run.nodeid)
        _apply(result, run)
        path.write_text(json.dumps(result), encoding="utf-8")
    for run in runs:
        if run.nodeid in seen:
            continue
        result = _new_result(run)
        _apply(result, run)
        target = directory / f"{result['uuid']}-result.json"
        target.write_text(json.dumps(result), encoding="utf-8")
    (directory / "categories.json").write_text(json.dumps(CATEGORIES, indent=2), encoding="utf-8")


def write_allure_environment(directory: Path, values: dict[str, str]) -> None:
    """``environment.properties``: the report's Environment widget names the CSMS, the profile
    digest, the harness and schema versions, so a screenshot of it identifies the run."""
    directory.mkdir(parents=True, exist_ok=True)
    lines = [f"{_property_key(k)}={_property_value(v)}" for k, v in values.items()]
    (directory / "environment.properties").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _property_key(key: str) -> str:
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in key)


def _property_value(value: str) -> str:
    """Java properties escaping: backslash, and line breaks that would end the value."""
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
