"""The bank signature is an HMAC over the exact bytes sent; anything else must fail."""

import hashlib
import hmac

from ocpp_upi.bank.signing import SIGNATURE_HEADER, sign, verify

BODY = b'{"amount":"200.00"}'
SECRET = "reference-bank-secret"


def test_sign_is_lowercase_hex_hmac_sha256_of_raw_body() -> None:
    expected = hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()
    assert sign(BODY, SECRET) == expected
    assert expected == expected.lower() and len(expected) == 64


def test_verify_accepts_own_signature_case_and_whitespace_insensitively() -> None:
    signature = sign(BODY, SECRET)
    assert verify(BODY, signature, SECRET)
    assert verify(BODY, f" {signature.upper()} ", SECRET)


def test_verify_rejects_missing_empty_forged_and_tampered() -> None:
    signature = sign(BODY, SECRET)
    assert not verify(BODY, None, SECRET)
    assert not verify(BODY, "", SECRET)
    assert not verify(BODY, "   ", SECRET)
    assert not verify(BODY, sign(BODY, "other-secret"), SECRET)
    assert not verify(BODY + b" ", signature, SECRET)
    assert not verify(BODY, signature[:-1], SECRET)
    assert not verify(BODY, "zz" * 32, SECRET)
    assert not verify(BODY, "é" * 64, SECRET)


def test_header_name() -> None:
    assert SIGNATURE_HEADER == "X-UPI-Signature"
