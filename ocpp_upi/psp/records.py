"""What the mock PSP saw and did, kept for assertions and for the report.

A conformance verdict rests on evidence: "the CSMS never called refund" is proven by the list of
API calls it did make, and "the CSMS answered the webhook 500 twice" by the delivery log. Both
records keep the exact bytes and statuses; only credentials are redacted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ApiCall:
    """One request the CSMS sent to the PSP API. ``status`` is None while it is in flight."""

    method: str
    path: str
    query: str
    endpoint: str | None  # the fault/endpoint name, e.g. "refunds.create"; None if no route
    headers: dict[str, str]  # names lowercased; authorization redacted
    body: Any  # parsed JSON or form fields; the raw text when it did not parse
    key_id: str | None  # the Basic-auth user the CSMS presented (not secret)
    at: float  # unix time received
    status: int | None = None
    response: Any = None
    elapsed_s: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class WebhookDelivery:
    """One delivery attempt of one webhook event to the CSMS."""

    event_id: str
    event: str
    url: str
    body: bytes  # the exact bytes sent and signed
    signature: str
    headers: dict[str, str]
    attempt: int  # 1 for the first try, counting up on retries
    at: float  # unix time the attempt started
    duplicate: bool = False  # True for the second copy sent in duplicate mode
    status: int | None = None  # None when no HTTP answer came back
    error: str | None = None
    elapsed_s: float = 0.0
    response_body: str = ""

    @property
    def ok(self) -> bool:
        """Razorpay's rule: only a 2xx answer counts as delivered."""
        return self.status is not None and 200 <= self.status < 300

    @property
    def payload(self) -> Any:
        return json.loads(self.body)

    def to_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["body"] = self.body.decode("utf-8")
        data["ok"] = self.ok
        return data


@dataclass
class WebhookEvent:
    """One event the PSP raised, before formatting: its name and entity snapshots."""

    id: str
    name: str
    entities: dict[str, dict[str, Any]]  # e.g. {"payment": {...}, "order": {...}}, in order
    created_at: int
    url: str | None = None  # per-event target overriding settings.webhook_url (generic callback)
    extra: dict[str, Any] = field(default_factory=dict)
