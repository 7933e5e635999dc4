"""``/i/:id``: the page behind a payment link's short_url and a QR code's image_url.

A real Razorpay short URL opens a page that hands the driver's phone a UPI intent; this page
does the same with a plain anchor (id ``upi-link``), so a scripted driver can follow it. It is
HTML, not an image: the mock renders no QR bitmaps, and the payable content is the link itself.
"""

from __future__ import annotations

import html

from aiohttp import web

from ocpp_upi.psp.ledger import PspLedger


def register(router: web.UrlDispatcher, ledger: PspLedger) -> None:
    async def page(request: web.Request) -> web.Response:
        target = request.match_info["id"]
        link = ledger.upi_links.get(target)
        if link is None or target in ledger.orders:
            raise web.HTTPNotFound()
        text = html.escape(link, quote=True)
        body = (
            "<!doctype html><html><head><meta charset='utf-8'><title>Pay with UPI</title>"
            f"</head><body><a id='upi-link' href='{text}'>{text}</a></body></html>"
        )
        return web.Response(text=body, content_type="text/html")

    router.add_get("/i/{id}", page)
