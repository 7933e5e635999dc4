"""Identifiers and clock readings in the shapes Razorpay uses.

CSMS code often keys on the id prefix (``order_``, ``pay_``...) or stores ids in columns sized
for Razorpay's 14-character suffix, so the mock issues ids of exactly that shape. Randomness
(not counters) keeps ids unique across parallel scenarios sharing one CSMS.
"""

from __future__ import annotations

import secrets
import string
import time
from datetime import UTC, datetime

_ALPHABET = string.ascii_letters + string.digits
_SUFFIX_LENGTH = 14


def new_id(prefix: str) -> str:
    """``<prefix>_`` plus 14 random alphanumerics, e.g. ``order_Kx3f9QpL0aBcDe``."""
    return f"{prefix}_" + "".join(secrets.choice(_ALPHABET) for _ in range(_SUFFIX_LENGTH))


def new_rrn(now: datetime | None = None) -> str:
    """A 12-digit UPI RRN/UTR: last digit of the year, day of the year, then 8 random digits.

    That layout is inferred from real Razorpay and Cashfree samples; a CSMS that shows the UTR
    to a driver or to support staff then sees something that looks like the real thing.
    """
    moment = now or datetime.now(UTC)
    return f"{moment.year % 10}{moment.timetuple().tm_yday:03d}{secrets.randbelow(10**8):08d}"


def new_upi_transaction_id() -> str:
    """A 35-character NPCI-style transaction id: a 3-letter handle prefix, 32 hex digits."""
    return "RZP" + secrets.token_hex(16).upper()


def now_s() -> int:
    """Unix seconds, the unit of every ``created_at`` in Razorpay's API."""
    return int(time.time())
