"""Hand-made webhook deliveries for security scenarios: forged, tampered, replayed, oversized.

The mock PSP only ever sends honest webhooks; an attacker (or a broken proxy) does not. These
helpers build the exact bytes and headers of a hostile delivery, so a scenario can say
"signed over one body, sent with another" precisely. Every POST returns a WebhookExchange,
like the bank's notifier, because a refused connection is a finding to report, not a crash.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Literal

import httpx

from ocpp_upi.bank.notifier import WebhookExchange, post_webhook
from ocpp_upi.psp.settings import ACCOUNT_ID
from ocpp_upi.psp.signing import RAZORPAY_EVENT_ID_HEADER, RAZORPAY_SIGNATURE_HEADER, hmac_hex
from ocpp_upi.tls import client_tls_context

SignatureMode = Literal["valid", "forged", "missing"]

# A real HMAC under a key the CSMS cannot know: the header has the right shape, only the key is
# wrong, so a CSMS that checks the header's format but not its value is caught.
_FORGERY_KEY = "not-the-psp-webhook-secret"


def new_event_id() -> str:
    """A fresh ``evt_…`` id in Razorpay's shape (14 base62-ish characters)."""
    return "evt_" + secrets.token_hex(7)


def new_payment_id() -> str:
    """A fresh ``pay_…`` id no PSP ever issued."""
    return "pay_" + secrets.token_hex(7)


def captured_event(
    order_id: str, amount_paise: int, payment_id: str | None = None, currency: str = "INR"
) -> bytes:
    """A compact Razorpay ``payment.captured`` envelope for ``order_id``, as the PSP sends it."""
    now = int(time.time())
    payment = {
        "id": payment_id or new_payment_id(),
        "entity": "payment",
        "amount": amount_paise,
        "currency": currency,
        "status": "captured",
        "order_id": order_id,
        "method": "upi",
        "captured": True,
        "vpa": "success@razorpay",
        "created_at": now,
    }
    document = {
        "entity": "event",
        "account_id": ACCOUNT_ID,
        "event": "payment.captured",
        "contains": ["payment"],
        "payload": {"payment": {"entity": payment}},
        "created_at": now,
    }
    return json.dumps(document, separators=(",", ":")).encode("utf-8")


def razorpay_headers(
    signed_body: bytes, secret: str, event_id: str | None, signature: SignatureMode = "valid"
) -> dict[str, str]:
    """Headers for a delivery whose signature covers ``signed_body`` (which need not be the
    body actually sent: that is how a tampered delivery is made)."""
    headers = {"Content-Type": "application/json"}
    if signature == "valid":
        headers[RAZORPAY_SIGNATURE_HEADER] = hmac_hex(signed_body, secret)
    elif signature == "forged":
        headers[RAZORPAY_SIGNATURE_HEADER] = hmac_hex(signed_body, _FORGERY_KEY)
    elif signature != "missing":
        raise ValueError(f"signature must be valid, forged or missing, got {signature!r}")
    if event_id is not None:
        headers[RAZORPAY_EVENT_ID_HEADER] = event_id
    return headers


async def post_raw(
    url: str, body: bytes, headers: dict[str, str], timeout: float
) -> WebhookExchange:
    """POST exactly ``body`` with exactly ``headers``; never raises on network trouble."""
    async with httpx.AsyncClient(
        timeout=timeout, trust_env=False, verify=client_tls_context(False)
    ) as client:
        return await post_webhook(client, url, body, headers, timeout)
