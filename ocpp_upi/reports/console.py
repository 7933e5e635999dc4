"""What a person at the terminal sees: one line per scenario run as it finishes, then a table
of verdicts per feature and OCPP version, then where the reports are."""

from __future__ import annotations

from collections import Counter

from ocpp_upi.reports.runs import ScenarioRun, totals
from ocpp_upi.verdicts import Verdict

_SHORT = {
    Verdict.PASS: "PASS",
    Verdict.FAIL: "FAIL",
    Verdict.ERROR: "ERROR",
    Verdict.NOT_APPLICABLE: "N/A",
    Verdict.KNOWN_FAILURE: "KNOWN",
    Verdict.UNEXPECTED_PASS: "UNEXP",
}
REASON_WIDTH = 110


def progress_line(run: ScenarioRun) -> str:
    """``FAIL  2.3s  OCPP 1.6    static_qr: <title>`` and, under anything but PASS, why."""
    version = run.ocpp_version or "-"
    line = f"{run.graded:<15} {run.seconds:5.1f}s  OCPP {version:<6} {run.feature}: {run.scenario}"
    why = run.reason if run.verdict is not Verdict.PASS else "; ".join(run.quirks)
    if why:
        first = why.splitlines()[0]
        if len(first) > REASON_WIDTH:
            first = first[: REASON_WIDTH - 3] + "..."
        line += f"\n{'':<23}-> {first}"
    return line


def verdict_table(runs: list[ScenarioRun]) -> list[str]:
    """Counts per verdict for every feature x version, and the totals (equal to JUnit's)."""
    columns = [*_SHORT.values(), "quirks"]
    groups: dict[tuple[str, str], Counter[str]] = {}
    for run in runs:
        key = (run.feature, run.ocpp_version or "-")
        counts = groups.setdefault(key, Counter())
        counts[_SHORT[run.verdict]] += 1
        if run.verdict is Verdict.PASS and run.quirks:
            counts["quirks"] += 1
    width = max([len("feature"), *(len(f) for f, _ in groups)])
    header = f"{'feature':<{width}}  {'OCPP':<6}" + "".join(f"{c:>7}" for c in columns)
    lines = [header, "-" * len(header)]
    for (feature, version), counts in sorted(groups.items()):
        cells = "".join(f"{counts.get(c, 0):>7}" for c in columns)
        lines.append(f"{feature:<{width}}  {version:<6}{cells}")
    overall = totals(runs)
    cells = "".join(f"{overall[str(v)]:>7}" for v in _SHORT) + f"{overall['PASS with quirks']:>7}"
    lines.append("-" * len(header))
    lines.append(f"{'total':<{width}}  {'':<6}{cells}")
    return lines
