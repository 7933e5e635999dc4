"""The /v1 API's framing: auth, error envelopes, body parsing and the record of every call."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx

from ocpp_upi.psp import MockPsp
from ocpp_upi.psp.testing import running_psp

T = TypeVar("T")
ENVELOPE_KEYS = {"code", "description", "source", "step", "reason", "metadata", "field"}


def run(scenario: Callable[[MockPsp, httpx.AsyncClient], Awaitable[T]], **settings: Any) -> T:
    async def main() -> T:
        async with running_psp(**settings) as (psp, api):
            return await asyncio.wait_for(scenario(psp, api), 15)

    return asyncio.run(main())


def test_missing_or_wrong_credentials_are_401_with_razorpay_envelope() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient) -> None:
        async with httpx.AsyncClient(base_url=psp.base_url + "/v1") as anonymous:
            missing = await anonymous.get("/orders/order_x")
            wrong = await anonymous.get("/orders/order_x", auth=(psp.settings.key_id, "nope"))
        for response in (missing, wrong):
            assert response.status_code == 401
            error = response.json()["error"]
            assert set(error) == ENVELOPE_KEYS
            assert error["code"] == "BAD_REQUEST_ERROR"
        assert "api key" in wrong.json()["error"]["description"]
        assert (await api.get("/orders/order_x")).status_code == 404

    run(scenario)


def test_unknown_id_is_404_with_razorpay_wording() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient) -> None:
        for path in ("/orders/order_missing", "/payments/pay_missing", "/refunds/rfnd_missing"):
            response = await api.get(path)
            assert response.status_code == 404, path
            assert response.json()["error"]["description"] == "The id provided does not exist"

    run(scenario)


def test_malformed_bodies_and_unknown_routes_never_500() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient) -> None:
        bad_json = await api.post("/orders", content=b'{"amount": 100,', headers=_json())
        not_object = await api.post("/orders", content=b"[1, 2]", headers=_json())
        not_utf8 = await api.post("/orders", content=b"\xff\xfe", headers=_json())
        unknown = await api.get("/does/not/exist")
        wrong_method = await api.delete("/orders")
        for response in (bad_json, not_object, not_utf8):
            assert response.status_code == 400
            assert set(response.json()["error"]) == ENVELOPE_KEYS
        assert unknown.status_code == 404
        assert unknown.json()["error"]["code"] == "BAD_REQUEST_ERROR"
        assert wrong_method.status_code == 405
        assert "error" in wrong_method.json()
        huge = await api.post("/orders", content=b"x" * (2 * 1024 * 1024), headers=_json())
        assert huge.status_code == 413 and "error" in huge.json()
        assert psp.api_calls[-1].status == 413

    run(scenario)


def test_validation_errors_name_the_field() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient) -> None:
        cases = [
            ({"amount": 99, "currency": "INR"}, "amount", "at least INR 1.00"),
            ({"amount": 100.5, "currency": "INR"}, "amount", "integer"),
            ({"currency": "INR"}, "amount", "required"),
            ({"amount": 1000, "currency": "USD"}, "currency", "not supported"),
            ({"amount": 1000}, "currency", "required"),
            ({"amount": 1000, "currency": "INR", "receipt": "r" * 41}, "receipt", "40 characters"),
            (
                {"amount": 1000, "currency": "INR", "notes": {str(i): "x" for i in range(16)}},
                "notes",
                "15",
            ),
        ]
        for body, field, words in cases:
            response = await api.post("/orders", json=body)
            assert response.status_code == 400, body
            error = response.json()["error"]
            assert error["field"] == field
            assert words in error["description"]
            assert error["reason"] == "input_validation_failed"

    run(scenario)


def test_form_encoded_bodies_are_accepted_like_razorpay() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient) -> None:
        response = await api.post(
            "/orders",
            content=b"amount=20000&currency=INR&receipt=rcpt-1&notes[charger]=EVSE1",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert response.status_code == 200
        order = response.json()
        assert order["amount"] == 20000
        assert order["notes"] == {"charger": "EVSE1"}
        assert psp.api_calls[-1].body["notes"] == {"charger": "EVSE1"}

    run(scenario)


def test_every_call_is_recorded_with_status_and_without_secrets() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient) -> None:
        await api.post("/orders", json={"amount": 5000, "currency": "INR"})
        await api.get("/orders/order_none")
        async with httpx.AsyncClient() as control:
            await control.get(psp.base_url + "/_control/ledger")
        calls = psp.api_calls
        assert [(c.method, c.endpoint, c.status) for c in calls] == [
            ("POST", "orders.create", 200),
            ("GET", "orders.fetch", 404),
        ]
        create = calls[0]
        assert create.body == {"amount": 5000, "currency": "INR"}
        assert create.response["entity"] == "order"
        assert create.key_id == psp.settings.key_id
        assert create.headers["authorization"] == "<redacted>"
        assert psp.settings.key_secret not in repr(calls)
        found = await psp.wait_for_api_call(lambda c: c.status == 404, timeout=1)
        assert found is calls[1]
        assert await psp.wait_for_api_call(lambda c: c.method == "PUT", timeout=0.05) is None

    run(scenario)


def test_stop_is_idempotent_and_start_only_once() -> None:
    async def scenario() -> None:
        psp = MockPsp()
        await psp.stop()  # never started: harmless
        psp2 = MockPsp()
        await psp2.start()
        assert psp2.base_url.startswith("http://127.0.0.1:")
        await psp2.stop()
        await psp2.stop()
        try:
            await psp2.start()
        except RuntimeError:
            pass
        else:
            raise AssertionError("a stopped MockPsp must not restart")

    asyncio.run(scenario())


def _json() -> dict[str, str]:
    return {"Content-Type": "application/json"}
