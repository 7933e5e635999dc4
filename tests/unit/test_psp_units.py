"""The mock PSP's small parts on their own: ids, money, journals, idempotency, validation."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocpp_upi.psp import PspSettings
from ocpp_upi.psp import validation as v
from ocpp_upi.psp.errors import PspError
from ocpp_upi.psp.idempotency import IdempotencyStore, check_key, fingerprint
from ocpp_upi.psp.ids import new_id, new_rrn, new_upi_transaction_id
from ocpp_upi.psp.journal import Activity, Journal
from ocpp_upi.psp.money import paise_of, rupees
from ocpp_upi.psp.signing import generic_signature, hmac_hex


def test_ids_have_razorpay_shape() -> None:
    for prefix in ("order", "pay", "rfnd", "qr", "plink"):
        assert re.fullmatch(rf"{prefix}_[A-Za-z0-9]{{14}}", new_id(prefix))
    assert len({new_id("pay") for _ in range(200)}) == 200
    assert len(new_upi_transaction_id()) == 35


def test_rrn_is_year_digit_day_of_year_and_random() -> None:
    rrn = new_rrn(datetime(2021, 6, 17, tzinfo=UTC))
    assert re.fullmatch(r"1168\d{8}", rrn)


@given(st.integers(min_value=1, max_value=10**9))
def test_paise_round_trip_through_the_link_amount(paise: int) -> None:
    am = f"{rupees(paise)}"
    assert re.fullmatch(r"\d+\.\d{2}", am)
    assert paise_of(am) == paise


def test_fractional_paise_are_refused() -> None:
    assert paise_of("499") == 49900
    with pytest.raises(ValueError):
        paise_of("1.005")
    with pytest.raises(ValueError):
        paise_of("abc")
    assert rupees(5) == Decimal("0.05")


@given(st.binary(max_size=300), st.text(min_size=1, max_size=40))
def test_generic_signature_is_the_hex_hmac_with_a_prefix(body: bytes, secret: str) -> None:
    assert generic_signature(body, secret) == "sha256=" + hmac_hex(body, secret)
    assert re.fullmatch(r"[0-9a-f]{64}", hmac_hex(body, secret))


def test_idempotency_store_answers() -> None:
    store = IdempotencyStore()
    digest = fingerprint("pay_1", {"amount": 100})
    assert fingerprint("pay_1", {"amount": 100}) == digest
    assert fingerprint("pay_2", {"amount": 100}) != digest
    assert store.claim("key-0000001", digest) is None
    with pytest.raises(PspError) as in_flight:
        store.claim("key-0000001", digest)
    assert in_flight.value.status == 409
    store.complete("key-0000001", "rfnd_1")
    assert store.claim("key-0000001", digest) == "rfnd_1"
    with pytest.raises(PspError) as different:
        store.claim("key-0000001", fingerprint("pay_1", {"amount": 101}))
    assert different.value.status == 400
    store.claim("key-0000002", digest)
    store.release("key-0000002")
    assert store.claim("key-0000002", digest) is None
    for bad in ("short", "has space in it", "semi;colon;key"):
        with pytest.raises(PspError):
            check_key(bad)


def test_journal_waits_for_future_items_and_in_place_updates() -> None:
    async def scenario() -> None:
        journal: Journal[dict[str, int | None]] = Journal()
        item: dict[str, int | None] = {"status": None}
        journal.append(item)
        waiter = asyncio.create_task(
            journal.wait_for(lambda i: 200 <= i["status"] < 300, timeout=5)  # type: ignore[operator]
        )

        def complete() -> None:  # runs after the waiter's first step: callbacks are FIFO
            item["status"] = 201
            journal.touch(item)

        asyncio.get_running_loop().call_soon(complete)
        assert await waiter is item
        assert await journal.wait_for(lambda i: i["status"] == 500, timeout=0.01) is None

    asyncio.run(scenario())


def test_activity_reports_idle() -> None:
    async def scenario() -> None:
        activity = Activity()
        assert await activity.wait_idle(0.01)
        activity.begin(2)
        assert not await activity.wait_idle(0.01)
        waiter = asyncio.create_task(activity.wait_idle(5))
        asyncio.get_running_loop().call_soon(activity.end, 2)
        assert await waiter
        assert activity.pending == 0

    asyncio.run(scenario())


def test_validation_accepts_both_json_and_form_spellings() -> None:
    assert v.integer({"amount": "500"}, "amount") == 500
    assert v.boolean({"f": "1"}, "f", default=False) is True
    assert v.boolean({"f": "false"}, "f", default=True) is False
    assert v.notes({"notes": []}) == {}
    with pytest.raises(PspError):
        v.integer({"amount": True}, "amount")
    with pytest.raises(PspError):
        v.boolean({"f": "perhaps"}, "f", default=False)


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError):
        PspSettings(profile="stripe")
    with pytest.raises(ValueError):
        PspSettings(max_attempts=0)
