"""The webpage-redirect pay page (seed 2.1.2), one overridable method per rule.

The redirect QR's ``url`` opens ``/pay`` for one EVSE; the driver picks a prepaid amount; the
CSMS creates an order and an S2S UPI intent at the PSP and hands the ``upi://`` link to the
driver's UPI app. Nothing here starts a session: only the PSP's signed webhook does
(``psp_webhook``). The return page in particular is reachable by anyone who types its URL.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit

from ocpp_upi.csms import ledger_psp
from ocpp_upi.csms.money import rupees_to_paise
from ocpp_upi.csms.pay_pages import choose_page, intent_page, message_page, return_page
from ocpp_upi.csms.payments_base import PaymentsBase
from ocpp_upi.csms.psp_client import PspRefusal, PspUnavailable
from ocpp_upi.csms.sticker import redirect_qr_link

LOGGER = logging.getLogger("ocpp_upi.csms.pay")

PAY_PATH = "/pay"
PAY_RETURN_PATH = "/pay/return"
RECEIPT_MAX = 40  # Razorpay: receipt <= 40 characters
_EVSE = re.compile(r"[1-9][0-9]{0,5}")

# What the return page says for each order status; it only ever reads the ledger.
_STATE_TEXT = {
    ledger_psp.ORDER_PAID: "payment confirmed by the payment provider",
    ledger_psp.ORDER_SETTLED: "session finished and settled",
    ledger_psp.ORDER_NOT_STARTED: "charging did not start; the full amount is being refunded",
    ledger_psp.ORDER_PAYMENT_FAILED: "the payment failed",
    ledger_psp.ORDER_AMOUNT_MISMATCH: "the amount paid did not match; it is being refunded",
}


@dataclass(frozen=True)
class PageReply:
    """HTTP status and HTML body of one pay-page request."""

    status: int
    html: str


class WebPayRules(PaymentsBase):
    """Mixin of ReferenceCsms: pay page, order creation and the redirect QR."""

    # A per-instance tag in every receipt (set by the server): an in-memory ledger restarts its
    # numbering, the PSP (which wants unique receipts) does not forget.
    receipt_tag: str

    # routes ---------------------------------------------------------------------------------

    async def handle_pay_page(self, query: Mapping[str, str]) -> PageReply:
        """``GET /pay?charger_id=..&evse=..``: the amount form, or 404 for an unknown EVSE."""
        if not self.settings.payments_enabled:
            return _not_found("Payments are not enabled on this CSMS.")
        target = self.resolve_pay_target(query.get("charger_id"), query.get("evse"))
        if target is None:
            return _not_found("This charger or EVSE is unknown or offline.")
        charger_id, evse = target
        html = choose_page(
            charger_id,
            evse,
            self.settings.amount_choices_paise,
            self.settings.price_per_kwh,
            self.settings.tax_rate,
            self.pay_terms(),
        )
        return PageReply(200, html)

    async def handle_pay_submit(self, form: Mapping[str, str]) -> PageReply:
        """``POST /pay``: order + UPI intent at the PSP, then the page with the intent link.

        Checks come before any PSP call, so a bad form never creates an order.
        """
        if not self.settings.payments_enabled:
            return _not_found("Payments are not enabled on this CSMS.")
        amount_paise = self.parse_amount_choice(form.get("amount"))
        if amount_paise is None:
            return PageReply(400, message_page("Bad amount", "Choose one of the offered amounts."))
        target = self.resolve_pay_target(form.get("charger_id"), form.get("evse"))
        if target is None:
            return _not_found("This charger or EVSE is unknown or offline.")
        charger_id, evse = target
        row_id = self.ledger.draft_order(amount_paise, charger_id, evse)
        receipt = self.order_receipt(charger_id, evse, row_id)
        self.ledger.update_order(row_id, receipt=receipt)
        notes = {"charger_id": charger_id, "evse": str(evse)}
        try:
            order = await self.psp.create_order(amount_paise, receipt, notes)
        except (PspRefusal, PspUnavailable) as exc:
            LOGGER.warning("order for %s EVSE %d failed: %s", charger_id, evse, exc)
            self.ledger.update_order(row_id, status=ledger_psp.ORDER_CREATE_FAILED)
            return _psp_down()
        if order.amount != amount_paise or order.currency != "INR":
            LOGGER.warning("PSP created %r for %d paise INR", order, amount_paise)
            self.ledger.update_order(row_id, status=ledger_psp.ORDER_CREATE_FAILED)
            return _psp_down()
        self.ledger.update_order(row_id, order_id=order.id, status=ledger_psp.ORDER_CREATED)
        description = f"EV charging at {charger_id} EVSE {evse}"
        try:
            intent = await self.psp.create_upi_intent(
                order.id,
                amount_paise,
                description,
                email=self.settings.psp_customer_email,
                contact=self.settings.psp_customer_contact,
                notes=notes,
            )
        except (PspRefusal, PspUnavailable) as exc:
            LOGGER.warning("UPI intent for %s failed: %s", order.id, exc)
            self.ledger.update_order(row_id, status=ledger_psp.ORDER_INTENT_FAILED)
            return _psp_down()
        if not self.intent_link_ok(intent.link):
            LOGGER.warning("PSP returned a non-UPI intent link for %s: %r", order.id, intent.link)
            self.ledger.update_order(row_id, status=ledger_psp.ORDER_INTENT_FAILED)
            return _psp_down()
        self.ledger.update_order(row_id, psp_payment_id=intent.payment_id)
        return_url = f"{PAY_RETURN_PATH}?order_id={quote(order.id, safe='')}"
        html = intent_page(order.id, amount_paise, charger_id, evse, intent.link, return_url)
        return PageReply(200, html)

    async def handle_pay_return(self, order_id: str | None) -> PageReply:
        """Rule: the browser coming back is not proof of payment. Show the ledger's view and
        start nothing; only a verified PSP webhook (or a PSP status fetch) moves money."""
        order = self.ledger.order(order_id) if order_id else None
        if order is None:
            state = "waiting for the payment provider"
        else:
            state = _STATE_TEXT.get(order.status, "waiting for the payment provider")
        return PageReply(200, return_page(order_id or "", state))

    # rules ----------------------------------------------------------------------------------

    def resolve_pay_target(
        self, charger_id: str | None, evse_text: str | None
    ) -> tuple[str, int] | None:
        """Rule: the page serves only an EVSE of a charger connected now (nothing else can be
        started). Without ``evse``, a one-EVSE charger's EVSE, or a sticker-style reference
        such as the seed's ``charger_id=EVSE1234-1``."""
        if not charger_id:
            return None
        if evse_text:
            if not _EVSE.fullmatch(evse_text):
                return None
            return self._connected(charger_id, int(evse_text))
        charger = self.chargers.get(charger_id)
        if charger is not None and len(charger.evses) == 1:
            return charger_id, next(iter(charger.evses))
        parsed = self.references.parse(charger_id)
        return self._connected(*parsed) if parsed else None

    def _connected(self, charger_id: str, evse: int) -> tuple[str, int] | None:
        charger = self.chargers.get(charger_id)
        if charger is None or evse not in charger.evses:
            return None
        return charger_id, evse

    def parse_amount_choice(self, text: str | None) -> int | None:
        """Rule: only an offered amount, in rupees ("200.00"); anything else -> 400."""
        if not text:
            return None
        try:
            paise = rupees_to_paise(text.strip())
        except ValueError:
            return None
        return paise if paise in self.settings.amount_choices_paise else None

    def order_receipt(self, charger_id: str, evse: int, number: int) -> str:
        """``CP1-1-7-a1b2c3``: unique per order, <= 40 characters (the charger id is cut
        first, the numbers never)."""
        suffix = f"-{evse}-{number}-{self.receipt_tag}"
        return charger_id[: max(RECEIPT_MAX - len(suffix), 0)] + suffix

    def intent_link_ok(self, link: str) -> bool:
        """Rule: hand the browser only a ``upi:`` link; escaping stops HTML injection but not a
        ``javascript:`` URL from a compromised or buggy PSP."""
        return urlsplit(link).scheme.lower() == "upi"

    def pay_terms(self) -> str:
        return (
            "Prepaid charging. When the session ends, the unused part of the amount is refunded "
            "to your UPI account. If charging has not started within "
            f"{self.settings.start_deadline_s:g} seconds of your payment, the full amount is "
            "refunded."
        )

    def pay_page_url(self, charger_id: str, evse: int) -> str:
        return f"{self.http_base_url}{PAY_PATH}?" + urlencode(
            {"charger_id": charger_id, "evse": evse}
        )

    def redirect_qr_content(self, charger_id: str, evse: int) -> str:
        """The redirect sticker for one EVSE: merchant VPA, payee name and the pay page URL."""
        return redirect_qr_link(
            self.settings.merchant_vpa,
            self.settings.payee_name,
            self.pay_page_url(charger_id, evse),
        )


def _not_found(text: str) -> PageReply:
    return PageReply(404, message_page("Not found", text))


def _psp_down() -> PageReply:
    return PageReply(
        502,
        message_page(
            "Payment provider unavailable",
            "The payment could not be prepared. Nothing was charged; please try again.",
        ),
    )
