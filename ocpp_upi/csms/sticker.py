"""The content of a UPI QR sticker: static (seed 2.1.1) or webpage-redirect (seed 2.1.2).

A static sticker is printed once and never changes, so it carries the merchant VPA, payee name,
the EVSE's reference and the currency, but no amount: the driver types the prepaid amount in
the UPI app. A redirect sticker carries no reference at all, only the ``url`` of the CPO's pay
page for that EVSE; the page then creates the real payment. Only values are percent-encoded;
``@`` in a VPA stays readable.
"""

import io
from urllib.parse import quote

import segno


def static_qr_link(merchant_vpa: str, payee_name: str, reference: str) -> str:
    """``upi://pay?pa=cpo123@hdfcbank&pn=CPO-Name&tr=EVSE1234-1&cu=INR``."""
    return (
        f"upi://pay?pa={quote(merchant_vpa, safe='@')}"
        f"&pn={quote(payee_name, safe='')}"
        f"&tr={quote(reference, safe='')}"
        "&cu=INR"
    )


def redirect_qr_link(merchant_vpa: str, payee_name: str, page_url: str) -> str:
    """``upi://pay?pa=cpo123@hdfcbank&pn=CPO-Name&url=https%3A%2F%2Fcpo.example%2Fpay%3F...``.

    The whole page URL is one encoded value, so its own ``&evse=`` cannot be read as a
    parameter of the UPI link.
    """
    return (
        f"upi://pay?pa={quote(merchant_vpa, safe='@')}"
        f"&pn={quote(payee_name, safe='')}"
        f"&url={quote(page_url, safe='')}"
    )


def sticker_png(link: str) -> bytes:
    """The sticker as printed: the link as a QR code (error correction M), as a PNG."""
    buffer = io.BytesIO()
    segno.make(link, error="m", micro=False).save(buffer, kind="png", scale=6, border=4)
    return buffer.getvalue()


def sticker_svg(link: str) -> bytes:
    """The same sticker as a vector file (SVG), as a print shop or a web page would take it."""
    buffer = io.BytesIO()
    segno.make(link, error="m", micro=False).save(buffer, kind="svg", scale=6, border=4)
    return buffer.getvalue()
