"""The Razorpay-compatible ``/v1`` API: the routes a Razorpay-integrated CSMS already calls.

Paths, methods, bodies, entity shapes and error envelopes follow Razorpay's public API, so the
CSMS under test needs only a different base URL and keys. Each route name doubles as its fault
injection endpoint name. Handlers stay thin: parse, apply any armed fault, call the domain.
"""

from __future__ import annotations

from aiohttp import web

from ocpp_upi.psp import orders, payment_links, payments, qr_codes, refunds
from ocpp_upi.psp.context import PspContext
from ocpp_upi.psp.http_common import collection, json_response, read_body
from ocpp_upi.psp.idempotency import HEADER, check_key, fingerprint


class RazorpayApi:
    """Route handlers bound to one PSP context."""

    def __init__(self, ctx: PspContext) -> None:
        self.ctx = ctx

    def register(self, router: web.UrlDispatcher) -> None:
        # Literal paths before {id} paths that could swallow them (/v1/payments/qr_codes/...).
        router.add_post("/v1/payments/qr_codes", self.create_qr, name="qr_codes.create")
        router.add_get("/v1/payments/qr_codes/{id}", self.fetch_qr, name="qr_codes.fetch")
        router.add_post("/v1/payments/qr_codes/{id}/close", self.close_qr, name="qr_codes.close")
        router.add_get(
            "/v1/payments/qr_codes/{id}/payments", self.qr_payments, name="qr_codes.payments"
        )
        router.add_post("/v1/payments/create/upi", self.create_upi, name="payments.create_upi")
        router.add_post("/v1/orders", self.create_order, name="orders.create")
        router.add_get("/v1/orders/{id}", self.fetch_order, name="orders.fetch")
        router.add_get("/v1/orders/{id}/payments", self.order_payments, name="orders.payments")
        router.add_get("/v1/payments/{id}", self.fetch_payment, name="payments.fetch")
        router.add_post("/v1/payments/{id}/capture", self.capture, name="payments.capture")
        router.add_post("/v1/payments/{id}/refund", self.create_refund, name="refunds.create")
        router.add_get("/v1/payments/{id}/refunds", self.list_refunds, name="refunds.list")
        router.add_get("/v1/refunds/{id}", self.fetch_refund, name="refunds.fetch")
        router.add_post("/v1/payment_links", self.create_link, name="payment_links.create")
        router.add_get("/v1/payment_links/{id}", self.fetch_link, name="payment_links.fetch")
        router.add_post(
            "/v1/payment_links/{id}/cancel", self.cancel_link, name="payment_links.cancel"
        )

    async def _fault(self, request: web.Request) -> None:
        name = request.match_info.route.name
        assert name is not None
        await self.ctx.faults.hit(name)

    # orders

    async def create_order(self, request: web.Request) -> web.Response:
        await self._fault(request)
        return json_response(orders.create(self.ctx, await read_body(request)))

    async def fetch_order(self, request: web.Request) -> web.Response:
        await self._fault(request)
        return json_response(self.ctx.ledger.order(request.match_info["id"]))

    async def order_payments(self, request: web.Request) -> web.Response:
        await self._fault(request)
        order = self.ctx.ledger.order(request.match_info["id"])
        return json_response(collection(self.ctx.ledger.payments_of_order(order["id"])))

    # payments

    async def create_upi(self, request: web.Request) -> web.Response:
        await self._fault(request)
        return json_response(payments.create_upi(self.ctx, await read_body(request)))

    async def fetch_payment(self, request: web.Request) -> web.Response:
        await self._fault(request)
        return json_response(self.ctx.ledger.payment(request.match_info["id"]))

    async def capture(self, request: web.Request) -> web.Response:
        await self._fault(request)
        body = await read_body(request)
        return json_response(payments.capture(self.ctx, request.match_info["id"], body))

    # refunds

    async def create_refund(self, request: web.Request) -> web.Response:
        """Idempotency is claimed before any armed fault's delay, so a duplicate sent while
        the first request is stalled sees 409, exactly the "in flight" case."""
        payment_id = request.match_info["id"]
        body = await read_body(request)
        key = request.headers.get(HEADER)
        if key is None:
            await self._fault(request)
            return json_response(refunds.create(self.ctx, payment_id, body))
        keys = self.ctx.refund_keys
        existing = keys.claim(check_key(key), fingerprint(payment_id, body))
        if existing is not None:
            return json_response(self.ctx.ledger.refund(existing))
        try:
            await self._fault(request)
            refund = refunds.create(self.ctx, payment_id, body)
        except BaseException:
            keys.release(key)
            raise
        keys.complete(key, refund["id"])
        return json_response(refund)

    async def list_refunds(self, request: web.Request) -> web.Response:
        await self._fault(request)
        payment = self.ctx.ledger.payment(request.match_info["id"])
        return json_response(collection(self.ctx.ledger.refunds_of_payment(payment["id"])))

    async def fetch_refund(self, request: web.Request) -> web.Response:
        await self._fault(request)
        return json_response(self.ctx.ledger.refund(request.match_info["id"]))

    # QR codes

    async def create_qr(self, request: web.Request) -> web.Response:
        await self._fault(request)
        return json_response(qr_codes.create(self.ctx, await read_body(request)))

    async def fetch_qr(self, request: web.Request) -> web.Response:
        await self._fault(request)
        return json_response(self.ctx.ledger.qr_code(request.match_info["id"]))

    async def close_qr(self, request: web.Request) -> web.Response:
        await self._fault(request)
        await read_body(request)  # malformed bodies are still a 400
        return json_response(qr_codes.close(self.ctx, request.match_info["id"]))

    async def qr_payments(self, request: web.Request) -> web.Response:
        await self._fault(request)
        qr = self.ctx.ledger.qr_code(request.match_info["id"])
        return json_response(collection(self.ctx.ledger.payments_of_target(qr["id"])))

    # payment links

    async def create_link(self, request: web.Request) -> web.Response:
        await self._fault(request)
        return json_response(payment_links.create(self.ctx, await read_body(request)))

    async def fetch_link(self, request: web.Request) -> web.Response:
        await self._fault(request)
        return json_response(self.ctx.ledger.payment_link(request.match_info["id"]))

    async def cancel_link(self, request: web.Request) -> web.Response:
        await self._fault(request)
        await read_body(request)
        return json_response(payment_links.cancel(self.ctx, request.match_info["id"]))
