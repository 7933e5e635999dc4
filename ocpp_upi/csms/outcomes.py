"""The words the reference CSMS answers the bank webhook with.

One vocabulary, shared by the CSMS, its tests and the harness's expectations, so a response
body like ``{"result": "duplicate"}`` means the same thing everywhere.

HTTP status per case (the bank needs to know whether to retry, nothing more):

* 413 ``{"error": "body_too_large"}``: over ``CsmsSettings.max_webhook_body_bytes`` (64 KiB);
  refused unread, before the signature check.
* 401 ``{"error": "invalid_signature"}``: signature header missing or wrong; nothing recorded.
* 400 ``{"error": "malformed_notification", "detail": ...}``: body unparseable or invalid.
* 200 ``{"result": "acknowledged"}``: a non-SUCCESS credit; nothing started.
* 200 ``{"result": "wrong_payee"}``: credit to another VPA or in another currency.
* 200 ``{"result": "stale"}``: credited_at further than ``credit_freshness_s`` (300 s) from now,
  past or future: kept for reconciliation, nothing started (replay protection that does not rest
  on the UTR table alone).
* 200 ``{"result": "unknown_reference"}``: the ``tr`` names no EVSE of a connected charger.
  200 rather than 4xx on purpose: the notification itself is valid and retrying it cannot help,
  so the bank must not be told to re-deliver (a later re-delivery is judged afresh).
* 200 ``{"result": "duplicate"}``: this UTR was already admitted; nothing started again.
* 200 ``{"result": "started" | "start_rejected" | "start_failed", ...}``: the payment was
  recorded and the remote start was sent; the answer waits for the charger's reply (bounded by
  ``CsmsSettings.remote_start_timeout``). Never a refund: static QR cannot refund (seed 2.1.1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

INVALID_SIGNATURE = "invalid_signature"
MALFORMED = "malformed_notification"
ACKNOWLEDGED = "acknowledged"
WRONG_PAYEE = "wrong_payee"
UNKNOWN_REFERENCE = "unknown_reference"
STALE = "stale"
DUPLICATE = "duplicate"
STARTED = "started"
START_REJECTED = "start_rejected"
START_FAILED = "start_failed"

START_OUTCOMES = (STARTED, START_REJECTED, START_FAILED)


@dataclass(frozen=True)
class WebhookReply:
    """HTTP status and JSON body for one webhook delivery."""

    status: int
    body: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def error(cls, status: int, error: str, detail: str) -> WebhookReply:
        return cls(status, {"error": error, "detail": detail})

    @classmethod
    def result(cls, result: str, **extra: Any) -> WebhookReply:
        return cls(200, {"result": result, **extra})
