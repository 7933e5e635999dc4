"""Webhook signatures: HMAC-SHA256 over the exact raw body bytes.

The signature covers the bytes on the wire, so the body is serialised once and those same bytes
are signed, sent, retried and logged. A CSMS that re-serialises the parsed JSON before verifying
will fail against this mock, as it would against Razorpay.
"""

from __future__ import annotations

import hashlib
import hmac

RAZORPAY_SIGNATURE_HEADER = "X-Razorpay-Signature"
RAZORPAY_EVENT_ID_HEADER = "X-Razorpay-Event-Id"
GENERIC_SIGNATURE_HEADER = "X-Signature"
GENERIC_EVENT_ID_HEADER = "X-Event-Id"


def hmac_hex(body: bytes, secret: str) -> str:
    """Lowercase hex HMAC-SHA256 of ``body`` keyed with ``secret`` (Razorpay's format)."""
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def generic_signature(body: bytes, secret: str) -> str:
    """The generic profile's header value: ``sha256=<hex>``."""
    return "sha256=" + hmac_hex(body, secret)
