"""Frame and payload verdicts, and the exact wording a conformance report shows for them."""

import copy
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastjsonschema import JsonSchemaValueException

from ocpp_upi.ocpp.codec import Call, CallResult, Send
from ocpp_upi.ocpp.fastpath import ENUM_KEY, compile_fast, fast_schema
from ocpp_upi.ocpp.formats import is_date_time, is_uri
from ocpp_upi.ocpp.messages import json_pointer, short_repr
from ocpp_upi.ocpp.validator import (
    Checked,
    FrameValidator,
    PayloadValidator,
    Violation,
    default_payload_validator,
    validate_frame_once,
)
from ocpp_upi.ocpp.versions import Role

CHARGER, CSMS = Role.CHARGER, Role.CSMS
NOW = "2025-03-01T10:00:00Z"


def frame(*items: object) -> str:
    return json.dumps(list(items))


def messages(checked: Checked) -> list[str]:
    return [str(v) for v in checked.violations]


def transaction_event(**overrides: object) -> dict:
    payload = {
        "eventType": "Started",
        "timestamp": NOW,
        "triggerReason": "Authorized",
        "seqNo": 0,
        "transactionInfo": {"transactionId": "tx-1"},
    }
    payload.update(overrides)
    return {k: v for k, v in payload.items() if v is not None}


def charging_profile(limit: object) -> dict:
    return {
        "chargingProfileId": 1,
        "stackLevel": 0,
        "chargingProfilePurpose": "TxProfile",
        "chargingProfileKind": "Absolute",
        "chargingSchedule": {
            "chargingRateUnit": "A",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}],
        },
    }


# --- the reference messages -------------------------------------------------------------------


def test_idtag_of_21_characters_in_1_6_remote_start() -> None:
    validator = FrameValidator("1.6")
    checked = validator.check(
        frame(2, "rs-1", "RemoteStartTransaction", {"idTag": "abcdefghijklmnopqrstu"}), CSMS
    )
    assert messages(checked) == [
        "CSMS -> charger RemoteStartTransaction.req (1.6): /idTag: "
        "'abcdefghijklmnopqrstu' is longer than 20"
    ]
    assert checked.action == "RemoteStartTransaction" and not checked.ok
    assert checked.violations[0] == Violation(
        CSMS,
        "1.6",
        "RemoteStartTransaction",
        "request",
        "/idTag",
        "'abcdefghijklmnopqrstu' is longer than 20",
    )
    # A 20-character idTag is fine, and the charger's answer is checked as a .conf.
    validator.forget_outstanding(CSMS)
    assert validator.check(frame(2, "rs-2", "RemoteStartTransaction", {"idTag": "a" * 20}), CSMS).ok
    assert messages(validator.check(frame(3, "rs-2", {"status": "Maybe"}), CHARGER)) == [
        "charger -> CSMS RemoteStartTransaction.conf (1.6): /status: "
        "'Maybe' is not one of ['Accepted', 'Rejected']"
    ]


@pytest.mark.parametrize("version", ["2.0.1", "2.1"])
def test_transaction_event_without_seqno(version: str) -> None:
    checked = FrameValidator(version).check(
        frame(2, "te-1", "TransactionEvent", transaction_event(seqNo=None)), CHARGER
    )
    assert messages(checked) == [
        f"charger -> CSMS TransactionEventRequest ({version}): 'seqNo' is a required property"
    ]
    assert checked.violations[0].pointer == ""


def test_transaction_event_seqno_of_wrong_type() -> None:
    checked = FrameValidator("2.1").check(
        frame(2, "te-1", "TransactionEvent", transaction_event(seqNo="x")), CHARGER
    )
    assert messages(checked) == [
        "charger -> CSMS TransactionEventRequest (2.1): /seqNo: 'x' is not of type 'integer'"
    ]


def test_framing_violation_has_no_action() -> None:
    checked = FrameValidator("2.0.1").check(frame(2, "x" * 40, "Heartbeat", {}), CHARGER)
    assert checked.frame is None and checked.action is None
    assert messages(checked) == [
        "charger -> CSMS frame (2.0.1): message id is 40 characters, at most 36 allowed"
    ]


def test_message_id_of_37_characters() -> None:
    checked = FrameValidator("1.6").check(frame(2, "7" * 37, "Heartbeat", {}), CSMS)
    assert messages(checked) == [
        "CSMS -> charger frame (1.6): message id is 37 characters, at most 36 allowed"
    ]


def test_non_json_frame() -> None:
    checked = FrameValidator("2.1").check("hello", CSMS)
    assert messages(checked) == [
        "CSMS -> charger frame (2.1): frame is not valid JSON (Expecting value at character 0)"
    ]


# --- RPC state ---------------------------------------------------------------------------------


def test_unknown_action_is_reported_but_the_frame_is_returned() -> None:
    validator = FrameValidator("2.1")
    checked = validator.check(frame(2, "f-1", "Foo", {"a": 1}), CSMS)
    assert messages(checked) == [
        "CSMS -> charger frame (2.1): action 'Foo' is not an OCPP 2.1 action"
    ]
    assert checked.frame == Call("f-1", "Foo", {"a": 1}) and checked.action == "Foo"
    # The charger may answer NotImplemented: that answer matches the CALL.
    answer = validator.check(frame(4, "f-1", "NotImplemented", "no such action", {}), CHARGER)
    assert answer.ok and answer.action == "Foo"


def test_1_6_only_action_is_unknown_in_2_x() -> None:
    checked = FrameValidator("2.0.1").check(
        frame(2, "1", "RemoteStartTransaction", {"idTag": "a"}), CSMS
    )
    assert messages(checked) == [
        "CSMS -> charger frame (2.0.1): action 'RemoteStartTransaction' is not an OCPP 2.0.1 action"
    ]


def test_two_calls_outstanding_in_one_direction() -> None:
    validator = FrameValidator("1.6")
    assert validator.check(frame(2, "a1", "Heartbeat", {}), CHARGER).ok
    # The other direction is independent.
    assert validator.check(frame(2, "b1", "ClearCache", {}), CSMS).ok
    second = validator.check(frame(2, "a2", "Heartbeat", {}), CHARGER)
    assert messages(second) == [
        "charger -> CSMS frame (1.6): sent CALL a2 while CALL a1 is still unanswered"
    ]
    assert validator.outstanding(CHARGER) == ("a1", "a2")
    # Both may still be answered without further blame.
    assert validator.check(frame(3, "a1", {"currentTime": NOW}), CSMS).ok
    assert validator.check(frame(3, "a2", {"currentTime": NOW}), CSMS).ok
    assert validator.check(frame(2, "a3", "Heartbeat", {}), CHARGER).ok


def test_result_with_wrong_id() -> None:
    validator = FrameValidator("2.0.1")
    validator.check(frame(2, "hb-1", "Heartbeat", {}), CHARGER)
    checked = validator.check(frame(3, "hb-2", {"currentTime": NOW}), CSMS)
    assert checked.frame == CallResult("hb-2", {"currentTime": NOW}) and checked.action is None
    assert messages(checked) == [
        "CSMS -> charger frame (2.0.1): CALLRESULT hb-2 answers no outstanding CALL"
    ]
    # A result must answer the OTHER side's CALL, not the sender's own.
    own = validator.check(frame(3, "hb-1", {"currentTime": NOW}), CHARGER)
    assert messages(own) == [
        "charger -> CSMS frame (2.0.1): CALLRESULT hb-1 answers no outstanding CALL"
    ]
    assert validator.check(frame(3, "hb-1", {"currentTime": NOW}), CSMS).ok
    # Once answered, the CALL is no longer outstanding.
    again = validator.check(frame(4, "hb-1", "GenericError", "", {}), CSMS)
    assert messages(again) == [
        "CSMS -> charger frame (2.0.1): CALLERROR hb-1 answers no outstanding CALL"
    ]


def test_result_payload_is_checked_against_the_calls_response_schema() -> None:
    validator = FrameValidator("2.1")
    validator.check(
        frame(
            2,
            "b",
            "BootNotification",
            {"chargingStation": {"model": "M", "vendorName": "V"}, "reason": "PowerUp"},
        ),
        CHARGER,
    )
    checked = validator.check(frame(3, "b", {"currentTime": NOW, "status": "Accepted"}), CSMS)
    assert checked.action == "BootNotification"
    assert messages(checked) == [
        "CSMS -> charger BootNotificationResponse (2.1): 'interval' is a required property"
    ]


def test_forget_outstanding_after_a_timeout() -> None:
    validator = FrameValidator("2.1")
    validator.check(frame(2, "t1", "Heartbeat", {}), CSMS)
    validator.forget_outstanding(CSMS)
    assert validator.check(frame(2, "t2", "Heartbeat", {}), CSMS).ok
    validator.forget_outstanding(CSMS, "t2")
    assert validator.outstanding(CSMS) == ()


@pytest.mark.parametrize(
    ("version", "wrong", "right"),
    [
        ("1.6", "FormatViolation", "FormationViolation"),
        ("1.6", "OccurrenceConstraintViolation", "OccurenceConstraintViolation"),
        ("2.0.1", "FormationViolation", "FormatViolation"),
        ("2.0.1", "OccurenceConstraintViolation", "OccurrenceConstraintViolation"),
        ("2.1", "FormationViolation", "FormatViolation"),
        ("2.1", "OccurenceConstraintViolation", "OccurrenceConstraintViolation"),
    ],
)
def test_error_code_spelling_per_version(version: str, wrong: str, right: str) -> None:
    validator = FrameValidator(version)
    validator.check(frame(2, "c1", "Heartbeat", {}), CHARGER)
    checked = validator.check(frame(4, "c1", wrong, "bad payload", {}), CSMS)
    assert messages(checked) == [
        f"CSMS -> charger frame ({version}): error code {wrong!r} is not an OCPP {version} "
        f"error code; OCPP {version} spells it {right!r}"
    ]
    validator.check(frame(2, "c2", "Heartbeat", {}), CHARGER)
    assert validator.check(frame(4, "c2", right, "bad payload", {}), CSMS).ok


def test_invented_error_code() -> None:
    validator = FrameValidator("2.0.1")
    validator.check(frame(2, "c1", "Heartbeat", {}), CHARGER)
    assert messages(validator.check(frame(4, "c1", "Oops", "", {}), CSMS)) == [
        "CSMS -> charger frame (2.0.1): error code 'Oops' is not an OCPP 2.0.1 error code"
    ]


def test_send_is_a_framing_error_in_2_0_1_but_valid_in_2_1() -> None:
    send = frame(
        6,
        "s1",
        "NotifyPeriodicEventStream",
        {"id": 1, "pending": 0, "basetime": NOW, "data": [{"t": 0.5, "v": "7"}]},
    )
    assert messages(FrameValidator("2.0.1").check(send, CHARGER)) == [
        "charger -> CSMS frame (2.0.1): message type id 6 (SEND) exists only from OCPP 2.1 on"
    ]
    validator = FrameValidator("2.1")
    checked = validator.check(send, CHARGER)
    assert checked.ok and isinstance(checked.frame, Send)
    assert checked.action == "NotifyPeriodicEventStream"
    assert validator.outstanding(CHARGER) == ()  # a SEND expects no answer
    bad = validator.check(frame(6, "s2", "NotifyPeriodicEventStream", {"id": 1}), CHARGER)
    assert messages(bad)[0] == (
        "charger -> CSMS NotifyPeriodicEventStreamRequest (2.1): 'basetime' is a required property"
    )


def test_send_only_action_sent_as_call() -> None:
    payload = {"id": 1, "pending": 0, "basetime": NOW, "data": [{"t": 0, "v": "1"}]}
    checked = FrameValidator("2.1").check(
        frame(2, "c", "NotifyPeriodicEventStream", payload), CHARGER
    )
    assert messages(checked) == [
        "charger -> CSMS frame (2.1): action 'NotifyPeriodicEventStream' has no response in "
        "OCPP 2.1; it must be sent as SEND"
    ]


PERIODIC = {"id": 1, "pending": 0, "basetime": NOW, "data": [{"t": 0.5, "v": "7"}]}
NO_RESPONSE = "a SEND has no response (OCPP 2.1 Part 4, OCPP-J: SEND, message type 6)"


def test_callresult_or_callerror_answering_a_send_is_a_violation() -> None:
    validator = FrameValidator("2.1")
    assert validator.check(frame(6, "s1", "NotifyPeriodicEventStream", PERIODIC), CHARGER).ok
    result = validator.check(frame(3, "s1", {}), CSMS)
    assert result.action == "NotifyPeriodicEventStream"
    assert messages(result) == [
        f"CSMS -> charger frame (2.1): CALLRESULT to SEND s1 (NotifyPeriodicEventStream): "
        f"{NO_RESPONSE}"
    ]
    # Every answer is blamed, not only the first; the error code is still judged.
    error = validator.check(frame(4, "s1", "FormationViolation", "", {}), CSMS)
    assert messages(error) == [
        f"CSMS -> charger frame (2.1): CALLERROR to SEND s1 (NotifyPeriodicEventStream): "
        f"{NO_RESPONSE}",
        "CSMS -> charger frame (2.1): error code 'FormationViolation' is not an OCPP 2.1 error "
        "code; OCPP 2.1 spells it 'FormatViolation'",
    ]
    # A SEND of the other side, or one never sent, is not what the answer is blamed for.
    own = validator.check(frame(3, "s1", {}), CHARGER)
    assert messages(own) == [
        "charger -> CSMS frame (2.1): CALLRESULT s1 answers no outstanding CALL"
    ]


def test_send_is_not_an_outstanding_call() -> None:
    validator = FrameValidator("2.1")
    assert validator.check(frame(2, "c1", "Heartbeat", {}), CHARGER).ok
    # A SEND while a CALL waits, and a CALL after a SEND, break no one-CALL-at-a-time rule.
    assert validator.check(frame(6, "s1", "NotifyPeriodicEventStream", PERIODIC), CHARGER).ok
    assert validator.outstanding(CHARGER) == ("c1",)
    assert validator.check(frame(3, "c1", {"currentTime": NOW}), CSMS).ok
    assert validator.check(frame(2, "c2", "Heartbeat", {}), CHARGER).ok
    # An answer carrying an outstanding CALL's id answers that CALL, even if a SEND shared it.
    assert validator.check(frame(6, "c2", "NotifyPeriodicEventStream", PERIODIC), CHARGER).ok
    checked = validator.check(frame(3, "c2", {"currentTime": NOW}), CSMS)
    assert checked.ok and checked.action == "Heartbeat"


def test_send_of_an_action_that_has_a_response_is_a_violation_and_so_is_answering_it() -> None:
    validator = FrameValidator("2.1")
    sent = validator.check(frame(6, "s1", "Heartbeat", {}), CHARGER)
    assert messages(sent) == [
        "charger -> CSMS frame (2.1): action 'Heartbeat' is not a SEND in OCPP 2.1; "
        "it has a response and must be sent as CALL"
    ]
    assert validator.outstanding(CHARGER) == ()
    answer = validator.check(frame(3, "s1", {"currentTime": NOW}), CSMS)
    assert messages(answer) == [
        f"CSMS -> charger frame (2.1): CALLRESULT to SEND s1 (Heartbeat): {NO_RESPONSE}"
    ]
    # Its payload is still judged by the request schema of that action.
    bad = validator.check(frame(6, "s2", "BootNotification", {}), CHARGER)
    assert messages(bad)[1:] == [
        "charger -> CSMS BootNotificationRequest (2.1): 'chargingStation' is a required property",
        "charger -> CSMS BootNotificationRequest (2.1): 'reason' is a required property",
    ]


def test_answering_a_send_of_an_unknown_action_is_a_violation() -> None:
    validator = FrameValidator("2.1")
    sent = validator.check(frame(6, "s1", "NoSuchAction", {}), CSMS)
    assert messages(sent) == [
        "CSMS -> charger frame (2.1): action 'NoSuchAction' is not an OCPP 2.1 action"
    ]
    answer = validator.check(frame(4, "s1", "NotImplemented", "", {}), CHARGER)
    assert messages(answer) == [
        f"charger -> CSMS frame (2.1): CALLERROR to SEND s1 ('NoSuchAction'): {NO_RESPONSE}"
    ]


def test_answering_a_malformed_send_is_a_violation_in_2_1_only() -> None:
    validator = FrameValidator("2.1")
    assert not validator.check(frame(6, "s1", "NotifyPeriodicEventStream", []), CHARGER).ok
    answer = validator.check(frame(4, "s1", "FormatViolation", "", {}), CSMS)
    assert messages(answer) == [f"CSMS -> charger frame (2.1): CALLERROR to SEND s1: {NO_RESPONSE}"]
    # In 2.0.1 type 6 is an unknown message type, which MessageTypeNotSupported answers.
    older = FrameValidator("2.0.1")
    assert not older.check(frame(6, "s1", "NotifyPeriodicEventStream", PERIODIC), CHARGER).ok
    assert older.check(frame(4, "s1", "MessageTypeNotSupported", "", {}), CSMS).ok


def test_callresult_to_a_call_of_a_send_only_action_is_a_violation() -> None:
    validator = FrameValidator("2.1")
    assert not validator.check(frame(2, "c1", "NotifyPeriodicEventStream", PERIODIC), CHARGER).ok
    result = validator.check(frame(3, "c1", {"anything": True}), CSMS)
    assert result.action == "NotifyPeriodicEventStream"
    assert messages(result) == [
        "CSMS -> charger frame (2.1): CALLRESULT c1 answers a CALL of NotifyPeriodicEventStream, "
        "which has no response in OCPP 2.1; only a CALLERROR can answer it"
    ]
    # A CALLERROR is how the receiver refuses such a CALL.
    validator.check(frame(2, "c2", "NotifyPeriodicEventStream", PERIODIC), CHARGER)
    assert validator.check(frame(4, "c2", "ProtocolError", "send it as SEND", {}), CSMS).ok


def test_callresulterror_checks_its_code() -> None:
    validator = FrameValidator("2.1")
    assert validator.check(frame(5, "r1", "FormatViolation", "bad result", {}), CSMS).ok
    assert messages(validator.check(frame(5, "r1", "FormationViolation", "", {}), CSMS)) == [
        "CSMS -> charger frame (2.1): error code 'FormationViolation' is not an OCPP 2.1 error "
        "code; OCPP 2.1 spells it 'FormatViolation'"
    ]


def test_callerror_answering_a_broken_call_is_not_blamed() -> None:
    validator = FrameValidator("2.0.1")
    broken = validator.check(frame(2, "x1", "Heartbeat", []), CHARGER)
    assert messages(broken) == [
        "charger -> CSMS frame (2.0.1): payload is a JSON array, not an object"
    ]
    assert validator.check(frame(4, "x1", "FormatViolation", "payload", {}), CSMS).ok
    # Only once, and never for a CALLRESULT.
    assert not validator.check(frame(4, "x1", "FormatViolation", "payload", {}), CSMS).ok
    validator.check(frame(2, "x2", "Heartbeat", []), CHARGER)
    assert not validator.check(frame(3, "x2", {"currentTime": NOW}), CSMS).ok


def test_unknown_message_type_may_be_answered_message_type_not_supported() -> None:
    validator = FrameValidator("2.0.1")
    assert not validator.check(frame(7, "m1", "Heartbeat", {}), CHARGER).ok
    assert validator.check(frame(4, "m1", "MessageTypeNotSupported", "", {}), CSMS).ok


def test_ten_megabyte_data_transfer() -> None:
    blob = "x" * 10_000_000
    raw = frame(2, "dt", "DataTransfer", {"vendorId": "com.example", "data": blob})
    assert FrameValidator("1.6").check(raw, CHARGER).ok
    raw = frame(2, "dt", "DataTransfer", {"vendorId": "v" * 300, "data": blob})
    assert messages(FrameValidator("2.1").check(raw, CHARGER.peer)) == [
        "CSMS -> charger DataTransferRequest (2.1): /vendorId: "
        "'vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv... is longer than 255"
    ]


def test_validate_frame_once() -> None:
    ok = validate_frame_once(frame(2, "1", "Heartbeat", {}), "1.6", CHARGER)
    assert ok.ok and ok.action == "Heartbeat"
    result = frame(3, "1", {"currentTime": "yesterday"})
    assert validate_frame_once(result, "1.6", CSMS).ok  # no action: payload unknown
    checked = validate_frame_once(result, "1.6", CSMS, action="Heartbeat")
    assert messages(checked) == [
        "CSMS -> charger Heartbeat.conf (1.6): /currentTime: 'yesterday' is not a 'date-time'"
    ]
    assert not validate_frame_once("[", "2.1", CSMS).ok


# --- payload semantics -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def payloads() -> PayloadValidator:
    return default_payload_validator()


def test_default_validator_is_shared() -> None:
    assert default_payload_validator() is default_payload_validator()


def test_integer_1_0_follows_each_schemas_draft(payloads: PayloadValidator) -> None:
    # 1.6 core schemas are draft-04: 1.0 is a number, not an integer.
    status = {"connectorId": 1.0, "errorCode": "NoError", "status": "Available"}
    assert not payloads.fast_accepts("1.6", "StatusNotification", "request", status)
    assert payloads.validate("1.6", "StatusNotification", "request", status) == [
        ("/connectorId", "1.0 is not of type 'integer'")
    ]
    # The 1.6 security-extension schemas are draft-06: 1.0 is an integer there.
    trigger = {"requestedMessage": "Heartbeat", "connectorId": 1.0}
    assert payloads.fast_accepts("1.6", "ExtendedTriggerMessage", "request", trigger)
    assert payloads.validate_exact("1.6", "ExtendedTriggerMessage", "request", trigger) == []
    # 2.0.1 and 2.1 are draft-06 throughout; 1.5 is still no integer.
    for version in ("2.0.1", "2.1"):
        event = transaction_event(seqNo=3.0)
        assert payloads.fast_accepts(version, "TransactionEvent", "request", event)
        assert payloads.validate_exact(version, "TransactionEvent", "request", event) == []
        event = transaction_event(seqNo=1.5)
        assert payloads.validate(version, "TransactionEvent", "request", event) == [
            ("/seqNo", "1.5 is not of type 'integer'")
        ]


def test_booleans_are_not_numbers(payloads: PayloadValidator) -> None:
    assert payloads.validate("2.1", "TransactionEvent", "request", transaction_event(seqNo=True))
    assert payloads.validate(
        "1.6",
        "StatusNotification",
        "request",
        {"connectorId": False, "errorCode": "NoError", "status": "Available"},
    )


@pytest.mark.parametrize("limit", [8.1, 16, 0.3, 21.4, 1e-1, 1e22, 12345678.9])
def test_decimal_multiple_of_accepts(payloads: PayloadValidator, limit: float) -> None:
    # 0.3 / 0.1 is 2.9999999999999996 in binary floating point; the peer wrote 0.3.
    payload = {"idTag": "a", "chargingProfile": charging_profile(limit)}
    # fastjsonschema 2.22 divides Decimal(repr(x)) by Decimal(repr(0.1)): no false refusal.
    assert payloads.fast_accepts("1.6", "RemoteStartTransaction", "request", payload)
    assert payloads.validate("1.6", "RemoteStartTransaction", "request", payload) == []
    assert payloads.validate_exact("1.6", "RemoteStartTransaction", "request", payload) == []


def test_decimal_multiple_of_rejects_off_grid_values(payloads: PayloadValidator) -> None:
    pointer = "/chargingProfile/chargingSchedule/chargingSchedulePeriod/0/limit"
    for limit, shown in (
        (8.15, "8.15"),
        (0.30000000000000004, "0.30000000000000004"),
        (60.00000000000001, "60.00000000000001"),
    ):
        payload = {"idTag": "a", "chargingProfile": charging_profile(limit)}
        assert payloads.validate("1.6", "RemoteStartTransaction", "request", payload) == [
            (pointer, f"{shown} is not a multiple of 0.1")
        ]


def test_fast_path_refusal_is_only_a_hint(payloads: PayloadValidator) -> None:
    # fastjsonschema gives up on 1e308 / 0.1 ("infinity reached"); the exact path decides.
    payload = {
        "chargingProfileId": 1,
        "stackLevel": 0,
        "chargingProfilePurpose": "TxProfile",
        "chargingProfileKind": "Absolute",
        "chargingSchedule": {
            "chargingRateUnit": "W",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 1e308}],
        },
    }
    request = {"connectorId": 1, "csChargingProfiles": payload}
    assert not payloads.fast_accepts("1.6", "SetChargingProfile", "request", request)
    assert payloads.validate("1.6", "SetChargingProfile", "request", request) == []


def test_non_finite_numbers_never_pass_multiple_of(payloads: PayloadValidator) -> None:
    for value in (float("inf"), float("nan")):
        payload = {"idTag": "a", "chargingProfile": charging_profile(value)}
        assert payloads.validate("1.6", "RemoteStartTransaction", "request", payload)


def test_fast_path_does_not_write_schema_defaults(payloads: PayloadValidator) -> None:
    request = {"getVariableData": [{"component": {"name": "C"}, "variable": {"name": "V"}}]}
    before = copy.deepcopy(request)
    assert payloads.validate("2.0.1", "GetVariables", "request", request) == []
    assert request == before
    meter = {"evseId": 1, "meterValue": [{"timestamp": NOW, "sampledValue": [{"value": 1.5}]}]}
    before = copy.deepcopy(meter)
    assert payloads.validate("2.1", "MeterValues", "request", meter) == []
    assert meter == before


VALID_DATE_TIMES = [
    "2025-03-01T10:00:00Z",
    "2025-03-01t10:00:00z",
    "2025-03-01T10:00:00.123456789Z",
    "2025-03-01T10:00:00+05:30",
    "2025-03-01T10:00:00-00:00",
    "2024-02-29T00:00:00Z",
    "2000-02-29T23:59:59Z",
    "1998-12-31T23:59:60Z",
    "1998-12-31T15:59:60.5-08:00",
    "0000-01-01T00:00:00Z",
]

INVALID_DATE_TIMES = [
    "2025-03-01T10:00:00+0530",  # offset without colon
    "2025-03-01T10:00:00",  # no offset
    "2025-03-01T10:00Z",  # no seconds
    "2025-03-01 10:00:00Z",  # space separator
    "2025-03-01T10:00:00.Z",  # empty fraction
    "2025-13-01T10:00:00Z",  # month 13
    "2025-00-01T10:00:00Z",
    "2025-02-29T10:00:00Z",  # not a leap year
    "1900-02-29T10:00:00Z",  # century, not a leap year
    "2025-02-30T10:00:00Z",
    "2025-04-31T10:00:00Z",
    "2025-03-01T24:00:00Z",
    "2025-03-01T10:60:00Z",
    "2025-03-01T10:00:61Z",
    "2025-03-01T23:58:60Z",  # leap second on the wrong minute
    "2025-03-01T10:00:00+24:00",
    "2025-03-01T10:00:00+05:60",
    "٢٠٢٥-03-01T10:00:00Z",  # Arabic-Indic digits
    "2025-03-01T10:00:00Z\n",  # trailing newline
    "20250301T100000Z",  # ISO 8601 basic
    "",
]


@pytest.mark.parametrize("value", VALID_DATE_TIMES)
def test_valid_date_times(value: str) -> None:
    assert is_date_time(value)


@pytest.mark.parametrize("value", INVALID_DATE_TIMES)
def test_invalid_date_times(payloads: PayloadValidator, value: str) -> None:
    assert not is_date_time(value)
    assert payloads.validate("2.0.1", "Heartbeat", "response", {"currentTime": value}) == [
        ("/currentTime", f"{short_repr(value)} is not a 'date-time'")
    ]


def test_uri_format_of_1_6_get_diagnostics(payloads: PayloadValidator) -> None:
    assert is_uri("ftp://user:pw@diag.example.com:21/upload?x=1#frag")
    assert is_uri("https://example.com/%20a")
    for bad in ("no scheme", "ftp://host/with space", "http://x/%zz", "1ftp://x", "a:#b#c"):
        assert not is_uri(bad), bad
    assert payloads.validate("1.6", "GetDiagnostics", "request", {"location": "diag"}) == [
        ("/location", "'diag' is not a 'uri'")
    ]


def test_messages_read_like_jsonschema(payloads: PayloadValidator) -> None:
    boot = {"chargePointVendor": "V", "chargePointModel": "M", "extra": 1, "more": 2}
    assert payloads.validate("1.6", "BootNotification", "request", boot) == [
        ("", "Additional properties are not allowed ('extra', 'more' were unexpected)")
    ]
    assert payloads.validate(
        "2.1", "NotifyWebPaymentStarted", "request", {"evseId": -1, "timeout": 60}
    ) == [("/evseId", "-1 is less than the minimum of 0.0")]
    assert payloads.validate(
        "2.1", "TransactionEvent", "request", transaction_event(meterValue=[])
    ) == [("/meterValue", "[] should be non-empty")]
    problems = payloads.validate(
        "2.0.1", "SetChargingProfile", "request", {"evseId": 1, "chargingProfile": {}}
    )
    assert ("/chargingProfile", "'id' is a required property") in problems
    assert problems == sorted(problems)


def test_errors_are_capped() -> None:
    validator = PayloadValidator(max_errors=3)
    data = {"getVariableData": [{"component": 1, "variable": 2} for _ in range(10)]}
    # The exact path lists every error, up to the cap.
    assert len(validator.validate_exact("2.1", "GetVariables", "request", data)) == 3
    # The fast path stops at the first refused keyword, and says so in the exact path's words.
    first = ("/getVariableData/0/component", "1 is not of type 'object'")
    assert validator.validate("2.1", "GetVariables", "request", data) == [first]
    assert first in PayloadValidator().validate_exact("2.1", "GetVariables", "request", data)


# --- the fast path explains its own refusals -------------------------------------------------

TE_21 = ("2.1", "TransactionEvent", "request")
MEASURANDS_21 = default_payload_validator().store.schema(*TE_21)["definitions"][
    "MeasurandEnumType"
]["enum"]
SINGLE_ERRORS = [
    # (key, payload, the one problem the exact path reports)
    (
        ("1.6", "RemoteStartTransaction", "request"),
        {"idTag": "abcdefghijklmnopqrstu"},
        ("/idTag", "'abcdefghijklmnopqrstu' is longer than 20"),
    ),
    (TE_21, transaction_event(seqNo=None), ("", "'seqNo' is a required property")),
    (TE_21, transaction_event(seqNo=1.5), ("/seqNo", "1.5 is not of type 'integer'")),
    (
        TE_21,
        transaction_event(eventType="Foo"),
        ("/eventType", "'Foo' is not one of ['Ended', 'Started', 'Updated']"),
    ),
    (
        TE_21,
        transaction_event(timestamp="2024-13-01T00:00:00Z"),
        ("/timestamp", "'2024-13-01T00:00:00Z' is not a 'date-time'"),
    ),
    (
        TE_21,
        transaction_event(x=1),
        ("", "Additional properties are not allowed ('x' was unexpected)"),
    ),
    (
        TE_21,
        transaction_event(
            meterValue=[{"timestamp": NOW, "sampledValue": [{"value": 1, "measurand": "Foo"}]}]
        ),
        ("/meterValue/0/sampledValue/0/measurand", f"'Foo' is not one of {MEASURANDS_21!r}"),
    ),
    (TE_21, transaction_event(meterValue=[]), ("/meterValue", "[] should be non-empty")),
    (
        TE_21,
        transaction_event(transactionInfo={}),
        ("/transactionInfo", "'transactionId' is a required property"),
    ),
    (
        ("1.6", "StatusNotification", "request"),
        {"connectorId": 1.0, "errorCode": "NoError", "status": "Available"},
        ("/connectorId", "1.0 is not of type 'integer'"),
    ),
    (
        ("1.6", "RemoteStartTransaction", "request"),
        {"idTag": "a", "chargingProfile": charging_profile(8.15)},
        (
            "/chargingProfile/chargingSchedule/chargingSchedulePeriod/0/limit",
            "8.15 is not a multiple of 0.1",
        ),
    ),
    (
        ("2.1", "NotifyWebPaymentStarted", "request"),
        {"evseId": -1, "timeout": 60},
        ("/evseId", "-1 is less than the minimum of 0.0"),
    ),
    (
        ("1.6", "GetDiagnostics", "request"),
        {"location": "diag"},
        ("/location", "'diag' is not a 'uri'"),
    ),
    (
        ("2.1", "GetVariables", "request"),
        {"getVariableData": [{"component": {"name": "C"}, "variable": 2}]},
        ("/getVariableData/0/variable", "2 is not of type 'object'"),
    ),
]


@pytest.mark.parametrize(("key", "payload", "problem"), SINGLE_ERRORS)
def test_fast_refusal_reads_as_the_exact_path(
    payloads: PayloadValidator, key: tuple[str, str, str], payload: dict, problem: tuple
) -> None:
    """One error: the fast path's own explanation is the exact path's, word for word."""
    assert payloads.validate_exact(*key, payload) == [problem]
    with pytest.raises(JsonSchemaValueException) as refusal:
        payloads.fast_function(*key)(payload)
    # Explained without the exact path (None would mean "ask the exact path").
    assert payloads.explain_refusal(*key, payload, refusal.value) == [problem]
    assert payloads.validate(*key, payload) == [problem]


def test_refusals_only_the_exact_path_can_judge(payloads: PayloadValidator) -> None:
    """Where fastjsonschema refuses what the exact rules accept, no refusal is reported."""
    heartbeat = ("2.0.1", "Heartbeat", "response")
    # A leap second: the fast pattern refuses it, the exact path's date-time accepts it.
    leap = {"currentTime": "1998-12-31T23:59:60Z"}
    with pytest.raises(JsonSchemaValueException) as refusal:
        payloads.fast_function(*heartbeat)(leap)
    assert payloads.explain_refusal(*heartbeat, leap, refusal.value) is None
    assert payloads.validate(*heartbeat, leap) == []
    # fastjsonschema's "infinity reached" on 1e308 / 0.1 is no refusal of the exact path's.
    key = ("1.6", "RemoteStartTransaction", "request")
    huge = {"idTag": "a", "chargingProfile": charging_profile(1e308)}
    with pytest.raises(JsonSchemaValueException) as refusal:
        payloads.fast_function(*key)(huge)
    assert payloads.explain_refusal(*key, huge, refusal.value) is None
    assert payloads.validate(*key, huge) == []
    # inf makes the generated code fail outright: the exact path decides and explains.
    endless = {"idTag": "a", "chargingProfile": charging_profile(float("inf"))}
    with pytest.raises(Exception) as fault:
        payloads.fast_function(*key)(endless)
    assert not isinstance(fault.value, JsonSchemaValueException)
    assert payloads.explain_refusal(*key, endless, fault.value) is None
    assert payloads.validate(*key, endless) == [
        (
            "/chargingProfile/chargingSchedule/chargingSchedulePeriod/0/limit",
            "inf is not a multiple of 0.1",
        )
    ]


def test_several_errors_report_those_of_the_first_refused_keyword(
    payloads: PayloadValidator,
) -> None:
    """The price of cheap refusals: one keyword of one node, never a problem the exact path
    would not report."""
    payload = transaction_event(seqNo="x", eventType="Foo", triggerReason=None)
    exact = payloads.validate_exact(*TE_21, payload)
    assert len(exact) == 3
    found = payloads.validate(*TE_21, payload)
    assert found == [("", "'triggerReason' is a required property")]  # required comes first
    assert set(found) <= set(exact)
    # Every missing property of the refused object is named, as the exact path names them.
    bare = {"timestamp": NOW}
    assert payloads.validate(*TE_21, bare) == payloads.validate_exact(*TE_21, bare)
    assert len(payloads.validate(*TE_21, bare)) == 4


def test_generated_refusals_name_their_schema_node() -> None:
    """The raise lines are ours: no rebuilt schema literal, no str.format(**locals())."""
    store = default_payload_validator().store
    function = compile_fast(store.schema(*TE_21))
    assert "locals" not in function.__code__.co_names
    refusals = []
    for payload in (transaction_event(seqNo=None), transaction_event(eventType=None)):
        with pytest.raises(JsonSchemaValueException) as refusal:
            function(payload)
        refusals.append(refusal.value)
    first, second = refusals
    assert first.rule == second.rule == "required" and first.name == "data"
    assert first.definition is second.definition  # one node, named by index, not rebuilt
    assert "seqNo" in first.definition["required"]
    deep = transaction_event(
        meterValue=[{"timestamp": NOW, "sampledValue": [{"value": 1}, {"value": "x"}]}]
    )
    with pytest.raises(JsonSchemaValueException) as refusal:
        function(deep)
    assert refusal.value.name == "data.meterValue[0].sampledValue[1].value"
    assert refusal.value.rule == "type" and refusal.value.value == "x"


def test_short_repr_and_pointer() -> None:
    assert short_repr("abc") == "'abc'"
    assert short_repr("a" * 50) == "'" + "a" * 36 + "..."
    assert len(short_repr(list(range(10_000)))) <= 40
    assert short_repr(1.0) == "1.0"
    assert json_pointer(["a/b", "c~d", 0]) == "/a~1b/c~0d/0"
    assert json_pointer([]) == ""


def test_payload_validator_is_thread_safe() -> None:
    validator = PayloadValidator()
    good = transaction_event()
    bad = transaction_event(seqNo="x")

    def judge(i: int) -> list[tuple[str, str]]:
        return validator.validate("2.1", "TransactionEvent", "request", bad if i % 2 else good)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(judge, range(200)))
    assert results[0] == [] and results[1] == [("/seqNo", "'x' is not of type 'integer'")]
    assert all(r == results[i % 2] for i, r in enumerate(results))


def test_violation_renders_2_x_response_and_root_pointer() -> None:
    violation = Violation(
        CSMS, "2.0.1", "Authorize", "response", "", "'idTokenInfo' is a required property"
    )
    assert str(violation) == (
        "CSMS -> charger AuthorizeResponse (2.0.1): 'idTokenInfo' is a required property"
    )
    assert Checked(None, None, ()).ok


def test_every_official_schema_compiles_on_both_paths() -> None:
    """All 387 schemas: both paths build, and agree on an empty payload."""
    store = default_payload_validator().store
    validator = default_payload_validator()
    for version in ("1.6", "2.0.1", "2.1"):
        for action in store.actions(version):
            for kind in ("request", "response"):
                if not store.has(version, action, kind):
                    continue
                fast = validator.fast_accepts(version, action, kind, {})
                exact = validator.validate_exact(version, action, kind, {})
                assert fast == (exact == []), (version, action, kind, exact)
                assert not validator.fast_accepts(version, action, kind, [])


def test_fast_schema_inlines_references_and_turns_enums_into_patterns() -> None:
    store = default_payload_validator().store
    schema = store.schema("2.1", "TransactionEvent", "request")
    rewritten = fast_schema(schema)
    text = json.dumps({k: v for k, v in rewritten.items() if k != "definitions"})
    assert '"$ref"' not in text and '"enum"' not in text
    assert rewritten["properties"]["eventType"]["pattern"] == r"^(?:Ended|Started|Updated)\Z"
    # The enum stays beside its pattern, so a refusal can still say "is not one of [...]".
    assert rewritten["properties"]["eventType"][ENUM_KEY] == ["Ended", "Started", "Updated"]
    # Scalars are checked before the nested objects and arrays.
    kinds = [sub.get("type") for sub in rewritten["properties"].values()]
    nested = [kind in ("object", "array") for kind in kinds]
    assert nested == sorted(nested) and any(nested) and not all(nested)
    assert "additionalProperties" not in rewritten["properties"]["eventType"]
    assert rewritten["$schema"] == schema["$schema"]
    assert schema == store.schema("2.1", "TransactionEvent", "request")  # input untouched
    cyclic = {
        "definitions": {"A": {"type": "object", "properties": {"a": {"$ref": "#/definitions/A"}}}},
        "$ref": "#/definitions/A",
    }
    assert fast_schema(cyclic)["$ref"] == "#/definitions/A"
    inner = fast_schema({"properties": {"x": {"$ref": "#/definitions/A"}}, **cyclic})
    assert inner["properties"]["x"]["properties"]["a"] == {"$ref": "#/definitions/A"}


CONVERSATIONS = {
    "1.6": [
        (
            CHARGER,
            "BootNotification",
            {"chargePointVendor": "V", "chargePointModel": "M"},
            {"status": "Accepted", "currentTime": NOW, "interval": 300},
        ),
        (CHARGER, "Authorize", {"idTag": "UPI-1"}, {"idTagInfo": {"status": "Accepted"}}),
        (
            CSMS,
            "RemoteStartTransaction",
            {"idTag": "UPI-1", "chargingProfile": charging_profile(8.1)},
            {"status": "Accepted"},
        ),
        (
            CHARGER,
            "StartTransaction",
            {"connectorId": 1, "idTag": "UPI-1", "meterStart": 0, "timestamp": NOW},
            {"transactionId": 7, "idTagInfo": {"status": "Accepted"}},
        ),
    ],
    "2.0.1": [
        (
            CHARGER,
            "BootNotification",
            {"chargingStation": {"model": "M", "vendorName": "V"}, "reason": "PowerUp"},
            {"currentTime": NOW, "interval": 300, "status": "Accepted"},
        ),
        (
            CSMS,
            "RequestStartTransaction",
            {"idToken": {"idToken": "UPI-1", "type": "Central"}, "remoteStartId": 1},
            {"status": "Accepted"},
        ),
        (CHARGER, "TransactionEvent", transaction_event(), {}),
    ],
    "2.1": [
        (CHARGER, "Heartbeat", {}, {"currentTime": "2025-03-01T10:00:00.5+05:30"}),
        (CSMS, "NotifyWebPaymentStarted", {"evseId": 1, "timeout": 60}, {}),
        (CHARGER, "TransactionEvent", transaction_event(seqNo=1, eventType="Updated"), {}),
    ],
}


@pytest.mark.parametrize("version", sorted(CONVERSATIONS))
def test_valid_conversations_of_each_version(version: str) -> None:
    validator = FrameValidator(version)
    for number, (caller, action, request, response) in enumerate(CONVERSATIONS[version]):
        call = validator.check(frame(2, f"c{number}", action, request), caller)
        assert call.ok and call.action == action, messages(call)
        result = validator.check(frame(3, f"c{number}", response), caller.peer)
        assert result.ok and result.action == action, messages(result)
    assert validator.outstanding(CHARGER) == validator.outstanding(CSMS) == ()
