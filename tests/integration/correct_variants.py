"""CSMSs that differ from the reference where the rules allow it: the harness must pass them.

A harness tuned to the reference's own choices would fail a correct CSMS that chose otherwise;
each class here makes one such choice.
"""

from __future__ import annotations

from aiohttp import web

from ocpp_upi.csms.http_api import STATIC_QR_IMAGE_PATH
from ocpp_upi.csms.server import ReferenceCsms
from ocpp_upi.csms.sticker import sticker_svg
from tests.faults.variants import without_routes


class SvgStickers(ReferenceCsms):
    """Serves its sticker images as SVG (a vector print file) instead of PNG."""

    def http_app(self) -> web.Application:
        app = without_routes(super().http_app(), STATIC_QR_IMAGE_PATH)

        async def image(request: web.Request) -> web.Response:
            evse = int(request.match_info["evse"])
            link = self.static_qr_content(request.match_info["charger_id"], evse)
            return web.Response(body=sticker_svg(link), content_type="image/svg+xml")

        app.router.add_get(STATIC_QR_IMAGE_PATH, image)
        return app
