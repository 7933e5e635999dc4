"""The conformance suite against the bundled reference CSMS, run again and again: wall time and
false failures.

Why: a harness that runs scenarios concurrently and waits on deadlines could turn a slow moment
into a FAIL of a correct CSMS. Against the reference CSMS (correct by construction and by the
fault matrix) any verdict other than PASS or NOT APPLICABLE is a false failure; this runs
``ocpp-upi run`` (default workers) N times in a row and counts them, with the wall time of each
run as a command-line user sees it.

    .venv/bin/python benchmarks/repeat.py [--runs 20] [--workers N]

The last line reads ``RESULT runs=N false_failures=K wall_median_s=X wall_max_s=Y``; the exit
status is 1 when K > 0.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

RUN_BOUND_S = 600
JUDGED_CORRECT = {"PASS", "NOT APPLICABLE"}


def one_run(reports: Path, workers: int | None) -> tuple[float, Counter[str], list[str]]:
    command = [sys.executable, "-m", "ocpp_upi.cli", "run", "--reports-dir", str(reports)]
    if workers is not None:
        command += ["--workers", str(workers)]
    started = time.monotonic()
    subprocess.run(
        [*command, "--", "-q"],
        cwd=reports.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=RUN_BOUND_S,
        check=False,
    )
    wall = time.monotonic() - started
    summary = json.loads((reports / "summary.json").read_text(encoding="utf-8"))
    verdicts = Counter(row["verdict"] for row in summary["scenarios"])
    wrong = [
        f"{row['feature']}: {row['scenario']} [OCPP {row['ocpp_version']}]: {row['verdict']} "
        f"{row['reason']}"
        for row in summary["scenarios"]
        if row["verdict"] not in JUDGED_CORRECT
    ]
    return wall, verdicts, wrong


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="how many runs of the whole suite")
    parser.add_argument("--workers", type=int, default=None, help="ocpp-upi run --workers")
    args = parser.parse_args(argv)
    walls: list[float] = []
    false_failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="ocpp-upi-repeat-") as tmp:
        for index in range(1, args.runs + 1):
            wall, verdicts, wrong = one_run(Path(tmp) / f"run-{index:02d}", args.workers)
            walls.append(wall)
            false_failures += wrong
            counts = ", ".join(f"{v} {n}" for v, n in sorted(verdicts.items()))
            print(f"run {index:2d}: {wall:5.1f} s  {counts}", flush=True)
            for line in wrong:
                print(f"    false failure: {line}", flush=True)
    print(
        f"RESULT runs={len(walls)} false_failures={len(false_failures)} "
        f"wall_median_s={statistics.median(walls):.1f} wall_max_s={max(walls):.1f}"
    )
    return 1 if false_failures else 0


if __name__ == "__main__":
    sys.exit(main())
