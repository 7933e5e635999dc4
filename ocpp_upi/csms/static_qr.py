"""The static-QR payment rules (seed section 2.1.1), one overridable method per rule.

A credit to the merchant VPA names an EVSE through its ``tr`` reference; the CSMS verifies the
bank's signature, records the payment once per UTR, and remotely starts that EVSE. Each rule is
a small method so a fault variant (a subclass breaking exactly one rule) overrides one method
and nothing else. There is deliberately no refund path: static QR cannot refund.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from ocpp_upi.csms import outcomes
from ocpp_upi.csms.bank_notice import (
    BankCredit,
    MalformedNotice,
    parse_bank_credit,
    signature_valid,
)
from ocpp_upi.csms.ledger import Ledger
from ocpp_upi.csms.outcomes import WebhookReply
from ocpp_upi.csms.references import ReferenceFormat
from ocpp_upi.csms.registry import ChargerRegistry, ConnectedCharger
from ocpp_upi.csms.settings import CsmsSettings
from ocpp_upi.csms.sticker import static_qr_link

LOGGER = logging.getLogger("ocpp_upi.csms.static_qr")


class StaticQrRules:
    """Mixin of ReferenceCsms holding the payment-to-remote-start rules."""

    settings: CsmsSettings
    ledger: Ledger
    chargers: ChargerRegistry
    references: ReferenceFormat

    async def handle_bank_notification(self, body: bytes, signature: str | None) -> WebhookReply:
        """Apply the rules in order; see ``outcomes`` for the reply to each case."""
        if not self.signature_ok(body, signature):
            return WebhookReply.error(
                401, outcomes.INVALID_SIGNATURE, "missing or wrong X-UPI-Signature"
            )
        try:
            notification = self.parse_notification(body)
        except MalformedNotice as exc:
            return WebhookReply.error(400, outcomes.MALFORMED, str(exc))
        utr = notification.utr
        if not self.credit_succeeded(notification):
            return WebhookReply.result(outcomes.ACKNOWLEDGED, utr=utr, status=notification.status)
        if not self.payee_ok(notification):
            return WebhookReply.result(outcomes.WRONG_PAYEE, utr=utr)
        if not self.credit_fresh(notification, datetime.now(UTC)):
            LOGGER.warning("credit %s made at %s is stale", utr, notification.credited_at)
            return WebhookReply.result(outcomes.STALE, utr=utr)
        target = self.resolve_reference(notification.reference)
        if target is None:
            LOGGER.warning("credit %s names no connected EVSE: %r", utr, notification.reference)
            return WebhookReply.result(outcomes.UNKNOWN_REFERENCE, utr=utr)
        charger_id, evse_id = target
        payment_id = self.admit_payment(notification, charger_id, evse_id)
        if payment_id is None:
            return WebhookReply.result(outcomes.DUPLICATE, utr=utr)
        id_token = self.id_token_for(notification)
        result = await self.remote_start(charger_id, evse_id, id_token, payment_id)
        return WebhookReply.result(
            result, utr=utr, payment_id=payment_id, charger_id=charger_id, evse_id=evse_id
        )

    def signature_ok(self, body: bytes, header: str | None) -> bool:
        """Rule: only a body signed with the shared bank secret may move anything."""
        return signature_valid(body, header, self.settings.bank_webhook_secret)

    def parse_notification(self, body: bytes) -> BankCredit:
        """Rule: a malformed body is refused (MalformedNotice -> HTTP 400)."""
        return parse_bank_credit(body)

    def credit_succeeded(self, notification: BankCredit) -> bool:
        """Rule: only a SUCCESS credit is money in the account."""
        return notification.succeeded

    def payee_ok(self, notification: BankCredit) -> bool:
        """Rule: the money must have reached our merchant VPA, in rupees."""
        return (
            notification.payee_vpa.lower() == self.settings.merchant_vpa.lower()
            and notification.currency == "INR"
        )

    def credit_fresh(self, notification: BankCredit, now: datetime) -> bool:
        """Rule: only a credit made within ``credit_freshness_s`` of now (either way) starts a
        session; an old or future-dated one is acknowledged for reconciliation, nothing more."""
        return abs((now - notification.made_at).total_seconds()) <= self.settings.credit_freshness_s

    def resolve_reference(self, reference: str) -> tuple[str, int] | None:
        """Rule: the ``tr`` must name an EVSE of a charger connected right now."""
        parsed = self.references.parse(reference)
        if parsed is None:
            return None
        charger = self.chargers.get(parsed[0])
        if charger is None or parsed[1] not in charger.evses:
            return None
        return parsed

    def admit_payment(self, notification: BankCredit, charger_id: str, evse_id: int) -> int | None:
        """Rule: one UTR, one payment; None for a duplicate (the ledger's UNIQUE decides)."""
        return self.ledger.record_payment(
            utr=notification.utr,
            reference=notification.reference,
            charger_id=charger_id,
            evse_id=evse_id,
            amount_paise=notification.amount_paise,
            payer_vpa=notification.payer_vpa,
            received_at=notification.credited_at,
        )

    def id_token_for(self, notification: BankCredit) -> str:
        """The token the charger will report for this session: the UTR (12 digits fit 1.6's
        20-character idTag and 2.0.1's 36-character idToken)."""
        return notification.utr

    async def remote_start(
        self, charger_id: str, evse_id: int, id_token: str, payment_id: int | None
    ) -> str:
        """Rule: start the paid EVSE once; returns started / start_rejected / start_failed.

        Bounded by ``remote_start_timeout`` and cut short if the charger disconnects, so the
        webhook always gets an answer.
        """
        remote_start_id = self.ledger.begin_remote_start(payment_id, charger_id, evse_id, id_token)
        charger = self.chargers.get(charger_id)
        if charger is None:
            result = outcomes.START_FAILED
        else:
            result = await self._send_remote_start(charger, evse_id, id_token, remote_start_id)
        self.ledger.finish_remote_start(remote_start_id, result)
        return result

    async def _send_remote_start(
        self,
        charger: ConnectedCharger,
        evse_id: int,
        id_token: str,
        remote_start_id: int,
        *,
        paid: bool = True,
    ) -> str:
        request = asyncio.ensure_future(
            charger.handler.request_remote_start(evse_id, id_token, remote_start_id, paid=paid)
        )
        closed = asyncio.ensure_future(charger.closed.wait())
        try:
            await asyncio.wait(
                {request, closed},
                timeout=self.settings.remote_start_timeout,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            closed.cancel()
            if not request.done():
                request.cancel()
        if not request.done() or request.cancelled():
            LOGGER.warning(
                "remote start %d on %s got no answer", remote_start_id, charger.charger_id
            )
            return outcomes.START_FAILED
        try:
            status = request.result()
        except Exception:
            LOGGER.warning("remote start %d failed", remote_start_id, exc_info=True)
            return outcomes.START_FAILED
        return outcomes.STARTED if status == "Accepted" else outcomes.START_REJECTED

    def static_qr_content(self, charger_id: str, evse: int) -> str:
        """The sticker for one EVSE: merchant VPA, payee name, reference, INR, no amount."""
        return static_qr_link(
            self.settings.merchant_vpa,
            self.settings.payee_name,
            self.references.format(charger_id, evse),
        )
