"""``check-trace`` and the public API: a recording gets the verdicts a live run would give."""

import argparse
import asyncio
import io
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ocpp.routing import on
from ocpp.v201 import ChargePoint, call, call_result

from ocpp_upi.api import TraceInputError, check_recording, validate_frame
from ocpp_upi.ocpp.trace import FrameTrace
from ocpp_upi.ocpp.validator import FrameValidator
from ocpp_upi.ocpp.versions import Role
from ocpp_upi.offline import add_command
from ocpp_upi.offline.checker import TraceCheckResult

NOW = "2025-03-01T10:00:00Z"
UP, DOWN = "cs->csms", "csms->cs"

Row = tuple[str, Any]  # (direction, frame: an OCPP-J array, or its text as a string)

# A 2.0.1 session, valid per the official schemas: line numbers are list index + 1.
CLEAN_201: list[Row] = [
    (
        UP,
        [
            2,
            "boot-1",
            "BootNotification",
            {"chargingStation": {"model": "M", "vendorName": "V"}, "reason": "PowerUp"},
        ],
    ),
    (DOWN, [3, "boot-1", {"currentTime": NOW, "interval": 300, "status": "Accepted"}]),
    (UP, [2, "hb-1", "Heartbeat", {}]),
    (DOWN, [3, "hb-1", {"currentTime": NOW}]),
    (
        DOWN,
        [
            2,
            "rs-1",
            "RequestStartTransaction",
            {"idToken": {"idToken": "UPI-1", "type": "Central"}, "remoteStartId": 1, "evseId": 1},
        ],
    ),
    (UP, [3, "rs-1", {"status": "Accepted"}]),
    (
        UP,
        [
            2,
            "sn-1",
            "StatusNotification",
            {"timestamp": NOW, "connectorStatus": "Occupied", "evseId": 1, "connectorId": 1},
        ],
    ),
    (DOWN, [3, "sn-1", {}]),
    (
        UP,
        [
            2,
            "te-1",
            "TransactionEvent",
            {
                "eventType": "Started",
                "timestamp": NOW,
                "triggerReason": "RemoteStart",
                "seqNo": 0,
                "transactionInfo": {"transactionId": "tx-1", "remoteStartId": 1},
                "evse": {"id": 1, "connectorId": 1},
                "idToken": {"idToken": "UPI-1", "type": "Central"},
            },
        ],
    ),
    (DOWN, [3, "te-1", {"idTokenInfo": {"status": "Accepted"}}]),
    (
        UP,
        [
            2,
            "te-2",
            "TransactionEvent",
            {
                "eventType": "Ended",
                "timestamp": NOW,
                "triggerReason": "StopAuthorized",
                "seqNo": 1,
                "transactionInfo": {"transactionId": "tx-1", "stoppedReason": "Local"},
            },
        ],
    ),
    (DOWN, [3, "te-2", {}]),
]


def jsonl(rows: list[Row]) -> str:
    return "".join(
        json.dumps({"direction": d, "timestamp": f"t{n}", "frame": f}) + "\n"
        for n, (d, f) in enumerate(rows, start=1)
    )


def write(tmp_path: Path, text: str, name: str = "recording.jsonl") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def kinds(result: TraceCheckResult) -> list[tuple[int, str]]:
    return [(finding.record, finding.kind) for finding in result.findings]


def counts(result: TraceCheckResult) -> str:
    return ", ".join(f"{kind} {n}" for kind, n in result.counts.items())


def run_cli(argv: list[str]) -> int:
    """The subcommand as ``ocpp_upi.cli`` will wire it: add_command on a subparsers action."""
    parser = argparse.ArgumentParser(prog="ocpp-upi")
    add_command(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.handler(args, [])


# --- a clean recording -----------------------------------------------------------------------


def test_the_clean_recording_is_valid_frame_by_frame() -> None:
    validator = FrameValidator("2.0.1")
    for direction, frame in CLEAN_201:
        sender = Role.CHARGER if direction == UP else Role.CSMS
        checked = validator.check(json.dumps(frame), sender)
        assert checked.ok, [str(v) for v in checked.violations]
    assert validator.outstanding(Role.CHARGER) == validator.outstanding(Role.CSMS) == ()


def test_a_clean_recording_passes_with_exit_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, jsonl(CLEAN_201))
    assert run_cli(["check-trace", str(path), "--ocpp", "2.0.1"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"{path} (jsonl, OCPP 2.0.1): 12 frames read in 1 connection, 0 violations "
        "(framing 0, schema 0, rpc 0, unanswered 0)"
    ]


# --- one injected violation per kind ---------------------------------------------------------


def splice(index: int, removed: int, *new: Row) -> Callable[[list[Row]], list[Row]]:
    """A change to a recording: ``removed`` rows at ``index`` replaced by ``new``."""
    return lambda rows: [*rows[:index], *new, *rows[index + removed :]]


def replace(index: int, row: Row) -> Callable[[list[Row]], list[Row]]:
    return splice(index, 1, row)


def insert(index: int, *new: Row) -> Callable[[list[Row]], list[Row]]:
    return splice(index, 0, *new)


BOOT_RESULT_WRONG_TYPE = (
    DOWN,
    [3, "boot-1", {"currentTime": NOW, "interval": "300", "status": "Accepted"}],
)

INJECTED: dict[str, tuple[Callable[[list[Row]], list[Row]], list[tuple[int, str]], str]] = {
    "schema: a payload field of the wrong type": (
        replace(1, BOOT_RESULT_WRONG_TYPE),
        [(2, "schema")],
        "line 2 [schema] CSMS -> charger BootNotificationResponse: /interval: '300' is not of "
        "type 'integer'",
    ),
    "framing: not a JSON array": (
        insert(4, (DOWN, '{"not": "an array"}')),
        [(5, "framing")],
        "line 5 [framing] CSMS -> charger: frame is a JSON object, not an array",
    ),
    "framing: a wrong message type id": (
        insert(8, (DOWN, [7, "x-1", "Heartbeat", {}])),
        [(9, "framing")],
        "line 9 [framing] CSMS -> charger: message type id 7 is not one of 2, 3, 4",
    ),
    "rpc: a CALLRESULT whose message id matches no outstanding CALL": (
        insert(2, (DOWN, [3, "ghost", {}])),
        [(3, "rpc")],
        "line 3 [rpc] CSMS -> charger: CALLRESULT ghost answers no outstanding CALL",
    ),
    "rpc: a second CALL while one is outstanding in the same direction": (
        splice(
            5,
            1,
            (DOWN, [2, "tm-1", "TriggerMessage", {"requestedMessage": "Heartbeat"}]),
            (UP, [3, "rs-1", {"status": "Accepted"}]),
            (UP, [3, "tm-1", {"status": "Accepted"}]),
        ),
        [(6, "rpc")],
        "line 6 [rpc] CSMS -> charger TriggerMessage: sent CALL tm-1 while CALL rs-1 is still "
        "unanswered",
    ),
    "unanswered: a CALL with no answer when the recording ends": (
        lambda rows: rows[:-1],
        [(11, "unanswered")],
        "line 11 [unanswered] charger -> CSMS TransactionEvent: unanswered CALL te-2: no "
        "CALLRESULT or CALLERROR from the CSMS before the recording ends",
    ),
}


@pytest.mark.parametrize("case", list(INJECTED))
def test_each_injected_violation_is_flagged_at_its_frame(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mutate, expected, line = INJECTED[case]
    path = write(tmp_path, jsonl(mutate(CLEAN_201)))
    result = check_recording(path, "2.0.1")
    assert kinds(result) == expected
    assert result.exit_status == 1
    assert run_cli(["check-trace", str(path), "--ocpp", "2.0.1"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert line in out
    noun = "violation" if len(result.findings) == 1 else "violations"
    assert out[-1].endswith(f"{len(result.findings)} {noun} ({counts(result)})")


def test_allow_open_calls_accepts_a_recording_cut_mid_conversation(tmp_path: Path) -> None:
    path = write(tmp_path, jsonl(CLEAN_201[:-1]))
    assert check_recording(path, "2.0.1", allow_open_calls=True).ok
    assert run_cli(["check-trace", str(path), "--ocpp", "2.0.1", "--allow-open-calls"]) == 0


def test_json_output_lists_each_violation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, jsonl(replace(1, BOOT_RESULT_WRONG_TYPE)(CLEAN_201)))
    assert run_cli(["check-trace", str(path), "--ocpp", "2.0.1", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["counts"] == {"framing": 0, "schema": 1, "rpc": 0, "unanswered": 0}
    assert report["exit_status"] == 1
    [violation] = report["violations"]
    assert (report["unit"], violation["record"]) == ("line", 2)
    assert violation["sender"] == "CSMS"
    assert violation["action"] == "BootNotification"
    assert violation["pointer"] == "/interval"
    assert violation["timestamp"] == "t2"


def test_directions_in_and_out_follow_the_perspective(tmp_path: Path) -> None:
    rows = replace(1, BOOT_RESULT_WRONG_TYPE)(CLEAN_201)
    path = write(tmp_path, jsonl([("in" if d == UP else "out", f) for d, f in rows]))
    [as_csms] = check_recording(path, "2.0.1", perspective="csms").findings
    assert (as_csms.record, as_csms.sender) == (2, Role.CSMS)
    [as_charger] = check_recording(path, "2.0.1", perspective="charger").findings
    assert (as_charger.record, as_charger.sender) == (2, Role.CHARGER)
    without = check_recording(path, "2.0.1")
    assert without.exit_status == 2
    assert "needs a perspective" in without.input_errors[0].message


def test_connections_keep_separate_rpc_state(tmp_path: Path) -> None:
    boot, boot_result = CLEAN_201[0], CLEAN_201[1]
    lines = [
        json.dumps({"direction": boot[0], "frame": boot[1], "connection": "CP_1"}),
        json.dumps({"direction": boot[0], "frame": boot[1], "connection": "CP_2"}),
        json.dumps({"direction": boot_result[0], "frame": boot_result[1], "connection": "CP_2"}),
        json.dumps({"direction": boot_result[0], "frame": boot_result[1], "connection": "CP_1"}),
    ]
    result = check_recording(write(tmp_path, "\n".join(lines)), "2.0.1")
    assert result.ok and result.connections == 2


# --- malformed input -------------------------------------------------------------------------


def test_malformed_lines_are_input_errors_and_the_rest_is_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = jsonl(CLEAN_201[:2]).splitlines()
    text = "\n".join(
        [
            good[0],
            "this is not json",
            '["an", "array"]',
            '{"direction": "cs->csms"}',
            '{"direction": "cs", "frame": [2, "x", "Heartbeat", {}]}',
            '{"direction": "csms->cs", "frame": [3, "x", {}], "connection": 7}',
            "",
            good[1],
        ]
    )
    path = write(tmp_path, text)
    result = check_recording(path, "2.0.1")
    assert [(e.number, e.message.split(" (")[0]) for e in result.input_errors] == [
        (2, "not valid JSON"),
        (3, "a JSON array, not an object"),
        (4, "no 'frame' key"),
        (
            5,
            "unknown direction 'cs'; expected one of 'cs->csms', 'charger->csms', 'cp->csms', "
            "'charger', 'csms->cs', 'csms->charger', 'csms->cp', 'csms', 'in', 'out'",
        ),
        (6, "'connection' is not a string"),
    ]
    assert result.frames == 2 and not result.findings
    assert run_cli(["check-trace", str(path), "--ocpp", "2.0.1"]) == 2
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("line 2 [input] not valid JSON (Expecting value at column 1)")
    assert out[-1].endswith("5 input errors")


def test_a_line_nested_too_deeply_is_an_input_error_not_a_crash(tmp_path: Path) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    text = f'{{"direction": "csms", "frame": {deep}}}\n{{"direction": "csms", "frame": "{deep}"}}'
    result = check_recording(write(tmp_path, text), "2.0.1")
    assert [(e.number, e.message) for e in result.input_errors] == [
        (1, "not valid JSON (nested too deeply to read)")
    ]
    assert [str(f) for f in result.findings] == [
        "line 2 [framing] CSMS -> charger: frame nests JSON too deeply to decode"
    ]


@pytest.mark.parametrize(
    ("text", "argv", "error"),
    [
        ("", [], "is empty"),
        ("hello\nworld\n", ["--ocpp", "2.0.1"], "cannot tell the format"),
        (jsonl(CLEAN_201), [], "does not state its OCPP version: give --ocpp 1.6|2.0.1|2.1"),
        (
            "hello\n",
            ["--ocpp", "2.0.1", "--format", "ocpp-log", "--perspective", "csms"],
            "holds no ocpp-log frames",
        ),
        ("INFO:ocpp:CP_1: send [2]\n", ["--ocpp", "2.0.1"], "needs --perspective csms|charger"),
        (
            '{"version": "2.0.1", "entries": []}',
            ["--ocpp", "1.6"],
            "the file states OCPP 2.0.1, but OCPP 1.6 was given",
        ),
        ("[1, 2", ["--format", "harness-trace"], "not a harness frame trace"),
    ],
)
def test_unusable_recordings_exit_2_with_one_error_line(
    text: str, argv: list[str], error: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, text)
    assert run_cli(["check-trace", str(path), *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    [line] = captured.err.splitlines()
    assert line.startswith("ocpp-upi: error: ") and error in line


def test_an_unreadable_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["check-trace", str(tmp_path / "missing.jsonl"), "--ocpp", "2.0.1"]) == 2
    assert "cannot read" in capsys.readouterr().err
    with pytest.raises(TraceInputError, match="cannot read"):
        check_recording(tmp_path, "2.0.1")  # a directory


# --- the harness's own frame trace -----------------------------------------------------------


def live_trace(rows: list[Row], version: str = "2.0.1") -> FrameTrace:
    """Record ``rows`` as a live run does: one validator per connection, verdicts in the trace."""
    trace = FrameTrace("round trip", version)
    validator = FrameValidator(version)
    for direction, frame in rows:
        if direction == "event":
            trace.note(frame)
            if frame.startswith("connected to "):
                validator = FrameValidator(version)
            continue
        sender = Role.CHARGER if direction == UP else Role.CSMS
        raw = frame if isinstance(frame, str) else json.dumps(frame)
        checked = validator.check(raw, sender)
        trace.record(sender, raw, checked.frame, checked.action, checked.violations)
    return trace


def test_a_harness_trace_rechecks_to_the_live_verdicts(tmp_path: Path) -> None:
    rows: list[Row] = [
        ("event", "connected to ws://127.0.0.1:9000/CP_1 with subprotocol ocpp2.0.1"),
        *replace(1, BOOT_RESULT_WRONG_TYPE)(CLEAN_201),
        (DOWN, [3, "ghost", {}]),
    ]
    trace = live_trace(rows)
    path = write(tmp_path, trace.to_json(), "trace.json")
    result = check_recording(path)  # the trace states its version
    assert result.format == "harness-trace" and result.version == "2.0.1"
    live = [(e.seq + 1, v.message) for e in trace.entries for v in e.violations]
    assert [(f.record, f.message) for f in result.findings] == live
    assert kinds(result) == [(3, "schema"), (14, "rpc")]
    assert str(result.findings[0]).startswith("entry 3 [schema] CSMS -> charger")


def test_a_harness_trace_ends_rpc_state_with_each_connection(tmp_path: Path) -> None:
    rows: list[Row] = [
        ("event", "connected to ws://127.0.0.1:9000/CP_1 with subprotocol ocpp2.0.1"),
        CLEAN_201[2],  # a Heartbeat the CSMS never answers
        ("event", "connection closed: closed by the harness"),
        ("event", "connected to ws://127.0.0.1:9000/CP_1 with subprotocol ocpp2.0.1"),
        ("event", "intended: the charger sends 'NoSuchAction', not an OCPP 2.0.1 action"),
        (UP, [2, "x-1", "NoSuchAction", {}]),
        (DOWN, [4, "x-1", "NotImplemented", "", {}]),
        *CLEAN_201[:2],
    ]
    path = write(tmp_path, live_trace(rows).to_json(), "trace.json")
    result = check_recording(path)
    assert [str(f) for f in result.findings] == [
        "entry 2 [unanswered] charger -> CSMS Heartbeat: unanswered CALL hb-1: no CALLRESULT or "
        "CALLERROR from the CSMS before the connection ended (entry 3)"
    ]
    assert result.connections == 2
    assert check_recording(path, allow_open_calls=True).ok


def test_a_redacted_secret_in_a_harness_trace_is_no_violation(tmp_path: Path) -> None:
    secret = "<redacted: 32 chars, sha256 1f2e3d4c>"  # longer than serialNumber's maxLength 25
    boot = [
        2,
        "boot-1",
        "BootNotification",
        {
            "chargingStation": {"model": "M", "vendorName": "V", "serialNumber": secret},
            "reason": "PowerUp",
        },
    ]
    rows: list[Row] = [(UP, boot), CLEAN_201[1]]
    assert check_recording(write(tmp_path, live_trace(rows).to_json(), "trace.json")).ok
    as_jsonl = check_recording(write(tmp_path, jsonl(rows)), "2.0.1")
    assert kinds(as_jsonl) == [(1, "schema")]  # only the trace is known to redact


# --- the ocpp package's log ------------------------------------------------------------------


class _LoggedCsms(ChargePoint):
    """A CSMS built on the ocpp package; its Heartbeat answer may be broken on purpose."""

    heartbeat_time: object = NOW

    @on("BootNotification")
    async def boot(self, charging_station: dict, reason: str, **_: object) -> object:
        return call_result.BootNotification(current_time=NOW, interval=300, status="Accepted")

    @on("Heartbeat", skip_schema_validation=True)
    async def heartbeat(self, **_: object) -> object:
        return call_result.Heartbeat(current_time=self.heartbeat_time)  # type: ignore[arg-type]


class _Socket:
    """Feeds the charger's frames to the CSMS and answers each CSMS CALL with Accepted."""

    def __init__(self, incoming: list[list[Any]]) -> None:
        self.queue: asyncio.Queue[str] = asyncio.Queue()
        for frame in incoming:
            self.queue.put_nowait(json.dumps(frame))

    async def recv(self) -> str:
        return await self.queue.get()

    async def send(self, message: str) -> None:
        frame = json.loads(message)
        if frame[0] == 2:
            self.queue.put_nowait(json.dumps([3, frame[1], {"status": "Accepted"}]))


def ocpp_package_log(heartbeat_time: object) -> str:
    """The log lines the ocpp package writes for a short session (logging's basic format)."""

    async def session() -> None:
        socket = _Socket([CLEAN_201[0][1], CLEAN_201[2][1]])
        csms = _LoggedCsms("CP_1", socket)
        csms.heartbeat_time = heartbeat_time
        serving = asyncio.ensure_future(csms.start())
        await csms.call(
            call.RequestStartTransaction(
                id_token={"id_token": "UPI-1", "type": "Central"}, remote_start_id=1
            )
        )
        # start() handles frames in order, so the charger's CALLs queued before the answer to
        # RequestStartTransaction have been answered (and logged) once that answer arrived.
        serving.cancel()

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(logging.BASIC_FORMAT))
    logger = logging.getLogger("ocpp")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        asyncio.run(asyncio.wait_for(session(), 5))
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    return "Starting the CSMS\n" + stream.getvalue()


def test_an_ocpp_package_log_is_checked_from_the_csms_perspective(tmp_path: Path) -> None:
    text = ocpp_package_log(NOW)
    assert "INFO:ocpp:CP_1: receive message [2," in text and "INFO:ocpp:CP_1: send [3," in text
    path = write(tmp_path, text, "csms.log")
    result = check_recording(path, "2.0.1", perspective="csms")
    assert result.format == "ocpp-log"
    assert result.ok and result.frames == 6 and result.ignored_lines == 1


def test_an_ocpp_package_log_shows_the_csms_broken_answer(tmp_path: Path) -> None:
    path = write(tmp_path, ocpp_package_log(5), "csms.log")
    result = check_recording(path, "2.0.1", perspective="csms")
    [finding] = result.findings
    assert finding.kind == "schema" and finding.connection == "CP_1"
    assert str(finding).endswith(
        "[schema] CP_1: CSMS -> charger HeartbeatResponse: /currentTime: 5 is not of type 'string'"
    )
    assert "send [3," in path.read_text().splitlines()[finding.record - 1]
    [flipped] = check_recording(path, "2.0.1", perspective="charger").findings
    assert (flipped.record, flipped.sender) == (finding.record, Role.CHARGER)


# --- validate_frame --------------------------------------------------------------------------

START = {"idToken": {"idToken": "A", "type": "Central"}, "remoteStartId": 1}

# Per version: a valid (sender, frame, answers_action), an invalid one, and its one violation.
VALID_AND_INVALID = {
    "1.6": (
        (
            "charger",
            '[2, "1", "BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"}]',
            None,
        ),
        (
            "csms",
            '[3, "1", {"status": "Accepted", "currentTime": "now", "interval": 300}]',
            "BootNotification",
        ),
        "CSMS -> charger BootNotification.conf (1.6): /currentTime: 'now' is not a 'date-time'",
    ),
    "2.0.1": (
        ("csms", json.dumps([2, "1", "RequestStartTransaction", START]), None),
        (
            "csms",
            json.dumps([2, "1", "RequestStartTransaction", {"idToken": START["idToken"]}]),
            None,
        ),
        "CSMS -> charger RequestStartTransactionRequest (2.0.1): 'remoteStartId' is a required "
        "property",
    ),
    "2.1": (
        ("charger", '[3, "1", {"status": "Accepted"}]', "RequestStartTransaction"),
        ("charger", '[3, "1", {"status": "Maybe"}]', "RequestStartTransaction"),
        "charger -> CSMS RequestStartTransactionResponse (2.1): /status: 'Maybe' is not one of "
        "['Accepted', 'Rejected']",
    ),
}


@pytest.mark.parametrize("version", sorted(VALID_AND_INVALID))
def test_validate_frame_of_each_version(version: str) -> None:
    valid, invalid, message = VALID_AND_INVALID[version]
    assert validate_frame(version, *valid) == []
    assert validate_frame(version, *invalid) == [message]


def test_validate_frame_judges_framing_and_error_codes_without_an_action() -> None:
    assert validate_frame("2.0.1", Role.CSMS, '[3, "1", {"anything": 1}]') == []
    assert validate_frame("1.6", "csms->cs", '[4, "1", "FormatViolation", "", {}]') == [
        "CSMS -> charger frame (1.6): error code 'FormatViolation' is not an OCPP 1.6 error "
        "code; OCPP 1.6 spells it 'FormationViolation'"
    ]
    assert validate_frame("2.1", "charger", "[2, 1]") == [
        "charger -> CSMS frame (2.1): CALL has 2 elements, 4 expected"
    ]
    with pytest.raises(ValueError, match="unknown OCPP version"):
        validate_frame("1.5", "charger", "[]")
    with pytest.raises(ValueError, match="unknown direction"):
        validate_frame("2.1", "cs", "[]")
