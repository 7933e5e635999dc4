"""Settlement and refunds through the respx-mocked PSP, with a raw OCPP-J charger.

Every wait is an event: ``csms.wait_idle()`` returns once the CSMS's background work (remote
start, start deadline, refund retries) has finished; deadlines and backoffs are configured
short instead of slept through.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import httpx
import pytest

from ocpp_upi.bank.notification import credit
from ocpp_upi.bank.notifier import BankNotifier
from ocpp_upi.csms.money import prepaid_energy_wh
from tests.unit.test_csms_pay_page import paying_csms, place_order, psp_settings
from tests.unit.test_csms_pay_webhook import captured, deliver
from tests.unit.test_csms_server import NOW, RawCharger, charger_session, run

GST = Decimal("0.18")
# 5123 Wh at 10 INR/kWh + 18 % = 60.4514 INR -> 6045 paise; 200.00 INR paid -> 13955 back.
ENERGY_WH = 5123
COST_PAISE = 6045
REFUND_PAISE = 20000 - COST_PAISE


async def start_session(cp: RawCharger, start: list[Any], payment_id: str) -> dict[str, Any]:
    """Begin the session the remote start asked for; returns what ``end_session`` needs."""
    if cp.version == "1.6":
        reply = await cp.call(
            "StartTransaction",
            {"connectorId": 1, "idTag": payment_id[-20:], "meterStart": 1000, "timestamp": NOW},
        )
        await cp.barrier()  # answers the CSMS's prepaid-limit DataTransfer, so none is pending
        return {"reply": reply[2], "transactionId": reply[2]["transactionId"]}
    started = {
        "eventType": "Started",
        "timestamp": NOW,
        "triggerReason": "RemoteStart",
        "seqNo": 0,
        "transactionInfo": {"transactionId": "tx-9", "remoteStartId": start[3]["remoteStartId"]},
        "idToken": start[3]["idToken"],
        "evse": {"id": 1, "connectorId": 1},
        "meterValue": [
            {"timestamp": NOW, "sampledValue": [{"value": 1.0, "unitOfMeasure": {"unit": "kWh"}}]}
        ],
    }
    reply = await cp.call("TransactionEvent", started)
    assert reply[0] == 3, reply
    updated = {
        "eventType": "Updated",
        "timestamp": NOW,
        "triggerReason": "MeterValuePeriodic",
        "seqNo": 1,
        "transactionInfo": {"transactionId": "tx-9"},
        "meterValue": [
            {
                "timestamp": NOW,
                "sampledValue": [{"value": 300, "unitOfMeasure": {"unit": "Wh", "multiplier": 1}}],
            }
        ],
    }
    assert (await cp.call("TransactionEvent", updated))[0] == 3
    return {"reply": reply[2], "transactionId": "tx-9"}


async def end_session(cp: RawCharger, session: dict[str, Any]) -> None:
    if cp.version == "1.6":
        stop = {
            "transactionId": session["transactionId"],
            "meterStop": 1000 + ENERGY_WH,
            "timestamp": NOW,
        }
        assert (await cp.call("StopTransaction", stop))[0] == 3
        return
    ended = {
        "eventType": "Ended",
        "timestamp": NOW,
        "triggerReason": "EVCommunicationLost",
        "seqNo": 2,
        "transactionInfo": {"transactionId": "tx-9", "stoppedReason": "EVDisconnected"},
        "meterValue": [
            {
                "timestamp": NOW,
                "sampledValue": [{"value": 6.123, "unitOfMeasure": {"unit": "kWh"}}],
            }
        ],
    }
    assert (await cp.call("TransactionEvent", ended))[0] == 3


@pytest.mark.parametrize("version", ["1.6", "2.0.1", "2.1"])
def test_unused_amount_is_refunded_exactly_once_to_the_paisa(version: str) -> None:
    async def scenario() -> None:
        settings = psp_settings(tax_rate=GST)
        async with (
            paying_csms(settings) as (csms, fake, http),
            charger_session(csms, version) as cp,
        ):
            order_id, payment_id = await place_order(http, csms, fake)
            await deliver(http, csms, captured(payment_id, order_id))
            start = await cp.recv()
            await cp.answer(start, {"status": "Accepted"})
            session = await start_session(cp, start, payment_id)
            if version == "1.6":
                assert session["reply"]["idTagInfo"] == {"status": "Accepted"}
            else:
                assert session["reply"]["idTokenInfo"] == {"status": "Accepted"}
            if version == "2.1":
                limit = prepaid_energy_wh(20000, Decimal("10"), GST)
                assert session["reply"]["transactionLimit"] == {"maxEnergy": limit}
            await csms.wait_idle()  # the start deadline no longer matters
            assert fake.refund_attempts == []

            await end_session(cp, session)
            await end_session(cp, session)  # a retransmitted end settles nothing new
            await csms.wait_idle()
            assert fake.refund_attempts == [(payment_id, REFUND_PAISE, f"rf-{payment_id}")]
            [refund] = csms.ledger.refunds()
            assert (refund.amount_paise, refund.reason, refund.status, refund.attempts) == (
                REFUND_PAISE,
                "unused_prepayment",
                "processed",
                1,
            )
            [order] = csms.ledger.orders()
            assert (order.energy_wh, order.cost_paise, order.status) == (
                ENERGY_WH,
                COST_PAISE,
                "settled",
            )
            [tx] = csms.ledger.transactions()
            assert csms.ledger.order_for_transaction("CP1", str(tx.transaction_id)) == order

    run(scenario())


def test_psp_errors_are_retried_with_the_same_idempotency_key() -> None:
    async def scenario() -> None:
        settings = psp_settings(tax_rate=GST, refund_retry_base_s=0.01)
        async with paying_csms(settings) as (csms, fake, http), charger_session(csms, "2.1") as cp:
            fake.fail_next_refunds = 2
            order_id, payment_id = await place_order(http, csms, fake)
            await deliver(http, csms, captured(payment_id, order_id))
            start = await cp.recv()
            await cp.answer(start, {"status": "Accepted"})
            session = await start_session(cp, start, payment_id)
            await end_session(cp, session)
            await csms.wait_idle()
            key = f"rf-{payment_id}"
            assert fake.refund_attempts == [(payment_id, REFUND_PAISE, key)] * 3
            assert len(fake.refunds_by_key) == 1
            [refund] = csms.ledger.refunds()
            assert (refund.attempts, refund.status, refund.idempotency_key) == (3, "processed", key)

    run(scenario())


def test_refund_gives_up_after_max_attempts_and_says_so() -> None:
    async def scenario() -> None:
        settings = psp_settings(refund_retry_base_s=0.005, refund_max_attempts=3)
        async with paying_csms(settings) as (csms, fake, http), charger_session(csms, "1.6") as cp:
            fake.fail_next_refunds = 100
            order_id, payment_id = await place_order(http, csms, fake)
            await deliver(http, csms, captured(payment_id, order_id))
            await cp.answer(await cp.recv(), {"status": "Rejected"})
            await csms.wait_idle()
            assert len(fake.refund_attempts) == 3
            [refund] = csms.ledger.refunds()
            assert refund.status == "failed" and "gave up after 3 attempts" in str(refund.detail)

    run(scenario())


@pytest.mark.parametrize("version", ["1.6", "2.1"])
def test_rejected_start_is_refunded_in_full(version: str) -> None:
    async def scenario() -> None:
        async with paying_csms() as (csms, fake, http), charger_session(csms, version) as cp:
            order_id, payment_id = await place_order(http, csms, fake, amount="500.00")
            await deliver(http, csms, captured(payment_id, order_id, 50000))
            await cp.answer(await cp.recv(), {"status": "Rejected"})
            await csms.wait_idle()
            assert fake.refund_attempts == [(payment_id, 50000, f"rf-{payment_id}")]
            [refund] = csms.ledger.refunds()
            assert refund.reason == "start_rejected"
            await cp.barrier()

    run(scenario())


def test_charger_going_offline_mid_start_is_refunded_in_full() -> None:
    async def scenario() -> None:
        async with paying_csms() as (csms, fake, http):
            async with charger_session(csms, "2.0.1") as cp:
                order_id, payment_id = await place_order(http, csms, fake)
                await deliver(http, csms, captured(payment_id, order_id))
                assert (await cp.recv())[2] == "RequestStartTransaction"
            await csms.wait_idle()
            assert fake.refund_attempts == [(payment_id, 20000, f"rf-{payment_id}")]
            assert csms.ledger.refunds()[0].reason == "start_failed"

    run(scenario())


@pytest.mark.parametrize("version", ["1.6", "2.1"])
def test_no_session_within_the_deadline_is_refunded_and_a_late_start_refused(
    version: str,
) -> None:
    async def scenario() -> None:
        settings = psp_settings(start_deadline_s=0.3)
        async with (
            paying_csms(settings) as (csms, fake, http),
            charger_session(csms, version) as cp,
        ):
            order_id, payment_id = await place_order(http, csms, fake)
            await deliver(http, csms, captured(payment_id, order_id))
            start = await cp.recv()
            await cp.answer(start, {"status": "Accepted"})
            await csms.wait_idle()  # returns once the 0.3 s deadline wait has run out
            assert fake.refund_attempts == [(payment_id, 20000, f"rf-{payment_id}")]
            assert csms.ledger.refunds()[0].reason == "start_deadline"
            assert csms.ledger.orders()[0].status == "not_started"

            session = await start_session(cp, start, payment_id)
            if version == "1.6":
                assert session["reply"]["idTagInfo"] == {"status": "Invalid"}
            else:
                assert session["reply"]["idTokenInfo"] == {"status": "Invalid"}
                assert "transactionLimit" not in session["reply"]
            await end_session(cp, session)
            await csms.wait_idle()
            assert len(fake.refund_attempts) == 1

    run(scenario())


def test_static_qr_payment_is_never_refunded() -> None:
    async def scenario() -> None:
        async with (
            paying_csms() as (csms, fake, _),
            BankNotifier(csms.bank_webhook_url, csms.settings.bank_webhook_secret) as bank,
            charger_session(csms, "1.6") as cp,
        ):
            notification = credit("CP1-1")
            delivery = asyncio.create_task(bank.deliver(notification))
            await cp.answer(await cp.recv(), {"status": "Accepted"})
            await delivery
            reply = await cp.call(
                "StartTransaction",
                {"connectorId": 1, "idTag": notification.utr, "meterStart": 0, "timestamp": NOW},
            )
            stop = {"transactionId": reply[2]["transactionId"], "meterStop": 10, "timestamp": NOW}
            await cp.call("StopTransaction", stop)
            await csms.wait_idle()
            assert fake.refund_route.call_count == 0 and csms.ledger.refunds() == []

    run(scenario())


def test_stop_interrupts_a_refund_backoff_at_once() -> None:
    async def scenario() -> None:
        settings = psp_settings(refund_retry_base_s=60.0)
        async with paying_csms(settings) as (csms, fake, http):
            attempted = asyncio.Event()

            def unavailable(request: httpx.Request, payment_id: str) -> httpx.Response:
                attempted.set()
                return httpx.Response(503)

            fake.refund_route.side_effect = unavailable
            async with charger_session(csms, "2.1") as cp:
                order_id, payment_id = await place_order(http, csms, fake)
                await deliver(http, csms, captured(payment_id, order_id))
                await cp.answer(await cp.recv(), {"status": "Rejected"})
                await attempted.wait()
            async with asyncio.timeout(3):
                await csms.stop()

    run(scenario())
