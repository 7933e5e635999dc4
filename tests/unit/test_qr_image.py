"""QR images as a phone reads them: PNG and SVG (SVGZ) decode to the link drawn into them."""

from __future__ import annotations

import gzip

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ocpp_upi.csms.sticker import sticker_png, sticker_svg
from ocpp_upi.upi.qr_image import (
    QrImageError,
    decode_image,
    is_svg,
    render_png,
    render_svg,
)

LINK = "upi://pay?pa=cpo123@hdfcbank&pn=CPO-Name&tr=CP1-1&cu=INR"


@pytest.mark.parametrize("scale", [1, 4, 10])
def test_an_svg_decodes_whatever_its_module_size(scale: int) -> None:
    assert decode_image(render_svg(LINK, scale=scale)) == [LINK]


def test_the_declared_type_or_the_bytes_say_svg() -> None:
    svg = render_svg(LINK)
    assert is_svg(svg) and is_svg(b"  <svg/>") and is_svg(b"x", "image/svg+xml; charset=utf-8")
    assert not is_svg(render_png(LINK)) and not is_svg(b"<html><body></body></html>")
    assert decode_image(gzip.compress(svg), "image/svg+xml") == [LINK]


def test_the_reference_stickers_decode_in_both_formats() -> None:
    assert decode_image(sticker_png(LINK), "image/png") == [LINK]
    assert decode_image(sticker_svg(LINK), "image/svg+xml") == [LINK]


@pytest.mark.parametrize(
    ("data", "content_type", "problem"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', None, "no readable QR code"),
        (b"<svg", None, "resvg cannot render"),
        (b"<svg>\xff</svg>", "image/svg+xml", "not UTF-8"),
        (b"\x1f\x8bnot gzip", "image/svg+xml", "not a readable SVGZ"),
        (b"GIF89a broken", "image/gif", "not an image Pillow can read"),
    ],
)
def test_what_is_no_qr_image_says_why(data: bytes, content_type: str | None, problem: str) -> None:
    with pytest.raises(QrImageError, match=problem):
        decode_image(data, content_type)


@settings(max_examples=15, deadline=None, derandomize=True)
@given(
    st.text(
        alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=120
    )
)
def test_any_printable_link_survives_svg_and_back(text: str) -> None:
    assert decode_image(render_svg(text)) == [text]
