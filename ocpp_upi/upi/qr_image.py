"""QR codes as images: what a sticker or a station display really shows.

The seed's flows start with a QR code, but a link read from a URL says nothing about the image a
driver scans. ``render_png`` / ``render_svg`` draw a link the way a sticker printer or a station
display would (segno); ``decode_image`` reads back every QR code in an image with different,
independent libraries (resvg rasterises SVG, zxing-cpp reads the code), so the harness judges
the image, not the text it was made from.
"""

from __future__ import annotations

import gzip
import io

import resvg_py
import segno
import zxingcpp
from PIL import Image, UnidentifiedImageError

from ocpp_upi.errors import OcppUpiError


class QrImageError(OcppUpiError, ValueError):
    """The bytes are not an image, or hold no readable QR code."""


def render_png(text: str, *, scale: int = 4) -> bytes:
    """A PNG of ``text`` as a QR code (error correction M, the usual for printed stickers)."""
    buffer = io.BytesIO()
    segno.make(text, error="m", micro=False).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def render_svg(text: str, *, scale: int = 4) -> bytes:
    """An SVG of ``text`` as a QR code: what a web page or a vector sticker file serves."""
    buffer = io.BytesIO()
    segno.make(text, error="m", micro=False).save(buffer, kind="svg", scale=scale, border=4)
    return buffer.getvalue()


# Vector QR codes are often drawn one unit per module; zxing needs a few pixels per module.
SVG_MIN_WIDTH_PX = 600
GZIP_MAGIC = b"\x1f\x8b"


def is_svg(data: bytes, content_type: str | None = None) -> bool:
    """By the declared type, else by the bytes (servers often say text/xml or nothing)."""
    if content_type and "svg" in content_type.lower():
        return True
    head = data[:512].lstrip().lower()
    return head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in data[:4096])


def decode_image(data: bytes, content_type: str | None = None) -> list[str]:
    """The text of every QR code in a raster image (PNG, JPEG, ...) or an SVG (or SVGZ)."""
    if data[:2] == GZIP_MAGIC and content_type and "svg" in content_type.lower():
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise QrImageError(f"not a readable SVGZ ({exc})") from exc
    if is_svg(data, content_type):
        return decode_png(_rasterise(data))
    return decode_png(data)


def _rasterise(svg: bytes) -> bytes:
    try:
        text = svg.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise QrImageError(f"an SVG that is not UTF-8 (byte {exc.start})") from exc
    try:
        return bytes(
            resvg_py.svg_to_bytes(
                svg_string=text,
                background="#ffffff",
                width=SVG_MIN_WIDTH_PX,
                skip_system_fonts=True,
                shape_rendering="crisp_edges",
            )
        )
    except ValueError as exc:
        raise QrImageError(f"an SVG resvg cannot render ({exc})") from exc


def decode_png(data: bytes) -> list[str]:
    """The text of every QR code in a raster image (PNG, or any format Pillow reads)."""
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
