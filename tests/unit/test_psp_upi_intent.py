"""S2S UPI intent links and the payer's outcomes chosen by VPA."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any, TypeVar

import httpx
import pytest

from ocpp_upi.psp import MockPsp, PspError
from ocpp_upi.psp.testing import create_intent, running_psp
from ocpp_upi.upi.link import validate

T = TypeVar("T")
PAY_ID = re.compile(r"^pay_[A-Za-z0-9]{14}$")


def run(scenario: Callable[[MockPsp, httpx.AsyncClient], Awaitable[T]], **settings: Any) -> T:
    async def main() -> T:
        async with running_psp(**settings) as (psp, api):
            return await asyncio.wait_for(scenario(psp, api), 15)

    return asyncio.run(main())


def test_intent_link_is_a_valid_dynamic_upi_link_naming_the_order() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient) -> None:
        order, intent = await create_intent(api, 49950, receipt="sess-9")
        assert PAY_ID.match(intent["razorpay_payment_id"])
        link = validate(intent["link"], dynamic=True)
        assert link.reference == order["id"]
        assert link.amount == Decimal("499.50")
        assert link.params["am"] == "499.50"
        assert link.payee_vpa == psp.settings.merchant_vpa
        assert link.params["pn"] == psp.settings.merchant_name
        assert (link.params["cu"], link.params["mc"], link.params["mode"]) == ("INR", "5552", "04")
        assert link.params["tn"] == "EV charging"
        payment = (await api.get(f"/payments/{intent['razorpay_payment_id']}")).json()
        assert (payment["status"], payment["order_id"], payment["method"]) == (
            "created",
            order["id"],
            "upi",
        )
        assert payment["vpa"] is None
        assert psp.ledger.upi_links[str(order["id"])] == intent["link"]

    run(scenario)


def test_note_falls_back_to_the_receipt_and_settings_shape_the_link() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient) -> None:
        order_body = {"amount": 500, "currency": "INR", "receipt": "rcpt 7"}
        order = (await api.post("/orders", json=order_body)).json()
        body = {"amount": 500, "currency": "INR", "order_id": order["id"]}
        reply = (await api.post("/payments/create/upi", json=body)).json()
        link = validate(reply["link"], dynamic=True)
        assert link.params["tn"] == "rcpt 7"
        assert (link.payee_vpa, link.params["mc"]) == ("ev@icici", "5541")

    run(scenario, merchant_vpa="ev@icici", mcc="5541")


def test_create_upi_refusals() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient) -> None:
        order = (await api.post("/orders", json={"amount": 20000, "currency": "INR"})).json()
        base = {"amount": 20000, "currency": "INR", "order_id": order["id"]}
        cases = [
            ({**base, "amount": 19999}, 400, "amount"),
            ({**base, "order_id": "order_nope"}, 404, "id"),
            ({**base, "upi": {"flow": "collect", "vpa": "a@b"}}, 400, "upi.flow"),
            ({**base, "method": "card"}, 400, "method"),
            ({"amount": 20000}, 400, "order_id"),
        ]
        for body, status, field in cases:
            response = await api.post("/payments/create/upi", json=body)
            assert response.status_code == status, body
            assert response.json()["error"]["field"] == field

    run(scenario)


def test_a_upi_intent_without_currency_is_refused_naming_the_field() -> None:
    """Razorpay's S2S create/upi takes currency as mandatory; refusing its absence keeps a
    CSMS from passing here on a default it will not get in production. A refused intent opens
    no payment and leaves the order untouched."""

    async def scenario(psp: MockPsp, api: httpx.AsyncClient) -> None:
        order = (await api.post("/orders", json={"amount": 20000, "currency": "INR"})).json()
        body = {"amount": 20000, "order_id": order["id"], "method": "upi"}
        response = await api.post("/payments/create/upi", json=body)
        assert response.status_code == 400
        assert response.json() == {
            "error": {
                "code": "BAD_REQUEST_ERROR",
                "description": "The currency field is required.",
                "source": "business",
                "step": "payment_initiation",
                "reason": "input_validation_failed",
                "metadata": {},
                "field": "currency",
            }
        }
        assert psp.ledger.payments == {}
        fetched = (await api.get(f"/orders/{order['id']}")).json()
        assert (fetched["status"], fetched["attempts"]) == ("created", 0)

    run(scenario)


def test_success_vpa_authorizes_captures_and_pays_the_order() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient) -> None:
        _, intent = await create_intent(api, 20000)
        payment = await psp.pay_link(intent["link"], "success@razorpay")
        assert payment["id"] == intent["razorpay_payment_id"]
        assert (payment["status"], payment["captured"], payment["amount"]) == (
            "captured",
            True,
            20000,
        )
        assert payment["vpa"] == "success@razorpay"
        assert re.fullmatch(r"\d{12}", payment["acquirer_data"]["rrn"])
        assert payment["acquirer_data"]["upi_transaction_id"]
        assert (payment["amount_refunded"], payment["refund_status"]) == (0, None)
        assert payment["error_code"] is None
        assert (await api.get(f"/payments/{payment['id']}")).json() == payment
        assert [e.name for e in psp.ctx.events] == [
            "payment.authorized",
            "payment.captured",
            "order.paid",
        ]
        authorized = psp.ctx.events[0].entities["payment"]
        assert authorized["status"] == "authorized"  # a snapshot, not the live entity

    run(scenario)


def test_any_other_wellformed_vpa_succeeds_and_bad_vpas_are_refused() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient) -> None:
        _, intent = await create_intent(api)
        with pytest.raises(PspError) as refused:
            await psp.pay_link(intent["link"], "not a vpa")
        assert refused.value.status == 400
        payment = await psp.pay_link(intent["link"], "ravi.kumar@oksbi")
        assert payment["status"] == "captured"

    run(scenario)


def test_failure_vpa_declines_with_razorpay_error_fields() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient) -> None:
        order, intent = await create_intent(api)
        payment = await psp.pay_link(intent["link"], "failure@razorpay")
        assert payment["status"] == "failed"
        assert payment["error_code"] == "BAD_REQUEST_ERROR"
        assert payment["error_reason"] == "payment_declined"
        assert payment["error_source"] and payment["error_step"] and payment["error_description"]
        assert payment["captured"] is False
        assert (await api.get(f"/orders/{order['id']}")).json()["status"] == "attempted"
        assert [e.name for e in psp.ctx.events] == ["payment.failed"]

    run(scenario)


def test_pending_vpa_stays_created_until_settled_late() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient) -> None:
        order, intent = await create_intent(api)
        pending = await psp.pay_link(intent["link"], "pending@razorpay")
        assert (pending["status"], pending["vpa"]) == ("created", "pending@razorpay")
        assert psp.ctx.events == []
        settled = await psp.settle_late(pending["id"], "captured")
        assert settled["status"] == "captured"
        assert (await api.get(f"/orders/{order['id']}")).json()["status"] == "paid"
        with pytest.raises(PspError):
            await psp.settle_late(pending["id"], "failed")

    run(scenario)


def test_pending_can_settle_failed_and_a_failed_payment_can_authorize_late() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient) -> None:
        _, intent = await create_intent(api)
        pending = await psp.pay_link(intent["link"], "pending@razorpay")
        failed = await psp.settle_late(pending["id"], "failed")
        assert (failed["status"], failed["error_reason"]) == ("failed", "payment_timed_out")
        late = await psp.settle_late(pending["id"], "captured")  # failed -> authorized is legal
        assert (late["status"], late["error_reason"]) == ("captured", None)
        names = [e.name for e in psp.ctx.events]
        assert names == ["payment.failed", "payment.authorized", "payment.captured", "order.paid"]

    run(scenario)


def test_edited_amount_is_carried_and_does_not_pay_the_order() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient) -> None:
        order, intent = await create_intent(api, 20000)
        payment = await psp.pay_link(intent["link"], "success@razorpay", amount_paise=10000)
        assert (payment["status"], payment["amount"]) == ("captured", 10000)
        fetched = (await api.get(f"/orders/{order['id']}")).json()
        assert (fetched["status"], fetched["amount_paid"]) == ("attempted", 0)
        assert [e.name for e in psp.ctx.events] == ["payment.authorized", "payment.captured"]

    run(scenario)


def test_links_the_psp_cannot_pay_are_refused() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient) -> None:
        _, intent = await create_intent(api)
        other_merchant = intent["link"].replace("cpo123@hdfcbank", "someone@ybl")
        cases = [
            (other_merchant, 400),
            ("upi://pay?pa=cpo123@hdfcbank&pn=CPO&tr=order_unknown00000&am=1.00&cu=INR", 404),
            ("https://example.com/pay", 400),
            ("upi://pay?pa=cpo123@hdfcbank&pn=CPO&am=1.00", 400),
        ]
        for link, status in cases:
            with pytest.raises(PspError) as refused:
                await psp.pay_link(link, "success@razorpay")
            assert refused.value.status == status, link
        await psp.pay_link(intent["link"], "success@razorpay")
        with pytest.raises(PspError, match="already been paid"):
            await psp.pay_link(intent["link"], "success@razorpay")

    run(scenario)
