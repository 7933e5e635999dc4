"""JUnit XML from the scenario runs: what CI systems read.

Written by the harness rather than pytest's ``--junitxml`` because pytest files every failure of
a test's call as ``<failure>``; a certifier needs ERROR (the check could not run) apart from
FAIL (the CSMS broke a rule), and the NOT APPLICABLE reason on every skipped run.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from ocpp_upi.reports.runs import ScenarioRun, junit_totals
from ocpp_upi.verdicts import Verdict

SUITE_NAME = "ocpp-upi conformance"


def _text(run: ScenarioRun) -> str:
    if run.trace:
        return f"{run.explanation()}\n--- frame trace ---\n{run.trace}"
    return run.explanation()


def _case(run: ScenarioRun) -> ET.Element:
    case = ET.Element(
        "testcase",
        classname=f"features.{run.feature}",
        name=run.name,
        time=f"{run.seconds:.3f}",
    )
    properties = ET.SubElement(case, "properties")
    for name, value in (
        ("verdict", run.graded),
        ("scenario", run.scenario),
        ("ocpp_version", run.ocpp_version or ""),
        *(("requirement", r) for r in run.requirements),
        *(("quirk", q) for q in run.quirks),
    ):
        ET.SubElement(properties, "property", name=name, value=value)
    message = f"{run.verdict}: {run.reason}"[:1000]
    if run.verdict in (Verdict.FAIL, Verdict.UNEXPECTED_PASS):
        ET.SubElement(case, "failure", message=message).text = _text(run)
    elif run.verdict is Verdict.ERROR:
        ET.SubElement(case, "error", message=message).text = _text(run)
    elif run.verdict in (Verdict.NOT_APPLICABLE, Verdict.KNOWN_FAILURE):
        ET.SubElement(case, "skipped", message=message).text = _text(run)
    elif run.quirks:
        ET.SubElement(case, "system-out").text = _text(run)
    return case


def write_junit(path: Path, runs: list[ScenarioRun], seconds: float) -> None:
    counts = {k: str(v) for k, v in junit_totals(runs).items()}
    attributes = {"name": SUITE_NAME, "time": f"{seconds:.3f}", **counts}
    root = ET.Element("testsuites", attributes)
    suite = ET.SubElement(root, "testsuite", attributes)
    for run in runs:
        suite.append(_case(run))
    ET.indent(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
