"""The CSMS's Razorpay client against respx: request shapes, auth, idempotency, error mapping."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Awaitable
from typing import Any, TypeVar

import httpx
import pytest
import respx

from ocpp_upi.csms.psp_client import PspClient, PspRefusal, PspUnavailable

T = TypeVar("T")
BASE = "http://127.0.0.1:9100"
API = BASE + "/v1"
AUTH = "Basic " + base64.b64encode(b"rzp_test_key:key-secret").decode()


def run(coro: Awaitable[T]) -> T:
    async def bounded() -> T:
        return await asyncio.wait_for(coro, 10)

    return asyncio.run(bounded())


def client() -> PspClient:
    return PspClient(BASE + "/", "rzp_test_key", "key-secret", timeout=2.0)


def body_of(route: respx.Route) -> Any:
    return json.loads(route.calls.last.request.content)


ORDER = {
    "id": "order_ABC",
    "entity": "order",
    "amount": 20000,
    "amount_paid": 0,
    "amount_due": 20000,
    "currency": "INR",
    "receipt": "CP1-1-1",
    "status": "created",
}
PAYMENT = {
    "id": "pay_XYZ",
    "entity": "payment",
    "amount": 20000,
    "currency": "INR",
    "status": "captured",
    "order_id": "order_ABC",
    "method": "upi",
}
REFUND = {
    "id": "rfnd_1",
    "entity": "refund",
    "amount": 500,
    "currency": "INR",
    "payment_id": "pay_XYZ",
    "status": "pending",
}


@respx.mock
def test_create_order_sends_amount_currency_receipt_with_basic_auth() -> None:
    route = respx.post(f"{API}/orders").mock(return_value=httpx.Response(200, json=ORDER))

    async def scenario() -> None:
        async with client() as psp:
            order = await psp.create_order(20000, "CP1-1-1", {"charger_id": "CP1"})
        assert (order.id, order.amount, order.status, order.receipt) == (
            "order_ABC",
            20000,
            "created",
            "CP1-1-1",
        )

    run(scenario())
    request = route.calls.last.request
    assert request.headers["Authorization"] == AUTH
    assert body_of(route) == {
        "amount": 20000,
        "currency": "INR",
        "receipt": "CP1-1-1",
        "notes": {"charger_id": "CP1"},
    }


@respx.mock
def test_create_upi_intent_body_and_response() -> None:
    link = "upi://pay?pa=cpo@razorpay&pn=CPO&tr=pay_XYZ&am=200.00&cu=INR"
    route = respx.post(f"{API}/payments/create/upi").mock(
        return_value=httpx.Response(200, json={"razorpay_payment_id": "pay_XYZ", "link": link})
    )

    async def scenario() -> None:
        async with client() as psp:
            intent = await psp.create_upi_intent(
                "order_ABC", 20000, "EV charging", email="d@example.com", contact="9000090000"
            )
        assert (intent.payment_id, intent.link) == ("pay_XYZ", link)

    run(scenario())
    assert route.calls.last.request.headers["Authorization"] == AUTH
    assert body_of(route) == {
        "amount": 20000,
        "currency": "INR",
        "order_id": "order_ABC",
        "method": "upi",
        "upi": {"flow": "intent"},
        "email": "d@example.com",
        "contact": "9000090000",
        "description": "EV charging",
        "notes": {},
    }


@respx.mock
def test_refund_carries_the_idempotency_header_and_amount() -> None:
    route = respx.post(f"{API}/payments/pay_XYZ/refund").mock(
        return_value=httpx.Response(200, json=REFUND)
    )

    async def scenario() -> None:
        async with client() as psp:
            refund = await psp.refund("pay_XYZ", 500, "rf-pay_XYZ", notes={"reason": "unused"})
        assert (refund.id, refund.amount, refund.payment_id, refund.status) == (
            "rfnd_1",
            500,
            "pay_XYZ",
            "pending",
        )

    run(scenario())
    request = route.calls.last.request
    assert request.headers["X-Refund-Idempotency"] == "rf-pay_XYZ"
    assert request.headers["Authorization"] == AUTH
    assert body_of(route) == {"amount": 500, "notes": {"reason": "unused"}}


@respx.mock
def test_fetches_parse_entities() -> None:
    respx.get(f"{API}/payments/pay_XYZ").mock(return_value=httpx.Response(200, json=PAYMENT))
    respx.get(f"{API}/orders/order_ABC").mock(return_value=httpx.Response(200, json=ORDER))
    respx.get(f"{API}/orders/order_ABC/payments").mock(
        return_value=httpx.Response(
            200, json={"entity": "collection", "count": 1, "items": [PAYMENT]}
        )
    )
    respx.get(f"{API}/refunds/rfnd_1").mock(return_value=httpx.Response(200, json=REFUND))

    async def scenario() -> None:
        async with client() as psp:
            payment = await psp.fetch_payment("pay_XYZ")
            assert (payment.status, payment.order_id, payment.amount) == (
                "captured",
                "order_ABC",
                20000,
            )
            assert (await psp.fetch_order("order_ABC")).amount == 20000
            assert [p.id for p in await psp.order_payments("order_ABC")] == ["pay_XYZ"]
            assert (await psp.fetch_refund("rfnd_1")).status == "pending"

    run(scenario())


@respx.mock
def test_ids_cannot_escape_their_path_segment() -> None:
    route = respx.get(f"{API}/payments/a%2F..%2Forders").mock(
        return_value=httpx.Response(200, json=PAYMENT)
    )

    async def scenario() -> None:
        async with client() as psp:
            await psp.fetch_payment("a/../orders")

    run(scenario())
    assert route.called


@pytest.mark.parametrize(
    ("status", "payload", "code", "reason"),
    [
        (
            400,
            {
                "error": {
                    "code": "BAD_REQUEST_ERROR",
                    "description": "The amount must be at least INR 1.00",
                    "source": "business",
                    "step": "payment_initiation",
                    "reason": "input_validation_failed",
                    "metadata": {},
                    "field": "amount",
                }
            },
            "BAD_REQUEST_ERROR",
            "input_validation_failed",
        ),
        (
            401,
            {"error": {"code": "BAD_REQUEST_ERROR", "description": "auth", "reason": "NA"}},
            "BAD_REQUEST_ERROR",
            None,
        ),
        (404, {"unexpected": True}, "UNKNOWN_ERROR", None),
    ],
)
@respx.mock
def test_error_envelope_becomes_psp_error(
    status: int, payload: dict[str, Any], code: str, reason: str | None
) -> None:
    respx.post(f"{API}/orders").mock(return_value=httpx.Response(status, json=payload))

    async def scenario() -> None:
        async with client() as psp:
            with pytest.raises(PspRefusal) as raised:
                await psp.create_order(50, "r")
        error = raised.value
        assert (error.status, error.code, error.reason) == (status, code, reason)
        assert not error.retryable

    run(scenario())


@respx.mock
def test_409_is_a_retryable_psp_error() -> None:
    envelope = {"error": {"code": "BAD_REQUEST_ERROR", "description": "in progress"}}
    respx.post(f"{API}/payments/pay_1/refund").mock(return_value=httpx.Response(409, json=envelope))

    async def scenario() -> None:
        async with client() as psp:
            with pytest.raises(PspRefusal) as raised:
                await psp.refund("pay_1", 100, "rf-pay_1000")
        assert raised.value.retryable

    run(scenario())


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(500, json={"error": {"code": "SERVER_ERROR", "description": "x"}}),
        httpx.Response(503, text="maintenance"),
        httpx.Response(200, text="<html>not json</html>"),
        httpx.Response(200, json={"id": "order_1", "amount": 1.5, "currency": "INR"}),
        httpx.ConnectError("connection refused"),
        httpx.ReadTimeout("slow"),
    ],
    ids=["500", "503", "not-json", "float-amount", "connect-error", "timeout"],
)
@respx.mock
def test_no_usable_answer_is_psp_unavailable(answer: httpx.Response | Exception) -> None:
    route = respx.post(f"{API}/orders")
    if isinstance(answer, Exception):
        route.mock(side_effect=answer)
    else:
        route.mock(return_value=answer)

    async def scenario() -> None:
        async with client() as psp:
            with pytest.raises(PspUnavailable):
                await psp.create_order(20000, "r")

    run(scenario())
