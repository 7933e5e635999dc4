"""How the reference CSMS tells a station the prepaid limit, per OCPP version (seed 3.3).

A raw OCPP-J charger pays by static QR (200 INR at 10 INR/kWh + 18 % = 16949 Wh) and starts
the session by hand, so the exact frames the CSMS answers with are pinned: 2.1's
transactionLimit, 2.0.1's customData, 1.6's DataTransfer right after StartTransaction.conf.
"""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from typing import Any

import pytest

from ocpp_upi.bank.notification import credit
from ocpp_upi.bank.notifier import BankNotifier
from ocpp_upi.csms import CsmsSettings, ReferenceCsms
from ocpp_upi.csms.ledger import PaymentRecord
from tests.unit.test_csms_server import NOW, RawCharger, charger_session, run, running

GST = Decimal("0.18")
LIMIT_WH = 16949  # 200 INR / 1.18 / 10 INR per kWh, in whole Wh
METER_START = 1000
VENDOR = "ocpp-upi.prepaid"


def gst_settings(**overrides: Any) -> CsmsSettings:
    return CsmsSettings(tax_rate=GST, **overrides)


async def pay_and_accept(bank: BankNotifier, charger: RawCharger) -> list[Any]:
    """A 200 INR static-QR credit for EVSE 1; returns the accepted remote-start CALL."""
    delivery = asyncio.create_task(bank.deliver(credit("CP1-1")))
    frame = await charger.recv()
    await charger.answer(frame, {"status": "Accepted"})
    await delivery
    return frame


async def start_16(charger: RawCharger, start: list[Any]) -> int:
    reply = await charger.call(
        "StartTransaction",
        {"connectorId": 1, "idTag": start[3]["idTag"], "meterStart": METER_START, "timestamp": NOW},
    )
    assert reply[2]["idTagInfo"] == {"status": "Accepted"}, reply
    return int(reply[2]["transactionId"])


def started_event(start: list[Any], custom_data: dict[str, Any] | None = None) -> dict[str, Any]:
    event: dict[str, Any] = {
        "eventType": "Started",
        "timestamp": NOW,
        "triggerReason": "RemoteStart",
        "seqNo": 0,
        "transactionInfo": {"transactionId": "tx-1", "remoteStartId": start[3]["remoteStartId"]},
        "idToken": start[3]["idToken"],
        "evse": {"id": 1, "connectorId": 1},
        "meterValue": [{"timestamp": NOW, "sampledValue": [{"value": METER_START}]}],
    }
    if custom_data is not None:
        event["customData"] = custom_data
    return event


async def start_2x(
    charger: RawCharger, start: list[Any], custom_data: dict[str, Any] | None = None
) -> dict[str, Any]:
    reply = await charger.call("TransactionEvent", started_event(start, custom_data))
    assert reply[0] == 3 and reply[2]["idTokenInfo"] == {"status": "Accepted"}, reply
    return dict(reply[2])


@pytest.mark.parametrize("computes_cost", [False, True])
def test_21_started_reply_limits_energy_and_cost_only_if_the_station_can(
    computes_cost: bool,
) -> None:
    async def scenario() -> None:
        async with running(gst_settings()) as (csms, bank), charger_session(csms, "2.1") as cp:
            start = await pay_and_accept(bank, cp)
            signal = {"vendorId": VENDOR, "computesCost": True} if computes_cost else None
            reply = await start_2x(cp, start, signal)
            expected: dict[str, Any] = {"maxEnergy": LIMIT_WH}
            if computes_cost:
                expected["maxCost"] = 200.0
            assert reply["transactionLimit"] == expected
            assert "customData" not in reply

    run(scenario())


def test_201_started_reply_carries_the_limit_in_custom_data() -> None:
    async def scenario() -> None:
        async with running(gst_settings()) as (csms, bank), charger_session(csms, "2.0.1") as cp:
            reply = await start_2x(cp, await pay_and_accept(bank, cp))
            assert reply["customData"] == {
                "vendorId": VENDOR,
                "transactionLimit": {"maxEnergy": LIMIT_WH},
            }
            assert "transactionLimit" not in reply

    run(scenario())


def test_16_limit_data_transfer_follows_the_start_conf() -> None:
    async def scenario() -> None:
        async with running(gst_settings()) as (csms, bank), charger_session(csms, "1.6") as cp:
            transaction_id = await start_16(cp, await pay_and_accept(bank, cp))
            frame = await cp.recv()
            assert frame[0] == 2 and frame[2] == "DataTransfer", frame
            assert set(frame[3]) == {"vendorId", "messageId", "data"}
            assert (frame[3]["vendorId"], frame[3]["messageId"]) == (VENDOR, "TransactionLimit")
            data = json.loads(frame[3]["data"])
            assert data == {"transactionId": transaction_id, "maxEnergy": LIMIT_WH}
            await cp.answer(frame, {"status": "Accepted"})
            await cp.barrier()  # the answer has been read by now
            await csms.wait_idle()  # ... and the task that sent the offer has taken it in
            watch = csms.limit_watch("CP1", str(transaction_id))
            assert watch is not None and watch.station_enforces and watch.limit_wh == LIMIT_WH

    run(scenario())


@pytest.mark.parametrize(
    "answer",
    [
        [3, None, {"status": "UnknownVendorId"}],
        [3, None, {"status": "UnknownMessageId"}],
        [3, None, {"status": "Rejected"}],
        [4, None, "NotImplemented", "DataTransfer is not supported", {}],
    ],
)
def test_16_any_answer_but_accepted_leaves_the_csms_metering(answer: list[Any]) -> None:
    async def scenario() -> None:
        async with running(gst_settings()) as (csms, bank), charger_session(csms, "1.6") as cp:
            transaction_id = await start_16(cp, await pay_and_accept(bank, cp))
            frame = await cp.recv()
            assert frame[2] == "DataTransfer"
            await cp.ws.send(json.dumps([answer[0], frame[1], *answer[2:]]))
            await cp.barrier()
            await csms.wait_idle()
            watch = csms.limit_watch("CP1", str(transaction_id))
            assert watch is not None and not watch.station_enforces

    run(scenario())


def test_no_limit_is_sent_when_disabled_or_for_an_unpaid_session() -> None:
    async def scenario() -> None:
        settings = gst_settings(send_transaction_limit=False)
        async with running(settings) as (csms, bank), charger_session(csms, "1.6") as cp:
            await start_16(cp, await pay_and_accept(bank, cp))
            await cp.barrier()  # no DataTransfer queued ahead of the Heartbeat's reply
            assert csms.ledger.transactions()[0].payment_id is not None
        async with running(gst_settings()) as (csms, _), charger_session(csms, "1.6") as cp:
            unpaid = {"connectorId": 1, "idTag": "WALK-IN", "meterStart": 0, "timestamp": NOW}
            assert (await cp.call("StartTransaction", unpaid))[0] == 3
            await cp.barrier()
        async with running(settings) as (csms, bank), charger_session(csms, "2.1") as cp:
            reply = await start_2x(cp, await pay_and_accept(bank, cp))
            assert "transactionLimit" not in reply and "customData" not in reply

    run(scenario())


class ForgetsTax(ReferenceCsms):
    """A fault-variant-shaped override: one hook changes the limit on every version."""

    def limit_wh_for(self, payment: PaymentRecord) -> int:
        return payment.amount_paise // 100 * 1000 // 10


@pytest.mark.parametrize("version", ["1.6", "2.0.1", "2.1"])
def test_one_hook_decides_the_limit_for_every_version(version: str) -> None:
    async def scenario() -> None:
        async with (
            ForgetsTax(gst_settings()) as csms,
            BankNotifier(csms.bank_webhook_url, csms.settings.bank_webhook_secret) as bank,
            charger_session(csms, version) as cp,
        ):
            start = await pay_and_accept(bank, cp)
            if version == "1.6":
                await start_16(cp, start)
                frame = await cp.recv()
                assert json.loads(frame[3]["data"])["maxEnergy"] == 20000
                await cp.answer(frame, {"status": "Accepted"})
                return
            reply = await start_2x(cp, start)
            if version == "2.1":
                assert reply["transactionLimit"] == {"maxEnergy": 20000}
            else:
                assert reply["customData"]["transactionLimit"] == {"maxEnergy": 20000}

    run(scenario())


def test_stop_rule_is_a_safety_net_for_a_station_that_enforces() -> None:
    csms = ReferenceCsms()
    try:
        assert csms.should_stop_for_limit(LIMIT_WH, LIMIT_WH, station_enforces=False)
        assert not csms.should_stop_for_limit(LIMIT_WH - 1, LIMIT_WH, station_enforces=False)
        assert not csms.should_stop_for_limit(LIMIT_WH, LIMIT_WH, station_enforces=True)
        assert csms.should_stop_for_limit(LIMIT_WH + 1, LIMIT_WH, station_enforces=True)
        assert csms.station_computes_cost({"vendor_id": VENDOR, "computes_cost": True})
        assert not csms.station_computes_cost({"vendor_id": "other", "computes_cost": True})
        assert not csms.station_computes_cost(None)
    finally:
        csms.ledger.close()
