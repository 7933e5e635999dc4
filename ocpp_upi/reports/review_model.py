"""What the review report shows, read back from the files a run left in ``reports/``.

The report is built from the files alone (``summary.json``, ``junit.xml``, the trace files), never
from a live run, so it can be rebuilt later or elsewhere from an archived ``reports/``. Reading is
forgiving about everything but ``summary.json``: a missing JUnit file or trace costs the diagram
of a run, not the report.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ocpp_upi.errors import OcppUpiError
from ocpp_upi.release import harness_version

TRACE_MARK = "\n--- frame trace ---\n"  # how ocpp_upi.reports.junit appends a trace

# The graded verdicts in the order a reviewer acts on them: what breaks the run first.
GRADES = (
    "FAIL",
    "ERROR",
    "UNEXPECTED PASS",
    "KNOWN FAILURE",
    "PASS (quirks)",
    "NOT APPLICABLE",
    "PASS",
)
BREAKING = frozenset({"FAIL", "ERROR", "UNEXPECTED PASS"})
VERSION_ORDER = ("1.6", "2.0.1", "2.1")
NO_VERSION = "-"
_EXPECTED = re.compile(r"^expected:", re.M)
_ARRIVED = re.compile(r"^arrived:", re.M)


class ReportError(OcppUpiError):
    """``summary.json`` is missing or is not a summary: there is nothing to build from."""


@dataclass(frozen=True)
class RunView:
    """One scenario run as the review shows it."""

    feature: str
    scenario: str
    version: str  # NO_VERSION when the scenario does not vary by version
    verdict: str  # as summary.json spells it (PASS with quirks is still "PASS" there)
    reason: str = ""
    detail: str = ""
    step: str | None = None
    not_run: tuple[str, ...] = ()
    quirks: tuple[str, ...] = ()
    requirements: tuple[str, ...] = ()
    seconds: float = 0.0
    test: str = ""
    trace_file: str | None = None
    trace: str | None = None

    @property
    def grade(self) -> str:
        """The verdict as every report words it: a PASS with quirks says so."""
        return "PASS (quirks)" if self.verdict == "PASS" and self.quirks else self.verdict

    @property
    def breaking(self) -> bool:
        return self.grade in BREAKING

    @property
    def title(self) -> str:
        return (
            self.scenario
            if self.version == NO_VERSION
            else f"{self.scenario} [OCPP {self.version}]"
        )

    @property
    def rule(self) -> str:
        return ", ".join(r.replace(":", " ", 1) for r in self.requirements)

    def expected_arrived(self) -> tuple[str, str, str]:
        """The detail split into (other text, expected, arrived), as ConformanceFailure wrote
        it: ``expected: ...`` then ``arrived:  ...``, each possibly over several lines."""
        text, expected, arrived = self.detail, "", ""
        found = _ARRIVED.search(text)
        if found is not None:
            text, arrived = text[: found.start()], text[found.end() :].strip()
        found = _EXPECTED.search(text)
        if found is not None:
            text, expected = text[: found.start()], text[found.end() :].strip()
        return text.strip(), expected, arrived


@dataclass
class Review:
    """Everything the Markdown and HTML reports render."""

    summary: dict[str, Any]
    runs: list[RunView]
    harness_version: str
    sources: list[str] = field(default_factory=list)

    @property
    def versions(self) -> list[str]:
        seen = {run.version for run in self.runs}
        ordered = [v for v in VERSION_ORDER if v in seen]
        return ordered + sorted(seen - set(ordered))

    @property
    def features(self) -> list[str]:
        return sorted({run.feature for run in self.runs})

    def totals(self) -> Counter[str]:
        """Counts per graded verdict: PASS and PASS (quirks) apart, so they add up to the total."""
        return Counter(run.grade for run in self.runs)

    def matrix(self) -> dict[tuple[str, str], Counter[str]]:
        """Counts per graded verdict for every (feature, OCPP version) that ran."""
        cells: dict[tuple[str, str], Counter[str]] = {}
        for run in self.runs:
            cells.setdefault((run.feature, run.version), Counter())[run.grade] += 1
        return cells

    def ordered_runs(self) -> list[RunView]:
        """What breaks the run first, then by feature, scenario and OCPP version."""
        versions = {v: i for i, v in enumerate(self.versions)}
        return sorted(
            self.runs,
            key=lambda r: (
                GRADES.index(r.grade) if r.grade in GRADES else len(GRADES),
                r.feature,
                r.scenario,
                versions.get(r.version, 99),
            ),
        )

    def schemas(self) -> dict[str, str]:
        """The OCA schema sets per OCPP version, when the summary names them."""
        schemas = self.summary.get("schemas")
        if not isinstance(schemas, dict):
            return {}
        return {str(k): str(v) for k, v in schemas.items()}


def load_summary(path: Path) -> dict[str, Any]:
    """The summary, or ReportError saying in one line why it cannot be read."""
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReportError(f"{path} not found (run the suite first: ocpp-upi run)") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ReportError(f"cannot read {path}: {exc}") from None
    if not isinstance(summary, dict) or not isinstance(summary.get("scenarios", []), list):
        raise ReportError(f"cannot read {path}: not an ocpp-upi summary (no scenario list)")
    return summary


def junit_traces(path: Path) -> dict[tuple[str, str], str]:
    """The frame trace attached to each JUnit test case, keyed by (feature, test name)."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return {}
    traces: dict[tuple[str, str], str] = {}
    for case in root.iter("testcase"):
        feature = (case.get("classname") or "").removeprefix("features.")
        for tag in ("failure", "error", "skipped", "system-out"):
            node = case.find(tag)
            if node is not None and node.text and TRACE_MARK in node.text:
                traces[(feature, case.get("name") or "")] = node.text.split(TRACE_MARK, 1)[1]
                break
    return traces


def _text_list(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(str(item) for item in value)


def _run_view(row: dict[str, Any]) -> RunView:
    seconds = row.get("seconds")
    return RunView(
        feature=str(row.get("feature") or "?"),
        scenario=str(row.get("scenario") or row.get("test") or "?"),
        version=str(row.get("ocpp_version") or NO_VERSION),
        verdict=str(row.get("verdict") or "?"),
        reason=str(row.get("reason") or ""),
        detail=str(row.get("detail") or ""),
        step=str(row["step"]) if row.get("step") else None,
        not_run=_text_list(row.get("not_run")),
        quirks=_text_list(row.get("quirks")),
        requirements=_text_list(row.get("requirements")),
        seconds=float(seconds) if isinstance(seconds, int | float) else 0.0,
        test=str(row.get("test") or ""),
        trace_file=str(row["trace_file"]) if row.get("trace_file") else None,
    )


def _trace_for(run: RunView, reports_dir: Path, attached: dict[tuple[str, str], str]) -> str | None:
    """The JUnit copy first (written with the summary, by the same run), then the trace file
    under this reports directory, then the trace file where the run wrote it."""
    if (run.feature, run.test) in attached:
        return attached[(run.feature, run.test)]
    if not run.trace_file:
        return None
    written = Path(run.trace_file)
    for candidate in (reports_dir / "traces" / written.name, written):
        try:
            return candidate.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
    return None


def build_review(reports_dir: Path) -> Review:
    """Read ``reports_dir`` into a Review; ReportError when summary.json is unusable."""
    summary_path = reports_dir / "summary.json"
    summary = load_summary(summary_path)
    sources = [str(summary_path)]
    junit_path = reports_dir / "junit.xml"
    attached = junit_traces(junit_path)
    if junit_path.exists():
        sources.append(str(junit_path))
    runs = []
    for row in summary.get("scenarios", []):
        if not isinstance(row, dict):
            continue
        run = _run_view(row)
        trace = _trace_for(run, reports_dir, attached) if run.breaking else None
        runs.append(_with_trace(run, trace))
    return Review(summary, runs, harness_version(), sources)


def _with_trace(run: RunView, trace: str | None) -> RunView:
    return run if trace is None else replace(run, trace=trace)
