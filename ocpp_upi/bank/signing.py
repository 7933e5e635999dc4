"""HMAC-SHA256 signatures over a webhook's raw body.

The signature covers the exact bytes on the wire, not a re-serialisation of the parsed JSON:
a receiver that re-encodes before verifying would accept bodies whose meaning differs from what
was signed (key order, whitespace, number spelling). Comparison is constant-time so the check
itself leaks nothing about the expected value.
"""

import hmac

from ocpp_upi.contracts.webhook_signature import SIGNATURE_HEADER, hmac_sha256_hex

__all__ = ["SIGNATURE_HEADER", "sign", "verify"]


def sign(body: bytes, secret: str) -> str:
    """Lowercase hex HMAC-SHA256 of ``body`` keyed with ``secret`` (UTF-8)."""
    return hmac_sha256_hex(body, secret)


def verify(body: bytes, header_value: str | None, secret: str) -> bool:
    """True only if ``header_value`` is the signature of ``body`` under ``secret``.

    A missing or empty header is a failure, never a pass: an unsigned credit must not start a
    charger. Surrounding whitespace is ignored and hex case does not matter, since neither
    changes the signed value.
    """
    if not header_value:
        return False
    candidate = header_value.strip().lower()
    if not candidate:
        return False
    expected = sign(body, secret)
    return hmac.compare_digest(expected.encode("ascii"), candidate.encode("utf-8", "replace"))
