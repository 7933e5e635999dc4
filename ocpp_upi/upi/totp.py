"""The OCPP 2.1 C25 "v1" time-based one-time password of a dynamic payment QR code.

A station shows a QR URL carrying a TOTP so that a sticker pasted over the display (or a photo
of an old code) leads nowhere: the CSMS accepts only a code of the previous, current or next
interval. This is NOT RFC 6238 (no HMAC-SHA1, no decimal digits, no hex secret): the white
paper's v1 keys HMAC-SHA256 with the UTF-8 shared secret and reads the hash as a ring buffer
of base62 characters, so an RFC 6238 library would compute a different code.

The clock is a parameter everywhere: freezegun stalls asyncio's loop clock, so tests that move
time inside a running CSMS inject a clock instead of freezing the process.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Protocol

__all__ = [
    "B62",
    "TOTP_VERSION_V1",
    "Clock",
    "totp_v1",
    "totp_window",
    "verify_totp",
    "wall_clock",
]

TOTP_VERSION_V1 = "v1"
# The alphabet order is part of the algorithm: digits, then lower case, then upper case.
B62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_HASH_BYTES = 32  # SHA-256
_MAX_INTERVAL = 2**64 - 1  # the interval is sent as 8 unsigned bytes


class Clock(Protocol):
    """Unix time in seconds; ``time.time`` fits, and so does a test's fake."""

    def __call__(self) -> float: ...


def wall_clock() -> float:
    """``time.time()`` looked up at call time, so ``freeze_time`` can move it."""
    return time.time()


def _interval(unix_seconds: float, validity_s: int) -> int:
    if validity_s <= 0:
        raise ValueError(f"validity_s must be positive, got {validity_s}")
    if unix_seconds < 0:
        raise ValueError(f"unix_seconds must not be negative, got {unix_seconds}")
    # Floor division is exact for ints and floats alike (t / V could round up at an edge).
    interval = int(unix_seconds // validity_s)
    if interval > _MAX_INTERVAL:
        raise ValueError(f"unix_seconds {unix_seconds} is beyond the last 64-bit interval")
    return interval


def _code(secret: str, interval: int, length: int) -> str:
    if length < 1:
        raise ValueError(f"length must be positive, got {length}")
    digest = hmac.new(
        secret.encode("utf-8"), interval.to_bytes(8, "big", signed=False), hashlib.sha256
    ).digest()
    offset = digest[_HASH_BYTES - 1] & 0x0F
    return "".join(B62[digest[(offset + i) % _HASH_BYTES] % 62] for i in range(length))


def totp_v1(secret: str, unix_seconds: float, validity_s: int, length: int) -> str:
    """The v1 code of the interval containing ``unix_seconds`` (``length`` base62 chars)."""
    return _code(secret, _interval(unix_seconds, validity_s), length)


def totp_window(
    secret: str, unix_seconds: float, validity_s: int, length: int
) -> tuple[str, str, str]:
    """(previous, current, next) codes: what a validator accepts at ``unix_seconds``.

    Raises ValueError in the epoch's first interval or its last 64-bit one, where a
    neighbour does not exist (no real clock is there).
    """
    current = _interval(unix_seconds, validity_s)
    if not 0 < current < _MAX_INTERVAL:
        raise ValueError(f"no neighbouring intervals at unix time {unix_seconds}")
    return (
        _code(secret, current - 1, length),
        _code(secret, current, length),
        _code(secret, current + 1, length),
    )


def verify_totp(
    candidate: str,
    secret: str,
    unix_seconds: float | None,
    validity_s: int,
    length: int,
    *,
    clock: Clock = wall_clock,
) -> bool:
    """True if ``candidate`` is the previous, current or next interval's code (C25.FR.07).

    ``unix_seconds`` None means now by ``clock``. Every window code is compared in constant
    time (and all three are compared), so the answer's timing says nothing about how close a
    guess came or which interval matched.
    """
    now = clock() if unix_seconds is None else unix_seconds
    given = candidate.encode("utf-8")
    matched = False
    for code in totp_window(secret, now, validity_s, length):
        matched |= hmac.compare_digest(given, code.encode("utf-8"))
    return matched
