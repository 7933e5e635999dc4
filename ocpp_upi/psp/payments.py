"""Razorpay payments over UPI: the S2S intent call and every payment state change.

States follow Razorpay: created (intent issued, payer has not paid) -> authorized (the bank
debited the payer) -> captured (auto-capture, money is the merchant's) -> refunded (fully), or
created -> failed. failed -> authorized is legal too (late authorisation). Each change raises its
webhooks as one batch, in causal order, keyed by the payment so they are delivered in order.
"""

from __future__ import annotations

from typing import Any

from ocpp_upi.psp import orders, payment_links, qr_codes
from ocpp_upi.psp import validation as v
from ocpp_upi.psp.context import PspContext
from ocpp_upi.psp.errors import invalid
from ocpp_upi.psp.events import Event, event
from ocpp_upi.psp.ids import new_id, new_rrn, new_upi_transaction_id, now_s
from ocpp_upi.psp.ledger import Entity
from ocpp_upi.psp.money import rupees
from ocpp_upi.upi.link import build, one_line

# reason -> (description, source, step), as Razorpay reports UPI failures.
FAILURES: dict[str, tuple[str, str, str]] = {
    "payment_declined": (
        "Payment was declined by the payer's bank.",
        "bank",
        "payment_authorization",
    ),
    "payment_timed_out": (
        "Payment was not completed on time.",
        "customer",
        "payment_authentication",
    ),
}


def new_payment(
    ctx: PspContext,
    amount: int,
    *,
    order_id: str | None,
    description: str | None = None,
    email: str | None = None,
    contact: str | None = None,
    notes: dict[str, str] | None = None,
    flow: str = "intent",
) -> Entity:
    """Store a payment in state ``created``; the payer has not acted yet."""
    payment: Entity = {
        "id": new_id("pay"),
        "entity": "payment",
        "amount": amount,
        "currency": "INR",
        "status": "created",
        "order_id": order_id,
        "invoice_id": None,
        "international": False,
        "method": "upi",
        "amount_refunded": 0,
        "refund_status": None,
        "captured": False,
        "description": description,
        "card_id": None,
        "bank": None,
        "wallet": None,
        "vpa": None,
        "email": email,
        "contact": contact,
        "notes": notes or {},
        "fee": None,
        "tax": None,
        "error_code": None,
        "error_description": None,
        "error_source": None,
        "error_step": None,
        "error_reason": None,
        "acquirer_data": {"rrn": None, "upi_transaction_id": None},
        "upi": {"payer_account_type": None, "vpa": None, "flow": flow},
        "created_at": now_s(),
    }
    ctx.ledger.payments[payment["id"]] = payment
    return payment


def create_upi(ctx: PspContext, body: dict[str, Any]) -> dict[str, str]:
    """POST /v1/payments/create/upi (intent flow): a payment in ``created`` and its UPI link.

    The link's ``tr`` is the order id, so whatever UPI app pays it, the money names the order.
    """
    order_id = v.string(body, "order_id", required=True)
    assert order_id is not None
    order = ctx.ledger.order(order_id)
    amount = v.amount(body)
    v.currency(body)
    if body.get("method", "upi") != "upi":
        raise invalid("The mock PSP supports only method upi on this endpoint.", "method")
    flow = _flow(body)
    if order["status"] == "paid":
        raise invalid("Order has already been paid.", "order_id")
    if amount != order["amount"]:
        raise invalid("The payment amount must be equal to the order amount.", "amount")
    description = v.string(body, "description", max_length=255)
    payment = new_payment(
        ctx,
        order["amount"],
        order_id=order_id,
        description=description,
        email=v.string(body, "email"),
        contact=v.string(body, "contact"),
        notes=v.notes(body),
        flow=flow,
    )
    orders.attempt(order)
    link = intent_link(ctx, order_id, order["amount"], description or order["receipt"])
    ctx.ledger.upi_links[order_id] = link
    return {"razorpay_payment_id": payment["id"], "link": link}


def _flow(body: dict[str, Any]) -> str:
    upi = body.get("upi")
    legacy = body.get("_")
    flow = None
    if isinstance(upi, dict):
        flow = upi.get("flow")
    if flow is None and isinstance(legacy, dict):
        flow = legacy.get("flow")
    flow = flow or "intent"
    if flow != "intent":
        raise invalid(f"The mock PSP supports only the UPI intent flow, not {flow!r}.", "upi.flow")
    return "intent"


def intent_link(ctx: PspContext, tr: str, amount: int | None, note: str | None) -> str:
    """The upi:// link a UPI app opens: merchant VPA and name, tr, amount, MCC, mode 04."""
    extra = {"tn": one_line(note)} if note and one_line(note) else {}
    link = build(
        ctx.settings.merchant_vpa,
        ctx.settings.merchant_name,
        tr=tr,
        am=rupees(amount) if amount is not None else None,
        **extra,
        mc=ctx.settings.mcc,
        mode="04",
    )
    return link.to_uri()


def succeed(ctx: PspContext, payment: Entity, payer_vpa: str) -> None:
    """The payer's bank debited them: authorize, auto-capture, settle what was paid for."""
    events = [_authorize(payment, payer_vpa)]
    if payment["order_id"] not in ctx.ledger.manual_capture:
        events += _capture(ctx, payment)
    ctx.emit(payment["id"], *events)


def authorize_only(ctx: PspContext, payment: Entity, payer_vpa: str) -> None:
    """The bank authorized the debit but the capture is held back (Razorpay's life cycle is
    created -> authorized -> captured; an authorization is no money yet). ``capture_late``
    captures it later; an authorization never captured is never the CPO's money."""
    ctx.emit(payment["id"], _authorize(payment, payer_vpa))


def capture_late(ctx: PspContext, payment: Entity) -> None:
    """The held-back capture of an authorized payment: captured, then its order paid."""
    ctx.emit(payment["id"], *_capture(ctx, payment))


def fail(
    ctx: PspContext, payment: Entity, payer_vpa: str, reason: str = "payment_declined"
) -> None:
    """The payment failed; the order stays ``attempted`` so the driver may try again."""
    description, source, step = FAILURES[reason]
    payment.update(
        status="failed",
        vpa=payer_vpa,
        error_code="BAD_REQUEST_ERROR",
        error_description=description,
        error_source=source,
        error_step=step,
        error_reason=reason,
    )
    payment["upi"].update(payer_account_type="bank_account", vpa=payer_vpa)
    ctx.emit(payment["id"], event("payment.failed", payment=payment))


def capture(ctx: PspContext, payment_id: str, body: dict[str, Any]) -> Entity:
    """POST /v1/payments/:id/capture, for orders created with ``payment_capture: 0``."""
    payment = ctx.ledger.payment(payment_id)
    amount = v.amount(body)
    v.currency(body)
    if payment["captured"]:
        raise invalid("This payment has already been captured", "id")
    if payment["status"] != "authorized":
        raise invalid(
            "Only payments which have been authorized and not yet captured can be captured", "id"
        )
    if amount != payment["amount"]:
        raise invalid("Capture amount must be equal to the amount authorized", "amount")
    ctx.emit(payment["id"], *_capture(ctx, payment))
    return payment


def _authorize(payment: Entity, payer_vpa: str) -> Event:
    payment.update(
        status="authorized",
        vpa=payer_vpa,
        error_code=None,
        error_description=None,
        error_source=None,
        error_step=None,
        error_reason=None,
    )
    payment["upi"].update(payer_account_type="bank_account", vpa=payer_vpa)
    payment["acquirer_data"] = {"rrn": new_rrn(), "upi_transaction_id": new_upi_transaction_id()}
    return event("payment.authorized", payment=payment)


def _capture(ctx: PspContext, payment: Entity) -> list[Event]:
    payment.update(status="captured", captured=True, fee=0, tax=0)
    events = [event("payment.captured", payment=payment)]
    target = ctx.ledger.payment_targets.get(payment["id"])
    if target is not None and target in ctx.ledger.qr_codes:
        qr = ctx.ledger.qr_codes[target]
        qr_codes.credit(qr, payment)
        events.append(event("qr_code.credited", payment=payment, qr_code=qr))
        return events
    if payment["order_id"] is None:
        return events
    order = ctx.ledger.order(payment["order_id"])
    if not orders.settle(order, payment):
        return events
    events.append(event("order.paid", payment=payment, order=order))
    if target is not None and target in ctx.ledger.payment_links:
        link = ctx.ledger.payment_links[target]
        payment_links.settle(link, payment)
        events.append(event("payment_link.paid", payment_link=link, order=order, payment=payment))
    return events
