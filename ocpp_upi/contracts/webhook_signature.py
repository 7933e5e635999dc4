"""The bank webhook's signature: which header carries it and how it is computed.

Lowercase hex HMAC-SHA256 over the exact body bytes, keyed with the UTF-8 shared secret. Both
sides must compute it the same way, so it is a contract; how each side compares it (in constant
time, ignoring case and surrounding blanks) is each side's own code.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-UPI-Signature"


def hmac_sha256_hex(body: bytes, secret: str) -> str:
    """Lowercase hex HMAC-SHA256 of ``body`` keyed with ``secret`` (UTF-8)."""
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
