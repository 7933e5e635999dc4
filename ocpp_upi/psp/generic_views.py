"""The generic profile's view of payments and refunds: few fields, plain names.

A bespoke CSMS integration should not need to learn Razorpay's entity model, so the generic
profile shows one payment object (status pending/succeeded/failed/refunded) and one refund
object. The views are computed from the same ledger entities, so both profiles always agree.
"""

from __future__ import annotations

from typing import Any

from ocpp_upi.psp.ledger import Entity, PspLedger

PAYMENT_STATUS = {
    "created": "pending",
    "authorized": "pending",
    "captured": "succeeded",
    "failed": "failed",
    "refunded": "refunded",
}
REFUND_STATUS = {"pending": "pending", "processed": "succeeded", "failed": "failed"}
# Razorpay event -> generic event; events not listed are not sent in the generic profile.
EVENTS = {
    "payment.captured": "payment.succeeded",
    "payment.failed": "payment.failed",
    "refund.processed": "refund.succeeded",
    "refund.failed": "refund.failed",
}


def payment_view(ledger: PspLedger, payment: Entity) -> dict[str, Any]:
    """The generic payment object for a (snapshot of a) Razorpay payment entity."""
    payment_id = payment["id"]
    target = payment["order_id"] or ledger.payment_targets.get(payment_id)
    reference = ledger.generic_references.get(payment_id)
    if reference is None and payment["order_id"] in ledger.orders:
        reference = ledger.orders[payment["order_id"]]["receipt"]
    return {
        "id": payment_id,
        "status": PAYMENT_STATUS[payment["status"]],
        "amount_paise": payment["amount"],
        "currency": payment["currency"],
        "reference": reference or target,
        "description": payment["description"],
        "upi_link": ledger.upi_links.get(target) if target else None,
        "payer_vpa": payment["vpa"],
        "utr": payment["acquirer_data"]["rrn"],
        "amount_refunded_paise": payment["amount_refunded"],
        "error_reason": payment["error_reason"],
        "created_at": payment["created_at"],
    }


def refund_view(refund: Entity) -> dict[str, Any]:
    """The generic refund object for a (snapshot of a) Razorpay refund entity."""
    return {
        "id": refund["id"],
        "payment_id": refund["payment_id"],
        "amount_paise": refund["amount"],
        "status": REFUND_STATUS[refund["status"]],
        "created_at": refund["created_at"],
    }
