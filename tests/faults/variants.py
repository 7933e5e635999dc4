"""Fault-injected CSMS variants: each breaks exactly one rule of the reference CSMS.

They live here, outside ``ocpp_upi/csms``, so the reference CSMS stays correct by construction;
each is a subclass overriding one hook. The self-tests run the conformance suite against every
variant and require the scenario aimed at its rule to fail with that scenario's own message.
"""

from __future__ import annotations

from ocpp_upi.bank.notification import CreditNotification
from ocpp_upi.csms.server import ReferenceCsms


class IgnoresSignature(ReferenceCsms):
    """Moves money on any notification, signed or not (rule: verify the bank's HMAC)."""

    def signature_ok(self, body: bytes, header: str | None) -> bool:
        return True


class StartsTwiceOnDuplicate(ReferenceCsms):
    """Starts again when the same UTR is delivered twice (rule: one payment, one start)."""

    def admit_payment(
        self, notification: CreditNotification, charger_id: str, evse_id: int
    ) -> int | None:
        admitted = super().admit_payment(notification, charger_id, evse_id)
        if admitted is not None:
            return admitted
        existing = self.ledger.payment_by_utr(notification.utr)
        return existing.id if existing is not None else None


class StartsUnknownReference(ReferenceCsms):
    """Starts EVSE 1 of some connected charger when the reference names nothing it knows
    (rule: a credit starts only the EVSE its reference names)."""

    def resolve_reference(self, reference: str) -> tuple[str, int] | None:
        resolved = super().resolve_reference(reference)
        if resolved is not None:
            return resolved
        parsed = self.references.parse(reference)
        if parsed is not None and parsed[0] in self.chargers:
            return parsed[0], 1
        ids = list(self.chargers.ids())
        return (ids[-1], 1) if ids else None


class WrongStaticQrCurrency(ReferenceCsms):
    """Prints a sticker in another currency (rule: UPI links carry cu=INR only)."""

    def static_qr_content(self, charger_id: str, evse: int) -> str:
        return super().static_qr_content(charger_id, evse).replace("cu=INR", "cu=USD")
