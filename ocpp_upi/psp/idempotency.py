"""Refund idempotency keys, with Razorpay's three answers.

A CSMS whose refund call timed out must retry with the same ``X-Refund-Idempotency`` key and get
the same refund back, never a second one: that is what keeps a driver from being refunded twice.
Same key + same request = same refund; same key + different request = 400; same key while the
first request is still being processed = 409.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from ocpp_upi.psp.errors import PspError, invalid

HEADER = "X-Refund-Idempotency"
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{10,}$")


def check_key(key: str) -> str:
    """The key itself: at least 10 characters from [A-Za-z0-9_-]."""
    if not KEY_PATTERN.match(key):
        raise invalid(f"{HEADER} must be at least 10 characters of A-Z, a-z, 0-9, '_' or '-'", None)
    return key


def fingerprint(target: str, body: dict[str, Any]) -> str:
    """A stable digest of what was asked: the payment and the body, key order ignored."""
    canonical = json.dumps([target, body], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass
class _Entry:
    fingerprint: str
    result_id: str | None  # None while the first request is still in flight


class IdempotencyStore:
    """Keys seen so far; one store per PSP account."""

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}

    def claim(self, key: str, digest: str) -> str | None:
        """Reserve ``key`` for a new request (None) or return the id it already produced."""
        entry = self._entries.get(key)
        if entry is None:
            self._entries[key] = _Entry(digest, None)
            return None
        if entry.fingerprint != digest:
            raise invalid("Different request with the same idempotency key", None)
        if entry.result_id is None:
            raise PspError(
                409,
                "A request with the same idempotency key is already being processed",
                reason="duplicate_request",
            )
        return entry.result_id

    def complete(self, key: str, result_id: str) -> None:
        self._entries[key].result_id = result_id

    def release(self, key: str) -> None:
        """Forget a claim whose request failed, so the client's retry can proceed."""
        self._entries.pop(key, None)
