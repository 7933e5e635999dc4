"""Check a recorded OCPP-J conversation with the validator and RPC rules of a live run.

Every frame of a recording goes, in order, to one ``FrameValidator`` per connection, exactly as
the live session feeds it: so a recording and a live run of the same frames get the same
verdicts. Each violation becomes a ``Finding`` at the frame's line (or trace entry), of one kind:

* ``framing``: not an OCPP-J frame of the version (not JSON, not an array, a wrong message type
  id, a bad message id ...);
* ``schema``: a payload the official OCA JSON schema of its action refuses;
* ``rpc``: the RPC rules: a CALL sent while the sender's previous CALL is unanswered, an answer
  whose message id matches no outstanding CALL, SEND misuse (2.1), an action the version does
  not have, an error code the version does not spell so;
* ``unanswered``: the rule chosen for the end of a conversation. OCPP-J answers every CALL with
  a CALLRESULT or CALLERROR, so a CALL still outstanding when its connection ends (a harness
  trace's ``connected to`` / ``connection closed`` event) or when the recording ends is
  reported, at the CALL's own line, as never answered. ``allow_open_calls`` turns this rule
  off, for a recording cut mid-conversation (or a harness trace whose harness closed the
  connection on purpose with a CALL open).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ocpp_upi.ocpp.codec import Call, CallError, CallResult, Frame, Send
from ocpp_upi.ocpp.messages import short_repr
from ocpp_upi.ocpp.validator import Checked, FrameValidator, Violation
from ocpp_upi.ocpp.versions import VERSIONS, Role, direction
from ocpp_upi.offline.records import (
    Boundary,
    InputError,
    Record,
    Recording,
    TraceInputError,
    detect_format,
    read_recording,
)

KINDS: tuple[str, ...] = ("framing", "schema", "rpc", "unanswered")

# How FrameTrace.to_json writes a redacted secret (ocpp_upi.redaction.fingerprint).
_REDACTED = "<redacted: "


@dataclass(frozen=True, slots=True)
class Finding:
    """One violation, at the line (or trace entry) of the frame that broke the rule."""

    record: int
    unit: str  # "line" or "entry"
    kind: str  # one of KINDS
    sender: Role
    action: str | None
    subject: str | None  # "BootNotificationResponse" for a schema violation, else the action
    pointer: str
    message: str
    connection: str = ""
    timestamp: str | None = None

    def __str__(self) -> str:
        where = f"{self.unit} {self.record} [{self.kind}] "
        if self.connection:
            where += f"{self.connection}: "
        head = direction(self.sender) + (f" {self.subject}" if self.subject else "")
        body = f"{self.pointer}: {self.message}" if self.pointer else self.message
        return f"{where}{head}: {body}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "record": self.record,
            "kind": self.kind,
            "sender": str(self.sender),
            "action": self.action,
            "pointer": self.pointer,
            "message": self.message,
            "connection": self.connection or None,
            "timestamp": self.timestamp,
            "text": str(self),
        }


@dataclass(frozen=True)
class TraceCheckResult:
    """Every finding and input error of one recording, in recording order, and the counts."""

    source: str
    format: str
    version: str
    unit: str
    frames: int
    connections: int
    findings: tuple[Finding, ...]
    input_errors: tuple[InputError, ...] = ()
    ignored_lines: int = 0

    @property
    def counts(self) -> dict[str, int]:
        """Findings per kind, every kind present (0 when none)."""
        found = Counter(finding.kind for finding in self.findings)
        return {kind: found[kind] for kind in KINDS}

    @property
    def ok(self) -> bool:
        return not self.findings and not self.input_errors

    @property
    def exit_status(self) -> int:
        """2 when input was unreadable (the check is incomplete), 1 on violations, else 0."""
        if self.input_errors:
            return 2
        return 1 if self.findings else 0

    def summary(self) -> str:
        """One line: what was read and how many violations of each kind."""
        per_kind = ", ".join(f"{kind} {count}" for kind, count in self.counts.items())
        line = (
            f"{self.source} ({self.format}, OCPP {self.version}): "
            f"{_count(self.frames, 'frame')} read in {_count(self.connections, 'connection')}, "
            f"{_count(len(self.findings), 'violation')} ({per_kind})"
        )
        if self.input_errors:
            line += f", {_count(len(self.input_errors), 'input error')}"
        if self.ignored_lines:
            line += f", {_count(self.ignored_lines, 'other log line')} ignored"
        return line

    def lines(self) -> list[str]:
        """The report: findings and input errors in recording order, then the summary."""
        rows: list[tuple[int, str]] = [(f.record, str(f)) for f in self.findings]
        rows += [
            (e.number, f"{self.unit} {e.number} [input] {e.message}") for e in self.input_errors
        ]
        rows.sort(key=lambda row: row[0])
        return [text for _, text in rows] + [self.summary()]

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (``check-trace --json``)."""
        return {
            "source": self.source,
            "format": self.format,
            "unit": self.unit,
            "version": self.version,
            "frames": self.frames,
            "connections": self.connections,
            "counts": self.counts,
            "violations": [finding.to_dict() for finding in self.findings],
            "input_errors": [{"record": e.number, "message": e.message} for e in self.input_errors],
            "ignored_lines": self.ignored_lines,
            "exit_status": self.exit_status,
        }


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


@dataclass
class _Conversation:
    """One connection's RPC state, and where each of its CALLs was recorded."""

    validator: FrameValidator
    # (sender, message id) -> the CALL's record and action, until it is answered.
    calls: dict[tuple[Role, str], tuple[Record, str]] = field(default_factory=dict)


class _Checker:
    """Feeds records to per-connection validators and collects findings."""

    def __init__(self, version: str, unit: str, redacted: bool, open_calls: bool) -> None:
        self.version = version
        self.unit = unit
        self.redacted = redacted  # values may hold "<redacted: ...>" (harness traces)
        self.open_calls = open_calls  # CALLs may be left open: no "unanswered" findings
        self.conversations: dict[str, _Conversation] = {}
        self.findings: list[Finding] = []
        self.frames = 0
        self.connections = 0

    def feed(self, record: Record) -> None:
        self.frames += 1
        conversation = self.conversations.get(record.connection)
        if conversation is None:
            conversation = _Conversation(FrameValidator(self.version))
            self.conversations[record.connection] = conversation
            self.connections += 1
        checked = conversation.validator.check(record.raw, record.sender)
        self._remember(conversation, record, checked.frame)
        for violation in self._kept(record, checked):
            self.findings.append(self._finding(record, checked, violation))

    def _remember(self, conversation: _Conversation, record: Record, frame: Frame | None) -> None:
        if isinstance(frame, Call):
            conversation.calls[(record.sender, frame.message_id)] = (record, frame.action)
        elif isinstance(frame, CallResult | CallError):
            conversation.calls.pop((record.sender.peer, frame.message_id), None)

    def _kept(self, record: Record, checked: Checked) -> list[Violation]:
        """The violations a live run would report: not a deliberate unknown action, not an
        artefact of a secret the trace redacted."""
        kept = list(checked.violations)
        if record.intended_unknown and checked.action is not None:
            unknown = f"action {short_repr(checked.action)} is not an OCPP {self.version} action"
            kept = [v for v in kept if v.message != unknown]
        if self.redacted and _REDACTED in record.raw:
            kept = [v for v in kept if not _is_redacted(checked.frame, v)]
        return kept

    def _finding(self, record: Record, checked: Checked, violation: Violation) -> Finding:
        if checked.frame is None:
            kind = "framing"
        elif violation.kind is not None:
            kind = "schema"
        else:
            kind = "rpc"
        subject = violation.subject if violation.kind is not None else checked.action
        return Finding(
            record.number,
            self.unit,
            kind,
            record.sender,
            checked.action,
            subject,
            violation.pointer,
            violation.message,
            record.connection,
            record.timestamp,
        )

    def end(self, connection: str, ended: str) -> None:
        """The connection ended (``ended`` says where): its outstanding CALLs were unanswered."""
        conversation = self.conversations.pop(connection, None)
        if conversation is None or self.open_calls:
            return
        for sender in Role:
            for message_id in conversation.validator.outstanding(sender):
                found = conversation.calls.get((sender, message_id))
                if found is not None:
                    self.findings.append(self._unanswered(*found, message_id, ended))

    def _unanswered(self, call: Record, action: str, message_id: str, ended: str) -> Finding:
        message = (
            f"unanswered CALL {message_id}: no CALLRESULT or CALLERROR from the "
            f"{call.sender.peer} before {ended}"
        )
        return Finding(
            call.number,
            self.unit,
            "unanswered",
            call.sender,
            action,
            action,
            "",
            message,
            call.connection,
            call.timestamp,
        )


def _is_redacted(frame: Frame | None, violation: Violation) -> bool:
    """Whether a schema violation is about a value the trace redacted (not what was sent)."""
    if violation.kind is None or not isinstance(frame, Call | CallResult | Send):
        return False
    value: Any = frame.payload
    for part in violation.pointer.split("/")[1:]:
        key = part.replace("~1", "/").replace("~0", "~")
        if isinstance(value, dict) and key in value:
            value = value[key]
        elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        else:
            return False
    return isinstance(value, str) and _REDACTED in value


def check_text(
    text: str,
    version: str | None = None,
    *,
    format: str | None = None,
    perspective: str | None = None,
    allow_open_calls: bool = False,
    source: str = "<recording>",
) -> TraceCheckResult:
    """``check_recording`` for a recording already in memory."""
    if not text.strip():
        raise TraceInputError(f"{source} is empty")
    recording = read_recording(text, format or detect_format(text), perspective)
    if recording.format != "harness-trace" and not recording.items:
        raise TraceInputError(f"{source} holds no {recording.format} frames")
    redacted = recording.format == "harness-trace"
    checker = _Checker(_version(recording, version), recording.unit, redacted, allow_open_calls)
    input_errors: list[InputError] = []
    for item in recording.items:
        if isinstance(item, Record):
            checker.feed(item)
        elif isinstance(item, Boundary):
            checker.end(item.connection, f"the connection ended ({recording.unit} {item.number})")
        else:
            input_errors.append(item)
    for connection in list(checker.conversations):
        checker.end(connection, "the recording ends")
    return TraceCheckResult(
        source=source,
        format=recording.format,
        version=checker.version,
        unit=recording.unit,
        frames=checker.frames,
        connections=checker.connections,
        findings=tuple(sorted(checker.findings, key=lambda finding: finding.record)),
        input_errors=tuple(input_errors),
        ignored_lines=recording.ignored_lines,
    )


def check_recording(
    path: str | Path,
    version: str | None = None,
    *,
    format: str | None = None,
    perspective: str | None = None,
    allow_open_calls: bool = False,
) -> TraceCheckResult:
    """Check the recording in ``path``; TraceInputError when it cannot be checked at all.

    ``version`` is required unless the file states it (a harness trace does); ``format`` is
    detected when None; ``perspective`` (``"csms"`` or ``"charger"``: who recorded it) is
    required for an ``ocpp-log`` and for ``in``/``out`` directions.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise TraceInputError(f"cannot read {path}: not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise TraceInputError(f"cannot read {path}: {exc.strerror or exc}") from None
    return check_text(
        text,
        version,
        format=format,
        perspective=perspective,
        allow_open_calls=allow_open_calls,
        source=str(path),
    )


def _version(recording: Recording, given: str | None) -> str:
    """The version to check with: the one given, the one the file states, and never two."""
    stated = recording.version
    for version, origin in ((given, "given"), (stated, "stated by the file")):
        if version is not None and version not in VERSIONS:
            raise TraceInputError(
                f"unknown OCPP version {version!r} {origin}; expected one of {', '.join(VERSIONS)}"
            )
    if given is not None and stated is not None and given != stated:
        raise TraceInputError(f"the file states OCPP {stated}, but OCPP {given} was given")
    version = given or stated
    if version is None:
        raise TraceInputError(
            f"a {recording.format} recording does not state its OCPP version: "
            f"give --ocpp {'|'.join(VERSIONS)}"
        )
    return version
