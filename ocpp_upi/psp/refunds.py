"""Razorpay refunds: created ``pending``, then processed (or failed) by a background step.

For prepaid charging the refund is where money goes wrong: over-refunds, double refunds after a
retried call, refunds of payments that never captured. The checks here are Razorpay's, so a
CSMS that relies on them being there (or wrongly on them not being there) is caught.
"""

from __future__ import annotations

from typing import Any

from ocpp_upi.psp import validation as v
from ocpp_upi.psp.context import PspContext
from ocpp_upi.psp.errors import PspError, invalid
from ocpp_upi.psp.events import event
from ocpp_upi.psp.ids import new_id, new_rrn, now_s
from ocpp_upi.psp.ledger import Entity

SPEEDS = ("normal", "optimum")


def create(ctx: PspContext, payment_id: str, body: dict[str, Any]) -> Entity:
    """POST /v1/payments/:id/refund. No ``amount`` = the whole unrefunded amount."""
    payment = ctx.ledger.payment(payment_id)
    if payment["refund_status"] == "full":
        raise invalid("The payment has been fully refunded already", "id")
    if payment["status"] != "captured":
        raise invalid(
            f"The payment is {payment['status']}, not captured, and cannot be refunded", "id"
        )
    remaining = payment["amount"] - payment["amount_refunded"]
    amount = v.amount(body, required=False)
    amount = remaining if amount is None else amount
    if amount > remaining:
        raise invalid("The refund amount provided is greater than amount captured", "amount")
    speed = v.choice(body, "speed", SPEEDS, "normal")
    refund: Entity = {
        "id": new_id("rfnd"),
        "entity": "refund",
        "amount": amount,
        "currency": "INR",
        "payment_id": payment_id,
        "notes": v.notes(body),
        "receipt": v.string(body, "receipt", max_length=40),
        "acquirer_data": {"arn": None},
        "created_at": now_s(),
        "batch_id": None,
        "status": "pending",
        "speed_processed": "normal",
        "speed_requested": speed,
    }
    ctx.ledger.refunds[refund["id"]] = refund
    _book(payment, amount)
    ctx.emit(payment_id, event("refund.created", refund=refund, payment=payment))
    ctx.background(_process(ctx, refund["id"]))
    return refund


async def _process(ctx: PspContext, refund_id: str) -> None:
    """pending -> processed, right after creation; a ``refunds.process`` fault alters it.

    A fault's delay keeps the refund pending that long; a fault status >= 400 fails it, and the
    amount goes back to refundable, as when a bank rejects a refund.
    """
    fault = ctx.faults.take("refunds.process")
    if fault is not None:
        try:
            await ctx.faults.delay(fault.delay_s)
        except PspError:
            return  # the PSP is stopping; the refund stays pending
    refund = ctx.ledger.refunds[refund_id]
    payment = ctx.ledger.payments[refund["payment_id"]]
    if fault is not None and fault.fails:
        refund["status"] = "failed"
        _book(payment, -refund["amount"])
        ctx.emit(payment["id"], event("refund.failed", refund=refund, payment=payment))
        return
    refund["status"] = "processed"
    refund["acquirer_data"] = {"arn": new_rrn()}
    refund["speed_processed"] = "instant" if refund["speed_requested"] == "optimum" else "normal"
    ctx.emit(payment["id"], event("refund.processed", refund=refund, payment=payment))


def _book(payment: Entity, amount: int) -> None:
    """Add (or, for a failed refund, remove) ``amount`` to the payment's refunded total."""
    payment["amount_refunded"] += amount
    refunded = payment["amount_refunded"]
    if refunded == 0:
        payment["refund_status"] = None
        payment["status"] = "captured"
    elif refunded < payment["amount"]:
        payment["refund_status"] = "partial"
        payment["status"] = "captured"
    else:
        payment["refund_status"] = "full"
        payment["status"] = "refunded"
