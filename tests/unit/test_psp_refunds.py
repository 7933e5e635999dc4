"""Refunds: amounts, Razorpay's refusals, idempotency keys, and pending -> processed/failed."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx

from ocpp_upi.psp import MockPsp
from ocpp_upi.psp.testing import create_intent, running_psp

T = TypeVar("T")
KEY = "X-Refund-Idempotency"


def run(scenario: Callable[[MockPsp, httpx.AsyncClient], Awaitable[T]], **settings: Any) -> T:
    async def main() -> T:
        async with running_psp(**settings) as (psp, api):
            return await asyncio.wait_for(scenario(psp, api), 15)

    return asyncio.run(main())


async def captured(psp: MockPsp, api: httpx.AsyncClient, amount: int = 20000) -> str:
    _, intent = await create_intent(api, amount)
    payment = await psp.pay_link(intent["link"], "success@razorpay")
    return str(payment["id"])


def test_full_refund_by_default_then_fully_refunded_is_refused() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient) -> None:
        payment_id = await captured(psp, api)
        refund = (await api.post(f"/payments/{payment_id}/refund", json={})).json()
        assert re.fullmatch(r"rfnd_[A-Za-z0-9]{14}", refund["id"])
        assert (refund["entity"], refund["amount"], refund["status"]) == (
            "refund",
            20000,
            "pending",
        )
        assert (refund["payment_id"], refund["currency"]) == (payment_id, "INR")
        payment = (await api.get(f"/payments/{payment_id}")).json()
        assert (payment["status"], payment["amount_refunded"], payment["refund_status"]) == (
            "refunded",
            20000,
            "full",
        )
        again = await api.post(f"/payments/{payment_id}/refund", json={"amount": 100})
        assert again.status_code == 400
        assert again.json()["error"]["description"] == "The payment has been fully refunded already"

    run(scenario)


def test_partial_refunds_add_up_and_over_refund_is_refused() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient) -> None:
        payment_id = await captured(psp, api)
        first = await api.post(f"/payments/{payment_id}/refund", json={"amount": 5000})
        assert first.status_code == 200
        payment = (await api.get(f"/payments/{payment_id}")).json()
        assert (payment["status"], payment["amount_refunded"], payment["refund_status"]) == (
            "captured",
            5000,
            "partial",
        )
        over = await api.post(f"/payments/{payment_id}/refund", json={"amount": 15001})
        assert over.status_code == 400
        assert over.json()["error"]["description"] == (
            "The refund amount provided is greater than amount captured"
        )
        tiny = await api.post(f"/payments/{payment_id}/refund", json={"amount": 99})
        assert tiny.status_code == 400 and tiny.json()["error"]["field"] == "amount"
        rest = (await api.post(f"/payments/{payment_id}/refund", json={"amount": 15000})).json()
        assert rest["amount"] == 15000
        listing = (await api.get(f"/payments/{payment_id}/refunds")).json()
        assert (listing["entity"], listing["count"]) == ("collection", 2)
        assert (await api.get(f"/payments/{payment_id}")).json()["refund_status"] == "full"

    run(scenario)


def test_payments_that_are_not_captured_cannot_be_refunded() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient) -> None:
        _, intent = await create_intent(api)
        pending = await api.post(f"/payments/{intent['razorpay_payment_id']}/refund", json={})
        assert pending.status_code == 400
        assert "not captured" in pending.json()["error"]["description"]
        missing = await api.post("/payments/pay_nope/refund", json={})
        assert missing.status_code == 404
        assert psp.ledger.refunds == {}

    run(scenario)


def test_refund_goes_pending_to_processed_with_webhook_snapshots() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient) -> None:
        payment_id = await captured(psp, api)
        refund = (await api.post(f"/payments/{payment_id}/refund", json={"amount": 7000})).json()
        assert await psp.wait_idle(5)
        processed = (await api.get(f"/refunds/{refund['id']}")).json()
        assert processed["status"] == "processed"
        assert re.fullmatch(r"\d{12}", processed["acquirer_data"]["arn"])
        refund_events = [e for e in psp.ctx.events if e.name.startswith("refund.")]
        assert [e.name for e in refund_events] == ["refund.created", "refund.processed"]
        assert list(refund_events[0].entities) == ["refund", "payment"]
        assert refund_events[0].entities["refund"]["status"] == "pending"
        assert refund_events[1].entities["refund"]["status"] == "processed"

    run(scenario)


def test_refund_process_fault_fails_the_refund_and_restores_the_amount() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient) -> None:
        payment_id = await captured(psp, api)
        psp.inject_fault("refunds.process", status=500)
        refund = (await api.post(f"/payments/{payment_id}/refund", json={})).json()
        assert await psp.wait_idle(5)
        assert (await api.get(f"/refunds/{refund['id']}")).json()["status"] == "failed"
        payment = (await api.get(f"/payments/{payment_id}")).json()
        assert (payment["status"], payment["amount_refunded"], payment["refund_status"]) == (
            "captured",
            0,
            None,
        )
        assert psp.ctx.events[-1].name == "refund.failed"
        retry = (await api.post(f"/payments/{payment_id}/refund", json={})).json()
        assert retry["id"] != refund["id"]

    run(scenario)


def test_same_key_same_body_returns_the_same_refund() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient) -> None:
        payment_id = await captured(psp, api)
        headers = {KEY: "session-77-refund"}
        body = {"amount": 6000, "notes": {"session": "77"}}
        first = (
            await api.post(f"/payments/{payment_id}/refund", json=body, headers=headers)
        ).json()
        reordered = {"notes": {"session": "77"}, "amount": 6000}
        second = await api.post(f"/payments/{payment_id}/refund", json=reordered, headers=headers)
        assert second.status_code == 200
        assert second.json()["id"] == first["id"]
        assert len(psp.ledger.refunds) == 1
        assert (await api.get(f"/payments/{payment_id}")).json()["amount_refunded"] == 6000

    run(scenario)


def test_same_key_different_body_is_a_bad_request() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient) -> None:
        payment_id = await captured(psp, api)
        headers = {KEY: "session-78-refund"}
        await api.post(f"/payments/{payment_id}/refund", json={"amount": 6000}, headers=headers)
        other = await api.post(
            f"/payments/{payment_id}/refund", json={"amount": 6001}, headers=headers
        )
        assert other.status_code == 400
        error = other.json()["error"]
        assert error["code"] == "BAD_REQUEST_ERROR"
        assert "Different request with the same idempotency key" in error["description"]
        short = await api.post(f"/payments/{payment_id}/refund", json={}, headers={KEY: "short"})
        assert short.status_code == 400
        assert len(psp.ledger.refunds) == 1

    run(scenario)


def test_same_key_while_the_first_is_in_flight_is_409() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient) -> None:
        payment_id = await captured(psp, api)
        psp.inject_fault("refunds.create", status=200, delay_s=0.5)  # stall, then answer
        headers = {KEY: "session-79-refund"}
        path = f"/payments/{payment_id}/refund"
        first = asyncio.create_task(api.post(path, json={"amount": 5000}, headers=headers))
        stalled = await psp.wait_for_api_call(
            lambda c: c.endpoint == "refunds.create" and c.status is None, timeout=5
        )
        assert stalled is not None
        duplicate = await api.post(path, json={"amount": 5000}, headers=headers)
        assert duplicate.status_code == 409
        original = await first
        assert original.status_code == 200
        replay = await api.post(path, json={"amount": 5000}, headers=headers)
        assert replay.json()["id"] == original.json()["id"]
        assert len(psp.ledger.refunds) == 1

    run(scenario)


def test_a_refund_that_hit_a_5xx_can_be_retried_with_the_same_key() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient) -> None:
        payment_id = await captured(psp, api)
        psp.inject_fault("refunds.create", status=503)
        headers = {KEY: "session-80-refund"}
        path = f"/payments/{payment_id}/refund"
        failed = await api.post(path, json={"amount": 5000}, headers=headers)
        assert failed.status_code == 503
        assert failed.json()["error"]["code"] == "GATEWAY_ERROR"
        assert psp.ledger.refunds == {}
        retried = await api.post(path, json={"amount": 5000}, headers=headers)
        assert retried.status_code == 200
        assert [c.status for c in psp.api_calls if c.endpoint == "refunds.create"] == [503, 200]
        assert psp.api_calls[-1].headers["x-refund-idempotency"] == "session-80-refund"

    run(scenario)
