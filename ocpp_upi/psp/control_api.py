"""``/_control/``: the harness's remote control of the mock PSP, kept apart from the PSP API.

When the harness runs the mock in another process (or a vendor drives it from their own test
tooling), these routes do what the MockPsp methods do: play the payer, arm faults, switch
webhook modes, and read back the ledger and the evidence logs. They need no auth because the
mock listens on loopback only; nothing here is part of any real PSP's API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, cast

from aiohttp import web

from ocpp_upi.psp import validation as v
from ocpp_upi.psp.errors import invalid
from ocpp_upi.psp.http_common import json_response, read_body

# The longest a control request waits for a refund (a deadline of the caller's beyond it is
# served by asking again).
MAX_WAIT_S = 60.0

if TYPE_CHECKING:
    from ocpp_upi.psp.server import MockPsp


class ControlApi:
    """Routes under /_control/, each a thin call of the same-named MockPsp method."""

    def __init__(self, psp: MockPsp) -> None:
        self.psp = psp

    def register(self, router: web.UrlDispatcher) -> None:
        router.add_post("/_control/pay", self.pay)
        router.add_post("/_control/orders/{id}/pay", self.pay_order)
        router.add_post("/_control/payments/{id}/pay", self.pay_payment)
        router.add_post("/_control/payments/{id}/settle", self.settle)
        router.add_post("/_control/faults", self.fault)
        router.add_delete("/_control/faults", self.clear_faults)
        router.add_post("/_control/webhook-mode", self.webhook_mode)
        router.add_post("/_control/webhook-url", self.webhook_url)
        router.add_get("/_control/settings", self.settings)
        router.add_get("/_control/ledger", self.ledger)
        router.add_get("/_control/deliveries", self.deliveries)
        router.add_get("/_control/api-calls", self.api_calls)
        router.add_get("/_control/payments/{id}/refunds", self.payment_refunds)

    async def pay(self, request: web.Request) -> web.Response:
        body = await read_body(request)
        link = v.string(body, "link", required=True)
        payer = v.string(body, "payer_vpa", required=True)
        amount = v.integer(body, "amount_paise", required=False)
        assert link is not None and payer is not None
        return json_response(await self.psp.pay_link(link, payer, amount))

    async def pay_order(self, request: web.Request) -> web.Response:
        payer, amount = await self._payer(request)
        paid = await self.psp.pay_order(request.match_info["id"], payer, amount)
        return json_response(paid)

    async def pay_payment(self, request: web.Request) -> web.Response:
        payer, amount = await self._payer(request)
        paid = await self.psp.pay_payment(request.match_info["id"], payer, amount)
        return json_response(paid)

    async def settle(self, request: web.Request) -> web.Response:
        body = await read_body(request)
        outcome = v.choice(body, "outcome", ("captured", "failed"), None)
        settled = cast(Literal["captured", "failed"], outcome)
        return json_response(await self.psp.settle_late(request.match_info["id"], settled))

    async def fault(self, request: web.Request) -> web.Response:
        body = await read_body(request)
        endpoint = v.string(body, "endpoint", required=True)
        assert endpoint is not None
        status = v.integer(body, "status", required=False)
        count = v.integer(body, "count", required=False)
        delay = body.get("delay_s", 0.0)
        if isinstance(delay, bool) or not isinstance(delay, int | float):
            raise invalid("delay_s must be a number of seconds", "delay_s")
        try:
            self.psp.inject_fault(
                endpoint,
                status=500 if status is None else status,
                count=1 if count is None else count,
                delay_s=float(delay),
            )
        except ValueError as exc:
            raise invalid(str(exc), "endpoint") from None
        return json_response({"endpoint": endpoint, "armed": self.psp.faults.armed(endpoint)})

    async def clear_faults(self, _: web.Request) -> web.Response:
        self.psp.faults.clear()
        return json_response({"cleared": True})

    async def webhook_mode(self, request: web.Request) -> web.Response:
        body = await read_body(request)
        self.psp.set_webhook_mode(
            duplicate=v.boolean(body, "duplicate", default=False),
            out_of_order=v.boolean(body, "out_of_order", default=False),
        )
        return json_response(self._mode())

    async def webhook_url(self, request: web.Request) -> web.Response:
        body = await read_body(request)
        url = v.string(body, "url", required=True)
        assert url is not None
        self.psp.set_webhook_url(url)
        return json_response({"webhook_url": url})

    async def settings(self, _: web.Request) -> web.Response:
        return json_response(self.psp.vendor_settings())

    async def ledger(self, _: web.Request) -> web.Response:
        return json_response(self.psp.ledger.snapshot())

    async def deliveries(self, _: web.Request) -> web.Response:
        return json_response([d.to_dict() for d in self.psp.deliveries])

    async def api_calls(self, _: web.Request) -> web.Response:
        return json_response([c.to_dict() for c in self.psp.api_calls])

    async def payment_refunds(self, request: web.Request) -> web.Response:
        """The refund calls the CSMS made for one payment and answered 2xx, with the refunds
        they created. ``?after=N&wait=S`` waits (at most ``MAX_WAIT_S``) until there are more
        than N such calls: a load generator on another machine waits on the event, not a poll."""
        try:
            after = int(request.query.get("after", "0"))
            wait = min(float(request.query.get("wait", "0")), MAX_WAIT_S)
        except ValueError:
            raise invalid("after must be a whole number and wait a number of seconds") from None
        calls, refunds = await self.psp.refunds_of(request.match_info["id"], after, wait)
        return json_response(
            {"calls": [{"at": c.at, "status": c.status} for c in calls], "refunds": refunds}
        )

    async def _payer(self, request: web.Request) -> tuple[str, int | None]:
        """``payer_vpa`` (required) and ``amount_paise`` (an edited amount) of a pay request."""
        body = await read_body(request)
        payer = v.string(body, "payer_vpa", required=True)
        assert payer is not None
        return payer, v.integer(body, "amount_paise", required=False)

    def _mode(self) -> dict[str, Any]:
        dispatcher = self.psp.dispatcher
        return {"duplicate": dispatcher.duplicate, "out_of_order": dispatcher.out_of_order}
