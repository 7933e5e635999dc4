"""The reference CSMS's HTTP side: bank and PSP webhooks, pay page, QR contents, health check.

Routes are thin: they read the request, call the CSMS's rule methods (which fault variants
override) and turn the verdict into an HTTP response.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from ocpp_upi.contracts.webhook_signature import SIGNATURE_HEADER
from ocpp_upi.csms.psp_events import EVENT_ID_HEADER
from ocpp_upi.csms.psp_events import SIGNATURE_HEADER as PSP_SIGNATURE_HEADER
from ocpp_upi.csms.sticker import sticker_png, sticker_svg
from ocpp_upi.csms.trigger_api import add_trigger_routes
from ocpp_upi.csms.web_pay import PAY_PATH, PAY_RETURN_PATH, PageReply
from ocpp_upi.csms.web_payments import QR_PATH

if TYPE_CHECKING:
    from ocpp_upi.csms.server import ReferenceCsms

BANK_WEBHOOK_PATH = "/webhooks/bank"
PSP_WEBHOOK_PATH = "/webhooks/psp"
STATIC_QR_PATH = "/static-qr/{charger_id}/{evse}"
STATIC_QR_IMAGE_PATH = "/static-qr-image/{charger_id}/{evse}"
REDIRECT_QR_PATH = "/redirect-qr/{charger_id}/{evse}"
HEALTH_PATH = "/healthz"
# The sticker as a printer's file: PNG by default, SVG with ?format=svg (vector print files).
STICKER_FORMATS = {"png": sticker_png, "svg": sticker_svg}


def _evse(request: web.Request) -> int:
    evse_text = request.match_info["evse"]
    if not evse_text.isascii() or not evse_text.isdigit() or int(evse_text) < 1:
        raise web.HTTPBadRequest(text=f"evse must be a positive integer, got {evse_text!r}\n")
    return int(evse_text)


def _html(reply: PageReply) -> web.Response:
    return web.Response(
        text=reply.html,
        status=reply.status,
        content_type="text/html",
        headers={"Cache-Control": "no-store"},
    )


def _too_large(limit: int) -> web.Response:
    return web.json_response(
        {"error": "body_too_large", "detail": f"webhook bodies are limited to {limit} bytes"},
        status=413,
    )


async def _read_webhook_body(request: web.Request, limit: int) -> bytes | None:
    """The body, or None when it exceeds ``limit``: a declared length is refused before any
    byte is read, a chunked body as soon as it grows past the limit, so an oversized delivery
    never reaches the signature check or the parser (and never fills memory)."""
    if request.content_length is not None and request.content_length > limit:
        return None
    body = bytearray()
    async for chunk in request.content.iter_any():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


def build_app(csms: ReferenceCsms) -> web.Application:
    """An aiohttp application bound to ``csms``."""

    async def bank_webhook(request: web.Request) -> web.Response:
        limit = csms.max_webhook_body_bytes()
        body = await _read_webhook_body(request, limit)
        if body is None:
            return _too_large(limit)
        reply = await csms.handle_bank_notification(body, request.headers.get(SIGNATURE_HEADER))
        return web.json_response(reply.body, status=reply.status)

    async def psp_webhook(request: web.Request) -> web.Response:
        limit = csms.max_webhook_body_bytes()
        body = await _read_webhook_body(request, limit)
        if body is None:
            return _too_large(limit)
        reply = await csms.handle_psp_webhook(
            body,
            request.headers.get(PSP_SIGNATURE_HEADER),
            request.headers.get(EVENT_ID_HEADER),
        )
        return web.json_response(reply.body, status=reply.status)

    async def pay_page(request: web.Request) -> web.Response:
        return _html(await csms.handle_pay_page(dict(request.query)))

    async def pay_submit(request: web.Request) -> web.Response:
        posted = await request.post()
        form = {key: value for key, value in posted.items() if isinstance(value, str)}
        return _html(await csms.handle_pay_submit(form))

    async def pay_return(request: web.Request) -> web.Response:
        return _html(await csms.handle_pay_return(request.query.get("order_id")))

    async def static_qr(request: web.Request) -> web.Response:
        link = csms.static_qr_content(request.match_info["charger_id"], _evse(request))
        return web.Response(text=link, content_type="text/plain")

    async def static_qr_image(request: web.Request) -> web.Response:
        kind = request.query.get("format", "png")
        if kind not in STICKER_FORMATS:
            raise web.HTTPBadRequest(text=f"format must be png or svg, got {kind!r}\n")
        link = csms.static_qr_content(request.match_info["charger_id"], _evse(request))
        return web.Response(
            body=STICKER_FORMATS[kind](link),
            content_type=f"image/{kind}+xml" if kind == "svg" else "image/png",
        )

    async def redirect_qr(request: web.Request) -> web.Response:
        if not csms.settings.payments_enabled:
            raise web.HTTPNotFound(text="payments are not enabled on this CSMS\n")
        link = csms.redirect_qr_content(request.match_info["charger_id"], _evse(request))
        return web.Response(text=link, content_type="text/plain")

    async def qr_page(request: web.Request) -> web.Response:
        info = request.match_info
        reply = await csms.handle_qr_page(
            info["charger_id"], info["evse"], info["totp"], info["version"], dict(request.query)
        )
        return _html(reply)

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_post(BANK_WEBHOOK_PATH, bank_webhook)
    app.router.add_post(PSP_WEBHOOK_PATH, psp_webhook)
    app.router.add_get(PAY_PATH, pay_page)
    app.router.add_post(PAY_PATH, pay_submit)
    app.router.add_get(PAY_RETURN_PATH, pay_return)
    app.router.add_get(STATIC_QR_PATH, static_qr)
    app.router.add_get(STATIC_QR_IMAGE_PATH, static_qr_image)
    app.router.add_get(REDIRECT_QR_PATH, redirect_qr)
    app.router.add_get(QR_PATH, qr_page)
    app.router.add_get(HEALTH_PATH, healthz)
    add_trigger_routes(app, csms)
    return app
