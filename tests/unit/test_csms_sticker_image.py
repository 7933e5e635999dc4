"""The reference CSMS serves its sticker as PNG, or SVG with ?format=svg; both hold its link."""

from __future__ import annotations

import asyncio

import httpx

from ocpp_upi.csms import CsmsSettings, ReferenceCsms
from ocpp_upi.upi.qr_image import decode_image


async def _get(path: str) -> tuple[httpx.Response, str]:
    async with ReferenceCsms(CsmsSettings(db_path=":memory:")) as csms:
        async with httpx.AsyncClient(timeout=5.0, trust_env=False) as client:
            response = await client.get(csms.http_base_url + path)
        return response, csms.static_qr_content("CP1", 2)


def test_png_by_default_and_svg_on_request() -> None:
    png, link = asyncio.run(_get("/static-qr-image/CP1/2"))
    assert png.headers["content-type"] == "image/png"
    assert decode_image(png.content, png.headers["content-type"]) == [link]
    svg, link = asyncio.run(_get("/static-qr-image/CP1/2?format=svg"))
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert decode_image(svg.content, svg.headers["content-type"]) == [link]


def test_an_unknown_format_is_a_400_that_says_which() -> None:
    response, _ = asyncio.run(_get("/static-qr-image/CP1/2?format=gif"))
    assert response.status_code == 400 and "png or svg" in response.text
