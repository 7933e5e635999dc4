"""The PSP webhook: signature, dedupe, order matching, and the remote start it triggers.

"Nothing started" is proven as in test_csms_server: after the webhook answered and the CSMS's
background work is idle, the charger's Heartbeat must be answered before any CALL.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

import aiohttp
import pytest

from ocpp_upi.csms import ReferenceCsms
from ocpp_upi.csms.psp_events import (
    PspEventError,
    parse_event,
    sign,
    signature_valid,
)
from tests.unit.test_csms_pay_page import WEBHOOK_SECRET, paying_csms, place_order, psp_settings
from tests.unit.test_csms_server import charger_session, run

_event_ids = itertools.count(1)


def payment_entity(
    payment_id: str, order_id: str | None, amount: int = 20000, **overrides: Any
) -> dict[str, Any]:
    entity = {
        "id": payment_id,
        "entity": "payment",
        "amount": amount,
        "currency": "INR",
        "status": "captured",
        "order_id": order_id,
        "method": "upi",
        "vpa": "success@razorpay",
        "acquirer_data": {"rrn": "123456789012"},
    }
    entity.update(overrides)
    return entity


def event_body(event: str, **entities: dict[str, Any]) -> bytes:
    document = {
        "entity": "event",
        "account_id": "acc_unit",
        "event": event,
        "contains": list(entities),
        "payload": {name: {"entity": entity} for name, entity in entities.items()},
        "created_at": 1760000000,
    }
    return json.dumps(document).encode()


def captured(payment_id: str, order_id: str | None, amount: int = 20000, **kw: Any) -> bytes:
    return event_body(
        "payment.captured", payment=payment_entity(payment_id, order_id, amount, **kw)
    )


async def deliver(
    session: aiohttp.ClientSession,
    csms: ReferenceCsms,
    body: bytes,
    *,
    signature: str | None = "good",
    event_id: str | None = None,
) -> tuple[int, dict[str, Any]]:
    headers = {"Content-Type": "application/json"}
    if signature == "good":
        headers["X-Razorpay-Signature"] = sign(body, WEBHOOK_SECRET)
    elif signature is not None:
        headers["X-Razorpay-Signature"] = signature
    headers["x-razorpay-event-id"] = event_id or f"evt_{next(_event_ids):014d}"
    async with session.post(csms.psp_webhook_url, data=body, headers=headers) as response:
        return response.status, await response.json()


# pure parts ---------------------------------------------------------------------------------


def test_signature_is_hex_hmac_sha256_of_the_raw_body() -> None:
    body = b'{"event":"payment.captured"}'
    good = sign(body, "secret")
    assert len(good) == 64 and good == good.lower()
    assert signature_valid(body, good, "secret")
    assert signature_valid(body, good.upper(), "secret")
    assert not signature_valid(body + b" ", good, "secret")
    assert not signature_valid(body, good, "other-secret")
    for bad in (None, "", "zz", "é" * 64):
        assert not signature_valid(body, bad, "secret")


def test_event_parsing_is_strict_for_events_acted_on() -> None:
    assert parse_event(captured("pay_1", "order_1")).payment is not None
    assert parse_event(event_body("payment.authorized")).payment is None
    for bad in (
        b"not json",
        b"[]",
        b'{"event": "payment.captured"}',
        event_body("payment.captured"),
        event_body("payment.captured", payment={"id": "pay_1", "amount": "200"}),
        event_body("payment.captured", payment=payment_entity("pay_1", "o", amount=True)),
        event_body("order.paid", payment=payment_entity("pay_1", "o")),
    ):
        with pytest.raises(PspEventError):
            parse_event(bad)


# over HTTP ----------------------------------------------------------------------------------


EXPECTED_START = {
    "1.6": ("RemoteStartTransaction", None),
    "2.0.1": ("RequestStartTransaction", "Central"),
    "2.1": ("RequestStartTransaction", "DirectPayment"),
}


@pytest.mark.parametrize("version", ["1.6", "2.0.1", "2.1"])
def test_captured_payment_remote_starts_the_ordered_evse(version: str) -> None:
    async def scenario() -> None:
        async with (
            paying_csms() as (csms, fake, session),
            charger_session(csms, version, evses=2) as charger,
        ):
            order_id, payment_id = await place_order(session, csms, fake, evse=2)
            status, reply = await deliver(session, csms, captured(payment_id, order_id))
            assert (status, reply["result"]) == (200, "start_scheduled")
            frame = await charger.recv()
            action, token_type = EXPECTED_START[version]
            assert frame[0] == 2 and frame[2] == action
            if version == "1.6":
                assert frame[3] == {"connectorId": 2, "idTag": payment_id[-20:]}
            else:
                token = payment_id if version == "2.1" else payment_id[-36:]
                assert frame[3]["idToken"] == {"idToken": token, "type": token_type}
                assert frame[3]["evseId"] == 2
            await charger.answer(frame, {"status": "Accepted"})

            # order.paid for the same payment (another event id) starts nothing more.
            order_paid = event_body(
                "order.paid",
                payment=payment_entity(payment_id, order_id),
                order=fake.orders[order_id] | {"status": "paid", "amount_paid": 20000},
            )
            status, reply = await deliver(session, csms, order_paid)
            assert (status, reply["result"]) == (200, "duplicate")
            await charger.barrier()
            # The start's outcome is recorded by a background task once the answer is read:
            # yield to the loop (a bounded number of turns, no timed sleep) until it has run.
            for _ in range(1000):
                if csms.ledger.remote_starts()[0].status != "pending":
                    break
                await asyncio.sleep(0)
            [start] = csms.ledger.remote_starts()
            [payment] = csms.ledger.payments()
            assert (payment.source, payment.utr, payment.amount_paise) == ("psp", payment_id, 20000)
            assert start.payment_id == payment.id and start.status == "started"
            [order] = csms.ledger.orders()
            assert (order.status, order.payment_id) == ("paid", payment.id)

    run(scenario())


def test_bad_or_missing_signature_is_401_and_records_nothing() -> None:
    async def scenario() -> None:
        async with paying_csms() as (csms, fake, session), charger_session(csms, "2.1") as cp:
            order_id, payment_id = await place_order(session, csms, fake)
            body = captured(payment_id, order_id)
            for signature in (None, "0" * 64, sign(body, "wrong-secret")):
                status, reply = await deliver(session, csms, body, signature=signature)
                assert (status, reply["error"]) == (401, "invalid_signature")
            await csms.wait_idle()
            await cp.barrier()
            assert csms.ledger.psp_event_ids() == [] and csms.ledger.payments() == []

    run(scenario())


def test_malformed_event_is_400() -> None:
    async def scenario() -> None:
        async with paying_csms() as (csms, _, session):
            status, reply = await deliver(session, csms, b"{not json")
            assert (status, reply["error"]) == (400, "malformed_event")
            status, reply = await deliver(session, csms, event_body("payment.captured"))
            assert status == 400

    run(scenario())


def test_duplicate_event_id_is_acknowledged_once() -> None:
    async def scenario() -> None:
        async with paying_csms() as (csms, fake, session), charger_session(csms, "2.1") as cp:
            order_id, payment_id = await place_order(session, csms, fake)
            body = captured(payment_id, order_id)
            first = await deliver(session, csms, body, event_id="evt_same")
            assert first[1]["result"] == "start_scheduled"
            await cp.answer(await cp.recv(), {"status": "Accepted"})
            again = await deliver(session, csms, body, event_id="evt_same")
            assert again == (200, {"result": "duplicate", "event_id": "evt_same"})
            await cp.barrier()
            assert len(csms.ledger.remote_starts()) == 1

    run(scenario())


def test_events_that_must_not_start_anything() -> None:
    async def scenario() -> None:
        async with paying_csms() as (csms, fake, session), charger_session(csms, "1.6") as cp:
            order_id, payment_id = await place_order(session, csms, fake)
            cases = {
                "unknown_order": captured("pay_stranger0001", "order_notours0001"),
                "ignored": captured(payment_id, order_id, status="authorized"),
                "payment_failed": event_body(
                    "payment.failed", payment=payment_entity(payment_id, order_id, status="failed")
                ),
            }
            for expected, body in cases.items():
                status, reply = await deliver(session, csms, body)
                assert (status, reply["result"]) == (200, expected)
            status, reply = await deliver(session, csms, event_body("qr_code.credited"))
            assert reply["result"] == "ignored"
            await csms.wait_idle()
            await cp.barrier()
            assert csms.ledger.remote_starts() == [] and csms.ledger.payments() == []
            assert csms.ledger.orders()[0].status == "payment_failed"
            assert fake.refund_route.call_count == 0

    run(scenario())


@pytest.mark.parametrize(("amount", "currency"), [(100, "INR"), (20001, "INR"), (20000, "USD")])
def test_amount_mismatch_starts_nothing_and_refunds_that_payment(
    amount: int, currency: str
) -> None:
    async def scenario() -> None:
        async with paying_csms() as (csms, fake, session), charger_session(csms, "2.1") as cp:
            order_id, payment_id = await place_order(session, csms, fake)
            body = captured(payment_id, order_id, amount, currency=currency)
            status, reply = await deliver(session, csms, body)
            assert (status, reply["result"]) == (200, "amount_mismatch")
            # The same capture again (another event id) must not refund twice.
            await deliver(session, csms, body)
            await csms.wait_idle()
            await cp.barrier()
            assert csms.ledger.remote_starts() == [] and csms.ledger.payments() == []
            assert fake.refund_attempts == [(payment_id, amount, f"rf-{payment_id}")]
            [refund] = csms.ledger.refunds()
            assert (refund.reason, refund.amount_paise, refund.status) == (
                "amount_mismatch",
                amount,
                "processed",
            )
            assert csms.ledger.orders()[0].status == "amount_mismatch"

    run(scenario())


def test_second_payment_on_a_paid_order_is_refunded_not_started() -> None:
    async def scenario() -> None:
        async with paying_csms() as (csms, fake, session), charger_session(csms, "2.1") as cp:
            order_id, payment_id = await place_order(session, csms, fake)
            await deliver(session, csms, captured(payment_id, order_id))
            await cp.answer(await cp.recv(), {"status": "Rejected"})
            await csms.wait_idle()
            _, reply = await deliver(session, csms, captured("pay_extra00000001", order_id))
            assert reply["result"] == "order_already_paid"
            await csms.wait_idle()
            await cp.barrier()
            assert len(csms.ledger.remote_starts()) == 1
            refunded = {(p, a) for p, a, _ in fake.refund_attempts}
            assert refunded == {("pay_extra00000001", 20000), (payment_id, 20000)}
            assert len(fake.refund_attempts) == 2

    run(scenario())


def test_refund_webhooks_update_the_ledger() -> None:
    async def scenario() -> None:
        async with paying_csms() as (csms, fake, session), charger_session(csms, "2.1") as cp:
            order_id, payment_id = await place_order(session, csms, fake)
            await deliver(session, csms, captured(payment_id, order_id))
            await cp.answer(await cp.recv(), {"status": "Rejected"})
            await csms.wait_idle()
            [refund] = csms.ledger.refunds()
            assert refund.psp_refund_id is not None
            failed = {
                "id": refund.psp_refund_id,
                "entity": "refund",
                "amount": 20000,
                "currency": "INR",
                "payment_id": payment_id,
                "status": "failed",
            }
            status, reply = await deliver(session, csms, event_body("refund.failed", refund=failed))
            assert (status, reply["result"]) == (200, "refund_recorded")
            assert csms.ledger.refunds()[0].status == "failed"
            unknown = failed | {"id": "rfnd_unknown", "payment_id": "pay_unknown"}
            status, reply = await deliver(
                session, csms, event_body("refund.processed", refund=unknown)
            )
            assert reply["result"] == "unknown_refund"

    run(scenario())


def test_webhook_answers_before_the_charger_does() -> None:
    """The remote start runs in the background: the PSP's 2xx does not wait for the charger."""

    async def scenario() -> None:
        settings = psp_settings(remote_start_timeout=30.0)
        async with (
            paying_csms(settings) as (csms, fake, session),
            charger_session(csms, "2.1") as cp,
        ):
            order_id, payment_id = await place_order(session, csms, fake)
            status, reply = await deliver(session, csms, captured(payment_id, order_id))
            assert (status, reply["result"]) == (200, "start_scheduled")
            frame = await cp.recv()  # still unanswered: the webhook did not wait for it
            assert frame[2] == "RequestStartTransaction"
            assert csms.ledger.remote_starts()[0].status == "pending"

    run(scenario())
