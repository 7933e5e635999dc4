"""UPI QR codes (single and multiple use, close) and UPI payment links."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
import pytest

from ocpp_upi.psp import MockPsp, PspError
from ocpp_upi.psp.testing import running_psp
from ocpp_upi.upi.link import validate

T = TypeVar("T")


def run(scenario: Callable[[MockPsp, httpx.AsyncClient], Awaitable[T]], **settings: Any) -> T:
    async def main() -> T:
        async with running_psp(**settings) as (psp, api):
            return await asyncio.wait_for(scenario(psp, api), 15)

    return asyncio.run(main())


def _qr(**fields: Any) -> dict[str, Any]:
    return {"type": "upi_qr", "name": "EVSE1234-1", "description": "Charge", **fields}


def test_single_use_fixed_qr_is_paid_once_and_closes_as_paid() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient) -> None:
        body = _qr(usage="single_use", fixed_amount=True, payment_amount=30000)
        qr = (await api.post("/payments/qr_codes", json=body)).json()
        assert re.fullmatch(r"qr_[A-Za-z0-9]{14}", qr["id"])
        assert (qr["entity"], qr["status"], qr["usage"], qr["type"]) == (
            "qr_code",
            "active",
            "single_use",
            "upi_qr",
        )
        link = validate(qr["image_content"], dynamic=True)
        assert (link.reference, link.params["am"]) == (qr["id"], "300.00")
        payment = await psp.pay_link(qr["image_content"], "success@razorpay")
        assert (payment["status"], payment["order_id"], payment["amount"]) == (
            "captured",
            None,
            30000,
        )
        closed = (await api.get(f"/payments/qr_codes/{qr['id']}")).json()
        assert (closed["status"], closed["close_reason"]) == ("closed", "paid")
        assert (closed["payments_count_received"], closed["payments_amount_received"]) == (
            1,
            30000,
        )
        credited = psp.ctx.events[-1]
        assert credited.name == "qr_code.credited"
        assert list(credited.entities) == ["payment", "qr_code"]
        with pytest.raises(PspError, match="closed"):
            await psp.pay_link(qr["image_content"], "success@razorpay")

    run(scenario)


def test_multiple_use_qr_takes_payer_amounts_until_closed() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient) -> None:
        qr = (await api.post("/payments/qr_codes", json=_qr(usage="multiple_use"))).json()
        link = validate(qr["image_content"], dynamic=True)
        assert link.params.get("am") is None
        with pytest.raises(PspError, match="amount_paise"):
            await psp.pay_link(qr["image_content"], "success@razorpay")
        await psp.pay_link(qr["image_content"], "a.driver@okhdfc", amount_paise=15000)
        await psp.pay_link(qr["image_content"], "b.driver@okicici", amount_paise=25000)
        await psp.pay_link(qr["image_content"], "failure@razorpay", amount_paise=25000)
        payments = (await api.get(f"/payments/qr_codes/{qr['id']}/payments")).json()
        assert payments["count"] == 3
        active = (await api.get(f"/payments/qr_codes/{qr['id']}")).json()
        assert (active["status"], active["payments_amount_received"]) == ("active", 40000)
        closed = (await api.post(f"/payments/qr_codes/{qr['id']}/close")).json()
        assert (closed["status"], closed["close_reason"]) == ("closed", "on_demand")
        assert isinstance(closed["closed_at"], int)
        again = await api.post(f"/payments/qr_codes/{qr['id']}/close")
        assert again.status_code == 400
        with pytest.raises(PspError):
            await psp.pay_link(qr["image_content"], "success@razorpay", amount_paise=100)
        names = [e.name for e in psp.ctx.events]
        assert names.count("qr_code.credited") == 2
        assert names[0] == "qr_code.created" and names[-1] == "qr_code.closed"

    run(scenario)


def test_qr_validation() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient) -> None:
        cases = [
            (_qr(usage="single_use"), "fixed_amount"),
            (_qr(usage="single_use", fixed_amount=True), "payment_amount"),
            (_qr(type="bharat_qr"), "type"),
            (_qr(usage="sometimes"), "usage"),
            (_qr(fixed_amount=True, payment_amount=50), "payment_amount"),
            (_qr(close_by=int(time.time()) - 10), "close_by"),
        ]
        for body, field in cases:
            response = await api.post("/payments/qr_codes", json=body)
            assert response.status_code == 400, body
            assert response.json()["error"]["field"] == field
        assert (await api.get("/payments/qr_codes/qr_nope")).status_code == 404

    run(scenario)


def test_payment_link_is_paid_through_its_upi_link() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient) -> None:
        body = {
            "upi_link": True,
            "amount": 25000,
            "currency": "INR",
            "reference_id": "sess-42",
            "description": "EVSE1234-1",
            "callback_url": "https://cpo.example.com/paid",
            "notes": {"evse": "1"},
        }
        plink = (await api.post("/payment_links", json=body)).json()
        assert re.fullmatch(r"plink_[A-Za-z0-9]{14}", plink["id"])
        assert (plink["status"], plink["upi_link"], plink["reference_id"]) == (
            "created",
            True,
            "sess-42",
        )
        async with httpx.AsyncClient() as browser:
            page = await browser.get(plink["short_url"])
        upi = psp.ledger.upi_links[plink["id"]]
        assert page.status_code == 200 and "upi-link" in page.text
        assert validate(upi, dynamic=True).reference == plink["id"]
        payment = await psp.pay_link(upi, "success@razorpay")
        assert payment["order_id"] == plink["order_id"]
        paid = (await api.get(f"/payment_links/{plink['id']}")).json()
        assert (paid["status"], paid["amount_paid"]) == ("paid", 25000)
        assert paid["payments"][0]["payment_id"] == payment["id"]
        event = psp.ctx.events[-1]
        assert event.name == "payment_link.paid"
        assert list(event.entities) == ["payment_link", "order", "payment"]
        duplicate = await api.post("/payment_links", json=body)
        assert duplicate.status_code == 400
        assert duplicate.json()["error"]["field"] == "reference_id"

    run(scenario)


def test_payment_link_refusals_and_cancel() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient) -> None:
        not_upi = await api.post("/payment_links", json={"amount": 1000})
        assert not_upi.status_code == 400
        plink = (await api.post("/payment_links", json={"upi_link": True, "amount": 1000})).json()
        cancelled = (await api.post(f"/payment_links/{plink['id']}/cancel")).json()
        assert cancelled["status"] == "cancelled"
        with pytest.raises(PspError, match="cancelled"):
            await psp.pay_link(psp.ledger.upi_links[plink["id"]], "success@razorpay")
        assert (await api.post(f"/payment_links/{plink['id']}/cancel")).status_code == 400

    run(scenario)
