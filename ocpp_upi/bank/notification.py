"""The credit notification an acquiring bank sends when a static-QR UPI payment lands.

The static sticker carries no amount and no per-session id (seed section 2.1.1): the only link
between the money and a charger is the UPI ``tr`` reference printed on the sticker, and the only
unique handle on the payment is the bank's 12-digit UTR. Both travel in this notification.

Construction is deliberately permissive (the mock bank must be able to send wrong values to a
CSMS under test); ``from_json`` is strict, because that is the receiving side's parser.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ocpp_upi.errors import OcppUpiError

DEFAULT_PAYEE_VPA = "cpo123@hdfcbank"
DEFAULT_PAYER_VPA = "driver@okaxis"
STATUSES = ("SUCCESS", "FAILURE")

_AMOUNT = re.compile(r"^[0-9]+\.[0-9]{2}$")
_UTR = re.compile(r"^[0-9]{12}$")
_VPA = re.compile(r"^[^@\s]+@[^@\s]+$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_FIELDS = (
    "payee_vpa",
    "payer_vpa",
    "amount",
    "currency",
    "reference",
    "utr",
    "status",
    "credited_at",
)


class NotificationError(OcppUpiError, ValueError):
    """A credit notification body that a CSMS must refuse (HTTP 400), with the reason why."""


@dataclass(frozen=True)
class CreditNotification:
    """One credit to the CPO's merchant VPA, as the acquiring bank reports it."""

    payee_vpa: str
    payer_vpa: str
    amount: str
    currency: str
    reference: str
    utr: str
    status: str
    credited_at: str

    @property
    def amount_paise(self) -> int:
        """The amount as integer paise: money is never a float anywhere in the harness."""
        _check_amount(self.amount)
        return int(Decimal(self.amount) * 100)

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCESS"

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

    def to_json(self) -> bytes:
        """Canonical compact JSON (sorted keys, no spaces): identical input, identical bytes,
        so a signature over it is reproducible in tests and reports."""
        return json.dumps(
            self.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode("utf-8")

    @classmethod
    def from_json(cls, raw: bytes) -> CreditNotification:
        """Parse and validate a notification body; unknown extra fields are ignored.

        Raises NotificationError naming the first problem found.
        """
        try:
            data = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise NotificationError(f"body is not valid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise NotificationError(f"body must be a JSON object, got {type(data).__name__}")
        values = {name: _string_field(data, name) for name in _FIELDS}
        notification = cls(**values)
        notification.validate()
        return notification

    def validate(self) -> None:
        """Raise NotificationError if any field breaks the notification's format rules."""
        for name in ("payee_vpa", "payer_vpa"):
            if not _VPA.match(getattr(self, name)):
                raise NotificationError(
                    f"{name} must look like name@bank, got {getattr(self, name)!r}"
                )
        _check_amount(self.amount)
        if not _CURRENCY.match(self.currency):
            raise NotificationError(f"currency must be an ISO 4217 code, got {self.currency!r}")
        if not self.reference.strip():
            raise NotificationError("reference must not be empty")
        if not _UTR.match(self.utr):
            raise NotificationError(f"utr must be exactly 12 digits, got {self.utr!r}")
        if self.status not in STATUSES:
            raise NotificationError(
                f"status must be one of {', '.join(STATUSES)}, got {self.status!r}"
            )
        _check_timestamp(self.credited_at)


def _string_field(data: dict[str, Any], name: str) -> str:
    if name not in data:
        raise NotificationError(f"missing field {name!r}")
    value = data[name]
    if not isinstance(value, str):
        raise NotificationError(f"field {name!r} must be a string, got {type(value).__name__}")
    return value


def _check_amount(amount: str) -> None:
    if not _AMOUNT.match(amount):
        raise NotificationError(
            f"amount must be a decimal string with two decimals such as '200.00', got {amount!r}"
        )
    if Decimal(amount) <= 0:
        raise NotificationError(f"amount must be positive, got {amount!r}")


def _check_timestamp(value: str) -> None:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise NotificationError(f"credited_at is not an RFC 3339 timestamp: {value!r}") from exc
    if "T" not in value or parsed.tzinfo is None:
        raise NotificationError(f"credited_at must be RFC 3339 with a UTC offset, got {value!r}")


def rfc3339_utc(moment: datetime | None = None) -> str:
    """``2025-10-01T10:00:00Z``: second precision, UTC, the form banks put in notifications."""
    moment = moment or datetime.now(UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def new_utr() -> str:
    """A fresh 12-digit Unique Transaction Reference; random so parallel scenarios never clash."""
    return f"{secrets.randbelow(10**12):012d}"


def normalise_amount(amount: str | Decimal | int) -> str:
    """``"200"``, ``200`` or ``Decimal("200")`` -> ``"200.00"``; rejects what is not a number."""
    try:
        value = Decimal(str(amount))
    except InvalidOperation as exc:
        raise NotificationError(f"amount is not a number: {amount!r}") from exc
    if not value.is_finite():
        raise NotificationError(f"amount is not a finite number: {amount!r}")
    paise = value.quantize(Decimal("0.01"))
    if paise != value:
        raise NotificationError(f"amount has fractions of a paisa: {amount!r}")
    return str(paise)


def credit(
    reference: str,
    amount: str | Decimal | int = "200.00",
    payee_vpa: str = DEFAULT_PAYEE_VPA,
    payer_vpa: str = DEFAULT_PAYER_VPA,
    status: str = "SUCCESS",
    now: datetime | None = None,
    utr: str | None = None,
    currency: str = "INR",
) -> CreditNotification:
    """A credit for the sticker reference ``reference`` (``tr``), with a fresh UTR by default."""
    return CreditNotification(
        payee_vpa=payee_vpa,
        payer_vpa=payer_vpa,
        amount=normalise_amount(amount),
        currency=currency,
        reference=reference,
        utr=utr if utr is not None else new_utr(),
        status=status,
        credited_at=rfc3339_utc(now),
    )
