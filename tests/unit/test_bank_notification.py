"""Credit notifications: canonical encoding, strict parsing, schema agreement."""

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import jsonschema
import pytest

from ocpp_upi.bank.notification import (
    CreditNotification,
    NotificationError,
    credit,
    new_utr,
    normalise_amount,
)
from ocpp_upi.paths import HARNESS_SCHEMAS_DIR

SCHEMA = json.loads((HARNESS_SCHEMAS_DIR / "bank-credit-notification.schema.json").read_text())
FIXED = datetime(2025, 10, 1, 10, 0, 0, tzinfo=UTC)


def _body(**changes: Any) -> bytes:
    data: dict[str, Any] = credit("EVSE1234-1", utr="123456789012", now=FIXED).to_dict()
    for name, value in changes.items():
        if value is ...:
            del data[name]
        else:
            data[name] = value
    return json.dumps(data).encode()


def test_credit_defaults_follow_the_seed_example() -> None:
    notification = credit("EVSE1234-1", now=FIXED)
    assert notification.payee_vpa == "cpo123@hdfcbank"
    assert notification.payer_vpa == "driver@okaxis"
    assert notification.amount == "200.00"
    assert notification.amount_paise == 20000
    assert notification.currency == "INR"
    assert notification.status == "SUCCESS"
    assert notification.credited_at == "2025-10-01T10:00:00Z"
    assert len(notification.utr) == 12 and notification.utr.isdigit()


def test_to_json_is_canonical_and_round_trips() -> None:
    notification = credit("EVSE1234-1", amount=Decimal("150.5"), utr="000000000042", now=FIXED)
    raw = notification.to_json()
    assert b" " not in raw
    assert list(json.loads(raw)) == sorted(json.loads(raw))
    assert CreditNotification.from_json(raw) == notification
    assert notification.amount == "150.50"


def test_credit_validates_against_the_harness_schema() -> None:
    for status in ("SUCCESS", "FAILURE"):
        data = json.loads(credit("EVSE1234-1", status=status).to_json())
        jsonschema.Draft202012Validator(SCHEMA).validate(data)


def test_schema_and_parser_agree_on_bad_amount() -> None:
    data = json.loads(_body(amount="0.00"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(SCHEMA).validate(data)
    with pytest.raises(NotificationError):
        CreditNotification.from_json(json.dumps(data).encode())


def test_unknown_extra_fields_are_ignored() -> None:
    notification = CreditNotification.from_json(_body(extra="x"))
    assert notification.utr == "123456789012"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        (b"[1, 2]", "JSON object"),
        (_body(utr=...), "missing field 'utr'"),
        (_body(amount=200), "'amount' must be a string"),
        (_body(amount="200"), "two decimals"),
        (_body(amount="200.5"), "two decimals"),
        (_body(amount="-1.00"), "two decimals"),
        (_body(amount="0.00"), "positive"),
        (_body(utr="12345"), "12 digits"),
        (_body(utr="12345678901a"), "12 digits"),
        (_body(status="PENDING"), "status must be one of"),
        (_body(payee_vpa="cpo123"), "payee_vpa"),
        (_body(currency="inr"), "currency"),
        (_body(reference=" "), "reference"),
        (_body(credited_at="yesterday"), "RFC 3339"),
        (_body(credited_at="2025-10-01T10:00:00"), "UTC offset"),
    ],
)
def test_from_json_rejects_with_a_clear_message(raw: bytes, message: str) -> None:
    with pytest.raises(NotificationError, match=message):
        CreditNotification.from_json(raw)


def test_notification_error_is_a_value_error() -> None:
    assert issubclass(NotificationError, ValueError)


def test_new_utr_is_twelve_random_digits() -> None:
    utrs = {new_utr() for _ in range(50)}
    assert all(len(utr) == 12 and utr.isdigit() for utr in utrs)
    assert len(utrs) > 45


def test_normalise_amount_refuses_fractions_of_a_paisa() -> None:
    assert normalise_amount(200) == "200.00"
    with pytest.raises(NotificationError):
        normalise_amount("200.001")
    with pytest.raises(NotificationError):
        normalise_amount("abc")
