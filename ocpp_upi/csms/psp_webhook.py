"""The PSP webhook and what a confirmed payment sets in motion (seed 2.1.2, 3.2).

A verified ``payment.captured`` / ``order.paid`` for one of our orders, for the order's exact
amount in INR, admits the payment once and remotely starts the order's EVSE in the background.
Then the session must begin within ``start_deadline_s`` of the payment; if the station rejects
the start, does not answer, or never begins, the whole payment is refunded and a late start of
that session is refused (its idToken is answered Invalid), so money cannot be both refunded and
spent. Each rule is a small method a fault variant can override.
"""

from __future__ import annotations

import asyncio
import logging

from ocpp_upi.csms import ledger_psp, outcomes, psp_outcomes
from ocpp_upi.csms.ledger_psp import OrderRecord
from ocpp_upi.csms.outcomes import WebhookReply
from ocpp_upi.csms.payments_base import PaymentsBase
from ocpp_upi.csms.psp_entities import PspPayment
from ocpp_upi.csms.psp_events import (
    ORDER_PAID,
    PAYMENT_CAPTURED,
    PAYMENT_FAILED,
    REFUND_FAILED,
    REFUND_PROCESSED,
    PspEvent,
    PspEventError,
    fallback_event_id,
    parse_event,
    signature_valid,
)

LOGGER = logging.getLogger("ocpp_upi.csms.psp")

PSP_SOURCE = "psp"
# payments.status of a PSP payment: captured -> charging, or not_started (refunded in full).
PAYMENT_CAPTURED_STATUS = "captured"
PAYMENT_CHARGING = "charging"
PAYMENT_NOT_STARTED = "not_started"

# Longest idToken each version's schema accepts (1.6 idTag 20, 2.0.1 36, 2.1 255).
_ID_TOKEN_MAX = {"1.6": 20, "2.0.1": 36, "2.1": 255}


class PspWebhookRules(PaymentsBase):
    """Mixin of ReferenceCsms: PSP webhook, payment admission, start and start deadline."""

    # payments.id -> set when that payment's session begins (awaited by its fulfilment task).
    _session_started: dict[int, asyncio.Event]

    async def handle_psp_webhook(
        self, body: bytes, signature: str | None, event_id: str | None
    ) -> WebhookReply:
        """Apply the rules in order; see ``psp_outcomes`` for the reply to each case."""
        if not self.settings.payments_enabled:
            return WebhookReply.error(404, psp_outcomes.PAYMENTS_DISABLED, "no PSP configured")
        if not self.psp_signature_ok(body, signature):
            return WebhookReply.error(
                401, outcomes.INVALID_SIGNATURE, "missing or wrong X-Razorpay-Signature"
            )
        try:
            event = self.parse_psp_event(body)
        except PspEventError as exc:
            return WebhookReply.error(400, psp_outcomes.MALFORMED_EVENT, str(exc))
        key = event_id or fallback_event_id(body)
        if not self.admit_psp_event(key, event.event):
            return WebhookReply.result(outcomes.DUPLICATE, event_id=key)
        try:
            reply = self.dispatch_psp_event(event)
        except Exception:
            self.ledger.forget_psp_event(key)
            raise
        self.ledger.set_psp_event_outcome(key, str(reply.body.get("result")))
        return reply

    def dispatch_psp_event(self, event: PspEvent) -> WebhookReply:
        """Synchronous on purpose: everything slow is spawned, so the PSP gets its 2xx fast."""
        if event.event in (PAYMENT_CAPTURED, ORDER_PAID) and event.payment is not None:
            return self.on_payment_captured(event.payment)
        if event.event == PAYMENT_FAILED and event.payment is not None:
            return self.on_payment_failed(event.payment)
        if event.event in (REFUND_PROCESSED, REFUND_FAILED) and event.refund is not None:
            status = "processed" if event.event == REFUND_PROCESSED else "failed"
            known = self.ledger.note_refund_status(event.refund.id, event.refund.payment_id, status)
            result = psp_outcomes.REFUND_RECORDED if known else psp_outcomes.UNKNOWN_REFUND
            return WebhookReply.result(result, refund_id=event.refund.id, status=status)
        return WebhookReply.result(psp_outcomes.IGNORED, event=event.event)

    def on_payment_captured(self, payment: PspPayment) -> WebhookReply:
        if not self.payment_captured(payment):
            return WebhookReply.result(psp_outcomes.IGNORED, payment_id=payment.id)
        order = self.ledger.order(payment.order_id) if payment.order_id else None
        if order is None:
            LOGGER.warning("captured payment %s is for no order of ours", payment.id)
            return WebhookReply.result(psp_outcomes.UNKNOWN_ORDER, payment_id=payment.id)
        if order.payment_id is not None:
            return self._order_already_paid(order, payment)
        if not self.order_payment_ok(order, payment):
            # Money was taken but nothing will be delivered for it: give all of it back.
            LOGGER.warning("payment %s does not match order %s", payment.id, order.order_id)
            self.ledger.update_order(order.id, status=ledger_psp.ORDER_AMOUNT_MISMATCH)
            self._refund_in_background(payment, order, psp_outcomes.REASON_AMOUNT_MISMATCH)
            return WebhookReply.result(
                psp_outcomes.AMOUNT_MISMATCH, payment_id=payment.id, order_id=order.order_id
            )
        payment_id = self.admit_psp_payment(order, payment)
        if payment_id is None:
            return WebhookReply.result(outcomes.DUPLICATE, payment_id=payment.id)
        # Registered before the start is sent, so a session beginning at once is not missed.
        self._session_started[payment_id] = asyncio.Event()
        admitted_at = asyncio.get_running_loop().time()
        self.spawn(
            self.fulfil_psp_payment(payment_id, order, payment.id, admitted_at),
            name=f"fulfil-{payment.id}",
        )
        return WebhookReply.result(
            psp_outcomes.START_SCHEDULED,
            payment_id=payment.id,
            order_id=order.order_id,
            charger_id=order.charger_id,
            evse_id=order.evse_id,
        )

    def _order_already_paid(self, order: OrderRecord, payment: PspPayment) -> WebhookReply:
        existing = self.ledger.payment(order.payment_id) if order.payment_id else None
        if existing is not None and existing.utr == payment.id:
            return WebhookReply.result(outcomes.DUPLICATE, payment_id=payment.id)
        # A second payment on a paid order buys nothing: refund it whole.
        LOGGER.warning(
            "order %s already paid; refunding extra payment %s", order.order_id, payment.id
        )
        self._refund_in_background(payment, order, psp_outcomes.REASON_ORDER_ALREADY_PAID)
        return WebhookReply.result(psp_outcomes.ORDER_ALREADY_PAID, payment_id=payment.id)

    def _refund_in_background(self, payment: PspPayment, order: OrderRecord, reason: str) -> None:
        if payment.amount <= 0:
            return
        self.spawn(
            self._refund_whole(payment.id, order.order_id, payment.amount, reason),
            name=f"refund-{payment.id}",
        )

    async def _refund_whole(
        self, psp_payment_id: str, order_id: str | None, amount_paise: int, reason: str
    ) -> None:
        await self.refund_payment(
            psp_payment_id=psp_payment_id,
            payment_id=None,
            order_id=order_id,
            amount_paise=amount_paise,
            reason=reason,
        )

    def on_payment_failed(self, payment: PspPayment) -> WebhookReply:
        """Recorded, nothing else: a failed payment moved no money (and may still turn into
        a capture later: Razorpay's late authorisation makes failed -> authorized legal)."""
        order = self.ledger.order(payment.order_id) if payment.order_id else None
        if order is None:
            return WebhookReply.result(psp_outcomes.UNKNOWN_ORDER, payment_id=payment.id)
        if order.payment_id is None:
            self.ledger.update_order(order.id, status=ledger_psp.ORDER_PAYMENT_FAILED)
        return WebhookReply.result(psp_outcomes.PAYMENT_FAILED, payment_id=payment.id)

    # background: start, then the start deadline ---------------------------------------------

    async def fulfil_psp_payment(
        self, payment_id: int, order: OrderRecord, psp_payment_id: str, admitted_at: float
    ) -> None:
        """Start the paid EVSE; refund everything if the session does not begin in time."""
        started = self._session_started.setdefault(payment_id, asyncio.Event())
        try:
            charger = self.chargers.get(order.charger_id)
            version = charger.version if charger is not None else "2.1"
            token = self.psp_id_token(psp_payment_id, version)
            outcome = await self.remote_start(order.charger_id, order.evse_id, token, payment_id)
            if outcome != outcomes.STARTED and not started.is_set():
                if self.should_refund_on_start_failure(outcome):
                    await self._refund_unstarted(payment_id, outcome)
                return
            deadline = admitted_at + self.settings.start_deadline_s
            if not await self._wait_until(started, deadline):
                await self._refund_unstarted(payment_id, psp_outcomes.REASON_START_DEADLINE)
        finally:
            self._session_started.pop(payment_id, None)

    @staticmethod
    async def _wait_until(event: asyncio.Event, deadline: float) -> bool:
        if event.is_set():
            return True
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            return False
        try:
            async with asyncio.timeout(remaining):
                await event.wait()
        except TimeoutError:
            return event.is_set()
        return True

    async def _refund_unstarted(self, payment_id: int, reason: str) -> None:
        started = self._session_started.get(payment_id)
        payment = self.ledger.payment(payment_id)
        if payment is None or (started is not None and started.is_set()):
            return
        # Same loop step as the is_set() check: from here on a late start is refused.
        self.ledger.set_payment_status(payment_id, PAYMENT_NOT_STARTED)
        order = self.ledger.order_for_payment(payment_id)
        if order is not None:
            self.ledger.update_order(order.id, status=ledger_psp.ORDER_NOT_STARTED)
        await self.refund_payment(
            psp_payment_id=payment.utr,
            payment_id=payment_id,
            order_id=payment.reference,
            amount_paise=payment.amount_paise,
            reason=reason,
        )

    # called by the OCPP handlers --------------------------------------------------------------

    def session_started(self, payment_id: int) -> bool:
        """A transaction paid by ``payment_id`` began; False if that payment was already
        refunded as never started (the handler then answers the idToken Invalid)."""
        if not self.payment_authorizes_session(payment_id):
            return False
        event = self._session_started.get(payment_id)
        if event is not None:
            event.set()
        payment = self.ledger.payment(payment_id)
        if payment is not None and payment.status == PAYMENT_CAPTURED_STATUS:
            self.ledger.set_payment_status(payment_id, PAYMENT_CHARGING)
        return True

    def payment_authorizes_session(self, payment_id: int) -> bool:
        """Rule: a payment refunded in full because its session never began pays for nothing."""
        payment = self.ledger.payment(payment_id)
        return payment is None or payment.status != PAYMENT_NOT_STARTED

    # rules ----------------------------------------------------------------------------------

    def psp_signature_ok(self, body: bytes, header: str | None) -> bool:
        """Rule: only a body signed with the PSP webhook secret may move anything."""
        return signature_valid(body, header, self.settings.psp_webhook_secret)

    def admit_psp_event(self, key: str, event: str) -> bool:
        """Rule: one event id, one effect; False for a redelivery (the PSP delivers at least
        once, and a replayed copy must move nothing a second time)."""
        return self.ledger.record_psp_event(key, event)

    def parse_psp_event(self, body: bytes) -> PspEvent:
        """Rule: a malformed envelope is refused (PspEventError -> HTTP 400)."""
        return parse_event(body)

    def payment_captured(self, payment: PspPayment) -> bool:
        """Rule: only a captured payment is money we hold (authorized may still be voided)."""
        return payment.status == "captured"

    def order_payment_ok(self, order: OrderRecord, payment: PspPayment) -> bool:
        """Rule: the payment is for this order, for exactly its amount, in INR."""
        return (
            payment.order_id == order.order_id
            and payment.amount == order.amount_paise
            and payment.currency == "INR"
        )

    def admit_psp_payment(self, order: OrderRecord, payment: PspPayment) -> int | None:
        """Rule: one order, one admitted payment, one start; None when already admitted
        (the ledger's ``orders.payment_id`` claim decides)."""
        if order.order_id is None:
            return None
        return self.ledger.admit_psp_payment(order.order_id, payment.id, payment.amount)

    def psp_id_token(self, psp_payment_id: str, version: str) -> str:
        """The idToken of a PSP-paid start: the PSP payment id (2.1 DirectPayment's pspRef);
        for 1.6 (idTag <= 20) and 2.0.1 (<= 36) its last characters, the random part of a
        ``pay_…`` id, so the session still links back to the payment."""
        limit = _ID_TOKEN_MAX.get(version, 20)
        return psp_payment_id[-limit:]

    def should_refund_on_start_failure(self, outcome: str) -> bool:
        """Rule: a rejected or unanswered start delivers nothing, so all the money goes back."""
        return outcome in (outcomes.START_REJECTED, outcomes.START_FAILED)
