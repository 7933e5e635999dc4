"""The PSP's webhook: signature check and envelope parsing, as pure functions.

Razorpay signs the raw body (hex HMAC-SHA256, keyed with the webhook secret, which is not the
API key secret) and wraps each entity as ``payload.<name>.entity``. Parsing is strict for the
events the CSMS acts on, because a payment event without a usable amount must never reach the
start rule, and lenient for the rest, which are acknowledged and ignored.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from ocpp_upi.csms.psp_entities import EntityError, PspOrder, PspPayment, PspRefund

T = TypeVar("T")
SIGNATURE_HEADER = "X-Razorpay-Signature"
EVENT_ID_HEADER = "x-razorpay-event-id"

PAYMENT_CAPTURED = "payment.captured"
ORDER_PAID = "order.paid"
PAYMENT_FAILED = "payment.failed"
REFUND_PROCESSED = "refund.processed"
REFUND_FAILED = "refund.failed"

# The entities an event must carry for the CSMS to act on it.
_REQUIRED: dict[str, tuple[str, ...]] = {
    PAYMENT_CAPTURED: ("payment",),
    ORDER_PAID: ("payment", "order"),
    PAYMENT_FAILED: ("payment",),
    REFUND_PROCESSED: ("refund",),
    REFUND_FAILED: ("refund",),
}


class PspEventError(ValueError):
    """The webhook body is not a usable PSP event (HTTP 400)."""


@dataclass(frozen=True)
class PspEvent:
    """One webhook delivery, with the entities the CSMS reads already typed."""

    event: str
    payment: PspPayment | None = None
    order: PspOrder | None = None
    refund: PspRefund | None = None


def sign(body: bytes, secret: str) -> str:
    """The ``X-Razorpay-Signature`` value for ``body``: lowercase hex HMAC-SHA256."""
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def signature_valid(body: bytes, header: str | None, secret: str) -> bool:
    """Constant-time comparison, so a forger learns nothing from how fast a guess fails."""
    if not header or not secret:
        return False
    try:
        offered = header.strip().lower().encode("ascii")
    except UnicodeEncodeError:
        return False
    return hmac.compare_digest(sign(body, secret).encode("ascii"), offered)


def fallback_event_id(body: bytes) -> str:
    """A deduplication key for a delivery without ``x-razorpay-event-id``: retries resend the
    same body, so its digest identifies the event as well as the header would."""
    return "sha256:" + hashlib.sha256(body).hexdigest()


def parse_event(body: bytes) -> PspEvent:
    """``{"entity": "event", "event": ..., "payload": {"payment": {"entity": {...}}}}``."""
    try:
        document = json.loads(body)
    except ValueError as exc:
        raise PspEventError(f"body is not JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise PspEventError("body is not a JSON object")
    event = document.get("event")
    payload = document.get("payload")
    if not isinstance(event, str) or not event:
        raise PspEventError("event: missing or not a string")
    if not isinstance(payload, dict):
        raise PspEventError("payload: missing or not an object")
    required = _REQUIRED.get(event, ())
    entities: dict[str, object] = {}
    for name in ("payment", "order", "refund"):
        wrapper = payload.get(name)
        if isinstance(wrapper, dict) and "entity" in wrapper:
            entities[name] = wrapper["entity"]
        elif name in required:
            raise PspEventError(f"payload.{name}.entity: required for {event}")
    if not required:
        return PspEvent(event)
    try:
        return PspEvent(
            event,
            payment=_optional(PspPayment.from_entity, entities.get("payment")),
            order=_optional(PspOrder.from_entity, entities.get("order")),
            refund=_optional(PspRefund.from_entity, entities.get("refund")),
        )
    except EntityError as exc:
        raise PspEventError(f"{event}: {exc}") from exc


def _optional(parse: Callable[[object], T], entity: object | None) -> T | None:
    return None if entity is None else parse(entity)
