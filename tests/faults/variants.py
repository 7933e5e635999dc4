"""Fault-injected CSMS variants: each breaks exactly one rule of the reference CSMS.

They live here, outside ``ocpp_upi/csms``, so the reference CSMS stays correct by construction;
each is a subclass overriding one hook. The self-tests run the conformance suite against every
variant and require the scenario aimed at its rule to fail with that scenario's own message.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from aiohttp import web
from websockets.asyncio.server import Server

from ocpp_upi.csms.bank_notice import BankCredit
from ocpp_upi.csms.handlers import Ocpp16Handler
from ocpp_upi.csms.http_api import BANK_WEBHOOK_PATH, PSP_WEBHOOK_PATH, STATIC_QR_IMAGE_PATH
from ocpp_upi.csms.ledger import PaymentRecord
from ocpp_upi.csms.ledger_psp import OrderRecord, RefundRecord
from ocpp_upi.csms.outcomes import WebhookReply
from ocpp_upi.csms.psp_client import PspRefusal, PspUnavailable
from ocpp_upi.csms.psp_entities import PspPayment
from ocpp_upi.csms.server import ReferenceCsms, charger_id_from_path
from ocpp_upi.csms.settings import CsmsSettings
from ocpp_upi.csms.sticker import sticker_png, sticker_svg
from ocpp_upi.csms.web_pay import PageReply
from ocpp_upi.csms.web_payments import QR_PATH
from ocpp_upi.limits import prepaid_limit_wh
from ocpp_upi.ocpp.codec import MessageTypeId
from ocpp_upi.upi.totp import totp_v1
from tests.faults.hostile import (
    CALL,
    CALLRESULT,
    FloodsCalls,
    NeverAnswersBoot,
    TamperedConnection,
    TamperingCsms,
)

UNKNOWN_ACTION_CODES = ("NotImplemented", "NotSupported")


class IgnoresSignature(ReferenceCsms):
    """Moves money on any notification, signed or not (rule: verify the bank's HMAC)."""

    def signature_ok(self, body: bytes, header: str | None) -> bool:
        return True


class StartsTwiceOnDuplicate(ReferenceCsms):
    """Starts again when the same UTR is delivered twice (rule: one payment, one start)."""

    def admit_payment(self, notification: BankCredit, charger_id: str, evse_id: int) -> int | None:
        admitted = super().admit_payment(notification, charger_id, evse_id)
        if admitted is not None:
            return admitted
        existing = self.ledger.payment_by_utr(notification.utr)
        return existing.id if existing is not None else None


class StartsTwiceOnConcurrentDuplicates(ReferenceCsms):
    """Deduplicates a UTR only once its first remote start has been answered: the same credit
    delivered twice at once (a bank retry racing its original) starts the EVSE twice. A
    check-then-act race: the suite's sequential redelivery passes, fleet mode catches it
    (tests/load/test_fleet_faults.py)."""

    def __init__(self, settings: CsmsSettings | None = None) -> None:
        super().__init__(settings)
        self._answered: set[str] = set()
        self._first: dict[str, int] = {}

    def admit_payment(self, notification: BankCredit, charger_id: str, evse_id: int) -> int | None:
        admitted = super().admit_payment(notification, charger_id, evse_id)
        if admitted is not None:
            self._first[notification.utr] = admitted
            return admitted
        if notification.utr in self._answered:
            return None  # a redelivery after the start: recognised
        return self._first.get(notification.utr)  # still starting: acted on again

    async def remote_start(
        self, charger_id: str, evse_id: int, id_token: str, payment_id: int | None
    ) -> str:
        try:
            return await super().remote_start(charger_id, evse_id, id_token, payment_id)
        finally:
            self._answered.add(id_token)  # the UTR (id_token_for)


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


# --- webpage-redirect flow and refunds (seed 2.1.2) ---------------------------------------------


class TrustsReturnUrl(ReferenceCsms):
    """Starts charging when the browser comes back to the success page, without any webhook
    (rule: only the PSP's verified word is proof of payment)."""

    async def handle_pay_return(self, order_id: str | None) -> PageReply:
        order = self.ledger.order(order_id) if order_id else None
        if order is not None and order.payment_id is None:
            token = (order.order_id or "")[-20:]
            self.spawn(
                self.remote_start(order.charger_id, order.evse_id, token, None),
                name=f"trusting-return-{order_id}",
            )
        return await super().handle_pay_return(order_id)


class IgnoresWebhookAmount(ReferenceCsms):
    """Starts on any captured payment for the order, whatever its amount
    (rule: the payment must equal the order's amount)."""

    def order_payment_ok(self, order: OrderRecord, payment: PspPayment) -> bool:
        return payment.order_id == order.order_id


class RefundsTwice(ReferenceCsms):
    """Refunds, then refunds again under a fresh idempotency key (rule: exactly one refund)."""

    async def refund_payment(self, **kwargs: Any) -> RefundRecord | None:
        record = await super().refund_payment(**kwargs)
        if record is not None:
            key = self.refund_idempotency_key(kwargs["psp_payment_id"]) + "-again"
            with contextlib.suppress(PspRefusal, PspUnavailable):
                await self.psp.refund(kwargs["psp_payment_id"], kwargs["amount_paise"], key)
        return record


class RefundsFullAfterCharging(ReferenceCsms):
    """Gives all the money back even after charging (rule: refund = paid - cost)."""

    def refund_amount_paise(self, paid_paise: int, cost_paise: int) -> int:
        return paid_paise


class NoRefundAfterRejectedStart(ReferenceCsms):
    """Keeps the money when the station rejects the start (rule: full refund)."""

    def should_refund_on_start_failure(self, outcome: str) -> bool:
        return False


class RefundsStaticQr(ReferenceCsms):
    """Tries to refund a static-QR credit through the PSP (rule: static QR cannot refund)."""

    def refund_allowed(self, payment: PaymentRecord) -> bool:
        return True


class NeverStartsPaidOrder(ReferenceCsms):
    """Takes the money and never starts (rule: a captured payment starts its EVSE)."""

    def on_payment_captured(self, payment: PspPayment) -> WebhookReply:
        return WebhookReply.result("ignored", payment_id=payment.id)


class StartsOnFailedPayment(ReferenceCsms):
    """Treats a failed payment as paid (rule: only a captured payment is money)."""

    def on_payment_failed(self, payment: PspPayment) -> WebhookReply:
        return self.on_payment_captured(replace(payment, status="captured"))


class NoTransactionLimit(ReferenceCsms):
    """Sends no energy limit for a paid 2.1 session (rule: transactionLimit.maxEnergy, Wh)."""

    def transaction_limit_wh(self, payment_id: int) -> int | None:
        return None


class LimitInKwh(ReferenceCsms):
    """Sends the limit in kWh where OCPP 2.1 says Wh (rule: maxEnergy is in Wh)."""

    def transaction_limit_wh(self, payment_id: int) -> int | None:
        limit = super().transaction_limit_wh(payment_id)
        return None if limit is None else limit // 1000


class NoRefundRetry(ReferenceCsms):
    """Gives up on the first failed refund call (rule: retry with the same idempotency key)."""

    def __init__(self, settings: CsmsSettings | None = None) -> None:
        super().__init__(replace(settings or CsmsSettings(), refund_max_attempts=1))


class NoStartDeadlineRefund(ReferenceCsms):
    """Keeps the money when charging never begins (rule: full refund after the deadline)."""

    def __init__(self, settings: CsmsSettings | None = None) -> None:
        super().__init__(replace(settings or CsmsSettings(), start_deadline_s=3600.0))


# --- dynamic QR with TOTP (C25) and prepaid limits (seed 3.1, 3.3) -------------------------------


class AcceptsExpiredTotp(ReferenceCsms):
    """Accepts a code up to ten intervals old (rule: previous, current or next only)."""

    def totp_ok(self, charger_id: str, evse: int, totp: str, now: float) -> bool:
        config = self.web_payment_state.configs.get((charger_id, evse))
        validity = config.validity_s if config is not None else 30
        return any(
            super(AcceptsExpiredTotp, self).totp_ok(charger_id, evse, totp, now - k * validity)
            for k in range(10)
        )


class AcceptsForeignTotp(ReferenceCsms):
    """Accepts a code valid for any connected station's EVSE (rule: only THAT station's)."""

    def totp_ok(self, charger_id: str, evse: int, totp: str, now: float) -> bool:
        return any(
            super(AcceptsForeignTotp, self).totp_ok(other, evse, totp, now)
            for other in [charger_id, *self.chargers.ids()]
        )


class ForgetsTax(ReferenceCsms):
    """Converts the amount to Wh at the pre-tax price (rule: the limit keeps cost incl. tax
    at or under the amount)."""

    def limit_wh_for(self, payment: PaymentRecord) -> int:
        return prepaid_limit_wh(payment.amount_paise, self.settings.price_per_kwh, Decimal(0))


class NeverStops16Station(ReferenceCsms):
    """Meters a 1.6 station that cannot enforce its limit but never stops it
    (rule: RemoteStopTransaction once the energy reaches the limit)."""

    async def stop_for_limit(self, station: Any, transaction_id: str) -> None:
        if isinstance(station, Ocpp16Handler):
            return
        await super().stop_for_limit(station, transaction_id)


# --- webhook security (features/webhook_security.feature) ----------------------------------------


class IgnoresPspSignature(ReferenceCsms):
    """Acts on any PSP webhook, signed or not (rule: verify X-Razorpay-Signature)."""

    def psp_signature_ok(self, body: bytes, header: str | None) -> bool:
        return True


class AcceptsReplayedPspWebhook(ReferenceCsms):
    """Processes a replayed PSP event again: ignores the event-id dedupe and the order's
    one-payment claim, so the same capture starts the EVSE a second time
    (rule: one event, one payment, one start)."""

    _replayed = False

    def admit_psp_event(self, key: str, event: str) -> bool:
        self._replayed = not super().admit_psp_event(key, event)
        return True

    def on_payment_captured(self, payment: PspPayment) -> WebhookReply:
        order = self.ledger.order(payment.order_id) if payment.order_id else None
        if self._replayed and order is not None and order.payment_id is not None:
            self.spawn(
                self.remote_start(order.charger_id, order.evse_id, payment.id[-20:], None),
                name=f"replayed-{payment.id}",
            )
            return WebhookReply.result("start_scheduled", payment_id=payment.id)
        return super().on_payment_captured(payment)


class AcceptsOversizedWebhook(ReferenceCsms):
    """Reads and acts on webhook bodies of any size (rule: refuse oversized bodies, 413)."""

    def max_webhook_body_bytes(self) -> int:
        return 64 * 1024 * 1024


class StartsWithoutPayment(ReferenceCsms):
    """Starts EVSE 1 of a connected charger when a capture names an order it never created
    (rule: no start without a captured payment for one of our orders)."""

    def on_payment_captured(self, payment: PspPayment) -> WebhookReply:
        order = self.ledger.order(payment.order_id) if payment.order_id else None
        ids = list(self.chargers.ids())
        if order is None and ids:
            self.spawn(
                self.remote_start(ids[-1], 1, payment.id[-20:], None),
                name=f"unpaid-{payment.id}",
            )
            return WebhookReply.result("start_scheduled", payment_id=payment.id)
        return super().on_payment_captured(payment)


# --- OCPP-J frames (seed 3.2): wire-level faults, injected through hostile.TamperedConnection --


class OversizedIdToken(TamperingCsms):
    """Sends a remote start whose idTag (1.6, max 20) / idToken (2.x) is over its schema limit
    (rule: every frame the CSMS sends validates against the OCA schema)."""

    async def outgoing(self, conn: TamperedConnection, raw: str, frame: list[Any] | None) -> None:
        if frame is not None and frame[0] == CALL and isinstance(frame[3], dict):
            payload = frame[3]
            if frame[2] == "RemoteStartTransaction":
                raw = json.dumps([*frame[:3], {**payload, "idTag": "X" * 21}])
            elif frame[2] == "RequestStartTransaction":
                token = {**payload.get("idToken", {}), "idToken": "X" * 256}
                raw = json.dumps([*frame[:3], {**payload, "idToken": token}])
        await conn.real.send(raw)


class WrongResultMessageId(TamperingCsms):
    """Answers BootNotification under another message id (rule: a CALLRESULT carries the
    id of the CALL it answers)."""

    async def outgoing(self, conn: TamperedConnection, raw: str, frame: list[Any] | None) -> None:
        if frame is not None and conn.answers_boot(frame):
            raw = json.dumps([frame[0], f"{frame[1]}-other", frame[2]])
        await conn.real.send(raw)


class TwoCallsAtOnce(FloodsCalls):
    """Sends a second CALL before the charger answered the first (rule: one CALL at a time)."""

    calls = 2


class NeverAnswersBootNotification(NeverAnswersBoot):
    """Never answers BootNotification (rule: every CALL gets its answer in time)."""


class WrongSubprotocol(ReferenceCsms):
    """Picks a subprotocol the charger never offered (rule: choose one of the offered)."""

    def select_subprotocol(self, offered: Sequence[str]) -> str | None:
        return "ocpp0.9"


# --- more single-rule variants: each scenario of the flows has one that breaks it ----------------


class NeverStartsOnCredit(ReferenceCsms):
    """Records a credited static-QR payment but never starts the EVSE (rule: seed 2.1.1, a
    credit on an EVSE's reference remotely starts that EVSE)."""

    async def remote_start(
        self, charger_id: str, evse_id: int, id_token: str, payment_id: int | None
    ) -> str:
        payment = self.ledger.payment(payment_id) if payment_id is not None else None
        if payment is not None and payment.source == "static_qr":
            return "start_failed"
        return await super().remote_start(charger_id, evse_id, id_token, payment_id)


class NoTotpSkew(ReferenceCsms):
    """Accepts only the current TOTP interval (rule C25.FR.07: previous and next too)."""

    def totp_ok(self, charger_id: str, evse: int, totp: str, now: float) -> bool:
        config = self.web_payment_state.configs.get((charger_id, evse))
        if config is None:
            return False
        current = totp_v1(config.shared_secret, now, config.validity_s, config.length)
        return totp == current


class AcceptsAnyTotp(ReferenceCsms):
    """Opens the pay page whatever the code (rule C25.FR.08: refuse anything but a valid TOTP)."""

    def totp_ok(self, charger_id: str, evse: int, totp: str, now: float) -> bool:
        return True


class ShortTotpSecret(ReferenceCsms):
    """Configures a 12-character SharedSecret (rule: more than 16 characters)."""

    def web_payment_secret(self, charger_id: str, evse: int) -> str:
        return super().web_payment_secret(charger_id, evse)[:12]


# --- the rest of the scenarios: each has a variant that breaks exactly its rule ------------------


class StartsFirstEvse(ReferenceCsms):
    """Starts the charger's first EVSE whatever EVSE the reference names: a CSMS written for
    one-connector chargers (rule: a credit starts exactly the EVSE its reference names)."""

    def resolve_reference(self, reference: str) -> tuple[str, int] | None:
        resolved = super().resolve_reference(reference)
        charger = self.chargers.get(resolved[0]) if resolved is not None else None
        if resolved is None or charger is None:
            return resolved
        return resolved[0], min(charger.evses)


class AcceptsAnyPassword(ReferenceCsms):
    """Lets any Basic-auth password in (rule: security profile 1 refuses a wrong password)."""

    def authenticate(self, charger_id: str, username: str, password: str) -> bool:
        return True


class AcknowledgesMalformedWebhooks(ReferenceCsms):
    """Answers 200 to a signed body it cannot parse, so the sender stops retrying and the
    delivery is lost silently (rule: a malformed webhook is refused with a 4xx)."""

    async def handle_bank_notification(self, body: bytes, signature: str | None) -> WebhookReply:
        reply = await super().handle_bank_notification(body, signature)
        return WebhookReply.result("ignored") if reply.status == 400 else reply

    async def handle_psp_webhook(
        self, body: bytes, signature: str | None, event_id: str | None
    ) -> WebhookReply:
        reply = await super().handle_psp_webhook(body, signature, event_id)
        return WebhookReply.result("ignored") if reply.status == 400 else reply


class OpensPayPageWithoutTotp(ReferenceCsms):
    """Routes a QR URL whose TOTP segment is empty to the pay page and checks a code only when
    one is given (rule C25.FR.08: no valid TOTP, no pay page)."""

    def http_app(self) -> web.Application:
        app = super().http_app()

        async def qr_without_code(request: web.Request) -> web.Response:
            info = request.match_info
            reply = await self.handle_qr_page(
                info["charger_id"], info["evse"], "", info["version"], dict(request.query)
            )
            return web.Response(status=reply.status, text=reply.html, content_type="text/html")

        app.router.add_get(QR_PATH.replace("/{totp}/", "//"), qr_without_code)
        return app

    def totp_ok(self, charger_id: str, evse: int, totp: str, now: float) -> bool:
        return totp == "" or super().totp_ok(charger_id, evse, totp, now)


class StartsBeforePayment(ReferenceCsms):
    """Starts the EVSE as soon as the order exists, before any payment, to save the driver a
    wait (rule: only a captured payment starts; an abandoned order starts nothing)."""

    async def handle_pay_submit(self, form: Mapping[str, str]) -> PageReply:
        reply = await super().handle_pay_submit(form)
        created = [o for o in self.ledger.orders() if o.order_id] if reply.status == 200 else []
        if created:
            order = created[-1]
            await self.remote_start(order.charger_id, order.evse_id, order.order_id[-20:], None)
        return reply


class SurchargesOrder(ReferenceCsms):
    """Adds an 18.00 INR convenience fee to the order the driver pays (rule: the order and its
    UPI intent are for exactly the amount the driver chose)."""

    def parse_amount_choice(self, text: str | None) -> int | None:
        chosen = super().parse_amount_choice(text)
        return None if chosen is None else chosen + 1800


class WrongErrorCodeForUnknownAction(TamperingCsms):
    """Answers an action the version does not define with CALLERROR GenericError (rule: OCPP-J
    says NotImplemented, or NotSupported where the version names that code)."""

    async def outgoing(self, conn: TamperedConnection, raw: str, frame: list[Any] | None) -> None:
        if (
            frame is not None
            and frame[0] == MessageTypeId.CALLERROR
            and frame[2] in UNKNOWN_ACTION_CODES
        ):
            raw = json.dumps([frame[0], frame[1], "GenericError", *frame[3:]])
        await conn.real.send(raw)


class AnswersNotSupportedForUnknownAction(TamperingCsms):
    """Answers an action the version does not define with NotSupported, as the ``ocpp``
    package does (allowed by many stacks, wrong in letter: a quirk, not a FAIL)."""

    async def outgoing(self, conn: TamperedConnection, raw: str, frame: list[Any] | None) -> None:
        if (
            frame is not None
            and frame[0] == MessageTypeId.CALLERROR
            and frame[2] == "NotImplemented"
        ):
            raw = json.dumps([frame[0], frame[1], "NotSupported", *frame[3:]])
        await conn.real.send(raw)


class ForgetsTransactionOnReconnect(TamperingCsms):
    """Forgets a charger's running transaction when it reconnects without rebooting, and
    answers its end as an unknown one (rule: a transaction survives a reconnect)."""

    def __init__(self, settings: CsmsSettings | None = None) -> None:
        super().__init__(settings)
        self._stops_after_reconnect: set[str] = set()

    async def incoming(
        self, conn: TamperedConnection, raw: str | bytes, frame: list[Any] | None
    ) -> str | bytes | None:
        # A connection on which the charger never booted is a reconnect.
        if frame is not None and frame[0] == CALL and not conn.booted and _ends(frame):
            self._stops_after_reconnect.add(str(frame[1]))
        return raw

    async def outgoing(self, conn: TamperedConnection, raw: str, frame: list[Any] | None) -> None:
        if frame is not None and frame[0] == CALLRESULT and frame[1] in self._stops_after_reconnect:
            key = "idTagInfo" if "idTagInfo" in frame[2] else "idTokenInfo"
            raw = json.dumps([CALLRESULT, frame[1], {**frame[2], key: {"status": "Invalid"}}])
        await conn.real.send(raw)


def _ends(frame: list[Any]) -> bool:
    """A charger's CALL that ends a transaction: 1.6 StopTransaction, 2.x TransactionEvent Ended."""
    payload = frame[3] if len(frame) > 3 and isinstance(frame[3], dict) else {}
    return frame[2] == "StopTransaction" or (
        frame[2] == "TransactionEvent" and payload.get("eventType") == "Ended"
    )


def without_routes(full: web.Application, *paths: str) -> web.Application:
    """A copy of ``full`` without the routes at ``paths`` (aiohttp cannot remove a route)."""
    app = web.Application()
    for route in full.router.routes():
        path = route.resource.canonical if route.resource is not None else ""
        if path not in paths:
            app.router.add_route(route.method, path, route.handler)
    return app


class NoWebhookRoutes(ReferenceCsms):
    """Serves OCPP, pay pages and QR pages but has no bank or PSP webhook route at all (a CSMS
    whose payment integration is not deployed). Every scenario that rests on a webhook must be
    ERROR "endpoint missing", never PASS: a missing route is no refusal."""

    def http_app(self) -> web.Application:
        return without_routes(super().http_app(), BANK_WEBHOOK_PATH, PSP_WEBHOOK_PATH)


class AcceptsPaymentsNeverStarts(ReferenceCsms):
    """Acknowledges every payment (bank credit, PSP capture) and records it, but never sends a
    remote start (rule: seed 3.2, a paid session is started remotely). Every scenario that needs
    a session must fail once, at the missing remote start, without cascaded waits."""

    async def remote_start(
        self, charger_id: str, evse_id: int, id_token: str, payment_id: int | None
    ) -> str:
        return "start_failed"


# --- the OCPP core group: one variant per payment-free scenario ---------------------------------


class RewritesAnswer(TamperingCsms):
    """Rewrites the CALLRESULT payload to one action; the rest passes through."""

    action: str = ""

    def rewrite(self, payload: dict[str, Any]) -> dict[str, Any]:
        return payload

    async def outgoing(self, conn: TamperedConnection, raw: str, frame: list[Any] | None) -> None:
        if frame is not None and conn.answered_action(frame) == self.action:
            raw = json.dumps([frame[0], frame[1], self.rewrite(dict(frame[2]))])
        await conn.real.send(raw)


def _two_hours_ago() -> str:
    moment = datetime.now(UTC) - timedelta(hours=2)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


class BootClockOff(RewritesAnswer):
    """Accepts the boot with a clock two hours slow (rule: BootNotification's currentTime sets
    the station's clock)."""

    action = "BootNotification"

    def rewrite(self, payload: dict[str, Any]) -> dict[str, Any]:
        return {**payload, "currentTime": _two_hours_ago()}


class HeartbeatClockOff(RewritesAnswer):
    """Answers Heartbeat with a clock two hours slow (rule: Heartbeat's currentTime is the
    CSMS's current time, the station's time sync)."""

    action = "Heartbeat"

    def rewrite(self, payload: dict[str, Any]) -> dict[str, Any]:
        return {**payload, "currentTime": _two_hours_ago()}


class RejectsLocalIdTag(RewritesAnswer):
    """Answers Authorize Invalid for the card the profile names as authorized (rule: the CSMS
    authorizes its own local idTags and carries the session it starts)."""

    action = "Authorize"

    def rewrite(self, payload: dict[str, Any]) -> dict[str, Any]:
        key = "idTagInfo" if "idTagInfo" in payload else "idTokenInfo"
        return {**payload, key: {**payload.get(key, {}), "status": "Invalid"}}


# --- subprotocol negotiation -------------------------------------------------------------------


class AcceptsAnyOfferedSubprotocol(ReferenceCsms):
    """Takes the charger's first offer, whether it speaks that version or not (rule: OCTT
    TC_B_58, choose an offered version the CSMS supports; none: close after the handshake)."""

    def select_subprotocol(self, offered: Sequence[str]) -> str | None:
        return offered[0] if offered else None


class KeepsConnectionWithoutSubprotocol(ReferenceCsms):
    """Completes a handshake that agreed on no subprotocol and keeps the connection open
    (rule: OCPP-J 3.1.2, then immediately close it)."""

    async def _serve_charger(self, connection: Any) -> None:
        if connection.subprotocol is None:
            await connection.wait_closed()
            return
        await super()._serve_charger(connection)


class StickerImageForAnotherEvse(ReferenceCsms):
    """Prints EVSE 1's link in every EVSE's sticker image, while the text link is right (rule:
    the code a driver scans routes the money to the EVSE it is stuck on)."""

    render_sticker = staticmethod(sticker_png)
    sticker_type = "image/png"

    def http_app(self) -> web.Application:
        app = without_routes(super().http_app(), STATIC_QR_IMAGE_PATH)

        async def image(request: web.Request) -> web.Response:
            link = self.static_qr_content(request.match_info["charger_id"], 1)
            return web.Response(body=self.render_sticker(link), content_type=self.sticker_type)

        app.router.add_get(STATIC_QR_IMAGE_PATH, image)
        return app


# --- a pay page built by JavaScript ------------------------------------------------------------


def _built_by_script(reply: PageReply) -> PageReply:
    """The same page, but its body only exists once a script has run (as many CPO pages)."""
    if reply.status != 200:
        return reply
    html = (
        "<!doctype html><html><head><title>Pay</title></head><body><div id='app'></div>"
        f"<script>document.getElementById('app').innerHTML = {json.dumps(reply.html)};</script>"
        "</body></html>"
    )
    return PageReply(reply.status, html)


class JavaScriptPayPage(ReferenceCsms):
    """Serves its pay page and its intent page built by JavaScript: correct, but only a real
    browser can pay there (the HTTP driver must say so, never FAIL the CSMS for it)."""

    async def handle_pay_page(self, query: Mapping[str, str]) -> PageReply:
        return _built_by_script(await super().handle_pay_page(query))

    async def handle_pay_submit(self, form: Mapping[str, str]) -> PageReply:
        return _built_by_script(await super().handle_pay_submit(form))


# --- operator actions ----------------------------------------------------------------------


class IgnoresOperatorStart(ReferenceCsms):
    """Answers the operator's remote start "Accepted" and sends the station nothing (rule: an
    operator's remote start reaches the station as RemoteStart / RequestStartTransaction)."""

    async def operator_remote_start(self, charger_id: str, evse_id: int, id_token: str) -> str:
        return "Accepted"


class StopsAnotherTransaction(ReferenceCsms):
    """Sends the operator's remote stop for a transaction id one off the chosen one (rule: the
    remote stop names the transaction the operator stopped)."""

    async def operator_remote_stop(self, charger_id: str, transaction_id: str) -> str:
        other = str(int(transaction_id) + 1) if transaction_id.isdigit() else transaction_id + "X"
        return await super().operator_remote_stop(charger_id, other)


# --- boot decisions a correct CSMS may take: the harness must follow them, not fail them --------


class PendingThenAccepted(RewritesAnswer):
    """Answers each connection's first BootNotification Pending (interval 1 s) and accepts the
    next: allowed (OCPP 1.6 4.2, 2.0.1 B02), so every scenario must still pass."""

    action = "BootNotification"

    async def outgoing(self, conn: TamperedConnection, raw: str, frame: list[Any] | None) -> None:
        if frame is not None and conn.answered_action(frame) == self.action:
            seen = getattr(conn, "boots_answered", 0)
            conn.boots_answered = seen + 1  # type: ignore[attr-defined]
            if seen == 0:
                payload = {**frame[2], "status": "Pending", "interval": 1}
                raw = json.dumps([frame[0], frame[1], payload])
        await conn.real.send(raw)


class RejectsEveryBoot(RewritesAnswer):
    """Rejects every BootNotification, as a CSMS does for an identity it was never given: the
    check cannot run (ERROR naming the identity), it is no verdict on the CSMS."""

    action = "BootNotification"

    def rewrite(self, payload: dict[str, Any]) -> dict[str, Any]:
        return {**payload, "status": "Rejected"}


class SvgStickerForAnotherEvse(StickerImageForAnotherEvse):
    """Serves every EVSE's sticker as an SVG holding EVSE 1's link (rule: the code a driver
    scans routes the money to the EVSE it is stuck on, whatever the image format)."""

    render_sticker = staticmethod(sticker_svg)
    sticker_type = "image/svg+xml"


class NoForwardTotpSkew(ReferenceCsms):
    """Accepts the previous and the current TOTP interval but not the next (rule C25.FR.07: a
    station clock running fast shows the next interval's code, which is valid)."""

    def totp_ok(self, charger_id: str, evse: int, totp: str, now: float) -> bool:
        config = self.web_payment_state.configs.get((charger_id, evse))
        if config is None:
            return False
        return any(
            totp == totp_v1(config.shared_secret, now - back, config.validity_s, config.length)
            for back in (0, config.validity_s)
        )


class CentralTokenForPspPayments(ReferenceCsms):
    """Starts a PSP-paid 2.1 session with idToken type Central (rule: OCPP 2.1 C25, a start
    paid at a PSP carries the payment reference as a DirectPayment idToken)."""

    def handler_class(self, version: str) -> type[Any]:
        base = super().handler_class(version)
        if version != "2.1":
            return base
        return type("CentralTokenV21", (base,), {"ID_TOKEN_TYPE": "Central"})


class IgnoresCreditTime(ReferenceCsms):
    """Starts on any new UTR whenever the credit was made (rule: a credit older than the
    freshness window, or dated in the future, starts nothing; UTR dedup alone is no replay
    protection once the UTR table is pruned)."""

    def credit_fresh(self, notification: BankCredit, now: datetime) -> bool:
        return True


class StartsOnAuthorized(ReferenceCsms):
    """Starts on payment.authorized, before the PSP captured the money (rule: only captured
    money starts a session; Razorpay voids and refunds an authorization never captured)."""

    def parse_psp_event(self, body: bytes) -> Any:
        document = json.loads(body)
        if isinstance(document, dict) and document.get("event") == "payment.authorized":
            body = json.dumps({**document, "event": "payment.captured"}).encode()
        return super().parse_psp_event(body)

    def payment_captured(self, payment: PspPayment) -> bool:
        return payment.status in ("authorized", "captured")


class MetersPerConnection(ReferenceCsms):
    """Keeps its prepaid-limit metering in the connection: a charger that reconnects without
    rebooting is never stopped at the limit (rule: seed 3.3, the CSMS meters the session and
    stops it, whatever happens to the WebSocket)."""

    async def _serve_charger(self, connection: Any) -> None:
        request = connection.request
        charger_id = charger_id_from_path(request.path) if request else None
        await super()._serve_charger(connection)
        for key in [k for k in self._limit_watches if k[0] == charger_id]:
            del self._limit_watches[key]


# --- security profiles 2 and 3 (TLS) --------------------------------------------------------


class AcceptsAnyStationCertificate(ReferenceCsms):
    """Security profile 3 without checking the station's certificate: a station whose
    certificate no trusted CA signed gets in (OCPP 2.0.1 A00: the CSMS must refuse it)."""

    def _tls_context(self) -> ssl.SSLContext | None:
        context = super()._tls_context()
        if context is not None:
            context.verify_mode = ssl.CERT_NONE  # asks for no certificate, so accepts any
        return context


class _ServesAnotherCertificate(ReferenceCsms):
    """Serves one of the other server certificates ``ocpp_upi.csms.certificates`` wrote beside
    its own (the fixture generates them all into one folder)."""

    certificate_name = ""

    def _tls_context(self) -> ssl.SSLContext | None:
        own = self.settings.tls_certificate
        if own is not None:
            folder = Path(own).parent
            self.settings = replace(
                self.settings,
                tls_certificate=str(folder / f"{self.certificate_name}.pem"),
                tls_private_key=str(folder / f"{self.certificate_name}.key"),
            )
        return super()._tls_context()


class ServesUntrustedCertificate(_ServesAnotherCertificate):
    """A certificate for the right host from a CA the stations were not given."""

    certificate_name = "server-foreign"


class ServesWrongHostCertificate(_ServesAnotherCertificate):
    """A certificate from the right CA for another host name."""

    certificate_name = "server-wrong-host"


_NO_CHECK_TIME = 0x200000


class AcceptsExpiredStationCertificate(ReferenceCsms):
    """Security profile 3 without checking the validity period: a station whose certificate
    expired gets in (RFC 5280 6.1.3, OCPP 2.0.1 A00: the CSMS must refuse it)."""

    def _tls_context(self) -> ssl.SSLContext | None:
        context = super()._tls_context()
        if context is not None:  # OpenSSL's X509_V_FLAG_NO_CHECK_TIME: ssl names no constant
            context.verify_flags |= ssl.VerifyFlags(_NO_CHECK_TIME)
        return context


class AcceptsPlainWebSocket(ReferenceCsms):
    """Security profile 2 or 3 on one port that also speaks plain ws://, as a CSMS behind a
    front that sniffs the first byte does: a TLS ClientHello (0x16) goes to the TLS server,
    anything else to a plain one (rule: no WebSocket without TLS under profiles 2 and 3)."""

    _front: asyncio.Server | None = None
    _plain: Server | None = None
    _pipes: set[asyncio.Task[None]]

    async def start(self) -> None:
        await super().start()
        self._pipes = set()
        if self.settings.tls_certificate is None:
            return
        host, tls_port = self.settings.host, self._ocpp_port
        self._plain = await self._listen(0, None)
        plain_port = self._plain.sockets[0].getsockname()[1]

        async def sniff(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self._pipes.add(task := asyncio.current_task())  # type: ignore[arg-type]
            try:
                first = await reader.read(1)
                if not first:
                    return
                port = tls_port if first == b"\x16" else plain_port
                back_reader, back_writer = await asyncio.open_connection(host, port)
                back_writer.write(first)
                await asyncio.gather(_pipe(reader, back_writer), _pipe(back_reader, writer))
            except (OSError, asyncio.IncompleteReadError):
                pass
            finally:
                writer.close()
                self._pipes.discard(task)  # type: ignore[arg-type]

        self._front = await asyncio.start_server(sniff, host, 0)
        self._ocpp_port = self._front.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._front is not None:
            self._front.close()
        for task in list(getattr(self, "_pipes", ())):
            task.cancel()
        if self._plain is not None:
            self._plain.close()
        await super().stop()


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    """Copy bytes until the source ends, then end the sink."""
    try:
        while chunk := await source.read(65536):
            sink.write(chunk)
            await sink.drain()
    finally:
        sink.close()
