"""The generic profile: a small JSON API for bespoke (non-Razorpay) PSP integrations.

Some CSMSs integrate a bank or PSP through a thin in-house API. Rather than mimic each one, the
harness offers this documented minimal contract (schemas/harness/generic-psp.schema.json):
create a payment and get its UPI link, fetch it, refund it, receive signed webhooks. Underneath
it uses the same ledger and state machine as the Razorpay profile.
"""

from __future__ import annotations

from aiohttp import web

from ocpp_upi.psp import orders, payments, refunds
from ocpp_upi.psp import validation as v
from ocpp_upi.psp.context import PspContext
from ocpp_upi.psp.errors import invalid
from ocpp_upi.psp.generic_views import payment_view, refund_view
from ocpp_upi.psp.http_common import json_response, read_body
from ocpp_upi.psp.idempotency import check_key, fingerprint

MAX_REFERENCE = 35  # it becomes the order receipt and the UPI tn; 35 keeps it tr-sized


class GenericApi:
    """Route handlers of /generic/v1, bound to one PSP context."""

    def __init__(self, ctx: PspContext) -> None:
        self.ctx = ctx

    def register(self, router: web.UrlDispatcher) -> None:
        router.add_post("/generic/v1/payments", self.create, name="generic.payments.create")
        router.add_get("/generic/v1/payments/{id}", self.fetch, name="generic.payments.fetch")
        router.add_post(
            "/generic/v1/payments/{id}/refunds", self.refund, name="generic.refunds.create"
        )
        router.add_get("/generic/v1/refunds/{id}", self.fetch_refund, name="generic.refunds.fetch")

    async def create(self, request: web.Request) -> web.Response:
        await self.ctx.faults.hit("generic.payments.create")
        body = await read_body(request)
        amount = v.amount(body, "amount_paise")
        assert amount is not None
        reference = v.string(body, "reference", required=True, max_length=MAX_REFERENCE)
        assert reference is not None  # required=True raised otherwise
        description = v.string(body, "description", max_length=255)
        callback_url = v.string(body, "callback_url")
        if callback_url is not None and not callback_url.startswith(("http://", "https://")):
            raise invalid("callback_url must be an http or https URL", "callback_url")
        order = orders.new_order(self.ctx, amount, receipt=reference, notes={})
        reply = payments.create_upi(
            self.ctx,
            # The generic profile is INR-only and has no currency field; Razorpay's create/upi
            # requires one, so the adapter names it rather than leaning on a default.
            {
                "order_id": order["id"],
                "amount": amount,
                "currency": "INR",
                "description": description,
            },
        )
        payment_id = reply["razorpay_payment_id"]
        self.ctx.ledger.generic_references[payment_id] = reference
        if callback_url is not None:
            self.ctx.ledger.generic_callbacks[payment_id] = callback_url
        view = payment_view(self.ctx.ledger, self.ctx.ledger.payment(payment_id))
        return json_response(view)

    async def fetch(self, request: web.Request) -> web.Response:
        await self.ctx.faults.hit("generic.payments.fetch")
        payment = self.ctx.ledger.payment(request.match_info["id"])
        return json_response(payment_view(self.ctx.ledger, payment))

    async def refund(self, request: web.Request) -> web.Response:
        payment_id = request.match_info["id"]
        body = await read_body(request)
        amount = v.amount(body, "amount_paise")
        key = v.string(body, "idempotency_key", required=True)
        assert key is not None
        keys = self.ctx.refund_keys
        scoped = "generic:" + check_key(key)
        existing = keys.claim(scoped, fingerprint(payment_id, body))
        if existing is not None:
            return json_response(refund_view(self.ctx.ledger.refund(existing)))
        try:
            await self.ctx.faults.hit("generic.refunds.create")
            refund = refunds.create(self.ctx, payment_id, {"amount": amount})
        except BaseException:
            keys.release(scoped)
            raise
        keys.complete(scoped, refund["id"])
        return json_response(refund_view(refund))

    async def fetch_refund(self, request: web.Request) -> web.Response:
        await self.ctx.faults.hit("generic.refunds.fetch")
        return json_response(refund_view(self.ctx.ledger.refund(request.match_info["id"])))
