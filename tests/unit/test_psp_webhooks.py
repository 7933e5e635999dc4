"""Webhooks: exact-bytes signatures, stable event ids, retries, timeouts, odd delivery modes."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import socket
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import httpx
from jsonschema import Draft202012Validator

from ocpp_upi.psp import MockPsp, WebhookDelivery
from ocpp_upi.psp.testing import Action, WebhookReceiver, create_intent, running_psp

T = TypeVar("T")
SCHEMA = Path(__file__).parents[2] / "schemas" / "harness" / "psp-razorpay-webhook.schema.json"
Scenario = Callable[[MockPsp, httpx.AsyncClient, WebhookReceiver], Awaitable[T]]


def run(scenario: Scenario[T], script: Sequence[Action] = (), **settings: Any) -> T:
    async def main() -> T:
        async with WebhookReceiver(script) as receiver:
            async with running_psp(webhook_url=receiver.url, **settings) as (psp, api):
                return await asyncio.wait_for(scenario(psp, api, receiver), 15)

    return asyncio.run(main())


async def pay(psp: MockPsp, api: httpx.AsyncClient, vpa: str = "success@razorpay") -> str:
    _, intent = await create_intent(api)
    return str((await psp.pay_link(intent["link"], vpa))["id"])


def test_signature_is_hex_hmac_of_the_raw_body_with_the_webhook_secret() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient, receiver: WebhookReceiver) -> None:
        await pay(psp, api)
        assert await psp.wait_idle(5)
        assert len(receiver.received.items) == 3
        for received in receiver.received.items:
            expected = hmac.new(b"whsec-test", received.body, hashlib.sha256).hexdigest()
            assert received.header("X-Razorpay-Signature") == expected
            wrong_key = hmac.new(b"mock-key-secret", received.body, hashlib.sha256).hexdigest()
            assert received.header("X-Razorpay-Signature") != wrong_key
            assert received.header("Content-Type") == "application/json"
            envelope = json.loads(received.body)
            assert envelope["entity"] == "event"
            assert envelope["account_id"] == "acc_mockpsp"
            assert isinstance(envelope["created_at"], int)
            assert set(envelope["payload"]) == set(envelope["contains"])
            for name in envelope["contains"]:
                assert envelope["payload"][name]["entity"]["entity"] == name
        events = [json.loads(r.body)["event"] for r in receiver.received.items]
        assert events == ["payment.authorized", "payment.captured", "order.paid"]
        ids = {r.header("x-razorpay-event-id") for r in receiver.received.items}
        assert len(ids) == 3 and None not in ids

    run(scenario, webhook_secret="whsec-test")


def test_retries_on_500_with_backoff_keep_event_id_bytes_and_signature() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient, receiver: WebhookReceiver) -> None:
        await pay(psp, api, "failure@razorpay")
        assert await psp.wait_idle(5)
        attempts = psp.deliveries
        assert [(d.attempt, d.status, d.ok) for d in attempts] == [
            (1, 500, False),
            (2, 500, False),
            (3, 200, True),
        ]
        assert len({d.event_id for d in attempts}) == 1
        assert len({d.body for d in attempts}) == 1
        assert len({d.signature for d in attempts}) == 1
        assert attempts[0].error == "HTTP 500 is not 2xx"
        gaps = [b.at - a.at for a, b in itertools.pairwise(attempts)]
        assert gaps[0] >= 0.045 and gaps[1] >= 0.095  # retry_base_s, doubling
        headers = {r.header("x-razorpay-event-id") for r in receiver.received.items}
        assert headers == {attempts[0].event_id}

    run(scenario, script=[500, 500])


def test_a_hanging_receiver_is_timed_out_and_retried() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient, receiver: WebhookReceiver) -> None:
        await pay(psp, api, "failure@razorpay")
        ok = await psp.wait_for_delivery(lambda d: d.ok, timeout=5)
        assert ok is not None and ok.attempt == 2
        first = psp.deliveries[0]
        assert first.status is None
        assert first.error == "no answer within 0.2 s"
        assert first.elapsed_s >= 0.15

    run(scenario, script=["hang"], webhook_timeout_s=0.2)


def test_a_hanging_delivery_does_not_hold_up_other_payments() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient, receiver: WebhookReceiver) -> None:
        started = time.perf_counter()
        await pay(psp, api, "failure@razorpay")  # its webhook hangs for the full timeout
        assert await receiver.wait_count(1, timeout=5)
        other = await pay(psp, api, "failure@razorpay")
        delivered = await psp.wait_for_delivery(
            lambda d: d.ok and d.payload["payload"]["payment"]["entity"]["id"] == other,
            timeout=5,
        )
        assert delivered is not None
        assert time.perf_counter() - started < 2.5  # well before the 3 s timeout ended

    run(scenario, script=["hang"], webhook_timeout_s=3.0)


def test_refused_connections_are_retried_up_to_max_attempts() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient, receiver: WebhookReceiver) -> None:
        psp.set_webhook_url(_closed_port_url())
        await pay(psp, api, "failure@razorpay")
        assert await psp.wait_idle(5)
        assert [d.attempt for d in psp.deliveries] == [1, 2, 3]
        assert all(d.status is None and "connection failed" in str(d.error) for d in psp.deliveries)

    run(scenario, max_attempts=3, retry_base_s=0.01)


def test_stop_ends_pending_retries_at_once() -> None:
    async def scenario() -> tuple[float, list[WebhookDelivery]]:
        async with WebhookReceiver(default=500) as receiver:
            settings = {"webhook_url": receiver.url, "retry_base_s": 60.0}
            async with running_psp(**settings) as (psp, api):
                await pay(psp, api, "failure@razorpay")
                assert await psp.wait_for_delivery(lambda d: d.status == 500, timeout=5)
                started = time.perf_counter()
                await psp.stop()
                assert await psp.wait_idle(0.1)
                return time.perf_counter() - started, list(psp.deliveries)

    elapsed, deliveries = asyncio.run(scenario())
    assert elapsed < 2
    assert len(deliveries) == 1


def test_duplicate_mode_sends_every_event_twice_with_the_same_id() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient, receiver: WebhookReceiver) -> None:
        psp.set_webhook_mode(duplicate=True)
        await pay(psp, api)
        assert await psp.wait_idle(5)
        names = [d.event for d in psp.deliveries]
        assert names == [
            "payment.authorized",
            "payment.authorized",
            "payment.captured",
            "payment.captured",
            "order.paid",
            "order.paid",
        ]
        for original, copy in zip(psp.deliveries[::2], psp.deliveries[1::2], strict=True):
            assert (original.event_id, original.body) == (copy.event_id, copy.body)
            assert (original.duplicate, copy.duplicate) == (False, True)

    run(scenario)


def test_out_of_order_mode_sends_captured_before_authorized() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient, receiver: WebhookReceiver) -> None:
        psp.set_webhook_mode(out_of_order=True)
        await pay(psp, api)
        assert await psp.wait_idle(5)
        received = [json.loads(r.body)["event"] for r in receiver.received.items]
        assert received == ["order.paid", "payment.captured", "payment.authorized"]

    run(scenario)


def test_events_wait_for_a_webhook_url_that_is_set_later() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient, receiver: WebhookReceiver) -> None:
        await pay(psp, api, "failure@razorpay")
        assert await psp.wait_idle(1)
        assert psp.deliveries == []
        assert [o.name for o in psp.dispatcher.sent] == ["payment.failed"]
        psp.set_webhook_url(receiver.url)
        await pay(psp, api, "failure@razorpay")
        delivered = await psp.wait_for_delivery(lambda d: d.ok, timeout=5)
        assert delivered is not None and delivered.url == receiver.url
        assert delivered.to_dict()["body"].startswith('{"entity":"event"')

    async def main() -> None:
        async with WebhookReceiver() as receiver:
            async with running_psp() as (psp, api):
                await scenario(psp, api, receiver)

    asyncio.run(main())


def test_every_event_kind_matches_the_documented_envelope_schema() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient, receiver: WebhookReceiver) -> None:
        paid = await pay(psp, api)
        await pay(psp, api, "failure@razorpay")
        await api.post(f"/payments/{paid}/refund", json={"amount": 1000})
        psp.inject_fault("refunds.process", status=500)
        await api.post(f"/payments/{paid}/refund", json={"amount": 1000})
        qr_body = {"type": "upi_qr", "usage": "single_use", "fixed_amount": True}
        qr = (await api.post("/payments/qr_codes", json={**qr_body, "payment_amount": 900})).json()
        await psp.pay_link(qr["image_content"], "success@razorpay")
        other = (await api.post("/payments/qr_codes", json={"type": "upi_qr"})).json()
        await api.post(f"/payments/qr_codes/{other['id']}/close")
        plink = (await api.post("/payment_links", json={"upi_link": True, "amount": 700})).json()
        await psp.pay_link(psp.ledger.upi_links[plink["id"]], "success@razorpay")
        assert await psp.wait_idle(5)
        validator = Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
        names = set()
        for received in receiver.received.items:
            envelope = json.loads(received.body)
            validator.validate(envelope)
            names.add(envelope["event"])
        assert names == set(validator.schema["properties"]["event"]["enum"]) - {
            "payment_link.cancelled"
        }

    run(scenario)


def _closed_port_url() -> str:
    """A loopback URL nobody listens on: the port was free a moment ago and is closed now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/webhooks/psp"
