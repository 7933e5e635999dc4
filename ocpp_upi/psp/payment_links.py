"""Razorpay payment links with ``upi_link: true``: a short URL that opens a UPI intent.

Razorpay backs every payment link with an order; the mock does the same, so a payment through a
link has an ``order_id``, settles that order and fires order.paid then payment_link.paid.
"""

from __future__ import annotations

from typing import Any

from ocpp_upi.psp import orders
from ocpp_upi.psp import validation as v
from ocpp_upi.psp.context import PspContext
from ocpp_upi.psp.errors import invalid
from ocpp_upi.psp.events import event
from ocpp_upi.psp.ids import new_id, now_s
from ocpp_upi.psp.ledger import Entity
from ocpp_upi.psp.money import rupees
from ocpp_upi.upi.link import build, one_line

MAX_REFERENCE = 40


def create(ctx: PspContext, body: dict[str, Any]) -> Entity:
    """POST /v1/payment_links (UPI links only)."""
    if not v.boolean(body, "upi_link", default=False):
        raise invalid("The mock PSP supports only UPI payment links (upi_link: true).", "upi_link")
    amount = v.amount(body)
    assert amount is not None
    v.currency(body, required=False)
    reference = v.string(body, "reference_id", max_length=MAX_REFERENCE)
    if reference is not None and reference in ctx.ledger.link_references:
        raise invalid(f"Payment Link with reference_id {reference} already exists", "reference_id")
    description = v.string(body, "description", max_length=2048)
    notes = v.notes(body)
    callback_url = v.string(body, "callback_url")
    expire_by = v.integer(body, "expire_by", required=False)
    if expire_by is not None and expire_by <= now_s():
        raise invalid("expire_by must be a unix time in the future", "expire_by")
    order = orders.new_order(ctx, amount, receipt=None, notes=notes)
    link_id = new_id("plink")
    extra = {"tn": one_line(description)} if description and one_line(description) else {}
    upi = build(
        ctx.settings.merchant_vpa,
        ctx.settings.merchant_name,
        tr=link_id,
        am=rupees(amount),
        **extra,
        mc=ctx.settings.mcc,
        mode="04",
    ).to_uri()
    now = now_s()
    link: Entity = {
        "id": link_id,
        "entity": "payment_link",
        "accept_partial": False,
        "amount": amount,
        "amount_paid": 0,
        "currency": "INR",
        "description": description,
        "reference_id": reference,
        "customer": body.get("customer") if isinstance(body.get("customer"), dict) else {},
        "notify": {"sms": False, "email": False},
        "reminder_enable": False,
        "notes": notes,
        "callback_url": callback_url,
        "callback_method": "get" if callback_url else "",
        "upi_link": True,
        "short_url": f"{ctx.base_url}/i/{link_id}",
        "status": "created",
        "order_id": order["id"],
        "payments": None,
        "expire_by": expire_by or 0,
        "expired_at": 0,
        "cancelled_at": 0,
        "created_at": now,
        "updated_at": now,
        "user_id": "",
    }
    ctx.ledger.payment_links[link_id] = link
    ctx.ledger.upi_links[link_id] = upi
    if reference is not None:
        ctx.ledger.link_references[reference] = link_id
    return link


def cancel(ctx: PspContext, link_id: str) -> Entity:
    """POST /v1/payment_links/:id/cancel: only an unpaid link can be cancelled."""
    link = ctx.ledger.payment_link(link_id)
    if link["status"] != "created":
        raise invalid(f"Payment link cannot be cancelled in status {link['status']}", "id")
    link.update(status="cancelled", cancelled_at=now_s(), updated_at=now_s())
    ctx.emit(link_id, event("payment_link.cancelled", payment_link=link))
    return link


def settle(link: Entity, payment: Entity) -> None:
    """The link's order was paid by ``payment``: the link is paid."""
    now = now_s()
    link.update(status="paid", amount_paid=payment["amount"], updated_at=now)
    link["payments"] = [
        {
            "amount": payment["amount"],
            "created_at": payment["created_at"],
            "method": "upi",
            "payment_id": payment["id"],
            "plink_id": link["id"],
            "status": "captured",
            "updated_at": now,
        }
    ]
