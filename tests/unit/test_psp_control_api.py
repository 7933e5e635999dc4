"""/_control/: the same powers as the MockPsp methods, over HTTP, apart from /v1."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx

from ocpp_upi.psp import MockPsp
from ocpp_upi.psp.testing import WebhookReceiver, create_intent, running_psp

T = TypeVar("T")
Scenario = Callable[[MockPsp, httpx.AsyncClient, httpx.AsyncClient], Awaitable[T]]
ORDER = {"amount": 1000, "currency": "INR"}


def run(scenario: Scenario[T], **settings: Any) -> T:
    async def main() -> T:
        async with running_psp(**settings) as (psp, api):
            async with httpx.AsyncClient(base_url=psp.base_url + "/_control") as control:
                return await asyncio.wait_for(scenario(psp, api, control), 15)

    return asyncio.run(main())


def test_pay_settle_and_ledger_over_http() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient, control: httpx.AsyncClient) -> None:
        order, intent = await create_intent(api, 20000)
        pending = await control.post(
            "/pay", json={"link": intent["link"], "payer_vpa": "pending@razorpay"}
        )
        assert pending.status_code == 200 and pending.json()["status"] == "created"
        settled = await control.post(
            f"/payments/{pending.json()['id']}/settle", json={"outcome": "captured"}
        )
        assert settled.json()["status"] == "captured"
        ledger = (await control.get("/ledger")).json()
        assert ledger["orders"][order["id"]]["status"] == "paid"
        assert set(ledger) >= {"orders", "payments", "refunds", "qr_codes", "payment_links"}
        edited = await control.post(
            "/pay",
            json={"link": intent["link"], "payer_vpa": "x@okaxis", "amount_paise": 1},
        )
        assert edited.status_code == 400  # the order is paid already
        assert edited.json()["error"]["code"] == "BAD_REQUEST_ERROR"
        bad = await control.post("/payments/pay_x/settle", json={"outcome": "maybe"})
        assert bad.status_code == 400
        assert all(c.path.startswith("/v1/") for c in psp.api_calls)

    run(scenario)


def test_faults_modes_and_webhook_url_over_http() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient, control: httpx.AsyncClient) -> None:
        armed = await control.post(
            "/faults", json={"endpoint": "orders.create", "status": 502, "count": 2}
        )
        assert armed.json() == {"endpoint": "orders.create", "armed": 2}
        assert (await control.post("/faults", json={"endpoint": "nope"})).status_code == 400
        assert (await api.post("/orders", json=ORDER)).status_code == 502
        assert (await control.delete("/faults")).status_code == 200
        assert (await api.post("/orders", json=ORDER)).status_code == 200
        mode = await control.post("/webhook-mode", json={"duplicate": True})
        assert mode.json() == {"duplicate": True, "out_of_order": False}
        async with WebhookReceiver() as receiver:
            await control.post("/webhook-url", json={"url": receiver.url})
            assert psp.settings.webhook_url == receiver.url
            _, intent = await create_intent(api)
            await control.post(
                "/pay", json={"link": intent["link"], "payer_vpa": "failure@razorpay"}
            )
            assert await psp.wait_idle(5)
            deliveries = (await control.get("/deliveries")).json()
            assert [d["event"] for d in deliveries] == ["payment.failed", "payment.failed"]
            assert deliveries[1]["duplicate"] is True and deliveries[0]["ok"] is True
        calls = (await control.get("/api-calls")).json()
        assert [c["status"] for c in calls[:2]] == [502, 200]
        settings = (await control.get("/settings")).json()
        assert settings["razorpay_api_base"] == psp.base_url + "/v1"
        assert settings["key_id"] == psp.settings.key_id

    run(scenario)


def test_control_errors_are_json_envelopes() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient, control: httpx.AsyncClient) -> None:
        broken = await control.post(
            "/pay", content=b"{", headers={"Content-Type": "application/json"}
        )
        assert broken.status_code == 400 and "error" in broken.json()
        missing = await control.post("/pay", json={"payer_vpa": "a@b"})
        assert missing.json()["error"]["field"] == "link"
        assert (await control.get("/nothing-here")).status_code == 404

    run(scenario)
