"""OCPP-J framing: every malformed envelope is a FramingError with a readable reason."""

import json

import pytest

from ocpp_upi.ocpp.codec import (
    ERROR_CODES,
    MESSAGE_TYPES,
    Call,
    CallError,
    CallResult,
    CallResultError,
    FramingError,
    MessageTypeId,
    Send,
    decode,
    encode,
)
from ocpp_upi.ocpp.versions import VERSIONS


def reason(text: str | bytes, version: str = "2.0.1") -> str:
    with pytest.raises(FramingError) as caught:
        decode(text, version)
    return caught.value.reason


@pytest.mark.parametrize("version", VERSIONS)
def test_decodes_each_frame_type_of_every_version(version: str) -> None:
    assert decode('[2,"19223201","Heartbeat",{}]', version) == Call("19223201", "Heartbeat", {})
    assert decode('[3,"19223201",{"currentTime":"x"}]', version) == CallResult(
        "19223201", {"currentTime": "x"}
    )
    assert decode('[4,"1","GenericError","boom",{"a":1}]', version) == CallError(
        "1", "GenericError", "boom", {"a": 1}
    )


def test_callresulterror_and_send_exist_only_in_2_1() -> None:
    assert decode('[5,"1","FormatViolation","bad",{}]', "2.1") == CallResultError(
        "1", "FormatViolation", "bad", {}
    )
    assert decode('[6,"1","NotifyPeriodicEventStream",{}]', "2.1") == Send(
        "1", "NotifyPeriodicEventStream", {}
    )
    for version in ("1.6", "2.0.1"):
        assert reason('[6,"1","NotifyPeriodicEventStream",{}]', version) == (
            "message type id 6 (SEND) exists only from OCPP 2.1 on"
        )
        assert reason('[5,"1","FormatViolation","",{}]', version) == (
            "message type id 5 (CALLRESULTERROR) exists only from OCPP 2.1 on"
        )
    assert MESSAGE_TYPES["2.1"] == frozenset(MessageTypeId)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("not json", "frame is not valid JSON (Expecting value at character 0)"),
        ('{"a":1}', "frame is a JSON object, not an array"),
        ("[]", "frame is an empty array"),
        ('["2","1","Heartbeat",{}]', "message type id is a JSON string, not an integer"),
        ('[true,"1","Heartbeat",{}]', "message type id is a JSON boolean, not an integer"),
        ('[2.0,"1","Heartbeat",{}]', "message type id is a JSON number, not an integer"),
        ('[7,"1","Heartbeat",{}]', "message type id 7 is not one of 2, 3, 4"),
        ('[2,"1","Heartbeat"]', "CALL has 3 elements, 4 expected"),
        ('[3,"1",{},{}]', "CALLRESULT has 4 elements, 3 expected"),
        ('[4,"1","GenericError",{}]', "CALLERROR has 4 elements, 5 expected"),
        ('[2,1,"Heartbeat",{}]', "message id is a JSON integer, not a string"),
        ('[2,"","Heartbeat",{}]', "message id is empty"),
        ('[2,"1",5,{}]', "action is a JSON integer, not a string"),
        ('[2,"1","Heartbeat",[]]', "payload is a JSON array, not an object"),
        ('[3,"1",null]', "payload is a JSON null, not an object"),
        ('[4,"1",4,"",{}]', "error code is a JSON integer, not a string"),
        ('[4,"1","GenericError",null,{}]', "error description is a JSON null, not a string"),
        ('[4,"1","GenericError","",[]]', "error details is a JSON array, not an object"),
        ('[2,"1","Heartbeat",{"v":NaN}]', "frame is not valid JSON (NaN is not valid JSON)"),
        (
            '[2,"1","Heartbeat",{"v":-Infinity}]',
            "frame is not valid JSON (-Infinity is not valid JSON)",
        ),
        (
            '[2,"1","Heartbeat",{"v":1e400}]',
            "frame is not valid JSON (number 1e400 is out of range of a 64-bit float)",
        ),
        ('\ufeff[2,"1","Heartbeat",{}]', "frame starts with a byte order mark"),
    ],
)
def test_malformed_envelopes(text: str, expected: str) -> None:
    assert reason(text) == expected


def test_message_id_of_37_characters_is_refused_36_accepted() -> None:
    assert reason(f'[2,"{"a" * 37}","Heartbeat",{{}}]') == (
        "message id is 37 characters, at most 36 allowed"
    )
    assert decode(f'[2,"{"a" * 36}","Heartbeat",{{}}]', "1.6").message_id == "a" * 36


def test_message_id_length_counts_characters_not_bytes() -> None:
    assert decode(f'[2,"{"é" * 36}","Heartbeat",{{}}]', "2.1").message_id == "é" * 36


def test_bytes_must_be_utf8() -> None:
    assert decode(b'[2,"1","Heartbeat",{}]', "1.6") == Call("1", "Heartbeat", {})
    assert reason(b'[2,"\xff","Heartbeat",{}]') == (
        "frame is not valid UTF-8 (invalid start byte at byte 4)"
    )
    # json.loads(bytes) would guess UTF-16; OCPP-J is UTF-8 only.
    assert reason('[2,"1","Heartbeat",{}]'.encode("utf-16")).startswith("frame is not valid UTF-8")


def test_non_text_input_is_a_framing_error() -> None:
    assert reason(12345) == "frame is a int, not text"  # type: ignore[arg-type]


def test_deep_nesting_is_a_framing_error_not_a_crash() -> None:
    assert reason("[" * 200_000 + "]" * 200_000) == "frame nests JSON too deeply to decode"


def test_huge_integer_literal_is_a_framing_error() -> None:
    assert reason('[2,"1","Heartbeat",{"v":' + "9" * 5000 + "}]").startswith(
        "frame is not valid JSON"
    )


def test_ten_megabyte_frame_decodes() -> None:
    blob = "x" * 10_000_000
    frame = decode(f'[2,"1","DataTransfer",{{"vendorId":"v","data":"{blob}"}}]', "2.1")
    assert isinstance(frame, Call) and len(frame.payload["data"]) == 10_000_000


def test_framing_error_keeps_what_could_be_read() -> None:
    with pytest.raises(FramingError) as caught:
        decode('[2,"abc","Heartbeat",[]]', "1.6")
    assert (caught.value.message_type_id, caught.value.message_id) == (2, "abc")
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    "frame",
    [
        Call("1", "Authorize", {"idTag": "ñandú"}),
        CallResult("1", {"idTagInfo": {"status": "Accepted"}}),
        CallError("1", "NotImplemented", "no", {}),
        CallResultError("1", "FormatViolation", "", {"k": [1, 2.5]}),
        Send("1", "NotifyPeriodicEventStream", {"id": 1}),
    ],
)
def test_encode_is_compact_and_round_trips(frame: object) -> None:
    text = encode(frame)  # type: ignore[arg-type]
    assert ", " not in text and ": " not in text
    assert decode(text, "2.1") == frame


def test_encode_keeps_non_ascii_and_refuses_nan() -> None:
    assert encode(Call("1", "Authorize", {"idTag": "ñ"})) == '[2,"1","Authorize",{"idTag":"ñ"}]'
    with pytest.raises(ValueError):
        encode(Call("1", "MeterValues", {"v": float("nan")}))


def test_error_codes_follow_each_versions_spelling() -> None:
    assert {"FormationViolation", "OccurenceConstraintViolation"} <= ERROR_CODES["1.6"]
    assert not {"FormatViolation", "OccurrenceConstraintViolation"} & ERROR_CODES["1.6"]
    assert {"FormatViolation", "OccurrenceConstraintViolation"} <= ERROR_CODES["2.0.1"]
    assert not {"FormationViolation", "OccurenceConstraintViolation"} & ERROR_CODES["2.0.1"]
    assert {"FormatViolation", "OccurrenceConstraintViolation"} <= ERROR_CODES["2.1"]
    assert not {"FormationViolation", "OccurenceConstraintViolation"} & ERROR_CODES["2.1"]
    common = {
        "NotImplemented",
        "NotSupported",
        "InternalError",
        "ProtocolError",
        "SecurityError",
        "PropertyConstraintViolation",
        "TypeConstraintViolation",
        "GenericError",
    }
    assert all(common <= codes for codes in ERROR_CODES.values())
    assert {"MessageTypeNotSupported", "RpcFrameworkError"} <= ERROR_CODES["2.0.1"]
    assert "RpcFrameworkError" not in ERROR_CODES["1.6"]
    assert [len(ERROR_CODES[v]) for v in VERSIONS] == [10, 12, 12]


def test_decode_rejects_unknown_version_as_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown OCPP version"):
        decode(json.dumps([2, "1", "Heartbeat", {}]), "1.5")
