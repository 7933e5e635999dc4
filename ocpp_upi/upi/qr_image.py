"""QR codes as images: what a sticker or a station display really shows.

The seed's flows start with a QR code, but a link read from a URL says nothing about the image a
driver scans. ``render_png`` draws a link the way a sticker printer or a station display would
(segno); ``decode_png`` reads back every QR code in an image with a different, independent
library (zxing-cpp), so the harness judges the image, not the text it was made from.
"""

from __future__ import annotations

import io

import segno
import zxingcpp
from PIL import Image, UnidentifiedImageError


class QrImageError(ValueError):
    """The bytes are not an image, or hold no readable QR code."""


def render_png(text: str, *, scale: int = 4) -> bytes:
    """A PNG of ``text`` as a QR code (error correction M, the usual for printed stickers)."""
    buffer = io.BytesIO()
    segno.make(text, error="m", micro=False).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def decode_png(data: bytes) -> list[str]:
    """The text of every QR code in the image (PNG, or any format Pillow reads)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            rgb = image.convert("L")
    except (UnidentifiedImageError, OSError) as exc:
        raise QrImageError(f"not an image Pillow can read ({exc})") from exc
    found = [
        result.text
        for result in zxingcpp.read_barcodes(rgb)
        if result.format == zxingcpp.BarcodeFormat.QRCode and result.valid
    ]
    if not found:
        raise QrImageError("the image holds no readable QR code")
    return found
