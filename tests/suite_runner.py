"""Runs the conformance suite in a child process and reads its verdicts from the JUnit XML.

The self-tests judge the suite from the outside, exactly as CI would read it: which scenario
runs passed, which failed, and with what message. A child process keeps the suite's event loop,
plugins and in-process CSMS apart from the test that inspects it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from ocpp_upi.cli import SUITE_BLOCKED_PLUGINS
from ocpp_upi.paths import PROJECT_ROOT

SUITE = str(PROJECT_ROOT / "steps" / "test_conformance.py")
# A bound on the whole child run, never reached by a healthy suite: the harness's own deadlines
# end every scenario long before it.
CHILD_TIMEOUT_S = 300
# The deadlines a fault-injected variant runs into when it never does what a scenario waits
# for: shorter than the reference profile's (5 s, 2 s, 8 s), still hundreds of times what an
# in-process answer takes; settlement stays above the reference CSMS's 2 s start deadline for
# its refunds. The fault matrix and the other variant runs use them.
FAULT_TIMEOUTS = (
    *("--timeout", "response=1.5"),
    *("--timeout", "remote_start=1.5"),
    *("--timeout", "settlement=4"),
)


@dataclass(frozen=True)
class Verdict:
    name: str
    outcome: str  # passed, failed, error, skipped
    message: str
    verdict: str = ""  # the harness's own: PASS, PASS (quirks), FAIL, ERROR, NOT APPLICABLE, ...
    quirks: tuple[str, ...] = ()
    feature: str = ""  # the feature file's stem (JUnit classname ``features.<stem>``)


@dataclass(frozen=True)
class SuiteRun:
    """One child run of the suite: its verdicts, everything it printed, how long it took."""

    verdicts: dict[str, Verdict]
    output: str
    seconds: float


def run_suite_timed(
    junit: Path, *args: str, bound_s: float = CHILD_TIMEOUT_S, workers: int = 0
) -> SuiteRun:
    """Run the suite with ``args`` in a child process bounded by ``bound_s``; ``workers`` > 1
    spreads its scenario runs over that many pytest-xdist workers (the bundled reference CSMS
    and its in-process variants only: each worker starts its own)."""
    command = [
        sys.executable,
        "-m",
        "pytest",
        SUITE,
        "-p",
        "no:cacheprovider",
        *(arg for name in SUITE_BLOCKED_PLUGINS for arg in ("-p", f"no:{name}")),
        "-q",
        "--junit-report",
        str(junit),
        *args,
        # A run in one process does without xdist's import and hooks (about 0.2 s of CPU).
        *(("-n", str(workers)) if workers > 1 else ("-p", "no:xdist")),
    ]
    # Bytecode and pytest's rewritten modules are cached as in any run: a child that may not
    # write them rewrites about 190 modules (the plugin's distribution, pytest-bdd, anyio)
    # and compiles them again, about a second of CPU per process.
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    started = time.monotonic()
    completed = subprocess.run(
        command,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=bound_s,
        env=env,
        check=False,
    )
    seconds = time.monotonic() - started
    output = completed.stdout + completed.stderr
    if not junit.exists():
        raise AssertionError(
            f"the suite wrote no JUnit XML (exit {completed.returncode}):\n"
            f"{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}"
        )
    return SuiteRun(read_junit(junit), output, seconds)


def run_suite(junit: Path, *args: str) -> dict[str, Verdict]:
    """Run the suite with ``args``; return verdicts keyed by test name (with version id)."""
    return run_suite_timed(junit, *args).verdicts


def read_junit(path: Path) -> dict[str, Verdict]:
    verdicts: dict[str, Verdict] = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        name = case.get("name", "")
        outcome, message = "passed", ""
        for tag in ("failure", "error", "skipped"):
            node = case.find(tag)
            if node is not None:
                outcome = {"failure": "failed"}.get(tag, tag)
                message = (node.get("message") or "") + "\n" + (node.text or "")
                break
        properties = [(p.get("name"), p.get("value") or "") for p in case.iter("property")]
        verdict = next((value for key, value in properties if key == "verdict"), "")
        quirks = tuple(value for key, value in properties if key == "quirk")
        feature = case.get("classname", "").removeprefix("features.")
        verdicts[name] = Verdict(name, outcome, message, verdict, quirks, feature)
    return verdicts
