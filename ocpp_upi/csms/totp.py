"""The reference CSMS's own check of an OCPP 2.1 C25 "v1" TOTP (C25.FR.07).

Written apart from the harness's generator (``ocpp_upi.upi.totp``, which renders the codes the
mock charger shows) so that a bug in one cannot make both agree: this module is tested against
the published C25 vectors on its own. v1 is not RFC 6238: HMAC-SHA256 keyed with the UTF-8
shared secret over the 8-byte big-endian interval number, the digest read as a ring of bytes
from the offset its last byte's low nibble names, each byte mod 62 into ``0-9a-zA-Z``.
"""

from __future__ import annotations

import hmac
import string
import time
from collections.abc import Callable

VERSION_V1 = "v1"  # the TOTPVersion the CSMS configures and the only one it accepts
ALPHABET = string.digits + string.ascii_lowercase + string.ascii_uppercase
Clock = Callable[[], float]


def wall_clock() -> float:
    """Unix time now, looked up at call time (tests give the CSMS a clock of their own)."""
    return time.time()


def code_for_interval(secret: str, interval: int, length: int) -> str:
    """The v1 code of interval number ``interval`` (``length`` characters)."""
    digest = hmac.digest(secret.encode("utf-8"), interval.to_bytes(8, "big"), "sha256")
    start = digest[-1] & 0x0F
    ring = digest[start:] + digest[:start]
    return "".join(ALPHABET[ring[i % len(ring)] % 62] for i in range(length))


def totp_accepted(candidate: str, secret: str, now: float, validity_s: int, length: int) -> bool:
    """True if ``candidate`` is the code of the previous, current or next interval at ``now``.

    All three are compared, each in constant time, so timing tells nothing about a guess. An
    interval outside 1 .. 2^64-2 (no neighbour on one side) accepts nothing."""
    if validity_s <= 0 or length <= 0 or now < 0:
        return False
    current = int(now // validity_s)
    if not 0 < current < 2**64 - 1:
        return False
    given = candidate.encode("utf-8")
    accepted = False
    for interval in (current - 1, current, current + 1):
        expected = code_for_interval(secret, interval, length).encode("ascii")
        accepted |= hmac.compare_digest(given, expected)
    return accepted
