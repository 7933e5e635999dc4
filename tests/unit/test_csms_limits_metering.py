"""CSMS-side metering of a paid session: one stop when the energy reaches the limit.

The raw charger reports readings by hand. "No stop was sent" is proven with the Heartbeat
barrier (a queued stop CALL would arrive before its reply); the stop itself is sent from a
background task after the reading's reply, so it is the next frame once it is due.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.unit.test_csms_limits import (
    LIMIT_WH,
    METER_START,
    gst_settings,
    pay_and_accept,
    start_2x,
    start_16,
)
from tests.unit.test_csms_server import NOW, RawCharger, charger_session, run, running


async def meter_values_16(cp: RawCharger, transaction_id: int, value: str, unit: str) -> None:
    sample = {"value": value, "measurand": "Energy.Active.Import.Register", "unit": unit}
    payload = {
        "connectorId": 1,
        "transactionId": transaction_id,
        "meterValue": [{"timestamp": NOW, "sampledValue": [sample]}],
    }
    assert (await cp.call("MeterValues", payload))[0] == 3


async def updated_2x(cp: RawCharger, seq_no: int, register_wh: int) -> None:
    event = {
        "eventType": "Updated",
        "timestamp": NOW,
        "triggerReason": "MeterValuePeriodic",
        "seqNo": seq_no,
        "transactionInfo": {"transactionId": "tx-1"},
        "meterValue": [{"timestamp": NOW, "sampledValue": [{"value": register_wh}]}],
    }
    assert (await cp.call("TransactionEvent", event))[0] == 3


async def expect_stop(cp: RawCharger, action: str, payload: dict[str, Any]) -> None:
    frame = await cp.recv()
    assert frame[0] == 2 and frame[2] == action and frame[3] == payload, frame
    await cp.answer(frame, {"status": "Accepted"})


def test_16_station_that_refused_the_limit_is_stopped_once_at_it() -> None:
    async def scenario() -> None:
        async with running(gst_settings()) as (csms, bank), charger_session(csms, "1.6") as cp:
            transaction_id = await start_16(cp, await pay_and_accept(bank, cp))
            offer = await cp.recv()
            await cp.answer(offer, {"status": "UnknownVendorId"})
            await meter_values_16(cp, transaction_id, str(METER_START + LIMIT_WH - 1), "Wh")
            await cp.barrier()
            # 17.949 kWh - 1000 Wh = exactly the limit: kWh readings count in Wh.
            await meter_values_16(cp, transaction_id, "17.949", "kWh")
            await expect_stop(cp, "RemoteStopTransaction", {"transactionId": transaction_id})
            await meter_values_16(cp, transaction_id, str(METER_START + LIMIT_WH + 400), "Wh")
            await cp.barrier()  # never a second stop
            stop = {"transactionId": transaction_id, "meterStop": 18349, "timestamp": NOW}
            assert (await cp.call("StopTransaction", {**stop, "reason": "Remote"}))[0] == 3
            await csms.wait_idle()
            assert csms.limit_watch("CP1", str(transaction_id)) is None

    run(scenario())


def test_16_station_that_accepted_is_stopped_only_past_its_limit() -> None:
    async def scenario() -> None:
        async with running(gst_settings()) as (csms, bank), charger_session(csms, "1.6") as cp:
            transaction_id = await start_16(cp, await pay_and_accept(bank, cp))
            offer = await cp.recv()
            assert json.loads(offer[3]["data"])["maxEnergy"] == LIMIT_WH
            await cp.answer(offer, {"status": "Accepted"})
            await cp.barrier()
            await meter_values_16(cp, transaction_id, str(METER_START + LIMIT_WH), "Wh")
            await cp.barrier()  # it stops itself at the limit: no stop races it
            await meter_values_16(cp, transaction_id, str(METER_START + LIMIT_WH + 1), "Wh")
            await expect_stop(cp, "RemoteStopTransaction", {"transactionId": transaction_id})

    run(scenario())


@pytest.mark.parametrize("version", ["2.0.1", "2.1"])
def test_2x_safety_net_stops_a_station_that_overshoots_once(version: str) -> None:
    async def scenario() -> None:
        async with running(gst_settings()) as (csms, bank), charger_session(csms, version) as cp:
            await start_2x(cp, await pay_and_accept(bank, cp))
            await updated_2x(cp, 1, METER_START + LIMIT_WH)
            await cp.barrier()  # exactly at the limit is the station's own stop
            await updated_2x(cp, 2, METER_START + LIMIT_WH + 493)
            await expect_stop(cp, "RequestStopTransaction", {"transactionId": "tx-1"})
            await updated_2x(cp, 3, METER_START + LIMIT_WH + 986)
            await cp.barrier()

    run(scenario())


def test_2x_session_sent_no_limit_is_stopped_at_the_limit() -> None:
    async def scenario() -> None:
        settings = gst_settings(send_transaction_limit=False)
        async with running(settings) as (csms, bank), charger_session(csms, "2.1") as cp:
            reply = await start_2x(cp, await pay_and_accept(bank, cp))
            assert "transactionLimit" not in reply
            await updated_2x(cp, 1, METER_START + LIMIT_WH)
            await expect_stop(cp, "RequestStopTransaction", {"transactionId": "tx-1"})

    run(scenario())


def test_unpaid_session_is_never_metered() -> None:
    async def scenario() -> None:
        async with running(gst_settings()) as (csms, _), charger_session(csms, "1.6") as cp:
            unpaid = {"connectorId": 1, "idTag": "WALK-IN", "meterStart": 0, "timestamp": NOW}
            transaction_id = (await cp.call("StartTransaction", unpaid))[2]["transactionId"]
            await meter_values_16(cp, transaction_id, "999999", "Wh")
            await cp.barrier()

    run(scenario())
