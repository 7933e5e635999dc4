"""Orders: shape, receipts, the created -> attempted -> paid lifecycle, manual capture."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx

from ocpp_upi.psp import MockPsp
from ocpp_upi.psp.testing import create_intent, running_psp

T = TypeVar("T")
ORDER_ID = re.compile(r"^order_[A-Za-z0-9]{14}$")
CURRENCY_REQUIRED = {
    "code": "BAD_REQUEST_ERROR",
    "description": "The currency field is required.",
    "source": "business",
    "step": "payment_initiation",
    "reason": "input_validation_failed",
    "metadata": {},
    "field": "currency",
}


def run(scenario: Callable[[MockPsp, httpx.AsyncClient], Awaitable[T]], **settings: Any) -> T:
    async def main() -> T:
        async with running_psp(**settings) as (psp, api):
            return await asyncio.wait_for(scenario(psp, api), 15)

    return asyncio.run(main())


def test_order_has_razorpay_shape_and_is_fetchable() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient) -> None:
        body = {"amount": 20000, "currency": "INR", "receipt": "sess-1", "notes": {"evse": "1"}}
        order = (await api.post("/orders", json=body)).json()
        assert ORDER_ID.match(order["id"])
        assert order["entity"] == "order"
        assert (order["amount"], order["amount_paid"], order["amount_due"]) == (20000, 0, 20000)
        assert (order["status"], order["attempts"], order["receipt"]) == ("created", 0, "sess-1")
        assert order["notes"] == {"evse": "1"}
        assert isinstance(order["created_at"], int)
        assert (await api.get(f"/orders/{order['id']}")).json() == order
        assert psp.ledger.orders[order["id"]] == order

    run(scenario)


def test_unique_receipt_makes_a_retried_create_return_the_same_order() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient) -> None:
        body = {"amount": 20000, "currency": "INR", "receipt": "sess-2", "unique_receipt": True}
        first = (await api.post("/orders", json=body)).json()
        again = (await api.post("/orders", json=body)).json()
        assert again["id"] == first["id"]
        clash = await api.post("/orders", json={**body, "amount": 30000})
        assert clash.status_code == 400
        assert clash.json()["error"]["field"] == "receipt"
        # Without unique_receipt, Razorpay accepts a repeated receipt as a new order.
        plain_body = {"amount": 20000, "currency": "INR", "receipt": "sess-2"}
        plain = (await api.post("/orders", json=plain_body)).json()
        assert plain["id"] != first["id"]
        assert len(psp.ledger.orders) == 2

    run(scenario)


def test_order_lifecycle_created_attempted_paid_with_payments_collection() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient) -> None:
        order, intent = await create_intent(api, 15000, receipt="sess-3")
        order_id = str(order["id"])
        attempted = (await api.get(f"/orders/{order_id}")).json()
        assert (attempted["status"], attempted["attempts"]) == ("attempted", 1)
        await psp.pay_link(intent["link"], "success@razorpay")
        paid = (await api.get(f"/orders/{order_id}")).json()
        assert (paid["status"], paid["amount_paid"], paid["amount_due"]) == ("paid", 15000, 0)
        listing = (await api.get(f"/orders/{order_id}/payments")).json()
        assert listing["entity"] == "collection"
        assert listing["count"] == 1
        assert listing["items"][0]["id"] == intent["razorpay_payment_id"]
        assert listing["items"][0]["status"] == "captured"

    run(scenario)


def test_failed_then_successful_attempt_on_one_order() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient) -> None:
        order, first = await create_intent(api, 10000)
        failed = await psp.pay_link(first["link"], "failure@razorpay")
        assert failed["status"] == "failed"
        second = (
            await api.post(
                "/payments/create/upi",
                json={"amount": 10000, "currency": "INR", "order_id": order["id"]},
            )
        ).json()
        assert second["razorpay_payment_id"] != first["razorpay_payment_id"]
        paid = await psp.pay_link(second["link"], "driver@okaxis")
        assert paid["id"] == second["razorpay_payment_id"]
        fetched = (await api.get(f"/orders/{order['id']}")).json()
        assert (fetched["status"], fetched["attempts"]) == ("paid", 2)
        assert (await api.get(f"/orders/{order['id']}/payments")).json()["count"] == 2

    run(scenario)


def test_manual_capture_order_waits_in_authorized_until_capture() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient) -> None:
        order, intent = await create_intent(api, 12000, payment_capture=False)
        payment = await psp.pay_link(intent["link"], "success@razorpay")
        assert (payment["status"], payment["captured"]) == ("authorized", False)
        assert (await api.get(f"/orders/{order['id']}")).json()["status"] == "attempted"
        wrong = await api.post(
            f"/payments/{payment['id']}/capture", json={"amount": 100, "currency": "INR"}
        )
        assert wrong.status_code == 400
        assert wrong.json()["error"]["field"] == "amount"
        captured = await api.post(
            f"/payments/{payment['id']}/capture", json={"amount": 12000, "currency": "INR"}
        )
        assert captured.status_code == 200
        assert (captured.json()["status"], captured.json()["captured"]) == ("captured", True)
        assert (await api.get(f"/orders/{order['id']}")).json()["status"] == "paid"
        twice = await api.post(
            f"/payments/{payment['id']}/capture", json={"amount": 12000, "currency": "INR"}
        )
        assert twice.status_code == 400
        assert "already been captured" in twice.json()["error"]["description"]

    run(scenario)


def test_an_order_without_currency_is_refused_naming_the_field() -> None:
    """Razorpay's Orders API makes currency mandatory; a CSMS that leans on a default INR
    would be refused in production, so the mock refuses it too and stores no order."""

    async def scenario(psp: MockPsp, api: httpx.AsyncClient) -> None:
        absent = await api.post("/orders", json={"amount": 20000, "receipt": "sess-4"})
        empty = await api.post(
            "/orders",
            content=b"amount=20000&currency=&receipt=sess-4",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        for response in (absent, empty):
            assert response.status_code == 400
            assert response.json() == {"error": CURRENCY_REQUIRED}
        assert psp.ledger.orders == {}

    run(scenario)


def test_a_capture_without_currency_is_refused_and_leaves_the_payment_authorized() -> None:
    """Razorpay's capture requires both amount and currency; a refused capture must not move
    the money, so the payment stays authorized and the order unpaid."""

    async def scenario(psp: MockPsp, api: httpx.AsyncClient) -> None:
        order, intent = await create_intent(api, 12000, payment_capture=False)
        payment = await psp.pay_link(intent["link"], "success@razorpay")
        refused = await api.post(f"/payments/{payment['id']}/capture", json={"amount": 12000})
        assert refused.status_code == 400
        assert refused.json() == {"error": CURRENCY_REQUIRED}
        fetched = (await api.get(f"/payments/{payment['id']}")).json()
        assert (fetched["status"], fetched["captured"]) == ("authorized", False)
        assert (await api.get(f"/orders/{order['id']}")).json()["status"] == "attempted"

    run(scenario)
