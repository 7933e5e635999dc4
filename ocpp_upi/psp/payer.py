"""The driver's UPI app: pays a ``upi://`` link, with the outcome chosen by the payer's VPA.

This is the step no real test can automate (a human approving a debit in a banking app), so the
mock plays it. As with Razorpay's test VPAs, the payer VPA decides what happens:
``success@razorpay`` (and any other well-formed VPA) pays, ``failure@razorpay`` is declined,
``pending@razorpay`` leaves the payment ``created`` until ``settle_late``;
``delayedcapture@razorpay`` (this mock's own) is authorized at once and captured only when
``settle_late`` says ``captured`` (or voided, ``failed``): a CSMS must not start on the
authorization.

The link is resolved by its ``tr``: an order id (S2S intent), a QR code id, or a payment link
id. A payer may pay an amount other than the link's ``am`` (an edited amount); the payment then
carries that amount and does not settle the order, QR code or link it was meant for.

``pay_order`` and ``pay_payment`` are the same act without the link: a vendor driving the mock
from their own tooling has the order id or the ``razorpay_payment_id`` their CSMS got back, and
should not have to fish the ``upi://`` link out of it (or out of a pay page) to play the payer.
"""

from __future__ import annotations

from typing import Literal

from ocpp_upi.psp import orders, payments
from ocpp_upi.psp.context import PspContext
from ocpp_upi.psp.errors import PspError, invalid, not_found
from ocpp_upi.psp.ledger import Entity
from ocpp_upi.psp.money import paise_of
from ocpp_upi.upi.link import VPA_PATTERN, UpiLinkError, parse

SUCCESS_VPA = "success@razorpay"
FAILURE_VPA = "failure@razorpay"
PENDING_VPA = "pending@razorpay"
DELAYED_CAPTURE_VPA = "delayedcapture@razorpay"

Outcome = Literal["captured", "failed", "pending", "authorized"]


def outcome_for(payer_vpa: str) -> Outcome:
    """Razorpay-style test VPAs decide the outcome; any other valid VPA succeeds."""
    if payer_vpa == FAILURE_VPA:
        return "failed"
    if payer_vpa == PENDING_VPA:
        return "pending"
    if payer_vpa == DELAYED_CAPTURE_VPA:
        return "authorized"
    return "captured"


def pay_link(ctx: PspContext, link: str, payer_vpa: str, amount_paise: int | None) -> Entity:
    """Pay ``link`` from ``payer_vpa``; returns the payment as it stands afterwards."""
    _check_payer(payer_vpa)
    try:
        parsed = parse(link)
    except UpiLinkError as exc:
        raise invalid(str(exc), "link") from None
    if parsed.payee_vpa != ctx.settings.merchant_vpa:
        raise invalid(
            f"pa {parsed.payee_vpa!r} is not this PSP's merchant VPA "
            f"{ctx.settings.merchant_vpa!r}: the money would not reach this merchant",
            "link",
        )
    tr = parsed.reference
    if not tr:
        raise invalid("the link has no tr, so the PSP cannot tell what it pays", "link")
    amount = _amount(parsed.get("am"), amount_paise)
    payment = _payment_for(ctx, tr, amount)
    _act(ctx, payment, payer_vpa)
    return payment


def pay_order(ctx: PspContext, order_id: str, payer_vpa: str, amount_paise: int | None) -> Entity:
    """Pay ``order_id`` as its intent link would be paid (the order amount unless edited).

    An order that backs a payment link is paid through that link, so the link is settled (and
    ``payment_link.paid`` raised) exactly as if its ``short_url`` had been paid.
    """
    _check_payer(payer_vpa)
    order = ctx.ledger.order(order_id)
    tr = _link_of_order(ctx, order_id) or order_id
    amount = order["amount"] if amount_paise is None else _amount(None, amount_paise)
    payment = _payment_for(ctx, tr, amount)
    _act(ctx, payment, payer_vpa)
    return payment


def pay_payment(
    ctx: PspContext, payment_id: str, payer_vpa: str, amount_paise: int | None
) -> Entity:
    """Pay the very payment ``create/upi`` issued (its ``razorpay_payment_id``).

    Only an open payment can be paid: ``created`` and untouched by a payer. A ``pending@razorpay``
    payment already has its payer and waits for the bank, which ``settle_late`` plays.
    """
    _check_payer(payer_vpa)
    payment = ctx.ledger.payment(payment_id)
    if payment["status"] != "created":
        raise invalid(
            f"Payment {payment_id} is {payment['status']}; only a created payment can be paid",
            "id",
        )
    if payment["vpa"]:
        raise invalid(
            f"Payment {payment_id} was already paid from {payment['vpa']} and awaits the "
            f"bank's verdict; settle it with POST /_control/payments/{payment_id}/settle",
            "id",
        )
    order_id = payment["order_id"]
    if order_id is not None and ctx.ledger.order(order_id)["status"] == "paid":
        raise invalid(f"Order {order_id} has already been paid.", "order_id")
    if amount_paise is not None:
        payment["amount"] = _amount(None, amount_paise)
    _act(ctx, payment, payer_vpa)
    return payment


def _check_payer(payer_vpa: str) -> None:
    if not VPA_PATTERN.match(payer_vpa):
        raise invalid(f"payer_vpa {payer_vpa!r} is not a VPA of the form handle@psp", "payer_vpa")


def _act(ctx: PspContext, payment: Entity, payer_vpa: str) -> None:
    """The payer's VPA decides what the bank does with this payment (see the module doc)."""
    outcome = outcome_for(payer_vpa)
    if outcome == "captured":
        payments.succeed(ctx, payment, payer_vpa)
    elif outcome == "failed":
        payments.fail(ctx, payment, payer_vpa)
    elif outcome == "authorized":
        payments.authorize_only(ctx, payment, payer_vpa)
    else:
        payment["vpa"] = payer_vpa
        payment["upi"].update(payer_account_type="bank_account", vpa=payer_vpa)


def _link_of_order(ctx: PspContext, order_id: str) -> str | None:
    """The payment link an order backs, if any (every Razorpay payment link owns one order)."""
    return next(
        (
            link_id
            for link_id, link in ctx.ledger.payment_links.items()
            if link["order_id"] == order_id
        ),
        None,
    )


def settle_late(ctx: PspContext, payment_id: str, outcome: Literal["captured", "failed"]) -> Entity:
    """The bank's late answer for a payment left pending (or a late authorisation of a failed
    one, which Razorpay documents as a legal failed -> authorized transition)."""
    payment = ctx.ledger.payment(payment_id)
    allowed = ("created", "failed", "authorized") if outcome == "captured" else ("created",)
    if outcome == "failed" and payment["status"] == "authorized":
        allowed = ("authorized",)  # a held-back capture that fails: the authorization is void
    if outcome not in ("captured", "failed"):
        raise invalid(f"outcome must be captured or failed, not {outcome!r}", "outcome")
    if payment["status"] == "authorized" and outcome == "captured":
        payments.capture_late(ctx, payment)
        return payment
    if payment["status"] not in allowed:
        raise invalid(
            f"payment {payment_id} is {payment['status']}; only {' or '.join(allowed)} "
            f"payments can settle late as {outcome}",
            "outcome",
        )
    vpa = payment["vpa"] or SUCCESS_VPA
    if outcome == "captured":
        payments.succeed(ctx, payment, vpa)
    else:
        payments.fail(ctx, payment, vpa, reason="payment_timed_out")
    return payment


def _amount(am: str | None, amount_paise: int | None) -> int:
    if amount_paise is None:
        if am is None:
            raise invalid("the link has no am; the payer must enter amount_paise", "amount_paise")
        try:
            return paise_of(am)
        except ValueError as exc:
            raise invalid(str(exc), "link") from None
    if isinstance(amount_paise, bool) or not isinstance(amount_paise, int) or amount_paise < 1:
        raise invalid(f"amount_paise must be a positive integer, got {amount_paise!r}", "amount")
    return amount_paise


def _payment_for(ctx: PspContext, tr: str, amount: int) -> Entity:
    """The payment this act of paying completes: an open intent payment, or a new one."""
    ledger = ctx.ledger
    if tr in ledger.orders:
        order = ledger.orders[tr]
        if order["status"] == "paid":
            raise invalid(f"Order {tr} has already been paid.", "order_id")
        open_intents = [
            p for p in ledger.payments_of_order(tr) if p["status"] == "created" and not p["vpa"]
        ]
        if open_intents:
            payment = open_intents[-1]
            payment["amount"] = amount
            return payment
        payment = payments.new_payment(ctx, amount, order_id=tr)
        orders.attempt(order)
        return payment
    if tr in ledger.qr_codes:
        qr = ledger.qr_codes[tr]
        if qr["status"] != "active":
            raise invalid(f"QR code {tr} is closed; the UPI app cannot pay it", "link")
        payment = payments.new_payment(ctx, amount, order_id=None, description=qr["description"])
        ledger.payment_targets[payment["id"]] = tr
        return payment
    if tr in ledger.payment_links:
        link = ledger.payment_links[tr]
        if link["status"] != "created":
            raise invalid(f"Payment link {tr} is {link['status']} and cannot be paid", "link")
        order = ledger.order(link["order_id"])
        payment = payments.new_payment(
            ctx, amount, order_id=order["id"], description=link["description"]
        )
        orders.attempt(order)
        ledger.payment_targets[payment["id"]] = tr
        return payment
    raise _unknown_tr(tr)


def _unknown_tr(tr: str) -> PspError:
    error = not_found("link")
    error.description = f"No order, QR code or payment link has the id {tr} (the link's tr)"
    return error
