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
        plain = (await api.post("/orders", json={"amount": 20000, "receipt": "sess-2"})).json()
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
        wrong = await api.post(f"/payments/{payment['id']}/capture", json={"amount": 100})
        assert wrong.status_code == 400
        captured = await api.post(
            f"/payments/{payment['id']}/capture", json={"amount": 12000, "currency": "INR"}
        )
        assert captured.status_code == 200
        assert (captured.json()["status"], captured.json()["captured"]) == ("captured", True)
        assert (await api.get(f"/orders/{order['id']}")).json()["status"] == "paid"
        twice = await api.post(f"/payments/{payment['id']}/capture", json={"amount": 12000})
        assert twice.status_code == 400
        assert "already been captured" in twice.json()["error"]["description"]

    run(scenario)
