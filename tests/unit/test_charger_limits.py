"""The mock charger's prepaid limits: received per version, metered to exactly, stopped right.

The metering rules are checked on an unconnected station; the wire is checked end to end
against the reference CSMS on loopback (a static-QR credit of 200 INR at 10 INR/kWh + 18 %
= 16949 Wh), with the station drawing 4000 Wh per 10 ms tick so a session ends in ~50 ms.
Every frame of those sessions is validated against the official schemas by the session itself.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from ocpp_upi.bank.notification import credit
from ocpp_upi.bank.notifier import BankNotifier
from ocpp_upi.charger.behaviour import ChargerBehaviour
from ocpp_upi.charger.limits import (
    ENERGY_LIMIT_REACHED,
    advance_meter,
    on_limit_transfer,
    parse_limit_data,
    started_limit,
)
from ocpp_upi.charger.station import MockCharger, Transaction
from ocpp_upi.csms import CsmsSettings, ReferenceCsms
from ocpp_upi.ocpp.codec import Call
from ocpp_upi.ocpp.trace import FrameTrace
from ocpp_upi.ocpp.versions import Role

LIMIT_WH = 16949
VENDOR = "ocpp-upi.prepaid"
# 300 kW for 10 ms at time scale 4800 = 4000 Wh per tick: 4000, 8000, 12000, 16000, 16949.
FAST = ChargerBehaviour(power_w=300_000.0, meter_interval_s=0.01)
DEADLINE = 10.0


def station(version: str = "1.6", **behaviour: Any) -> MockCharger:
    return MockCharger(
        identity="CP1",
        version=version,
        ocpp_url="ws://127.0.0.1:9/ocpp",
        trace=FrameTrace("unit", version),
        behaviour=replace(FAST, **behaviour),
    )


def transaction(charger: MockCharger, transaction_id: int | None = 7) -> Transaction:
    tx = charger.begin(1, "UTR", None)
    tx.transaction_id = transaction_id
    return tx


# --- metering, offline ---------------------------------------------------------------------


def meter_until_stop(charger: MockCharger, tx: Transaction) -> tuple[str, list[float]]:
    readings: list[float] = []
    for _ in range(100):
        reason = advance_meter(charger, tx)
        readings.append(tx.energy_wh)
        if reason is not None:
            return reason, readings
    raise AssertionError(f"never stopped: {readings[-3:]}")


def test_meter_stops_exactly_at_the_limit() -> None:
    charger = station()
    tx = transaction(charger)
    tx.limit_wh = float(LIMIT_WH)
    reason, readings = meter_until_stop(charger, tx)
    assert reason == ENERGY_LIMIT_REACHED
    assert readings == [4000, 8000, 12000, 16000, LIMIT_WH]
    assert tx.meter_now_wh - tx.meter_start_wh == LIMIT_WH


@pytest.mark.parametrize(
    ("driver", "expected"),
    [(5000.0, ("Local", 5000)), (float(LIMIT_WH), (ENERGY_LIMIT_REACHED, LIMIT_WH))],
)
def test_driver_stop_below_the_limit_wins_and_a_tie_is_the_limit(
    driver: float, expected: tuple[str, int]
) -> None:
    charger = station(stop_after_wh=driver)
    tx = transaction(charger)
    tx.limit_wh = float(LIMIT_WH)
    reason, readings = meter_until_stop(charger, tx)
    assert (reason, readings[-1]) == expected


def test_non_enforcing_station_meters_past_the_limit() -> None:
    charger = station(enforces_limits=False)
    tx = transaction(charger)
    tx.limit_wh = float(LIMIT_WH)
    for _ in range(6):
        assert advance_meter(charger, tx) is None
    assert tx.energy_wh == 24000


@pytest.mark.parametrize("power_w", [1.0, 3700.0, 7400.0, 22000.0, 150_000.0, 350_000.0])
def test_energy_never_exceeds_the_limit(power_w: float) -> None:
    charger = station(power_w=power_w, meter_interval_s=0.05)
    tx = transaction(charger)
    tx.limit_wh = 1234.0
    for _ in range(100_000):
        if advance_meter(charger, tx) is not None:
            break
        assert tx.energy_wh < 1234.0
    assert tx.energy_wh == 1234.0


# --- receiving the limit, offline ----------------------------------------------------------


def test_started_limit_is_read_where_each_version_puts_it() -> None:
    limit = {"maxEnergy": LIMIT_WH}
    assert started_limit("2.1", {"transactionLimit": limit}) == limit
    custom = {"customData": {"vendorId": VENDOR, "transactionLimit": limit}}
    assert started_limit("2.0.1", custom) == limit
    assert started_limit("2.0.1", {"transactionLimit": limit}) is None  # not a 2.0.1 field
    assert started_limit("2.1", custom) is None  # 2.1 has its own field


def test_started_limit_ignores_another_vendors_custom_data() -> None:
    custom = {"customData": {"vendorId": "other", "transactionLimit": {"maxEnergy": 1}}}
    assert started_limit("2.0.1", custom) is None


@pytest.mark.parametrize(
    "data",
    [None, "", "nope", "[]", '{"transactionId": "7", "maxEnergy": 1}', '{"transactionId": 7}'],
)
def test_malformed_limit_data_is_refused(data: object) -> None:
    assert parse_limit_data(data) is None
    charger = station()
    transaction(charger)
    reply = on_limit_transfer(charger, {"vendorId": VENDOR, "data": data})
    assert reply.payload == {"status": "Rejected"}


def test_limit_transfer_for_a_known_unknown_or_pending_transaction() -> None:
    charger = station()
    tx = transaction(charger, transaction_id=7)
    data = json.dumps({"transactionId": 7, "maxEnergy": 500})
    assert on_limit_transfer(charger, {"data": data}).payload == {"status": "Accepted"}
    assert tx.limit_wh == 500
    other = json.dumps({"transactionId": 8, "maxEnergy": 500})
    assert on_limit_transfer(charger, {"data": other}).payload == {"status": "Rejected"}

    # Read before StartTransaction.conf was processed: kept until the id is known.
    waiting = station()
    pending = transaction(waiting, transaction_id=None)
    assert on_limit_transfer(waiting, {"data": other}).payload == {"status": "Accepted"}
    pending.transaction_id = 8
    advance_meter(waiting, pending)
    assert pending.limit_wh == 500


def test_non_enforcing_station_does_not_know_the_extension() -> None:
    charger = station(enforces_limits=False)
    transaction(charger)
    data = json.dumps({"transactionId": 7, "maxEnergy": 500})
    assert on_limit_transfer(charger, {"data": data}).payload == {"status": "UnknownVendorId"}


# --- on the wire, against the reference CSMS -----------------------------------------------


async def paid_session(version: str, **behaviour: Any) -> tuple[MockCharger, Transaction]:
    """Pay 200 INR by static QR and run the session to its end; returns charger and tx."""
    settings = CsmsSettings(tax_rate=Decimal("0.18"))
    async with ReferenceCsms(settings) as csms:
        trace = FrameTrace("limits", version)
        charger = MockCharger(
            identity="CP1",
            version=version,
            ocpp_url=csms.ocpp_url,
            trace=trace,
            behaviour=replace(FAST, **behaviour),
            response_timeout=DEADLINE,
        )
        try:
            await charger.connect(DEADLINE)
            await charger.boot()
            async with BankNotifier(csms.bank_webhook_url, settings.bank_webhook_secret) as bank:
                exchange = await bank.deliver(credit("CP1-1"))
                assert exchange.status == 200, exchange.describe()
            tx = await charger.wait_ended(1, DEADLINE)
            assert tx is not None and tx.started.is_set(), trace.render()[-2000:]
            await csms.wait_idle()
        finally:
            await charger.close()
    assert trace.violations == [], trace.violations
    return charger, tx


def charger_calls(charger: MockCharger, action: str) -> list[dict[str, Any]]:
    return [
        e.frame.payload
        for e in charger.trace.entries
        if e.sender is Role.CHARGER and isinstance(e.frame, Call) and e.frame.action == action
    ]


def csms_calls(charger: MockCharger, action: str) -> list[dict[str, Any]]:
    return [
        e.frame.payload
        for e in charger.trace.entries
        if e.sender is Role.CSMS and isinstance(e.frame, Call) and e.frame.action == action
    ]


STOPS = {"1.6": "RemoteStopTransaction", "2.0.1": "RequestStopTransaction"}


@pytest.mark.parametrize("version", ["1.6", "2.0.1", "2.1"])
def test_enforcing_station_stops_exactly_at_the_limit(version: str) -> None:
    charger, tx = asyncio.run(paid_session(version))
    assert (tx.limit_wh, tx.energy_wh, tx.stop_reason) == (LIMIT_WH, LIMIT_WH, ENERGY_LIMIT_REACHED)
    assert csms_calls(charger, STOPS.get(version, "RequestStopTransaction")) == []
    if version == "1.6":
        [stop] = charger_calls(charger, "StopTransaction")
        [start] = charger_calls(charger, "StartTransaction")
        assert stop["reason"] == "Other"
        assert stop["meterStop"] - start["meterStart"] == LIMIT_WH
        assert any("1.6 has no limit stop reason" in (e.event or "") for e in charger.trace.entries)
    else:
        ended = [e for e in charger_calls(charger, "TransactionEvent") if e["eventType"] == "Ended"]
        [end] = ended
        assert end["triggerReason"] == "EnergyLimitReached"
        assert end["transactionInfo"]["stoppedReason"] == "EnergyLimitReached"


@pytest.mark.parametrize("version", ["1.6", "2.0.1", "2.1"])
def test_non_enforcing_station_charges_until_the_csms_stops_it(version: str) -> None:
    charger, tx = asyncio.run(paid_session(version, enforces_limits=False))
    assert tx.stop_reason == "Remote"
    assert tx.limit_wh is None
    assert LIMIT_WH <= tx.energy_wh <= LIMIT_WH + 2 * 4000  # about one meter interval over
    assert len(csms_calls(charger, STOPS.get(version, "RequestStopTransaction"))) == 1
    if version == "1.6":
        [offer] = csms_calls(charger, "DataTransfer")
        assert json.loads(offer["data"])["maxEnergy"] == LIMIT_WH


@pytest.mark.parametrize("version", ["1.6", "2.0.1", "2.1"])
def test_driver_stop_below_the_limit_keeps_its_reason_and_records_the_limit(version: str) -> None:
    charger, tx = asyncio.run(paid_session(version, stop_after_wh=5000.0))
    assert (tx.limit_wh, tx.energy_wh, tx.stop_reason) == (LIMIT_WH, 5000, "Local")
    if version == "1.6":
        [stop] = charger_calls(charger, "StopTransaction")
        assert (stop["reason"], stop["meterStop"]) == ("Local", charger.meter_register_wh)
    else:
        [end] = [e for e in charger_calls(charger, "TransactionEvent") if e["eventType"] == "Ended"]
        assert end["triggerReason"] == "StopAuthorized"
        assert end["transactionInfo"]["stoppedReason"] == "Local"


def test_station_that_computes_cost_gets_and_records_max_cost() -> None:
    charger, tx = asyncio.run(paid_session("2.1", computes_cost=True))
    [started] = [
        e for e in charger_calls(charger, "TransactionEvent") if e["eventType"] == "Started"
    ]
    assert started["customData"] == {"vendorId": VENDOR, "computesCost": True}
    assert (tx.limit_wh, tx.limit_cost, tx.energy_wh) == (LIMIT_WH, 200.0, LIMIT_WH)
