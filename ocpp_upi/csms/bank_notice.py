"""The reference CSMS's own reading of a bank's credit notification, and of its signature.

The harness has a model of the same notification (``ocpp_upi.bank``) to send it, right or wrong;
the CSMS reads it with this code alone, so a bug in one cannot make both agree. Only the field
names and formats are shared, as a contract (the harness's JSON schema
``schemas/harness/bank-credit-notification.schema.json``), and the HMAC primitive
(``ocpp_upi.contracts.webhook_signature``).

Strict where a bank's body is ambiguous: not UTF-8 JSON, not an object, a key given twice, a
field missing or not a string, or a value out of its format is refused (HTTP 400) with the
first reason. Unknown extra fields are ignored (a bank may add some).
"""

from __future__ import annotations

import hmac
import json
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from ocpp_upi.contracts.webhook_signature import hmac_sha256_hex

_FORMATS = {
    "payee_vpa": (re.compile(r"[^@\s]+@[^@\s]+"), "look like name@bank"),
    "payer_vpa": (re.compile(r"[^@\s]+@[^@\s]+"), "look like name@bank"),
    "amount": (re.compile(r"[0-9]+\.[0-9]{2}"), "be a decimal string with two decimals"),
    "currency": (re.compile(r"[A-Z]{3}"), "be an ISO 4217 code"),
    "reference": (re.compile(r".*\S.*", re.DOTALL), "not be blank"),
    "utr": (re.compile(r"[0-9]{12}"), "be exactly 12 digits"),
    "status": (re.compile(r"SUCCESS|FAILURE"), "be SUCCESS or FAILURE"),
    "credited_at": (re.compile(r".+T.+"), "be an RFC 3339 timestamp"),
}


class MalformedNotice(ValueError):
    """A body the CSMS refuses with HTTP 400; the message says why."""


@dataclass(frozen=True)
class BankCredit:
    """A credit notification as the CSMS understood it."""

    payee_vpa: str
    payer_vpa: str
    amount: str  # "200.00"
    currency: str
    reference: str  # the sticker's ``tr``
    utr: str
    status: str
    credited_at: str  # as the bank wrote it
    made_at: datetime  # credited_at, parsed (always with its UTC offset)

    @property
    def amount_paise(self) -> int:
        return int(Decimal(self.amount) * 100)

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCESS"


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise MalformedNotice(f"field {key!r} is given twice")
        seen[key] = value
    return seen


def _refuse_constant(name: str) -> None:
    raise MalformedNotice(f"body holds {name}, which is not JSON")


def parse_bank_credit(body: bytes) -> BankCredit:
    """Read ``body`` strictly; raises MalformedNotice naming the first problem."""
    try:
        data = json.loads(
            body.decode("utf-8"),
            object_pairs_hook=_no_duplicates,
            parse_constant=_refuse_constant,
        )
    except UnicodeDecodeError as exc:
        raise MalformedNotice(f"body is not UTF-8: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise MalformedNotice(f"body is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise MalformedNotice(f"body must be a JSON object, got {type(data).__name__}")
    values: dict[str, str] = {}
    for name, (pattern, rule) in _FORMATS.items():
        value = data.get(name)
        if value is None and name not in data:
            raise MalformedNotice(f"missing field {name!r}")
        if not isinstance(value, str):
            raise MalformedNotice(f"field {name!r} must be a string, got {type(value).__name__}")
        if not pattern.fullmatch(value):
            raise MalformedNotice(f"{name} must {rule}, got {value!r}")
        values[name] = value
    if Decimal(values["amount"]) <= 0:
        raise MalformedNotice(f"amount must be positive, got {values['amount']!r}")
    try:
        made_at = datetime.fromisoformat(values["credited_at"].replace("Z", "+00:00"))
    except ValueError as exc:
        raise MalformedNotice(f"credited_at is not an RFC 3339 timestamp: {exc}") from exc
    if made_at.tzinfo is None:
        raise MalformedNotice("credited_at must carry a UTC offset")
    return BankCredit(**values, made_at=made_at)


def signature_valid(body: bytes, header: str | None, secret: str) -> bool:
    """True only if ``header`` is the body's HMAC under ``secret`` (hex, any case, blanks around
    it ignored); a missing or blank header is never valid. Compared in constant time."""
    given = (header or "").strip().lower()
    if not given:
        return False
    expected = hmac_sha256_hex(body, secret)
    return hmac.compare_digest(expected.encode("ascii"), given.encode("utf-8", "replace"))
