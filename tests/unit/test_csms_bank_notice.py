"""The reference CSMS's own parser of a bank credit notification and its signature check.

Held to hand-written bodies and to HMAC values computed here from the standard library alone
(RFC 2104 over SHA-256, the notification's contract), never to the harness's bank model.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime

import pytest

from ocpp_upi.csms.bank_notice import MalformedNotice, parse_bank_credit, signature_valid

GOOD = {
    "payee_vpa": "cpo123@hdfcbank",
    "payer_vpa": "driver@okaxis",
    "amount": "200.00",
    "currency": "INR",
    "reference": "EVSE-CP1-1",
    "utr": "123456789012",
    "status": "SUCCESS",
    "credited_at": "2025-10-01T10:00:00Z",
}


def _body(**changes: object) -> bytes:
    document = {**GOOD, **changes}
    return json.dumps({k: v for k, v in document.items() if v is not ...}).encode()


def test_a_good_notice_is_read() -> None:
    credit = parse_bank_credit(_body(extra="ignored"))
    assert (credit.amount_paise, credit.utr, credit.reference) == (
        20000,
        "123456789012",
        "EVSE-CP1-1",
    )
    assert credit.succeeded and credit.made_at == datetime(2025, 10, 1, 10, tzinfo=UTC)
    assert not parse_bank_credit(_body(status="FAILURE")).succeeded


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"\xff\xfe", "not UTF-8"),
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (b'{"amount": NaN}', "not JSON"),
        (_body(utr=...), "missing field 'utr'"),
        (_body(amount=200), "must be a string"),
        (_body(amount="200"), "two decimals"),
        (_body(amount="0.00"), "must be positive"),
        (_body(utr="12345"), "12 digits"),
        (_body(utr="12345678901a"), "12 digits"),
        (_body(payee_vpa="no-at-sign"), "name@bank"),
        (_body(payer_vpa="a@b\n"), "name@bank"),
        (_body(currency="inr"), "ISO 4217"),
        (_body(reference="  "), "not be blank"),
        (_body(status="PENDING"), "SUCCESS or FAILURE"),
        (_body(credited_at="2025-10-01 10:00:00"), "RFC 3339"),
        (_body(credited_at="2025-10-01T10:00:00"), "UTC offset"),
        (_body(credited_at="2025-13-01T10:00:00Z"), "RFC 3339"),
        (b'{"utr": "1", ' + _body()[1:], "given twice"),
    ],
)
def test_a_malformed_notice_is_refused_with_its_reason(body: bytes, reason: str) -> None:
    with pytest.raises(MalformedNotice, match=reason):
        parse_bank_credit(body)


def test_the_signature_is_the_hmac_of_the_exact_body() -> None:
    body, secret = _body(), "bank-secret"
    expected = hmac.new(b"bank-secret", body, hashlib.sha256).hexdigest()
    assert signature_valid(body, expected, secret)
    assert signature_valid(body, f"  {expected.upper()} ", secret)  # case and blanks do not sign
    assert not signature_valid(body + b" ", expected, secret)  # a changed body
    assert not signature_valid(body, expected, "another-secret")
    assert not signature_valid(body, expected[:-1], secret)
    assert not signature_valid(body, None, secret)
    assert not signature_valid(body, "   ", secret)
    assert not signature_valid(body, "é" * 64, secret)
