"""``ocpp-upi report`` builds the reviewer's report from the files of a run alone. These tests
feed it small hand-made ``summary.json`` / ``junit.xml`` files and pin what a reviewer relies
on: the counts, the escaping of what a CSMS said, the failing run's sequence diagram, the
Markdown matrix, and the one-line error when there is nothing to read."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

import pytest
from bs4 import BeautifulSoup

from ocpp_upi.reports import review as review_module
from ocpp_upi.reports.review import add_command, write_review
from ocpp_upi.reports.review_html import DIAGRAM_HEAD, DIAGRAM_TAIL
from ocpp_upi.reports.review_model import build_review
from ocpp_upi.reports.sequence import Message, Note, parse_trace

BOOT_TITLE = "The CSMS accepts the boot"
TRACE = "\n".join(
    [
        "# frame trace: test_boot[ocpp1.6] (OCPP 1.6), 8 entries",
        "   0.010s  --  connected to ws://127.0.0.1:9000/ocpp/CP1 with subprotocol ocpp1.6",
        '   0.020s  charger -> CSMS  [2,"m1","BootNotification",{"chargePointVendor":"v"}]',
        '   0.030s  CSMS -> charger  [3, "m1", {"status": "Accepted", "interval": 0}]',
        "            !! CSMS -> charger BootNotification: interval must be > 0",
        '   0.040s  CSMS -> charger  [2,"c9","ChangeConfiguration",{"key":"'
        + "x" * 40
        + '"... (2400 characters)',
        '   0.050s  charger -> CSMS  [4,"c9","NotSupported","no such key",{}]',
        "   0.060s  --  remote_start hook POST http://127.0.0.1:9001/operator/start: HTTP 200",
        "body line of the hook answer",
        "   0.070s  --  connection closed: 1000",
    ]
)


def _row(feature: str, scenario: str, version: str | None, verdict: str, **extra: Any) -> dict:
    test = f"test_{scenario.lower().replace(' ', '_')}[ocpp{version}]"
    row = {
        "scenario": scenario,
        "feature": feature,
        "ocpp_version": version,
        "requirements": ["seed:3.2"],
        "verdict": verdict,
        "reason": "",
        "detail": "",
        "step": None,
        "not_run": [],
        "quirks": [],
        "seconds": 0.5,
        "trace_file": None,
        "test": test,
    }
    row.update(extra)
    return row


FAILING = _row(
    "ocpp_frames",
    BOOT_TITLE,
    "1.6",
    "FAIL",
    reason="the CSMS accepted the boot without a usable heartbeat interval",
    detail="expected: interval > 0\narrived:  interval 0",
    step="Then the CSMS accepted the boot",
    not_run=["And the charger is Available", "And nothing else happens"],
    trace_file="/elsewhere/traces/ocpp_frames-test_boot[ocpp1.6].txt",
)
ROWS = [
    FAILING,
    _row("ocpp_frames", BOOT_TITLE, "2.0.1", "PASS"),
    _row("ocpp_frames", "Unknown action", "1.6", "PASS", quirks=["NotSupported, not NotImpl"]),
    _row("ocpp_frames", "Unknown action", "2.0.1", "PASS"),
    _row("static_qr", "Credit starts", "1.6", "ERROR", reason="endpoint missing: webhook 405"),
    _row(
        "static_qr", "Credit starts", "2.0.1", "NOT APPLICABLE", reason="<script>alert(1)</script>"
    ),
    _row("static_qr", "Refund", "1.6", "KNOWN FAILURE", reason="CSMS-123"),
    _row("static_qr", "Refund", "2.0.1", "UNEXPECTED PASS", reason="declared, yet passed"),
]


def _summary(rows: list[dict], **extra: Any) -> dict:
    summary = {
        "generated_at": "2026-01-01T00:00:00+00:00",
        "csms": "Example CSMS",
        "profile": "example.toml",
        "profile_digest": "ab" * 32,
        "ocpp_versions": ["1.6", "2.0.1"],
        "seconds": 12.5,
        "exit_status": 1,
        "note": "",
        "scenarios": rows,
    }
    summary.update(extra)
    return summary


def _junit(rows: list[dict], traces: dict[str, str]) -> str:
    cases = []
    for row in rows:
        body = ""
        if row["test"] in traces:
            text = f"FAIL: {row['reason']}\n--- frame trace ---\n{traces[row['test']]}"
            body = f'<failure message="FAIL">{xml_escape(text)}</failure>'
        cases.append(
            f'<testcase classname="features.{row["feature"]}" name="{xml_escape(row["test"])}" '
            f'time="0.5">{body}</testcase>'
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<testsuites name="ocpp-upi conformance">'
        f'<testsuite name="ocpp-upi conformance">{"".join(cases)}</testsuite></testsuites>'
    )


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    (tmp_path / "summary.json").write_text(json.dumps(_summary(ROWS)), encoding="utf-8")
    junit = _junit(ROWS, {FAILING["test"]: TRACE})
    (tmp_path / "junit.xml").write_text(junit, encoding="utf-8")
    return tmp_path


def _built(reports: Path) -> tuple[BeautifulSoup, str]:
    write_review(build_review(reports), reports)
    html = (reports / "conformance.html").read_text(encoding="utf-8")
    markdown = (reports / "conformance.md").read_text(encoding="utf-8")
    return BeautifulSoup(html, "html.parser"), markdown


def _cell_texts(soup: BeautifulSoup) -> dict[str, list[str]]:
    table = soup.find("table", id="matrix")
    assert table is not None
    rows = {}
    for tr in table.find_all("tr"):
        header = tr.find("th")
        rows[header.get_text(strip=True)] = [
            " ".join(b.get_text() for b in td.find_all("span", class_="badge"))
            for td in tr.find_all("td")
        ]
    return rows


def test_the_matrix_counts_each_graded_verdict_per_feature_and_version(reports: Path) -> None:
    review = build_review(reports)
    matrix = review.matrix()
    assert matrix[("ocpp_frames", "1.6")] == {"FAIL": 1, "PASS (quirks)": 1}
    assert matrix[("ocpp_frames", "2.0.1")] == {"PASS": 2}
    assert matrix[("static_qr", "1.6")] == {"ERROR": 1, "KNOWN FAILURE": 1}
    assert matrix[("static_qr", "2.0.1")] == {"NOT APPLICABLE": 1, "UNEXPECTED PASS": 1}
    assert sum(review.totals().values()) == len(ROWS)

    soup, _ = _built(reports)
    cells = _cell_texts(soup)
    assert cells["Feature"] == []  # the header row: versions, then All
    assert cells["ocpp_frames"] == [
        "1 FAIL 1 PASS (quirks)",
        "2 PASS",
        "1 FAIL 1 PASS (quirks) 2 PASS",
    ]
    assert cells["static_qr"] == [
        "1 ERROR 1 KNOWN FAILURE",
        "1 UNEXPECTED PASS 1 NOT APPLICABLE",
        "1 ERROR 1 UNEXPECTED PASS 1 KNOWN FAILURE 1 NOT APPLICABLE",
    ]
    headers = [th.get_text() for th in soup.find("table", id="matrix").thead.find_all("th")]
    assert headers == ["Feature", "OCPP 1.6", "OCPP 2.0.1", "All"]
    # the worst verdict colours the cell
    first = soup.find("table", id="matrix").tbody.find("tr").find("td")
    assert "v-fail" in first["class"]


def test_a_script_in_a_reason_stays_text_in_both_reports(reports: Path) -> None:
    soup, markdown = _built(reports)
    html = (reports / "conformance.html").read_text(encoding="utf-8")
    assert soup.find_all("script") == []
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert any("<script>alert(1)</script>" in dd.get_text() for dd in soup.find_all("dd"))
    assert "<script>" not in markdown
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markdown


def test_the_page_fetches_nothing(reports: Path) -> None:
    soup, _ = _built(reports)
    assert not soup.find_all(["script", "link", "img", "iframe", "object"])
    html = (reports / "conformance.html").read_text(encoding="utf-8")
    assert "@import" not in html and "url(" not in html
    csp = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})
    assert csp is not None and "default-src 'none'" in csp["content"]


def test_a_failing_run_comes_first_open_with_its_frames_drawn(reports: Path) -> None:
    soup, _ = _built(reports)
    runs = soup.find_all("details", class_="run")
    grades = [run.summary.find("span", class_="badge").get_text() for run in runs]
    assert grades[:3] == ["FAIL", "ERROR", "UNEXPECTED PASS"]
    assert [run.has_attr("open") for run in runs] == [True] * 3 + [False] * (len(ROWS) - 3)

    failing = runs[0]
    assert BOOT_TITLE in failing.summary.get_text()
    facts = {dt.get_text(): dt.find_next_sibling("dd").get_text() for dt in failing.find_all("dt")}
    assert facts["Step that broke"] == "Then the CSMS accepted the boot"
    assert "And nothing else happens" in facts["Steps not run"]
    assert facts["Expected"] == "interval > 0"
    assert facts["Arrived"] == "interval 0"
    svg = failing.find("svg", class_="sequence")
    assert svg is not None
    frames = svg.find_all("g", class_="frame")
    labels = [frame.find_all("text")[1].get_text() for frame in frames]
    assert labels == [
        "CALL BootNotification",
        "!! CALLRESULT BootNotification",
        "CALL ChangeConfiguration",
        "CALLERROR ChangeConfiguration",
    ]
    assert "interval must be > 0" in frames[1].get_text()
    assert len(svg.find_all("g", class_="note")) == 2  # connected, closed
    http = svg.find_all("g", class_="http")
    assert len(http) == 1
    assert "POST /operator/start -> 200" in http[0].get_text()
    assert "POST http://127.0.0.1:9001/operator/start -> HTTP 200" in http[0].title.get_text()
    # only runs with a trace get a diagram
    assert len(soup.find_all("svg", class_="sequence")) == 1


def test_the_markdown_has_the_totals_and_the_matrix_table(reports: Path) -> None:
    _, markdown = _built(reports)
    lines = markdown.splitlines()
    assert "| Feature | OCPP 1.6 | OCPP 2.0.1 | All |" in lines
    assert (
        "| ocpp\\_frames | 1 FAIL, 1 PASS (quirks) | 2 PASS | 1 FAIL, 1 PASS (quirks), 2 PASS |"
        in (lines)
    )
    assert "| FAIL | 1 |" in lines and "| **total** | 8 |" in lines
    assert "## Runs that break the run (3)" in lines
    assert any("CALL BootNotification" in line and "charger ---> CSMS" in line for line in lines)
    assert "| Example CSMS |" in markdown and "ab" * 32 in markdown


def test_the_trace_file_under_the_reports_dir_stands_in_for_junit(tmp_path: Path) -> None:
    (tmp_path / "summary.json").write_text(json.dumps(_summary([FAILING])), encoding="utf-8")
    traces = tmp_path / "traces"
    traces.mkdir()
    (traces / Path(FAILING["trace_file"]).name).write_text(TRACE, encoding="utf-8")
    review = build_review(tmp_path)
    assert review.runs[0].trace == TRACE


def test_a_long_trace_is_drawn_as_its_start_and_its_end(tmp_path: Path) -> None:
    frames = [f'{i / 100:8.3f}s  charger -> CSMS  [2,"{i}","Heartbeat",{{}}]' for i in range(1000)]
    (tmp_path / "summary.json").write_text(json.dumps(_summary([FAILING])), encoding="utf-8")
    (tmp_path / "junit.xml").write_text(_junit([FAILING], {FAILING["test"]: "\n".join(frames)}))
    soup, _ = _built(tmp_path)
    svg = soup.find("svg", class_="sequence")
    assert len(svg.find_all("g", class_="frame")) == DIAGRAM_HEAD + DIAGRAM_TAIL
    assert "1000 frames" in soup.find("figcaption").get_text()
    assert "700 entries left out" in svg.find("g", class_="omitted").get_text()


def test_the_parser_reads_every_kind_of_trace_line() -> None:
    sequence = parse_trace(TRACE)
    kinds = [(type(e).__name__, getattr(e, "label", None)) for e in sequence.entries]
    assert kinds == [
        ("Note", None),
        ("Message", "CALL BootNotification"),
        ("Message", "CALLRESULT BootNotification"),
        ("Message", "CALL ChangeConfiguration"),
        ("Message", "CALLERROR ChangeConfiguration"),
        ("Note", None),
        ("Note", None),
    ]
    result, cut, error = (sequence.entries[i] for i in (2, 3, 4))
    assert isinstance(result, Message) and result.sender == "CSMS"
    assert result.violations == ["CSMS -> charger BootNotification: interval must be > 0"]
    assert isinstance(cut, Message) and cut.preview.endswith("… (2400 characters)")
    assert isinstance(error, Message) and error.preview == "NotSupported: no such key"
    hook = sequence.entries[5]
    assert isinstance(hook, Note) and hook.text.endswith("\nbody line of the hook answer")
    assert sequence.title.startswith("test_boot[ocpp1.6]")


def test_schema_sets_are_shown_only_when_the_summary_names_them(tmp_path: Path) -> None:
    schemas = {"1.6": "OCPP-J 1.6 JSON schemas", "2.0.1": "OCPP 2.0.1 FINAL"}
    summary = _summary(ROWS, schemas=schemas, schema_manifest_sha256="cd" * 32)
    (tmp_path / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    soup, markdown = _built(tmp_path)
    assert "OCPP 2.0.1: OCPP 2.0.1 FINAL" in soup.get_text()
    assert "| OCA schemas, OCPP 1.6 | OCPP-J 1.6 JSON schemas |" in markdown
    plain, plain_md = _built(_plain(tmp_path / "plain"))
    assert "OCA schemas" not in plain.get_text() and "OCA schemas" not in plain_md


def _plain(directory: Path) -> Path:
    directory.mkdir()
    (directory / "summary.json").write_text(json.dumps(_summary(ROWS)), encoding="utf-8")
    return directory


def _command(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="ocpp-upi")
    add_command(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(["report", *argv])


@pytest.mark.parametrize("content", [None, "{not json", '["a list"]', '{"scenarios": 3}'])
def test_an_unusable_summary_is_one_line_and_exit_2(
    tmp_path: Path, content: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    if content is not None:
        (tmp_path / "summary.json").write_text(content, encoding="utf-8")
    args = _command(["--reports-dir", str(tmp_path)])
    assert args.handler(args, []) == 2
    err = capsys.readouterr().err
    assert err.startswith("ocpp-upi: error: ") and err.count("\n") == 1
    assert not (tmp_path / "conformance.html").exists()


def test_the_command_writes_both_files_where_asked_and_skips_a_missing_allure(
    reports: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setattr(review_module.shutil, "which", lambda name: None)
    out = tmp_path / "out"
    args = _command(["--reports-dir", str(reports), "--output-dir", str(out), "--allure"])
    assert args.handler(args, []) == 0
    assert (out / "conformance.html").is_file() and (out / "conformance.md").is_file()
    printed = capsys.readouterr().out
    assert "allure is not on PATH; skipped the Allure report" in printed


def test_the_defaults_are_the_reports_directory() -> None:
    args = _command([])
    assert args.reports_dir == Path("reports") and args.output_dir is None and not args.allure
