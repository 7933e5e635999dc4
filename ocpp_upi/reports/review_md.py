"""The review report as Markdown: for a pull request, a ticket, or a terminal.

Same content as the HTML page, with the sequence diagram as text. Values from the reports are
escaped for Markdown and for the raw HTML many renderers allow (``<script>`` in a reason must
stay text), and table cells keep to one line; code blocks hold their text verbatim, fenced with
more backticks than the text contains.
"""

from __future__ import annotations

import re
from collections import Counter
from html import escape

from ocpp_upi.reports.review_model import GRADES, NO_VERSION, Review, RunView
from ocpp_upi.reports.sequence import parse_trace, sequence_text, shortened

DIAGRAM_HEAD, DIAGRAM_TAIL = 60, 240
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#])")


def md(text: object) -> str:
    """One line of text, safe in a table cell and in running text."""
    escaped = escape(" ".join(str(text).split()), quote=False)
    return _MD_SPECIAL.sub(r"\\\1", escaped)


def fenced(text: str, info: str = "") -> list[str]:
    """A code block that no backtick run inside ``text`` can close early."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{info}", text, fence]


def render_markdown(review: Review) -> str:
    csms = review.summary.get("csms") or "unnamed CSMS"
    lines = [f"# OCPP UPI conformance report: {md(csms)}", ""]
    lines += _facts(review)
    lines += _totals(review)
    lines += _matrix(review)
    lines += _breaking(review)
    lines += _others(review)
    return "\n".join(lines) + "\n"


def _facts(review: Review) -> list[str]:
    summary = review.summary
    facts = [
        ("CSMS", summary.get("csms") or "not named"),
        ("Profile", summary.get("profile") or "not named"),
        ("Profile digest", summary.get("profile_digest") or "none"),
        ("Harness version", review.harness_version),
    ]
    ran_with = summary.get("harness_version")
    if ran_with and str(ran_with) != review.harness_version:
        facts.append(("Run by harness", ran_with))
    for version, name in review.schemas().items():
        facts.append((f"OCA schemas, OCPP {version}", name))
    if summary.get("schema_manifest_sha256"):
        facts.append(("Schema manifest SHA-256", summary["schema_manifest_sha256"]))
    versions = summary.get("ocpp_versions") or []
    facts += [
        ("OCPP versions", ", ".join(map(str, versions)) or "none"),
        ("Run finished", summary.get("generated_at") or "unknown"),
        ("Run took", f"{summary.get('seconds', '?')} s"),
        ("Exit status", summary.get("exit_status", "?")),
    ]
    if summary.get("note"):
        facts.append(("Note", summary["note"]))
    rows = [f"| {md(name)} | {md(value)} |" for name, value in facts]
    return ["| | |", "|---|---|", *rows, ""]


def _counts(counts: Counter[str]) -> str:
    known = [g for g in GRADES if counts.get(g)]
    known += sorted(g for g in counts if g not in GRADES and counts[g])
    return ", ".join(f"{counts[g]} {g}" for g in known) or "—"


def _totals(review: Review) -> list[str]:
    counts = review.totals()
    rows = [f"| {md(grade)} | {counts.get(grade, 0)} |" for grade in GRADES]
    rows += [f"| {md(g)} | {counts[g]} |" for g in counts if g not in GRADES]
    return [
        "## Totals",
        "",
        "| Verdict | Runs |",
        "|---|---:|",
        *rows,
        f"| **total** | {len(review.runs)} |",
        "",
    ]


def _version_label(version: str) -> str:
    return "no version" if version == NO_VERSION else f"OCPP {version}"


def _matrix(review: Review) -> list[str]:
    versions = review.versions
    cells = review.matrix()
    header = "| Feature | " + " | ".join(_version_label(v) for v in versions) + " | All |"
    rule = "|---|" + "---|" * (len(versions) + 1)
    rows = []
    for feature in review.features:
        counts = [cells.get((feature, v), Counter()) for v in versions]
        everything = sum(counts, Counter())
        rows.append(
            f"| {md(feature)} | "
            + " | ".join(md(_counts(c)) for c in counts)
            + f" | {md(_counts(everything))} |"
        )
    return ["## Feature × OCPP version", "", header, rule, *rows, ""]


def _breaking(review: Review) -> list[str]:
    runs = [run for run in review.ordered_runs() if run.breaking]
    lines = [f"## Runs that break the run ({len(runs)})", ""]
    if not runs:
        return [*lines, "None: no FAIL, ERROR or UNEXPECTED PASS.", ""]
    for run in runs:
        lines += _run(run)
    return lines


def _run(run: RunView) -> list[str]:
    lines = [f"### {md(run.grade)}: {md(run.feature)}: {md(run.title)}", ""]
    other, expected, arrived = run.expected_arrived()
    if run.reason:
        lines.append(f"- **Reason:** {md(run.reason)}")
    if run.requirements:
        lines.append(f"- **Requirements:** {md(run.rule)}")
    if run.step:
        lines.append(f"- **Step that broke:** {md(run.step)}")
    if run.not_run:
        lines.append("- **Steps not run:** " + "; ".join(md(step) for step in run.not_run))
    if run.quirks:
        lines.append("- **Quirks:** " + "; ".join(md(quirk) for quirk in run.quirks))
    if run.test:
        lines.append(f"- **Test:** {md(run.test)}")
    lines.append("")
    for label, text in (("Expected", expected), ("Arrived", arrived), ("Detail", other)):
        if text:
            lines += [f"**{label}:**", "", *fenced(text), ""]
    if run.trace:
        lines += _diagram(run)
    return lines


def _diagram(run: RunView) -> list[str]:
    sequence = shortened(parse_trace(run.trace or ""), DIAGRAM_HEAD, DIAGRAM_TAIL)
    text = "\n".join(sequence_text(sequence))
    return ["**Sequence** (charger on the left, CSMS on the right):", "", *fenced(text), ""]


def _others(review: Review) -> list[str]:
    runs = [run for run in review.ordered_runs() if not run.breaking]
    lines = [f"## Other runs ({len(runs)})", ""]
    if not runs:
        return lines
    lines += ["| Verdict | Feature | Scenario | OCPP | Reason or quirks |", "|---|---|---|---|---|"]
    for run in runs:
        why = run.reason if run.grade != "PASS (quirks)" else "; ".join(run.quirks)
        lines.append(
            f"| {md(run.grade)} | {md(run.feature)} | {md(run.scenario)} | "
            f"{md(run.version)} | {md(why)} |"
        )
    return [*lines, ""]
