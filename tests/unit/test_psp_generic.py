"""The generic profile: bearer auth, a small payment/refund API, sha256= signed webhooks.

Every message is checked against schemas/harness/generic-psp.schema.json, so the documented
contract and the mock cannot drift apart.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
from jsonschema import Draft202012Validator

from ocpp_upi.psp import MockPsp, PspSettings
from ocpp_upi.psp.testing import WebhookReceiver

T = TypeVar("T")
SCHEMA_PATH = Path(__file__).parents[2] / "schemas" / "harness" / "generic-psp.schema.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
SECRET = "generic-webhook-secret"
Scenario = Callable[[MockPsp, httpx.AsyncClient, WebhookReceiver], Awaitable[T]]


def check(definition: str, document: Any) -> None:
    Draft202012Validator({**SCHEMA, "$ref": f"#/$defs/{definition}"}).validate(document)


def run(scenario: Scenario[T]) -> T:
    async def main() -> T:
        async with WebhookReceiver() as receiver:
            settings = PspSettings(
                profile="generic", webhook_url=receiver.url, webhook_secret=SECRET
            )
            async with MockPsp(settings) as psp:
                headers = {"Authorization": f"Bearer {settings.key_secret}"}
                async with httpx.AsyncClient(
                    base_url=psp.base_url + "/generic/v1", headers=headers
                ) as api:
                    return await asyncio.wait_for(scenario(psp, api, receiver), 15)

    return asyncio.run(main())


def test_schema_is_valid_draft_2020_12() -> None:
    Draft202012Validator.check_schema(SCHEMA)
    assert set(SCHEMA["$defs"]) == {
        "PaymentCreateRequest",
        "Payment",
        "RefundCreateRequest",
        "Refund",
        "WebhookEvent",
        "Error",
    }


def test_payment_then_refund_with_signed_webhooks() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient, receiver: WebhookReceiver) -> None:
        request = {"amount_paise": 30000, "reference": "sess-100", "description": "EVSE1"}
        check("PaymentCreateRequest", request)
        created = (await api.post("/payments", json=request)).json()
        check("Payment", created)
        assert (created["status"], created["reference"]) == ("pending", "sess-100")
        await psp.pay_link(created["upi_link"], "success@razorpay")
        fetched = (await api.get(f"/payments/{created['id']}")).json()
        check("Payment", fetched)
        assert fetched["status"] == "succeeded" and len(fetched["utr"]) == 12
        refund_request = {"amount_paise": 10000, "idempotency_key": "sess-100-refund"}
        check("RefundCreateRequest", refund_request)
        path = f"/payments/{created['id']}/refunds"
        refund = (await api.post(path, json=refund_request)).json()
        check("Refund", refund)
        again = (await api.post(path, json=refund_request)).json()
        assert again["id"] == refund["id"]
        assert await psp.wait_idle(5)
        assert (await api.get(f"/refunds/{refund['id']}")).json()["status"] == "succeeded"
        bodies = [json.loads(r.body) for r in receiver.received.items]
        assert [b["event"] for b in bodies] == ["payment.succeeded", "refund.succeeded"]
        for received, body in zip(receiver.received.items, bodies, strict=True):
            check("WebhookEvent", body)
            digest = hmac.new(SECRET.encode(), received.body, hashlib.sha256).hexdigest()
            assert received.header("X-Signature") == f"sha256={digest}"
            assert received.header("X-Event-Id") == body["id"]
        assert bodies[0]["data"]["reference"] == "sess-100"

    run(scenario)


def test_failed_payment_callback_url_and_errors() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient, receiver: WebhookReceiver) -> None:
        async with WebhookReceiver() as own:
            request = {"amount_paise": 500, "reference": "sess-101", "callback_url": own.url}
            created = (await api.post("/payments", json=request)).json()
            await psp.pay_link(created["upi_link"], "failure@razorpay")
            got = await own.wait_for(lambda r: True, timeout=5)
            assert got is not None
            body = json.loads(got.body)
            check("WebhookEvent", body)
            assert (body["event"], body["data"]["status"]) == ("payment.failed", "failed")
            assert receiver.received.items == []
        async with httpx.AsyncClient(base_url=str(api.base_url)) as anonymous:
            unauthorized = await anonymous.get(f"/payments/{created['id']}")
        assert unauthorized.status_code == 401
        check("Error", unauthorized.json())
        invalid = await api.post("/payments", json={"amount_paise": 50, "reference": "x"})
        assert invalid.status_code == 400
        check("Error", invalid.json())
        assert invalid.json()["error"]["code"] == "bad_request"
        missing = await api.get("/payments/pay_missing")
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
        not_paid = await api.post(
            f"/payments/{created['id']}/refunds",
            json={"amount_paise": 500, "idempotency_key": "sess-101-refund"},
        )
        assert not_paid.status_code == 400

    run(scenario)
