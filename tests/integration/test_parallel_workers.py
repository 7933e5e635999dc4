"""Scenario runs on pytest-xdist workers give the verdicts and reports of a serial run.

``ocpp-upi run`` runs the bundled reference CSMS's suite on four workers. A concurrent run must
not change a verdict, lose a record or let a worker's reports overwrite another's: against a
CSMS that breaks rules (``StartsBeforePayment`` fails most pay-page scenarios) the serial and
the parallel run must agree on every scenario's verdict and reason, in summary.json, JUnit and
the Allure results alike.

Only the variant's own feature runs, as in the fault-detection matrix: a CSMS whose bug leaves
state behind (a session started for an unpaid order) can make a later scenario of another
feature fail on the same charger, and which scenario comes later depends on the schedule.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ocpp_upi.paths import CONFORMANCE_MODULE, PROJECT_ROOT

VARIANT = "tests.faults.variants:StartsBeforePayment"
BOUND_S = 300


def _run(reports: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pytest", str(CONFORMANCE_MODULE), "-p", "no:cacheprovider"]
    command += ["-q", "--csms-class", VARIANT, "--ocpp-versions", "2.1"]
    command += ["--only-feature", "redirect_qr"]
    command += ["--ocpp-upi-reports", str(reports), *extra]
    # Bytecode and pytest's rewritten modules are cached as in any run: a child that may not
    # write them rewrites about 190 modules (the plugin's distribution, pytest-bdd, anyio)
    # and compiles them again, about a second of CPU per process.
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return subprocess.run(
        command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=BOUND_S, env=env
    )


def _summary(reports: Path) -> dict[tuple[str, str], tuple[str, str]]:
    rows = json.loads((reports / "summary.json").read_text(encoding="utf-8"))["scenarios"]
    return {(r["scenario"], r["ocpp_version"]): (r["verdict"], r["reason"]) for r in rows}


def _junit_outcomes(reports: Path) -> Counter[str]:
    outcomes: Counter[str] = Counter()
    for case in ET.parse(reports / "junit.xml").getroot().iter("testcase"):
        tags = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
        outcomes[tags[0] if tags else "passed"] += 1
    return outcomes


def _allure_verdicts(reports: Path) -> Counter[str]:
    verdicts: Counter[str] = Counter()
    for path in (reports / "allure-results").glob("*-result.json"):
        labels = json.loads(path.read_text(encoding="utf-8"))["labels"]
        verdicts.update(label["value"] for label in labels if label["name"] == "verdict")
    return verdicts


def test_four_workers_judge_exactly_as_one(tmp_path: Path) -> None:
    serial_dir, parallel_dir = tmp_path / "serial", tmp_path / "parallel"
    with ThreadPoolExecutor(2) as pool:
        serial_job = pool.submit(_run, serial_dir)
        parallel_job = pool.submit(_run, parallel_dir, "-n", "4")
        serial, parallel = serial_job.result(), parallel_job.result()
    assert (serial_dir / "summary.json").exists(), serial.stdout[-3000:] + serial.stderr[-2000:]
    assert (parallel_dir / "summary.json").exists(), parallel.stdout[-3000:] + parallel.stderr

    one, four = _summary(serial_dir), _summary(parallel_dir)
    failed = [key for key, (verdict, _) in one.items() if verdict == "FAIL"]
    assert len(failed) >= 5, f"the variant no longer breaks enough rules to prove much: {one}"
    assert four == one
    assert _junit_outcomes(parallel_dir) == _junit_outcomes(serial_dir)
    assert _allure_verdicts(parallel_dir) == _allure_verdicts(serial_dir)
    assert len(list((parallel_dir / "traces").iterdir())) == len(failed)
    assert parallel.returncode == serial.returncode == 1
    assert "bringing up nodes" in parallel.stdout  # pytest-xdist did distribute the runs
