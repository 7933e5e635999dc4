"""The webpage-redirect pay page (seed 2.1.2) against a respx-mocked Razorpay.

The tests talk to the CSMS with aiohttp (respx mocks only httpx, which is the CSMS's PSP
client), and to it as a charger with the raw OCPP-J charger of test_csms_server. The fake PSP
here is shared by the webhook and refund tests.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import httpx
import respx
from bs4 import BeautifulSoup

from ocpp_upi.csms import CsmsSettings, ReferenceCsms
from ocpp_upi.csms.psp_client import IDEMPOTENCY_HEADER
from tests.unit.test_csms_server import charger_session, run

PSP = "http://127.0.0.1:9100"
WEBHOOK_SECRET = "test-psp-webhook-secret"
INTENT_LINK = 'upi://pay?pa=cpo@razorpay&pn=CPO&tr={payment_id}&am={rupees}&cu=INR&tn=EV"<>'


def psp_settings(**overrides: Any) -> CsmsSettings:
    options: dict[str, Any] = {
        "psp_base_url": PSP,
        "psp_key_id": "rzp_test_unit",
        "psp_key_secret": "unit-key-secret",
        "psp_webhook_secret": WEBHOOK_SECRET,
    }
    options.update(overrides)
    return CsmsSettings(**options)


class FakeRazorpay:
    """Enough of Razorpay for the CSMS: orders, S2S UPI intents, idempotent refunds."""

    def __init__(self, router: respx.MockRouter) -> None:
        self.orders: dict[str, dict[str, Any]] = {}
        self.payment_of_order: dict[str, str] = {}
        self.refunds_by_key: dict[str, dict[str, Any]] = {}
        self.refund_attempts: list[tuple[str, int, str]] = []
        self.fail_next_refunds = 0
        self.intent_link = INTENT_LINK
        self.orders_route = router.post(f"{PSP}/v1/orders").mock(side_effect=self._order)
        self.intent_route = router.post(f"{PSP}/v1/payments/create/upi").mock(
            side_effect=self._intent
        )
        self.refund_route = router.post(
            url__regex=rf"^{re.escape(PSP)}/v1/payments/(?P<payment_id>[^/]+)/refund$"
        ).mock(side_effect=self._refund)

    @property
    def psp_calls(self) -> int:
        return sum(r.call_count for r in (self.orders_route, self.intent_route, self.refund_route))

    @property
    def last_order_id(self) -> str:
        return list(self.orders)[-1]

    def _order(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        order_id = f"order_{len(self.orders) + 1:014d}"
        self.orders[order_id] = {
            "id": order_id,
            "entity": "order",
            "amount": body["amount"],
            "amount_paid": 0,
            "amount_due": body["amount"],
            "currency": body["currency"],
            "receipt": body["receipt"],
            "status": "created",
            "notes": body.get("notes", {}),
        }
        return httpx.Response(200, json=self.orders[order_id])

    def _intent(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        payment_id = f"pay_{len(self.payment_of_order) + 1:014d}"
        self.payment_of_order[body["order_id"]] = payment_id
        rupees = f"{body['amount'] // 100}.{body['amount'] % 100:02d}"
        link = self.intent_link.format(payment_id=payment_id, rupees=rupees)
        return httpx.Response(200, json={"razorpay_payment_id": payment_id, "link": link})

    def _refund(self, request: httpx.Request, payment_id: str) -> httpx.Response:
        key = request.headers.get(IDEMPOTENCY_HEADER, "")
        amount = json.loads(request.content)["amount"]
        self.refund_attempts.append((payment_id, amount, key))
        if self.fail_next_refunds:
            self.fail_next_refunds -= 1
            return httpx.Response(500, json={"error": {"code": "SERVER_ERROR"}})
        if key not in self.refunds_by_key:
            self.refunds_by_key[key] = {
                "id": f"rfnd_{len(self.refunds_by_key) + 1:014d}",
                "entity": "refund",
                "amount": amount,
                "currency": "INR",
                "payment_id": payment_id,
                "status": "processed",
            }
        return httpx.Response(200, json=self.refunds_by_key[key])


@asynccontextmanager
async def paying_csms(
    settings: CsmsSettings | None = None,
) -> AsyncIterator[tuple[ReferenceCsms, FakeRazorpay, aiohttp.ClientSession]]:
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as router:
        fake = FakeRazorpay(router)
        async with (
            ReferenceCsms(settings or psp_settings()) as csms,
            aiohttp.ClientSession() as session,
        ):
            # httpx calls to the CSMS itself (e.g. the mock bank's webhooks) are real.
            router.route(url__startswith=csms.http_base_url).pass_through()
            yield csms, fake, session


async def get_page(session: aiohttp.ClientSession, url: str) -> tuple[int, str]:
    async with session.get(url) as response:
        return response.status, await response.text()


async def post_pay(
    session: aiohttp.ClientSession, csms: ReferenceCsms, form: dict[str, str]
) -> tuple[int, str]:
    async with session.post(csms.http_base_url + "/pay", data=form) as response:
        return response.status, await response.text()


async def place_order(
    session: aiohttp.ClientSession,
    csms: ReferenceCsms,
    fake: FakeRazorpay,
    evse: int = 1,
    amount: str = "200.00",
) -> tuple[str, str]:
    """Submit the pay form; returns the PSP order id and the intent's payment id."""
    status, html = await post_pay(
        session, csms, {"charger_id": "CP1", "evse": str(evse), "amount": amount}
    )
    assert status == 200, html
    order_id = fake.last_order_id
    return order_id, fake.payment_of_order[order_id]


def test_pay_page_offers_the_amounts_for_a_connected_evse() -> None:
    async def scenario() -> None:
        async with paying_csms() as (csms, fake, session), charger_session(csms, "1.6", evses=2):
            status, html = await get_page(session, csms.pay_page_url("CP1", 2))
            assert status == 200
            soup = BeautifulSoup(html, "html.parser")
            assert soup.select_one("meta[name=viewport]") is not None
            form = soup.select_one("form#pay-form")
            assert form is not None
            assert (form["method"], form["action"]) == ("post", "/pay")
            radios = form.select("input[type=radio][name=amount]")
            assert [r["value"] for r in radios] == ["100.00", "200.00", "500.00"]
            assert [r.has_attr("checked") for r in radios] == [True, False, False]
            hidden = {i["name"]: i["value"] for i in form.select("input[type=hidden]")}
            assert hidden == {"charger_id": "CP1", "evse": "2"}
            assert form.select_one("button#pay-button[type=submit]") is not None
            assert soup.select_one("#terms") is not None
            assert "CP1" in soup.get_text() and fake.psp_calls == 0

    run(scenario())


def test_pay_page_unknown_charger_or_evse_is_404_without_psp_calls() -> None:
    async def scenario() -> None:
        async with paying_csms() as (csms, fake, session), charger_session(csms, "2.1"):
            base = csms.http_base_url
            for query in (
                "charger_id=CP9&evse=1",
                "charger_id=CP1&evse=2",
                "charger_id=CP1&evse=0",
                "charger_id=CP1&evse=x",
                "evse=1",
            ):
                status, _ = await get_page(session, f"{base}/pay?{query}")
                assert status == 404, query
            status, _ = await post_pay(
                session, csms, {"charger_id": "CP9", "evse": "1", "amount": "200.00"}
            )
            assert status == 404
            assert fake.psp_calls == 0 and csms.ledger.orders() == []

    run(scenario())


def test_seed_style_charger_reference_without_evse() -> None:
    async def scenario() -> None:
        async with paying_csms() as (csms, _, session), charger_session(csms, "2.1", evses=2):
            status, html = await get_page(session, f"{csms.http_base_url}/pay?charger_id=CP1-2")
            assert status == 200
            hidden = BeautifulSoup(html, "html.parser").select_one("input[name=evse]")
            assert hidden is not None and hidden["value"] == "2"

    run(scenario())


def test_submitting_creates_order_and_intent_and_shows_the_upi_link() -> None:
    async def scenario() -> None:
        async with paying_csms() as (csms, fake, session), charger_session(csms, "2.1"):
            status, html = await post_pay(
                session, csms, {"charger_id": "CP1", "evse": "1", "amount": "200.00"}
            )
            assert status == 200, html
            order_request = json.loads(fake.orders_route.calls.last.request.content)
            assert order_request["amount"] == 20000 and order_request["currency"] == "INR"
            receipt = order_request["receipt"]
            assert receipt.startswith("CP1-1-") and len(receipt) <= 40
            intent_request = json.loads(fake.intent_route.calls.last.request.content)
            order_id = fake.last_order_id
            assert intent_request["order_id"] == order_id
            assert intent_request["amount"] == 20000
            assert intent_request["upi"] == {"flow": "intent"}
            assert intent_request["method"] == "upi"
            payment_id = fake.payment_of_order[order_id]

            soup = BeautifulSoup(html, "html.parser")
            anchor = soup.select_one("a#upi-intent")
            assert anchor is not None and anchor.get_text() == "Pay with any UPI app"
            expected = INTENT_LINK.format(payment_id=payment_id, rupees="200.00")
            assert anchor["href"] == expected
            assert '"<>' not in html  # the PSP's link was HTML-escaped

            [order] = csms.ledger.orders()
            assert (order.order_id, order.amount_paise, order.charger_id, order.evse_id) == (
                order_id,
                20000,
                "CP1",
                1,
            )
            assert (order.status, order.psp_payment_id, order.receipt) == (
                "created",
                payment_id,
                receipt,
            )
            # A second order gets a different receipt.
            await place_order(session, csms, fake)
            receipts = [o.receipt for o in csms.ledger.orders()]
            assert len(set(receipts)) == 2

    run(scenario())


def test_amount_not_offered_is_400_without_psp_calls() -> None:
    async def scenario() -> None:
        async with paying_csms() as (csms, fake, session), charger_session(csms, "1.6"):
            for amount in ("150.00", "200.001", "abc", "", "-200", "NaN"):
                form = {"charger_id": "CP1", "evse": "1", "amount": amount}
                status, _ = await post_pay(session, csms, form)
                assert status == 400, amount
            status, _ = await post_pay(session, csms, {"charger_id": "CP1", "evse": "1"})
            assert status == 400
            assert fake.psp_calls == 0 and csms.ledger.orders() == []

    run(scenario())


def test_psp_down_or_odd_answers_give_502() -> None:
    async def scenario() -> None:
        async with paying_csms() as (csms, fake, session), charger_session(csms, "2.1"):
            form = {"charger_id": "CP1", "evse": "1", "amount": "100.00"}
            fake.orders_route.side_effect = httpx.ConnectError("refused")
            status, html = await post_pay(session, csms, form)
            assert status == 502 and "unavailable" in html
            assert csms.ledger.orders()[-1].status == "create_failed"

            fake.orders_route.side_effect = fake._order
            fake.intent_route.side_effect = None
            fake.intent_route.return_value = httpx.Response(503)
            status, _ = await post_pay(session, csms, form)
            assert status == 502
            assert csms.ledger.orders()[-1].status == "intent_failed"

            fake.intent_route.side_effect = fake._intent
            fake.intent_link = "javascript:alert(1)//{payment_id}{rupees}"
            status, html = await post_pay(session, csms, form)
            assert status == 502 and "javascript" not in html

    run(scenario())


def test_return_page_only_says_processing_and_starts_nothing() -> None:
    async def scenario() -> None:
        async with paying_csms() as (csms, fake, session), charger_session(csms, "2.1") as cp:
            order_id, payment_id = await place_order(session, csms, fake)
            url = (
                f"{csms.http_base_url}/pay/return?order_id={order_id}"
                f"&payment_id={payment_id}&status=success"
            )
            status, html = await get_page(session, url)
            assert status == 200 and "processing" in html.lower()
            status, _ = await get_page(session, f"{csms.http_base_url}/pay/return")
            assert status == 200
            await cp.barrier()  # no RequestStartTransaction was queued
            assert csms.ledger.remote_starts() == [] and csms.ledger.payments() == []
            assert csms.ledger.orders()[0].status == "created"

    run(scenario())


def test_redirect_qr_points_at_the_pay_page() -> None:
    async def scenario() -> None:
        async with paying_csms() as (csms, _, session):
            url = csms.redirect_qr_url_template.format(charger_id="EVSE1234", evse=1)
            async with session.get(url) as response:
                assert response.status == 200
                assert response.content_type == "text/plain"
                link = await response.text()
            assert link.startswith("upi://pay?pa=cpo123@hdfcbank&pn=CPO-Name&url=http%3A%2F%2F")
            params = parse_qs(urlsplit(link).query)
            assert params["url"] == [csms.pay_page_url("EVSE1234", 1)]
            page = urlsplit(params["url"][0])
            assert page.path == "/pay"
            assert parse_qs(page.query) == {"charger_id": ["EVSE1234"], "evse": ["1"]}
            bad = await get_page(
                session, csms.redirect_qr_url_template.format(charger_id="X", evse=0)
            )
            assert bad[0] == 400

    run(scenario())


def test_everything_payments_is_404_without_a_psp() -> None:
    async def scenario() -> None:
        async with ReferenceCsms() as csms, aiohttp.ClientSession() as session:
            base = csms.http_base_url
            assert (await get_page(session, f"{base}/pay?charger_id=CP1&evse=1"))[0] == 404
            assert (await get_page(session, f"{base}/redirect-qr/CP1/1"))[0] == 404
            status, _ = await post_pay(session, csms, {"charger_id": "CP1", "amount": "100.00"})
            assert status == 404
            async with session.post(f"{base}/webhooks/psp", data=b"{}") as response:
                assert response.status == 404

    run(scenario())


def test_receipts_stay_within_razorpay_limits() -> None:
    csms = ReferenceCsms(psp_settings())
    try:
        long_id = "X" * 60
        receipt = csms.order_receipt(long_id, 12, 123456)
        assert len(receipt) == 40 and receipt.endswith(f"-12-123456-{csms.receipt_tag}")
        assert csms.order_receipt("CP1", 1, 7) == f"CP1-1-7-{csms.receipt_tag}"
    finally:
        csms.ledger.close()
