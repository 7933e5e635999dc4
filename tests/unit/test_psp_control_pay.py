"""/_control/orders/:id/pay and /_control/payments/:id/pay: the payer without the upi:// link.

A vendor driving the mock from their own tooling holds the order id or the payment id their
CSMS got back; paying by id must do exactly what paying the intent link does, with the same
payer-VPA outcomes, and refuse what the link route refuses.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
import pytest

from ocpp_upi.psp import MockPsp, PspError
from ocpp_upi.psp.testing import create_intent, running_psp

T = TypeVar("T")
Scenario = Callable[[MockPsp, httpx.AsyncClient, httpx.AsyncClient], Awaitable[T]]


def run(scenario: Scenario[T], **settings: Any) -> T:
    async def main() -> T:
        async with running_psp(**settings) as (psp, api):
            control = httpx.AsyncClient(base_url=psp.base_url + "/_control", trust_env=False)
            async with control:
                return await asyncio.wait_for(scenario(psp, api, control), 15)

    return asyncio.run(main())


def events_of(psp: MockPsp, payment_id: str) -> list[str]:
    """The webhook events raised for ``payment_id`` so far (sent or not: no URL is set)."""
    return [o.name for o in psp.dispatcher.sent if payment_id.encode() in o.body]


def test_paying_an_order_pays_its_open_intent_payment() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient, control: httpx.AsyncClient) -> None:
        order, intent = await create_intent(api, 20000)
        paid = await control.post(
            f"/orders/{order['id']}/pay", json={"payer_vpa": "success@razorpay"}
        )
        assert paid.status_code == 200, paid.text
        payment = paid.json()
        assert payment["id"] == intent["razorpay_payment_id"]
        assert (payment["status"], payment["captured"], payment["amount"]) == (
            "captured",
            True,
            20000,
        )
        assert payment["vpa"] == "success@razorpay" and payment["acquirer_data"]["rrn"]
        fetched = (await api.get(f"/orders/{order['id']}")).json()
        assert (fetched["status"], fetched["amount_paid"], fetched["attempts"]) == (
            "paid",
            20000,
            1,
        )
        assert events_of(psp, payment["id"]) == [
            "payment.authorized",
            "payment.captured",
            "order.paid",
        ]

    run(scenario)


def test_paying_an_order_without_an_intent_creates_its_payment() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient, control: httpx.AsyncClient) -> None:
        order = (await api.post("/orders", json={"amount": 15000, "currency": "INR"})).json()
        paid = (
            await control.post(f"/orders/{order['id']}/pay", json={"payer_vpa": "driver@okaxis"})
        ).json()
        assert (paid["status"], paid["amount"], paid["order_id"]) == (
            "captured",
            15000,
            order["id"],
        )
        fetched = (await api.get(f"/orders/{order['id']}")).json()
        assert (fetched["status"], fetched["attempts"]) == ("paid", 1)
        again = await control.post(
            f"/orders/{order['id']}/pay", json={"payer_vpa": "success@razorpay"}
        )
        assert again.status_code == 400
        assert again.json()["error"]["description"] == f"Order {order['id']} has already been paid."

    run(scenario)


def test_paying_a_payment_id_follows_the_payer_vpa() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient, control: httpx.AsyncClient) -> None:
        _, intent = await create_intent(api)
        paid = await control.post(
            f"/payments/{intent['razorpay_payment_id']}/pay", json={"payer_vpa": "success@razorpay"}
        )
        assert paid.status_code == 200 and paid.json()["status"] == "captured"

        order, declined_intent = await create_intent(api)
        declined = (
            await control.post(
                f"/payments/{declined_intent['razorpay_payment_id']}/pay",
                json={"payer_vpa": "failure@razorpay"},
            )
        ).json()
        assert (declined["status"], declined["error_reason"], declined["error_source"]) == (
            "failed",
            "payment_declined",
            "bank",
        )
        assert events_of(psp, declined["id"]) == ["payment.failed"]
        assert (await api.get(f"/orders/{order['id']}")).json()["status"] == "attempted"
        # The driver tries again: the order has no open intent left, so a new payment pays it.
        retry = (
            await control.post(f"/orders/{order['id']}/pay", json={"payer_vpa": "success@razorpay"})
        ).json()
        assert retry["id"] != declined["id"] and retry["status"] == "captured"

    run(scenario)


def test_pending_payment_waits_for_the_bank_and_cannot_be_paid_twice() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient, control: httpx.AsyncClient) -> None:
        _, intent = await create_intent(api)
        payment_id = intent["razorpay_payment_id"]
        pending = (
            await control.post(
                f"/payments/{payment_id}/pay", json={"payer_vpa": "pending@razorpay"}
            )
        ).json()
        assert (pending["status"], pending["vpa"]) == ("created", "pending@razorpay")
        assert events_of(psp, payment_id) == []
        twice = await control.post(
            f"/payments/{payment_id}/pay", json={"payer_vpa": "success@razorpay"}
        )
        assert twice.status_code == 400
        assert "awaits the bank's verdict" in twice.json()["error"]["description"]
        assert f"/_control/payments/{payment_id}/settle" in twice.json()["error"]["description"]
        settled = await control.post(f"/payments/{payment_id}/settle", json={"outcome": "captured"})
        assert settled.json()["status"] == "captured"

    run(scenario)


def test_delayed_capture_authorizes_and_captures_only_on_settle() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient, control: httpx.AsyncClient) -> None:
        order, _ = await create_intent(api)
        held = (
            await control.post(
                f"/orders/{order['id']}/pay", json={"payer_vpa": "delayedcapture@razorpay"}
            )
        ).json()
        assert (held["status"], held["captured"]) == ("authorized", False)
        assert events_of(psp, held["id"]) == ["payment.authorized"]
        assert (await api.get(f"/orders/{order['id']}")).json()["status"] == "attempted"
        settled = await control.post(f"/payments/{held['id']}/settle", json={"outcome": "captured"})
        assert settled.json()["status"] == "captured"
        assert events_of(psp, held["id"])[1:] == ["payment.captured", "order.paid"]

    run(scenario)


def test_manual_capture_order_stops_at_authorized_until_captured() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient, control: httpx.AsyncClient) -> None:
        order, intent = await create_intent(api, 20000, payment_capture=0)
        payment_id = intent["razorpay_payment_id"]
        paid = (
            await control.post(
                f"/payments/{payment_id}/pay", json={"payer_vpa": "success@razorpay"}
            )
        ).json()
        assert paid["status"] == "authorized"
        captured = await api.post(
            f"/payments/{payment_id}/capture", json={"amount": 20000, "currency": "INR"}
        )
        assert captured.json()["status"] == "captured"
        assert (await api.get(f"/orders/{order['id']}")).json()["status"] == "paid"

    run(scenario)


def test_edited_amount_is_captured_and_settles_nothing() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient, control: httpx.AsyncClient) -> None:
        order, intent = await create_intent(api, 20000)
        paid = (
            await control.post(
                f"/payments/{intent['razorpay_payment_id']}/pay",
                json={"payer_vpa": "success@razorpay", "amount_paise": 100},
            )
        ).json()
        assert (paid["status"], paid["amount"]) == ("captured", 100)
        assert (await api.get(f"/orders/{order['id']}")).json()["status"] == "attempted"
        assert "order.paid" not in events_of(psp, paid["id"])

    run(scenario)


def test_paying_a_payment_link_order_settles_the_link() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient, control: httpx.AsyncClient) -> None:
        plink = (await api.post("/payment_links", json={"upi_link": True, "amount": 5000})).json()
        paid = (
            await control.post(
                f"/orders/{plink['order_id']}/pay", json={"payer_vpa": "success@razorpay"}
            )
        ).json()
        assert paid["status"] == "captured"
        assert (await api.get(f"/payment_links/{plink['id']}")).json()["status"] == "paid"
        assert events_of(psp, paid["id"])[-1] == "payment_link.paid"

    run(scenario)


def test_a_second_intent_of_a_paid_order_cannot_be_paid() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient, control: httpx.AsyncClient) -> None:
        order, first = await create_intent(api, 20000)
        body = {"amount": 20000, "currency": "INR", "order_id": order["id"]}
        second = (await api.post("/payments/create/upi", json=body)).json()
        await control.post(
            f"/payments/{first['razorpay_payment_id']}/pay", json={"payer_vpa": "success@razorpay"}
        )
        refused = await control.post(
            f"/payments/{second['razorpay_payment_id']}/pay", json={"payer_vpa": "success@razorpay"}
        )
        assert refused.status_code == 400
        assert refused.json()["error"]["field"] == "order_id"
        captured = await control.post(
            f"/payments/{first['razorpay_payment_id']}/pay", json={"payer_vpa": "success@razorpay"}
        )
        assert captured.status_code == 400
        paid_id = first["razorpay_payment_id"]
        assert captured.json()["error"]["description"] == (
            f"Payment {paid_id} is captured; only a created payment can be paid"
        )

    run(scenario)


def test_form_bodies_are_accepted_like_json() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient, control: httpx.AsyncClient) -> None:
        order, _ = await create_intent(api, 20000)
        paid = await control.post(
            f"/orders/{order['id']}/pay",
            data={"payer_vpa": "driver@okaxis", "amount_paise": "20000"},
        )
        assert paid.status_code == 200 and paid.json()["status"] == "captured"

    run(scenario)


@pytest.mark.parametrize(
    ("route", "body", "status", "field"),
    [
        ("/orders/order_00000000000000/pay", {"payer_vpa": "driver@okaxis"}, 404, "id"),
        ("/payments/pay_00000000000000/pay", {"payer_vpa": "driver@okaxis"}, 404, "id"),
        ("/orders/{order}/pay", {}, 400, "payer_vpa"),
        ("/orders/{order}/pay", {"payer_vpa": "not-a-vpa"}, 400, "payer_vpa"),
        (
            "/payments/{payment}/pay",
            {"payer_vpa": "driver@okaxis", "amount_paise": 0},
            400,
            "amount",
        ),
        ("/payments/{payment}/pay", {"payer_vpa": "driver@okaxis", "amount_paise": "x"}, 400, None),
    ],
)
def test_refusals_are_envelopes_and_change_nothing(
    route: str, body: dict[str, Any], status: int, field: str | None
) -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient, control: httpx.AsyncClient) -> None:
        order, intent = await create_intent(api)
        before = psp.ledger.snapshot()
        path = route.format(order=order["id"], payment=intent["razorpay_payment_id"])
        answer = await control.post(path, json=body)
        assert answer.status_code == status
        error = answer.json()["error"]
        assert error["code"] == "BAD_REQUEST_ERROR"
        if field is not None:
            assert error["field"] == field
        assert psp.ledger.snapshot() == before
        assert psp.dispatcher.sent == []

    run(scenario)


def test_python_methods_match_the_routes() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient, control: httpx.AsyncClient) -> None:
        order, intent = await create_intent(api)
        paid = await psp.pay_payment(intent["razorpay_payment_id"], "success@razorpay")
        paid["status"] = "tampered"  # a copy: the ledger is not the caller's to change
        assert psp.ledger.payment(intent["razorpay_payment_id"])["status"] == "captured"
        with pytest.raises(PspError, match="already been paid"):
            await psp.pay_order(str(order["id"]), "success@razorpay")

    run(scenario)
