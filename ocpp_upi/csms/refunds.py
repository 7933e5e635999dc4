"""Settlement and refunds of PSP prepayments (seed 2.1.2: refunds via the PSP's API).

When a paid session ends, its cost is charged and the rest goes back in one refund; when it
never begins, everything goes back. A refund is claimed in the ledger before the PSP is called
(one per PSP payment, by constraint) and every attempt carries the same idempotency key
derived from the payment, so neither a retry, a redelivered webhook, nor two triggers racing
can refund twice. Static-QR credits are never refunded: that model cannot (seed 2.1.1).
"""

from __future__ import annotations

import logging

from ocpp_upi.csms import ledger_psp, psp_outcomes
from ocpp_upi.csms.ledger import PaymentRecord
from ocpp_upi.csms.ledger_psp import RefundRecord
from ocpp_upi.csms.payments_base import PaymentsBase
from ocpp_upi.csms.psp_client import PspRefusal, PspUnavailable
from ocpp_upi.csms.psp_webhook import PAYMENT_NOT_STARTED, PSP_SOURCE
from ocpp_upi.csms.settlement import (
    backoff_delays,
    charged_paise,
    energy_cost_paise,
    idempotency_key,
    unused_paise,
)

LOGGER = logging.getLogger("ocpp_upi.csms.refunds")


class RefundRules(PaymentsBase):
    """Mixin of ReferenceCsms: session cost, the refund it leaves, and refunding with retries."""

    # called by the OCPP handlers --------------------------------------------------------------

    def transaction_ended(self, charger_id: str, transaction_id: str) -> None:
        """A transaction ended: settle it in the background if a refundable payment paid it."""
        record = self.ledger.transaction(charger_id, transaction_id)
        if record is None or record.payment_id is None:
            return
        payment = self.ledger.payment(record.payment_id)
        if payment is None or not self.refund_allowed(payment):
            return
        self.spawn(
            self.settle_session(charger_id, transaction_id),
            name=f"settle-{charger_id}-{transaction_id}",
        )

    async def settle_session(self, charger_id: str, transaction_id: str) -> None:
        """Cost from the metered energy, capped at the prepayment; refund the rest, once."""
        record = self.ledger.transaction(charger_id, transaction_id)
        if record is None or record.payment_id is None:
            return
        payment = self.ledger.payment(record.payment_id)
        if payment is None or payment.status == PAYMENT_NOT_STARTED:
            return  # already refunded in full as never started
        order = self.ledger.order_for_payment(payment.id)
        energy_wh = record.energy_wh
        if energy_wh is None:
            # No meter start or stop: the cost is unknown, so nothing is refunded automatically.
            LOGGER.warning("transaction %s/%s has no meter readings", charger_id, transaction_id)
            return
        cost = self.cost_paise(energy_wh)
        refund = self.refund_amount_paise(payment.amount_paise, cost)
        if order is not None:
            self.ledger.update_order(
                order.id,
                energy_wh=energy_wh,
                cost_paise=charged_paise(payment.amount_paise, cost),
                status=ledger_psp.ORDER_SETTLED,
            )
        if refund > 0:
            await self.refund_payment(
                psp_payment_id=payment.utr,
                payment_id=payment.id,
                order_id=payment.reference,
                amount_paise=refund,
                reason=psp_outcomes.REASON_UNUSED,
            )

    # refunding ------------------------------------------------------------------------------

    async def refund_payment(
        self,
        *,
        psp_payment_id: str,
        payment_id: int | None,
        order_id: str | None,
        amount_paise: int,
        reason: str,
    ) -> RefundRecord | None:
        """Claim the payment's one refund, then ask the PSP, retrying what may be retried.

        Retries (PSP unavailable, 5xx, 409 "same key still running", 429) wait
        ``refund_retry_base_s`` doubling each time, up to ``refund_max_attempts`` attempts,
        always with the same idempotency key. A considered refusal (4xx) is recorded as
        failed at once. Returns the ledger row, or None if the refund was already claimed.
        """
        if amount_paise <= 0:
            return None
        key = self.refund_idempotency_key(psp_payment_id)
        row_id = self.ledger.claim_refund(
            psp_payment_id=psp_payment_id,
            payment_id=payment_id,
            order_id=order_id,
            amount_paise=amount_paise,
            reason=reason,
            idempotency_key=key,
        )
        if row_id is None:
            LOGGER.info("payment %s already has its refund; not refunding again", psp_payment_id)
            return None
        delays = backoff_delays(
            self.settings.refund_retry_base_s, self.settings.refund_max_attempts
        )
        detail = ""
        for attempt in range(1, self.settings.refund_max_attempts + 1):
            self.ledger.update_refund(row_id, attempts=attempt)
            try:
                refund = await self.psp.refund(
                    psp_payment_id, amount_paise, key, notes={"reason": reason}
                )
            except PspRefusal as exc:
                if not exc.retryable:
                    LOGGER.warning("refund of %s refused: %s", psp_payment_id, exc)
                    self.ledger.update_refund(
                        row_id, status=ledger_psp.REFUND_FAILED, detail=str(exc)
                    )
                    return self._refund_row(psp_payment_id)
                detail = str(exc)
            except PspUnavailable as exc:
                detail = str(exc)
            else:
                self._record_psp_refund(row_id, psp_payment_id, refund.id, refund.status)
                return self._refund_row(psp_payment_id)
            LOGGER.info("refund of %s attempt %d: %s", psp_payment_id, attempt, detail)
            if attempt <= len(delays) and await self.pause(delays[attempt - 1]):
                self.ledger.update_refund(row_id, detail=f"interrupted by shutdown: {detail}")
                return self._refund_row(psp_payment_id)
        self.ledger.update_refund(
            row_id,
            status=ledger_psp.REFUND_FAILED,
            detail=f"gave up after {self.settings.refund_max_attempts} attempts: {detail}",
        )
        return self._refund_row(psp_payment_id)

    def _record_psp_refund(
        self, row_id: int, psp_payment_id: str, refund_id: str, status: str
    ) -> None:
        current = self.ledger.refund_for(psp_payment_id)
        # A refund.processed webhook may have overtaken the API answer: never go back to pending.
        keep = current is not None and current.status != ledger_psp.REFUND_REQUESTING
        self.ledger.update_refund(
            row_id, psp_refund_id=refund_id, status=None if keep else status, detail=""
        )

    def _refund_row(self, psp_payment_id: str) -> RefundRecord | None:
        return self.ledger.refund_for(psp_payment_id)

    # rules ----------------------------------------------------------------------------------

    def refund_allowed(self, payment: PaymentRecord) -> bool:
        """Rule: only PSP payments can be refunded; a static-QR credit never (seed 2.1.1)."""
        return payment.source == PSP_SOURCE

    def cost_paise(self, energy_wh: int) -> int:
        """Rule: energy (kWh) x price per kWh x (1 + tax), half-up to the paisa."""
        return energy_cost_paise(energy_wh, self.settings.price_per_kwh, self.settings.tax_rate)

    def refund_amount_paise(self, paid_paise: int, cost_paise: int) -> int:
        """Rule: refund what was paid minus what was used (the cost, capped at the payment)."""
        return unused_paise(paid_paise, cost_paise)

    def refund_idempotency_key(self, psp_payment_id: str) -> str:
        """Rule: one key per payment, the same on every attempt (``rf-<payment id>``)."""
        return idempotency_key(psp_payment_id)
