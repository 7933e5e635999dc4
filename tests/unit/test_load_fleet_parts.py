"""Fleet mode's parts on hand-made input: percentiles, the plan's checks, identities, the
frame observer's attribution of remote starts, the trace's bounded tail, the report."""

from __future__ import annotations

import asyncio
import socket
from decimal import Decimal
from pathlib import Path

import pytest

from ocpp_upi.config import ANY_IDENTITY, ChargerIdentity
from ocpp_upi.load.fleet import FleetError, FleetPlan, identities
from ocpp_upi.load.metrics import ONE_START, SERIES, LoadMetrics, percentile
from ocpp_upi.load.report import render_html, summary_lines
from ocpp_upi.load.station import TRACE_TAIL, FleetStation, ObservedTrace, PaymentWindow
from ocpp_upi.ocpp.codec import Call
from ocpp_upi.ocpp.trace import TraceEntry
from ocpp_upi.ocpp.versions import Role


def test_percentile_is_the_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.50) == 50.0
    assert percentile(values, 0.99) == 99.0
    assert percentile([3.0], 0.99) == 3.0
    assert percentile([], 0.5) is None
    assert percentile([5.0, 1.0, 9.0], 0.5) == 5.0  # unsorted input


def test_summary_is_in_milliseconds() -> None:
    metrics = LoadMetrics()
    for seconds in (0.010, 0.020, 0.030):
        metrics.latency(SERIES[1], seconds)
    summary = metrics.summary(SERIES[1])
    assert summary == {"count": 3, "p50_ms": 20.0, "p95_ms": 30.0, "p99_ms": 30.0}
    assert metrics.summary(SERIES[0])["p99_ms"] is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"chargers": 0}, "at least 1"),
        ({"rate": 0}, "positive"),
        ({"duration_s": -1}, "positive"),
        ({"duration_s": float("inf")}, "finite"),
        ({"duplicate_share": 1.5}, "between 0 and 1"),
        ({"version": "1.5"}, "1.5"),
    ],
)
def test_a_bad_plan_says_what_is_wrong(changes: dict[str, object], message: str) -> None:
    values: dict[str, object] = {"chargers": 10, "duration_s": 5.0, "rate": 1.0}
    values.update(changes)
    with pytest.raises(FleetError, match=message):
        FleetPlan(**values)  # type: ignore[arg-type]


class _Profile:
    def __init__(self, chargers: list[ChargerIdentity]) -> None:
        self.chargers = chargers


def test_identities_are_invented_only_when_the_csms_accepts_any() -> None:
    anyone = _Profile([ChargerIdentity(id=ANY_IDENTITY, password="pw")])
    made = identities(anyone, "2.0.1", 3)  # type: ignore[arg-type]
    assert [i.id for i in made] == ["FLEET201-00001", "FLEET201-00002", "FLEET201-00003"]
    assert {i.password for i in made} == {"pw"}
    named = _Profile(
        [ChargerIdentity(id="CP-1", password=None), ChargerIdentity(id="CP-2", password=None)]
    )
    assert [i.id for i in identities(named, "1.6", 2)] == ["CP-1", "CP-2"]  # type: ignore[arg-type]
    with pytest.raises(FleetError, match="names 2 charger"):
        identities(named, "1.6", 3)  # type: ignore[arg-type]


def _entry(sender: Role, action: str, payload: dict[str, object]) -> TraceEntry:
    frame = Call(message_id="1", action=action, payload=payload)
    return TraceEntry(seq=0, at=0.0, sender=sender, raw="[2]", frame=frame, action=action)


class _Charger:
    identity = "CP-9"
    version = "2.0.1"


def _station() -> tuple[FleetStation, list[str]]:
    strays: list[str] = []
    station = FleetStation(
        _Charger(),  # type: ignore[arg-type]
        on_stray_start=lambda s, e: strays.append(f"{s.identity} {e.action}"),
    )
    return station, strays


def test_a_remote_start_belongs_to_the_payment_being_served() -> None:
    async def scenario() -> None:
        station, strays = _station()
        station.observe(_entry(Role.CSMS, "RequestStartTransaction", {"evseId": 1}))
        assert strays == ["CP-9 RequestStartTransaction"]  # no payment: a stray start
        window = PaymentWindow(flow="static QR", payment="123456789012", noticed_at=0.0)
        station.window = window
        station.observe(_entry(Role.CSMS, "RequestStartTransaction", {"evseId": 1}))
        assert len(window.remote_starts) == 1 and not window.another_start.is_set()
        station.observe(_entry(Role.CHARGER, "TransactionEvent", {"eventType": "Started"}))
        station.observe(_entry(Role.CHARGER, "TransactionEvent", {"eventType": "Updated"}))
        station.observe(_entry(Role.CHARGER, "TransactionEvent", {"eventType": "Ended"}))
        assert window.started_at and window.first_meter_at and window.ended_at
        assert window.started_at <= window.first_meter_at <= window.ended_at
        station.observe(_entry(Role.CSMS, "RequestStartTransaction", {"evseId": 1}))
        assert window.another_start.is_set() and len(window.remote_starts) == 2
        assert strays == ["CP-9 RequestStartTransaction"]

    asyncio.run(scenario())


def test_the_fleet_trace_shows_every_entry_and_keeps_a_tail() -> None:
    seen: list[str] = []
    trace = ObservedTrace(label="CP", version="1.6", observer=lambda e: seen.append(e.event or ""))
    for n in range(5 * TRACE_TAIL):
        trace.note(f"event {n}")
    assert len(seen) == 5 * TRACE_TAIL
    assert len(trace.entries) <= 2 * TRACE_TAIL
    assert trace.entries[-1].event == f"event {5 * TRACE_TAIL - 1}"


def _result(violations: list[dict[str, object]]) -> dict[str, object]:
    metrics = LoadMetrics()
    metrics.latency(SERIES[1], 0.012)
    return {
        "chargers": 2, "booted": 2, "ocpp_version": "2.1", "boot_s": 0.1, "sessions_s": 3.0,
        "sessions_per_s": 1.0, "counts": {"sessions completed": 3}, "peak_rss_mib": 70.0,
        "rss_per_charger_kib": 80.0, "problems": [], "violations": violations,
        "latency": {name: metrics.summary(name) for name in SERIES},
        "series": {name: [[0.5, 12.0]] if name == SERIES[1] else [] for name in SERIES},
    }  # fmt: skip


def test_the_report_names_each_broken_rule_and_plots_each_series() -> None:
    violation = {"rule": ONE_START, "charger": "CP-1", "payment": "9876", "detail": "2 starts"}
    result = _result([violation])
    page = render_html(result)
    assert "charger CP-1, payment 9876: 2 starts" in page
    assert page.count("<svg") == 1 and "no samples" in page
    lines = summary_lines(result)
    assert "rules broken under load: 1" in lines
    assert any("charger CP-1, payment 9876" in line for line in lines)
    assert "rules broken under load: 0" in summary_lines(_result([]))


def test_amounts_and_shares_are_checked_at_the_command_line() -> None:
    from ocpp_upi.cli import main

    assert main(["fleet", "--chargers", "0"]) == 2
    assert main(["fleet", "--amount", "10.001"]) == 2
    assert main(["fleet", "--duplicate-share", "2"]) == 2
    assert main(["fleet", "--duration", "inf"]) == 2
    assert main(["fleet", "--amount", "NaN"]) == 2
    assert Decimal("100.00") == FleetPlan(chargers=1, duration_s=1, rate=1).amount_inr


def test_an_unreachable_csms_is_one_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from ocpp_upi.cli import main

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    profile = tmp_path / "closed.toml"
    profile.write_text(
        f'[csms]\nname = "gone"\nocpp_url = "ws://127.0.0.1:{port}/ocpp"\n'
        f'versions = ["2.0.1"]\nsecurity_profile = 0\n\n[[chargers]]\nid = "*"\n\n'
        f'[bank]\nwebhook_url = "http://127.0.0.1:{port}/bank"\nsecret = "s"\n',
        encoding="utf-8",
    )
    status = main(["fleet", "--profile", str(profile), "--chargers", "2", "--duration", "1"])
    err = capsys.readouterr().err
    assert status == 2, err
    assert "no charger of 2 booted" in err and f"127.0.0.1:{port}" in err, err
