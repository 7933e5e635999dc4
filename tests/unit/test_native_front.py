"""The native front (msgspec types from the schemas): it may accept only what the schema does.

Hand-picked edges where msgspec's and JSON Schema's ideas of a type part (booleans are ints
in Python, 1.0 is an integer in draft-06, null is not "absent"), each against the real OCA
schema that has it. A refusal by the native front is never a verdict: the fast path decides.
"""

import msgspec
import pytest

from ocpp_upi.ocpp.native import native_type
from ocpp_upi.ocpp.schemas import default_store
from ocpp_upi.ocpp.validator import PayloadValidator
from ocpp_upi.ocpp.versions import VERSIONS

STORE = default_store()
PAYLOADS = PayloadValidator()
BOOT_21 = ("2.1", "BootNotification", "request")
STATION = {"model": "M", "vendorName": "V"}


def _accepts(key: tuple[str, str, str], payload: object) -> bool:
    return PAYLOADS.native_accepts(*key, payload)


def test_every_schema_but_those_with_multiple_of_has_a_native_front() -> None:
    unsupported = sorted(
        f"{version} {action}.{kind}"
        for version in VERSIONS
        for action in STORE.actions(version)
        for kind in ("request", "response")
        if STORE.has(version, action, kind)
        and native_type(STORE.schema(version, action, kind)) is None
    )
    # multipleOf is decimal arithmetic in the exact path; msgspec's is binary, so these three
    # 1.6 schemas (chargingRateUnit limits in steps of 0.1) keep the fast path alone.
    assert unsupported == [
        "1.6 GetCompositeSchedule.response",
        "1.6 RemoteStartTransaction.request",
        "1.6 SetChargingProfile.request",
    ]


def test_a_valid_payload_is_accepted() -> None:
    assert _accepts(BOOT_21, {"chargingStation": STATION, "reason": "PowerUp"})


@pytest.mark.parametrize(
    ("why", "payload"),
    [
        ("a missing required property", {"chargingStation": STATION}),
        ("an unknown property", {"chargingStation": STATION, "reason": "PowerUp", "x": 1}),
        ("a value outside the enum", {"chargingStation": STATION, "reason": "Nap"}),
        (
            "null for an optional property",
            {"chargingStation": STATION, "reason": "PowerUp", "customData": None},
        ),
        (
            "a string over maxLength",
            {"chargingStation": {**STATION, "model": "m" * 21}, "reason": "PowerUp"},
        ),
        (
            "a number for a string",
            {"chargingStation": {**STATION, "model": 7}, "reason": "PowerUp"},
        ),
    ],
)
def test_what_the_schema_refuses_the_native_front_does_not_accept(why: str, payload: dict) -> None:
    assert not _accepts(BOOT_21, payload), why
    assert PAYLOADS.validate(*BOOT_21, payload), why


def test_custom_data_keeps_its_open_properties() -> None:
    custom = {"vendorId": "in.example", "anything": [1, {"nested": True}]}
    payload = {"chargingStation": STATION, "reason": "PowerUp", "customData": custom}
    assert _accepts(BOOT_21, payload)
    assert PAYLOADS.validate(*BOOT_21, payload) == []


@pytest.mark.parametrize("value", [True, 1.0, "1", None, 2.5])
def test_an_integer_is_a_python_int_and_nothing_else(value: object) -> None:
    key = ("2.1", "Heartbeat", "response")
    interval_key = ("2.1", "BootNotification", "response")
    payload = {"currentTime": "2026-12-03T06:00:00Z", "interval": value, "status": "Accepted"}
    assert not _accepts(interval_key, payload)
    # The verdict stays the schema's: draft-06 calls 1.0 an integer, the others are refused.
    assert (PAYLOADS.validate(*interval_key, payload) == []) is (value == 1.0 and value is not True)
    assert _accepts(key, {"currentTime": "2026-12-03T06:00:00Z"})


def test_a_leap_second_goes_to_the_exact_path_and_is_judged_there() -> None:
    key = ("2.1", "Heartbeat", "response")
    leap = {"currentTime": "2016-12-31T23:59:60Z"}
    assert not _accepts(key, leap)
    assert PAYLOADS.validate(*key, leap) == []
    assert PAYLOADS.validate(*key, {"currentTime": "2016-12-31T22:59:60Z"})


def test_a_number_keeps_an_int_exact_against_its_bound() -> None:
    schema = {
        "$schema": "http://json-schema.org/draft-06/schema#",
        "type": "object",
        "properties": {"n": {"type": "number", "maximum": 9007199254740992}},
    }
    kind = native_type(schema)
    msgspec.convert({"n": 9007199254740992}, kind)
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"n": 9007199254740993}, kind)  # as a float it would equal the bound
