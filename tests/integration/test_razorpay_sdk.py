"""The official Razorpay Python SDK, unmodified, against the mock PSP.

This is the compatibility claim in executable form: if Razorpay's own client library can
create orders, UPI intents, refunds and QR codes here, and verify the mock's webhook signatures
with its own helper, then a CSMS integrated through any Razorpay SDK needs only a different
base URL and keys. The SDK is synchronous (requests), so the mock and a webhook receiver run on
an event loop in a background thread.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import razorpay
from razorpay.errors import BadRequestError, GatewayError, ServerError, SignatureVerificationError

from ocpp_upi.psp import MockPsp, PspSettings
from ocpp_upi.psp.testing import Received, WebhookReceiver
from ocpp_upi.runtime import LoopThread
from ocpp_upi.upi.link import validate

KEY_ID = "rzp_test_sdkcheck"
KEY_SECRET = "sdk-key-secret"
WEBHOOK_SECRET = "sdk-webhook-secret"
DEADLINE = 10.0


@dataclass
class Rig:
    loop: LoopThread
    psp: MockPsp
    receiver: WebhookReceiver
    client: razorpay.Client


@pytest.fixture(scope="module")
def rig() -> Iterator[Rig]:
    loop = LoopThread()
    receiver = WebhookReceiver()
    loop.run(receiver.start(), DEADLINE)
    psp = MockPsp(
        PspSettings(
            key_id=KEY_ID,
            key_secret=KEY_SECRET,
            webhook_secret=WEBHOOK_SECRET,
            webhook_url=receiver.url,
        )
    )
    loop.run(psp.start(), DEADLINE)
    # The SDK's base_url is the host part; its resource paths already start with /v1.
    client = razorpay.Client(auth=(KEY_ID, KEY_SECRET), base_url=psp.base_url)
    try:
        yield Rig(loop, psp, receiver, client)
    finally:
        loop.run(psp.stop(), DEADLINE)
        loop.run(receiver.stop(), DEADLINE)
        loop.close()


def _paid_payment(rig: Rig, amount: int = 25000) -> tuple[dict[str, Any], dict[str, Any]]:
    order = rig.client.order.create({"amount": amount, "currency": "INR", "receipt": _receipt()})
    intent = rig.client.payment.createUpi(
        {
            "amount": amount,
            "currency": "INR",
            "order_id": order["id"],
            "method": "upi",
            "upi": {"flow": "intent"},
            "email": "driver@example.com",
            "contact": "9999999999",
            "description": "EV charging",
        }
    )
    payment = rig.loop.run(rig.psp.pay_link(intent["link"], "success@razorpay"), DEADLINE)
    return order, payment


def _receipt() -> str:
    return f"sdk-{time.monotonic_ns()}"


def test_order_create_fetch_and_payments(rig: Rig) -> None:
    order = rig.client.order.create({"amount": 20000, "currency": "INR", "receipt": "sdk-1"})
    assert order["id"].startswith("order_") and order["status"] == "created"
    assert rig.client.order.fetch(order["id"]) == order
    assert rig.client.order.payments(order["id"]) == {
        "entity": "collection",
        "count": 0,
        "items": [],
    }


def test_create_upi_intent_pay_and_fetch(rig: Rig) -> None:
    order = rig.client.order.create({"amount": 30000, "currency": "INR", "receipt": _receipt()})
    intent = rig.client.payment.createUpi(
        {
            "amount": 30000,
            "currency": "INR",
            "order_id": order["id"],
            "method": "upi",
            "upi": {"flow": "intent"},
            "email": "d@example.com",
            "contact": "9999999999",
        }
    )
    link = validate(intent["link"], dynamic=True)
    assert link.reference == order["id"]
    payment_id = intent["razorpay_payment_id"]
    assert rig.client.payment.fetch(payment_id)["status"] == "created"
    rig.loop.run(rig.psp.pay_link(intent["link"], "success@razorpay"), DEADLINE)
    payment = rig.client.payment.fetch(payment_id)
    assert (payment["status"], payment["captured"], payment["order_id"]) == (
        "captured",
        True,
        order["id"],
    )
    assert rig.client.order.fetch(order["id"])["status"] == "paid"
    assert rig.client.order.payments(order["id"])["count"] == 1


def test_refund_create_is_idempotent_and_fetchable(rig: Rig) -> None:
    _, payment = _paid_payment(rig)
    headers = {"X-Refund-Idempotency": f"sdk-refund-{payment['id']}"}
    refund = rig.client.payment.refund(payment["id"], {"amount": 5000}, headers=headers)
    again = rig.client.payment.refund(payment["id"], {"amount": 5000}, headers=headers)
    assert again["id"] == refund["id"]
    assert rig.loop.run(rig.psp.wait_idle(DEADLINE), DEADLINE)
    fetched = rig.client.refund.fetch(refund["id"])
    assert (fetched["status"], fetched["amount"], fetched["payment_id"]) == (
        "processed",
        5000,
        payment["id"],
    )
    assert rig.client.payment.fetch_multiple_refund(payment["id"])["count"] == 1
    refreshed = rig.client.payment.fetch(payment["id"])
    assert (refreshed["amount_refunded"], refreshed["refund_status"]) == (5000, "partial")
    with pytest.raises(BadRequestError, match="greater than amount captured"):
        rig.client.payment.refund(payment["id"], {"amount": 10**7})


def test_qr_code_create_close_and_payments(rig: Rig) -> None:
    qr = rig.client.qrcode.create(
        {
            "type": "upi_qr",
            "name": "EVSE1234-1",
            "usage": "single_use",
            "fixed_amount": True,
            "payment_amount": 20000,
            "description": "Charge",
        }
    )
    assert validate(qr["image_content"], dynamic=True).reference == qr["id"]
    assert rig.client.qrcode.fetch(qr["id"])["status"] == "active"
    closed = rig.client.qrcode.close(qr["id"])
    assert (closed["status"], closed["close_reason"]) == ("closed", "on_demand")
    assert rig.client.qrcode.fetch_all_payments(qr["id"])["count"] == 0


def test_payment_link_create_and_fetch(rig: Rig) -> None:
    plink = rig.client.payment_link.create(
        {"upi_link": True, "amount": 15000, "currency": "INR", "reference_id": _receipt()}
    )
    assert plink["id"].startswith("plink_") and plink["short_url"].startswith(rig.psp.base_url)
    assert rig.client.payment_link.fetch(plink["id"])["status"] == "created"


def test_sdk_raises_its_own_error_classes(rig: Rig) -> None:
    with pytest.raises(BadRequestError, match=r"at least INR 1\.00"):
        rig.client.order.create({"amount": 50, "currency": "INR"})
    with pytest.raises(BadRequestError, match="does not exist"):
        rig.client.payment.fetch("pay_doesnotexist00")
    wrong = razorpay.Client(auth=(KEY_ID, "not-the-secret"), base_url=rig.psp.base_url)
    with pytest.raises(BadRequestError, match="api key"):
        wrong.order.fetch("order_x")
    rig.psp.inject_fault("orders.create", status=500)
    with pytest.raises(ServerError):
        rig.client.order.create({"amount": 1000, "currency": "INR"})
    rig.psp.inject_fault("orders.create", status=503)
    with pytest.raises(GatewayError):
        rig.client.order.create({"amount": 1000, "currency": "INR"})


def test_sdk_order_create_without_currency_raises_bad_request_naming_currency(rig: Rig) -> None:
    """Razorpay makes currency mandatory on orders; the SDK must surface the mock's refusal as
    its own BadRequestError (it keeps only the description, so that must name the field), and
    no order may be left behind for a CSMS to pay against."""
    orders_before = len(rig.psp.ledger.snapshot()["orders"])
    with pytest.raises(BadRequestError, match=r"^The currency field is required\.$"):
        rig.client.order.create({"amount": 20000, "receipt": _receipt()})
    assert len(rig.psp.ledger.snapshot()["orders"]) == orders_before


def test_sdk_verifies_a_webhook_the_mock_delivered(rig: Rig) -> None:
    _, payment = _paid_payment(rig)

    async def captured_webhook() -> Received | None:
        return await rig.receiver.wait_for(
            lambda r: (
                json.loads(r.body)["event"] == "payment.captured"
                and json.loads(r.body)["payload"]["payment"]["entity"]["id"] == payment["id"]
            ),
            DEADLINE,
        )

    received = rig.loop.run(captured_webhook(), DEADLINE)
    assert received is not None
    body = received.body.decode("utf-8")
    signature = received.header("X-Razorpay-Signature")
    assert rig.client.utility.verify_webhook_signature(body, signature, WEBHOOK_SECRET) is True
    with pytest.raises(SignatureVerificationError):
        rig.client.utility.verify_webhook_signature(body + " ", signature, WEBHOOK_SECRET)
    with pytest.raises(SignatureVerificationError):
        rig.client.utility.verify_webhook_signature(body, signature, KEY_SECRET)
