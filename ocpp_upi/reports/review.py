"""``ocpp-upi report``: turn ``reports/`` into what a reviewer opens.

A run leaves machine formats (JUnit for CI, ``summary.json``, Allure results that need a Java
tool and a web server to read). A certification reviewer needs one file that opens anywhere,
offline: ``conformance.html`` (self-contained, inline SVG sequence diagrams of the failing runs)
and ``conformance.md`` (the same, as text). Both are built from the files alone, so an archived
``reports/`` can be reviewed years later. ``--allure`` additionally renders the Allure report
when the ``allure`` command is installed.

The command registers itself through :func:`add_command`, so ``ocpp_upi.cli`` only calls it.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from ocpp_upi.reports.review_html import render_html
from ocpp_upi.reports.review_md import render_markdown
from ocpp_upi.reports.review_model import ReportError, Review, build_review

PROG = "ocpp-upi report"
HTML_NAME = "conformance.html"
MARKDOWN_NAME = "conformance.md"
ALLURE_TIMEOUT_S = 600


def add_command(commands: Any) -> None:
    """Add ``report`` to the ``ocpp-upi`` subcommands (``commands`` is argparse's
    ``add_subparsers()`` result)."""
    report = commands.add_parser(
        "report",
        allow_abbrev=False,
        help="build conformance.html and conformance.md from a run's reports/",
        description="Read summary.json (and junit.xml and the frame traces, when present) and "
        "write a self-contained conformance.html, which opens offline, and conformance.md.",
    )
    report.add_argument(
        "--reports-dir",
        metavar="DIR",
        type=Path,
        default=Path("reports"),
        help="where the run wrote its reports (default: ./reports)",
    )
    report.add_argument(
        "--output-dir",
        metavar="DIR",
        type=Path,
        default=None,
        help="where to write the review report (default: the reports directory)",
    )
    report.add_argument(
        "--allure",
        action="store_true",
        help="also run `allure generate` into <output-dir>/allure-report, if allure is on PATH",
    )
    report.set_defaults(handler=run_report)


def run_report(args: argparse.Namespace, passthrough: list[str]) -> int:
    """The ``report`` command: 0 when written, 2 when summary.json cannot be read."""
    reports_dir: Path = args.reports_dir
    output_dir: Path = args.output_dir or reports_dir
    try:
        review = build_review(reports_dir)
    except ReportError as exc:
        return _error(str(exc))
    try:
        written = write_review(review, output_dir)
    except OSError as exc:
        return _error(f"cannot write the report to {output_dir}: {exc}")
    for path in written:
        print(f"review report: {path}", flush=True)
    if args.allure:
        return generate_allure(reports_dir / "allure-results", output_dir / "allure-report")
    return 0


def write_review(review: Review, output_dir: Path) -> list[Path]:
    """Write both renderings; returns their paths."""
    output_dir.mkdir(parents=True, exist_ok=True)
    html_path, md_path = output_dir / HTML_NAME, output_dir / MARKDOWN_NAME
    html_path.write_text(render_html(review), encoding="utf-8")
    md_path.write_text(render_markdown(review), encoding="utf-8")
    return [html_path, md_path]


def generate_allure(results: Path, target: Path) -> int:
    """``allure generate`` when the tool is installed; a one-line note (and 0) when not, since
    the self-contained report was already written."""
    allure = shutil.which("allure")
    if allure is None:
        print(f"{PROG}: allure is not on PATH; skipped the Allure report", flush=True)
        return 0
    if not results.is_dir():
        print(f"{PROG}: no Allure results at {results}; skipped the Allure report", flush=True)
        return 0
    command = [allure, "generate", str(results), "-o", str(target), "--clean"]
    try:
        completed = subprocess.run(command, check=False, timeout=ALLURE_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return _error(f"allure generate failed: {exc}", status=1)
    if completed.returncode != 0:
        return _error(f"allure generate exited with {completed.returncode}", status=1)
    print(f"Allure report: {target}", flush=True)
    return 0


def _error(message: str, status: int = 2) -> int:
    print(f"ocpp-upi: error: {' '.join(message.splitlines())}", file=sys.stderr, flush=True)
    return status
