"""The content of a static UPI QR sticker.

The sticker is printed once and never changes, so it carries the merchant VPA, payee name,
the EVSE's reference and the currency, but no amount: the driver types the prepaid amount in
the UPI app (seed 2.1.1). Only values are percent-encoded; ``@`` in a VPA stays readable.
"""

from urllib.parse import quote


def static_qr_link(merchant_vpa: str, payee_name: str, reference: str) -> str:
    """``upi://pay?pa=cpo123@hdfcbank&pn=CPO-Name&tr=EVSE1234-1&cu=INR``."""
    return (
        f"upi://pay?pa={quote(merchant_vpa, safe='@')}"
        f"&pn={quote(payee_name, safe='')}"
        f"&tr={quote(reference, safe='')}"
        "&cu=INR"
    )
