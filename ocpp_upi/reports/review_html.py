"""The review report as one self-contained HTML page.

A certification reviewer opens it from a mail attachment or an archived CI artifact, often with
no network: so the page has inline CSS only, no script, font, image or link to fetch, and a
Content-Security-Policy that forbids every fetch should a value ever slip through. Every value
read from the reports goes through :func:`html.escape` (a CSMS chooses much of what lands in a
reason or a trace). Runs that break the run come first and open; the rest are folded.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from html import escape
from typing import Any

from ocpp_upi.reports.review_model import GRADES, NO_VERSION, Review, RunView
from ocpp_upi.reports.sequence import parse_trace, shortened
from ocpp_upi.reports.sequence_svg import render_svg

# A trace longer than this is drawn as its start and its end (the full text stays below it).
DIAGRAM_HEAD, DIAGRAM_TAIL = 60, 240

SLUGS = {
    "PASS": "pass",
    "PASS (quirks)": "quirks",
    "FAIL": "fail",
    "ERROR": "error",
    "NOT APPLICABLE": "na",
    "KNOWN FAILURE": "known",
    "UNEXPECTED PASS": "unexpected",
}
# (text, background) per graded verdict: the text carries the verdict too, never colour alone.
COLOURS = {
    "pass": ("#166534", "#dcfce7"),
    "quirks": ("#3f6212", "#ecfccb"),
    "fail": ("#991b1b", "#fee2e2"),
    "error": ("#9a3412", "#ffedd5"),
    "na": ("#475569", "#f1f5f9"),
    "known": ("#5b21b6", "#ede9fe"),
    "unexpected": ("#9d174d", "#fce7f3"),
    "other": ("#334155", "#e2e8f0"),
}
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

BASE_CSS = """
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;
  margin: 0 auto; max-width: 1180px; padding: 24px; color: #0f172a; background: #fff; }
h1 { font-size: 22px; margin: 0 0 12px; } h2 { font-size: 18px; margin: 28px 0 10px; }
code, pre, .mono { font-family: ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace;
  font-size: 12.5px; }
pre { white-space: pre-wrap; word-break: break-word; background: #f8fafc; margin: 0;
  border: 1px solid #e2e8f0; border-radius: 4px; padding: 6px 8px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
dl.facts dt { font-weight: 600; color: #334155; } dl.facts dd { margin: 0; min-width: 0; }
.badge { display: inline-block; border-radius: 10px; padding: 1px 8px; margin: 1px 2px;
  font-size: 12px; font-weight: 600; white-space: nowrap; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #cbd5e1; padding: 6px 8px; text-align: left; vertical-align: top; }
th { background: #f1f5f9; }
td.cell { border-left-width: 6px; }
.totals .badge { font-size: 14px; padding: 3px 12px; }
details.run { border: 1px solid #cbd5e1; border-left-width: 6px; border-radius: 4px;
  margin: 8px 0; }
details.run > summary { cursor: pointer; padding: 8px 10px; list-style-position: inside; }
details.run > summary .feature { color: #475569; }
details.run > summary .secs { color: #64748b; float: right; }
details.run > .body { padding: 4px 14px 14px; }
.svg-scroll { overflow: auto; max-height: 80vh; border: 1px solid #e2e8f0; border-radius: 4px;
  margin-top: 6px; background: #fff; }
.svg-scroll svg { display: block; max-width: 100%; height: auto; }
figure { margin: 14px 0 8px; } figcaption { font-weight: 600; color: #334155; }
details.raw { margin-top: 8px; } details.raw > summary { cursor: pointer; color: #334155; }
.muted { color: #64748b; }
"""


def render_html(review: Review) -> str:
    """The whole page."""
    csms = str(review.summary.get("csms") or "unnamed CSMS")
    body = [
        f"<h1>OCPP UPI conformance report: {escape(csms)}</h1>",
        _facts(review),
        _totals(review),
        _matrix(review),
        _runs(review),
    ]
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>Conformance: {escape(csms)}</title>",
            f"<style>{BASE_CSS}{_verdict_css()}</style>",
            "</head><body>",
            *body,
            "</body></html>",
            "",
        ]
    )


def _verdict_css() -> str:
    rules = []
    for slug, (text, background) in COLOURS.items():
        rules.append(f".badge.v-{slug} {{ color: {text}; background: {background}; }}")
        rules.append(f"details.run.v-{slug}, td.cell.v-{slug} {{ border-left-color: {text}; }}")
        rules.append(f"td.cell.v-{slug} {{ background: {background}; }}")
    return "\n".join(rules)


def slug(grade: str) -> str:
    return SLUGS.get(grade, "other")


def badge(grade: str, count: int | None = None) -> str:
    text = grade if count is None else f"{count} {grade}"
    return f'<span class="badge v-{slug(grade)}">{escape(text)}</span>'


# --- what was tested -------------------------------------------------------------------------


def _facts(review: Review) -> str:
    rows = [(name, f"<dd>{value}</dd>") for name, value in _fact_values(review)]
    items = "".join(f"<dt>{escape(name)}</dt>{value}" for name, value in rows)
    return f'<section id="facts"><dl class="facts">{items}</dl></section>'


def _fact_values(review: Review) -> list[tuple[str, str]]:
    """(label, already-escaped HTML) for every fact the summary has."""
    summary = review.summary
    facts: list[tuple[str, str]] = [
        ("CSMS", escape(str(summary.get("csms") or "not named"))),
        ("Profile", escape(str(summary.get("profile") or "not named"))),
        ("Profile digest", _code(summary.get("profile_digest") or "none")),
        ("Harness version", escape(review.harness_version)),
    ]
    ran_with = summary.get("harness_version")
    if ran_with and str(ran_with) != review.harness_version:
        facts.append(("Run by harness", escape(str(ran_with))))
    schemas = review.schemas()
    if schemas:
        items = "".join(f"<li>OCPP {escape(v)}: {escape(n)}</li>" for v, n in schemas.items())
        facts.append(("OCA schemas", f'<ul style="margin:0;padding-left:18px">{items}</ul>'))
    if summary.get("schema_manifest_sha256"):
        facts.append(("Schema manifest SHA-256", _code(summary["schema_manifest_sha256"])))
    facts += _run_facts(review)
    return facts


def _run_facts(review: Review) -> list[tuple[str, str]]:
    summary = review.summary
    versions = summary.get("ocpp_versions")
    facts = [
        ("OCPP versions", escape(", ".join(map(str, versions)) if versions else "none")),
        ("Run finished", escape(str(summary.get("generated_at") or "unknown"))),
        ("Run took", escape(f"{summary.get('seconds', '?')} s")),
        ("Exit status", escape(str(summary.get("exit_status", "?")))),
    ]
    if summary.get("note"):
        facts.append(("Note", escape(str(summary["note"]))))
    built = datetime.now(UTC).isoformat(timespec="seconds")
    facts.append(("Report built", escape(f"{built} from {', '.join(review.sources)}")))
    return facts


def _code(value: Any) -> str:
    return f"<code>{escape(str(value))}</code>"


# --- counts ----------------------------------------------------------------------------------


def _ordered_grades(counts: Counter[str]) -> list[str]:
    known = [g for g in GRADES if counts.get(g)]
    return known + sorted(g for g in counts if g not in GRADES and counts[g])


def _badges(counts: Counter[str]) -> str:
    return " ".join(badge(grade, counts[grade]) for grade in _ordered_grades(counts))


def _worst(counts: Counter[str]) -> str:
    grades = _ordered_grades(counts)
    return grades[0] if grades else ""


def _totals(review: Review) -> str:
    counts = review.totals()
    cells = " ".join(badge(grade, counts.get(grade, 0)) for grade in GRADES)
    extra = " ".join(badge(g, counts[g]) for g in counts if g not in GRADES)
    total = f'<span class="badge v-other">{len(review.runs)} scenario runs</span>'
    return (
        f'<section id="totals"><h2>Totals</h2><p class="totals">{cells} {extra} {total}</p>'
        "</section>"
    )


def _matrix(review: Review) -> str:
    versions = review.versions
    cells = review.matrix()
    head = "".join(f"<th>{escape(_version_label(v))}</th>" for v in versions)
    rows = []
    for feature in review.features:
        row_counts: Counter[str] = Counter()
        tds = []
        for version in versions:
            counts = cells.get((feature, version), Counter())
            row_counts.update(counts)
            tds.append(_matrix_cell(counts))
        rows.append(
            f'<tr><th scope="row">{escape(feature)}</th>{"".join(tds)}'
            f"{_matrix_cell(row_counts)}</tr>"
        )
    foot = [_matrix_cell(_column(cells, v)) for v in versions]
    foot.append(_matrix_cell(review.totals()))
    return (
        '<section id="matrix-section"><h2>Feature × OCPP version</h2>'
        f'<table id="matrix" class="matrix"><thead><tr><th>Feature</th>{head}<th>All</th></tr>'
        f"</thead><tbody>{''.join(rows)}</tbody>"
        f"<tfoot><tr><th>All features</th>{''.join(foot)}</tr></tfoot></table></section>"
    )


def _version_label(version: str) -> str:
    return "no version" if version == NO_VERSION else f"OCPP {version}"


def _column(cells: dict[tuple[str, str], Counter[str]], version: str) -> Counter[str]:
    total: Counter[str] = Counter()
    for (_, cell_version), counts in cells.items():
        if cell_version == version:
            total.update(counts)
    return total


def _matrix_cell(counts: Counter[str]) -> str:
    if not counts:
        return '<td class="cell muted">—</td>'
    return f'<td class="cell v-{slug(_worst(counts))}">{_badges(counts)}</td>'


# --- scenario runs ---------------------------------------------------------------------------


def _runs(review: Review) -> str:
    ordered = review.ordered_runs()
    breaking = [run for run in ordered if run.breaking]
    others = [run for run in ordered if not run.breaking]
    parts = ['<section id="runs">']
    parts.append(f"<h2>Runs that break the run ({len(breaking)})</h2>")
    if not breaking:
        parts.append('<p class="muted">None: no FAIL, ERROR or UNEXPECTED PASS.</p>')
    parts += [_run(run, f"run-{i}") for i, run in enumerate(breaking, 1)]
    parts.append(f"<h2>Other runs ({len(others)})</h2>")
    parts += [_run(run, f"run-{i}") for i, run in enumerate(others, len(breaking) + 1)]
    parts.append("</section>")
    return "\n".join(parts)


def _run(run: RunView, anchor: str) -> str:
    is_open = " open" if run.breaking else ""
    summary = (
        f'<summary>{badge(run.grade)} <span class="feature">{escape(run.feature)}:</span> '
        f'<span class="title">{escape(run.scenario)}</span> '
        f'<span class="badge v-other">{escape(_version_label(run.version))}</span>'
        f'<span class="secs">{run.seconds:.1f} s</span></summary>'
    )
    facts = "".join(
        f"<dt>{escape(name)}</dt><dd>{value}</dd>" for name, value in _run_facts_of(run)
    )
    body = [f'<dl class="facts">{facts}</dl>']
    if run.trace:
        body.append(_diagram(run))
    elif run.breaking:
        body.append('<p class="muted">No frame trace was recorded for this run.</p>')
    return (
        f'<details class="run v-{slug(run.grade)}" id="{anchor}"{is_open}>{summary}'
        f'<div class="body">{"".join(body)}</div></details>'
    )


def _run_facts_of(run: RunView) -> list[tuple[str, str]]:
    """(label, escaped HTML) for what the run has: why, where it broke, expected / arrived."""
    other, expected, arrived = run.expected_arrived()
    facts: list[tuple[str, str]] = []
    if run.reason:
        facts.append(("Reason", escape(run.reason)))
    if run.requirements and run.grade == "FAIL":
        facts.append(("Breaks", escape(run.rule)))
    if run.step:
        facts.append(("Step that broke", _code(run.step)))
    if run.not_run:
        items = "".join(f"<li><code>{escape(step)}</code></li>" for step in run.not_run)
        facts.append(("Steps not run", f'<ol style="margin:0;padding-left:20px">{items}</ol>'))
    if expected:
        facts.append(("Expected", f"<pre>{escape(expected)}</pre>"))
    if arrived:
        facts.append(("Arrived", f"<pre>{escape(arrived)}</pre>"))
    if other:
        facts.append(("Detail", f"<pre>{escape(other)}</pre>"))
    if run.quirks:
        items = "".join(f"<li>{escape(quirk)}</li>" for quirk in run.quirks)
        facts.append(("Quirks", f'<ul style="margin:0;padding-left:18px">{items}</ul>'))
    if run.requirements and run.grade != "FAIL":
        facts.append(("Requirements", escape(run.rule)))
    if run.test:
        facts.append(("Test", _code(run.test)))
    if run.trace_file:
        facts.append(("Trace file", _code(run.trace_file)))
    return facts


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _diagram(run: RunView) -> str:
    """The run's frames as a sequence diagram, with the trace text folded under it."""
    sequence = parse_trace(run.trace or "")
    frames, events = len(sequence.messages), len(sequence.entries) - len(sequence.messages)
    drawn = shortened(sequence, DIAGRAM_HEAD, DIAGRAM_TAIL)
    left_out = f"; {drawn.omitted} left out of the drawing" if drawn.omitted else ""
    caption = f"Sequence of {run.title}: {_count(frames, 'frame')}, {_count(events, 'event')}"
    caption += left_out
    return (
        f'<figure class="sequence-figure"><figcaption>{escape(caption)}</figcaption>'
        f'<div class="svg-scroll">{render_svg(drawn, caption)}</div></figure>'
        '<details class="raw"><summary>Frame trace (text)</summary>'
        f"<pre>{escape(run.trace or '')}</pre></details>"
    )
