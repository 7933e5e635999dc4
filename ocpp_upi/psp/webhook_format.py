"""Turning a PSP event into the exact bytes and headers sent to the CSMS, per profile.

Each event is serialised once, here, and signed over those bytes; retries and duplicates resend
the same bytes with the same event id, which is what lets a CSMS deduplicate (Razorpay's
``x-razorpay-event-id``) and verify the signature on every copy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

from ocpp_upi.psp.generic_views import EVENTS as GENERIC_EVENTS
from ocpp_upi.psp.generic_views import payment_view, refund_view
from ocpp_upi.psp.ledger import PspLedger
from ocpp_upi.psp.records import WebhookEvent
from ocpp_upi.psp.settings import ACCOUNT_ID, PspSettings
from ocpp_upi.psp.signing import (
    GENERIC_EVENT_ID_HEADER,
    GENERIC_SIGNATURE_HEADER,
    RAZORPAY_EVENT_ID_HEADER,
    RAZORPAY_SIGNATURE_HEADER,
    generic_signature,
    hmac_hex,
)

USER_AGENT = "ocpp-upi-mock-psp/1 (Razorpay-Webhook compatible)"


@dataclass(frozen=True)
class Outgoing:
    """An event ready to send: wire name, body bytes, headers (signature included)."""

    event_id: str
    name: str
    body: bytes
    headers: dict[str, str]
    signature: str
    url: str | None  # per-event override of the configured webhook URL


class WebhookFormat(Protocol):
    def encode(self, event: WebhookEvent) -> Outgoing | None:
        """The outgoing message, or None if this profile does not send ``event``."""
        ...


def _compact(document: dict[str, Any]) -> bytes:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class RazorpayFormat:
    """Razorpay's envelope: entity=event, contains[], payload.<name>.entity snapshots."""

    def __init__(self, settings: PspSettings) -> None:
        self.settings = settings

    def encode(self, event: WebhookEvent) -> Outgoing:
        body = _compact(
            {
                "entity": "event",
                "account_id": ACCOUNT_ID,
                "event": event.name,
                "contains": list(event.entities),
                "payload": {name: {"entity": e} for name, e in event.entities.items()},
                "created_at": event.created_at,
            }
        )
        signature = hmac_hex(body, self.settings.webhook_secret)
        headers = {
            "Content-Type": "application/json",
            RAZORPAY_SIGNATURE_HEADER: signature,
            RAZORPAY_EVENT_ID_HEADER: event.id,
            "User-Agent": USER_AGENT,
        }
        return Outgoing(event.id, event.name, body, headers, signature, event.url)


class GenericFormat:
    """The generic profile's envelope: {event, id, created_at, data}, ``X-Signature: sha256=``."""

    def __init__(self, settings: PspSettings, ledger: PspLedger) -> None:
        self.settings = settings
        self.ledger = ledger

    def encode(self, event: WebhookEvent) -> Outgoing | None:
        name = GENERIC_EVENTS.get(event.name)
        if name is None:
            return None
        if "refund" in event.entities:
            data = refund_view(event.entities["refund"])
        else:
            data = payment_view(self.ledger, event.entities["payment"])
        body = _compact(
            {"event": name, "id": event.id, "created_at": event.created_at, "data": data}
        )
        signature = generic_signature(body, self.settings.webhook_secret)
        headers = {
            "Content-Type": "application/json",
            GENERIC_SIGNATURE_HEADER: signature,
            GENERIC_EVENT_ID_HEADER: event.id,
            "User-Agent": USER_AGENT,
        }
        return Outgoing(event.id, name, body, headers, signature, event.url)
