"""Razorpay orders: created -> attempted (first payment) -> paid (a matching capture).

An order is the CSMS's handle on "this driver owes this much for this session"; the order id is
the ``tr`` in the UPI link, so the payment can be traced back to the session.
"""

from __future__ import annotations

from typing import Any

from ocpp_upi.psp import validation as v
from ocpp_upi.psp.context import PspContext
from ocpp_upi.psp.errors import invalid
from ocpp_upi.psp.ids import new_id, now_s
from ocpp_upi.psp.ledger import Entity

MAX_RECEIPT = 40


def create(ctx: PspContext, body: dict[str, Any]) -> Entity:
    """POST /v1/orders. ``unique_receipt: true`` makes a retried create return the same order."""
    amount = v.amount(body)
    assert amount is not None
    currency = v.currency(body)
    receipt = v.string(body, "receipt", max_length=MAX_RECEIPT)
    notes = v.notes(body)
    unique = v.boolean(body, "unique_receipt", default=False)
    auto_capture = v.boolean(body, "payment_capture", default=True)
    if unique and receipt is not None and receipt in ctx.ledger.receipts:
        existing = ctx.ledger.orders[ctx.ledger.receipts[receipt]]
        if existing["amount"] != amount or existing["currency"] != currency:
            raise invalid("Order receipt should be unique.", "receipt")
        return existing
    return new_order(ctx, amount, receipt=receipt, notes=notes, auto_capture=auto_capture)


def new_order(
    ctx: PspContext,
    amount: int,
    *,
    receipt: str | None,
    notes: dict[str, str],
    auto_capture: bool = True,
) -> Entity:
    """Store a fresh order entity (also used for payment links, which own one)."""
    order: Entity = {
        "id": new_id("order"),
        "entity": "order",
        "amount": amount,
        "amount_paid": 0,
        "amount_due": amount,
        "currency": "INR",
        "receipt": receipt,
        "offer_id": None,
        "status": "created",
        "attempts": 0,
        "notes": notes,
        "created_at": now_s(),
    }
    ctx.ledger.orders[order["id"]] = order
    if receipt is not None:
        ctx.ledger.receipts.setdefault(receipt, order["id"])
    if not auto_capture:
        ctx.ledger.manual_capture.add(order["id"])
    return order


def attempt(order: Entity) -> None:
    """A payment was started on the order."""
    order["attempts"] += 1
    if order["status"] == "created":
        order["status"] = "attempted"


def settle(order: Entity, payment: Entity) -> bool:
    """Mark the order paid by ``payment`` if the amounts match; True if it became paid.

    A paid order stays paid (even when refunded) and takes no second payment, as at Razorpay.
    An amount that differs from the order's leaves the order unpaid: the money arrived, but the
    order was not settled, and the CSMS must notice from the payment's own amount.
    """
    if order["status"] == "paid" or payment["amount"] != order["amount"]:
        return False
    order["status"] = "paid"
    order["amount_paid"] = payment["amount"]
    order["amount_due"] = 0
    return True
