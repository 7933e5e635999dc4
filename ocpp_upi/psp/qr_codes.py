"""Razorpay UPI QR codes: a payable ``upi://`` string with ``tr`` = the QR code's id.

A single-use, fixed-amount QR is the dynamic QR a charger display shows for one session; a
multiple-use QR is a sticker. Paying one yields a captured payment with no order, reported by
``qr_code.credited``; a single-use QR then closes with close_reason "paid".
"""

from __future__ import annotations

from typing import Any

from ocpp_upi.psp import validation as v
from ocpp_upi.psp.context import PspContext
from ocpp_upi.psp.errors import invalid
from ocpp_upi.psp.events import event
from ocpp_upi.psp.ids import new_id, now_s
from ocpp_upi.psp.ledger import Entity
from ocpp_upi.psp.money import rupees
from ocpp_upi.upi.link import build, one_line

USAGES = ("single_use", "multiple_use")


def create(ctx: PspContext, body: dict[str, Any]) -> Entity:
    """POST /v1/payments/qr_codes (type upi_qr only)."""
    v.choice(body, "type", ("upi_qr",), None)
    usage = v.choice(body, "usage", USAGES, "multiple_use")
    fixed = v.boolean(body, "fixed_amount", default=False)
    if usage == "single_use" and not fixed:
        raise invalid("fixed_amount must be true for a single_use QR code", "fixed_amount")
    amount = v.amount(body, "payment_amount", required=fixed)
    if not fixed and amount is not None:
        raise invalid("payment_amount is allowed only when fixed_amount is true", "payment_amount")
    close_by = v.integer(body, "close_by", required=False)
    if close_by is not None and close_by <= now_s():
        raise invalid("close_by must be a unix time in the future", "close_by")
    name = v.string(body, "name", max_length=256)
    description = v.string(body, "description", max_length=256)
    qr_id = new_id("qr")
    extra = {"tn": one_line(description)} if description and one_line(description) else {}
    link = build(
        ctx.settings.merchant_vpa,
        ctx.settings.merchant_name,
        tr=qr_id,
        am=rupees(amount) if amount is not None else None,
        **extra,
        mc=ctx.settings.mcc,
    ).to_uri()
    qr: Entity = {
        "id": qr_id,
        "entity": "qr_code",
        "created_at": now_s(),
        "name": name,
        "usage": usage,
        "type": "upi_qr",
        "image_url": f"{ctx.base_url}/i/{qr_id}",
        "image_content": link,
        "payment_amount": amount,
        "status": "active",
        "description": description,
        "fixed_amount": fixed,
        "payments_amount_received": 0,
        "payments_count_received": 0,
        "notes": v.notes(body),
        "customer_id": v.string(body, "customer_id"),
        "close_by": close_by,
        "closed_at": None,
        "close_reason": None,
    }
    ctx.ledger.qr_codes[qr_id] = qr
    ctx.ledger.upi_links[qr_id] = link
    ctx.emit(qr_id, event("qr_code.created", qr_code=qr))
    return qr


def close(ctx: PspContext, qr_id: str) -> Entity:
    """POST /v1/payments/qr_codes/:id/close; qr_code.closed fires only on this manual close."""
    qr = ctx.ledger.qr_code(qr_id)
    if qr["status"] == "closed":
        raise invalid("The QR code is already closed", "id")
    _close(qr, "on_demand")
    ctx.emit(qr_id, event("qr_code.closed", qr_code=qr))
    return qr


def credit(qr: Entity, payment: Entity) -> None:
    """Count a captured payment against the QR; a paid single-use QR closes."""
    qr["payments_amount_received"] += payment["amount"]
    qr["payments_count_received"] += 1
    matches = not qr["fixed_amount"] or payment["amount"] == qr["payment_amount"]
    if qr["usage"] == "single_use" and matches and qr["status"] == "active":
        _close(qr, "paid")


def _close(qr: Entity, reason: str) -> None:
    qr.update(status="closed", closed_at=now_s(), close_reason=reason)
