"""The reference CSMS's HTTP side: bank webhook, static-QR sticker content, health check.

Routes are thin: they read the request, call the CSMS's rule methods (which fault variants
override) and turn the verdict into an HTTP response.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from ocpp_upi.bank.signing import SIGNATURE_HEADER

if TYPE_CHECKING:
    from ocpp_upi.csms.server import ReferenceCsms

BANK_WEBHOOK_PATH = "/webhooks/bank"
STATIC_QR_PATH = "/static-qr/{charger_id}/{evse}"
HEALTH_PATH = "/healthz"


def build_app(csms: ReferenceCsms) -> web.Application:
    """An aiohttp application bound to ``csms``."""

    async def bank_webhook(request: web.Request) -> web.Response:
        body = await request.read()
        reply = await csms.handle_bank_notification(body, request.headers.get(SIGNATURE_HEADER))
        return web.json_response(reply.body, status=reply.status)

    async def static_qr(request: web.Request) -> web.Response:
        charger_id = request.match_info["charger_id"]
        evse_text = request.match_info["evse"]
        if not evse_text.isdigit() or int(evse_text) < 1:
            raise web.HTTPBadRequest(text=f"evse must be a positive integer, got {evse_text!r}\n")
        link = csms.static_qr_content(charger_id, int(evse_text))
        return web.Response(text=link, content_type="text/plain")

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_post(BANK_WEBHOOK_PATH, bank_webhook)
    app.router.add_get(STATIC_QR_PATH, static_qr)
    app.router.add_get(HEALTH_PATH, healthz)
    return app
