"""Read a recorded OCPP-J conversation into frames, in order, each with who sent it.

Three formats, auto-detected (``detect_format``) or forced by name:

``jsonl``
    One JSON object per line::

        {"direction": "cs->csms", "timestamp": "2025-03-01T10:00:00Z", "frame": [2, "1", ...]}

    ``direction`` (required) says who sent the frame: ``"cs->csms"``, ``"charger->csms"``,
    ``"cp->csms"`` or ``"charger"`` for the charging station; ``"csms->cs"``,
    ``"csms->charger"``, ``"csms->cp"`` or ``"csms"`` for the CSMS (case and the spaces around
    ``->`` do not matter). ``"in"`` and ``"out"`` are accepted only with a perspective: as the
    recording side saw them (perspective ``csms``: ``in`` is what the charger sent). A bare
    ``"cs"`` is refused: OCPP 1.6 calls the CSMS the Central System, 2.x calls the station the
    Charging Station, so it names either side.
    ``frame`` (required) is the OCPP-J array, or its JSON text as a string. The string form is
    checked byte for byte (use it to record malformed frames); an array is re-serialised first.
    ``timestamp`` (optional) is carried into the report as written. ``connection`` (optional,
    a string) separates interleaved connections: each gets its own RPC state. Blank lines are
    skipped.

``harness-trace``
    The harness's own frame trace (``FrameTrace.to_json``): ``{"label", "version", "entries":
    [{"seq", "at", "sender", "event", "raw", "violations"}]}``. Its version is stated, so no
    ``--ocpp`` is needed. The events ``connected to ...`` and ``connection closed: ...`` end one
    connection's RPC state, as a live run starts a new validator per connection; the event
    ``intended: the charger sends ...`` marks the next charger frame's unknown action as
    deliberate, as the live run does.

``ocpp-log``
    Log lines of the Python ``ocpp`` package (mobilityhouse), whose ``ChargePoint`` logs
    ``"%s: send %s"`` and ``"%s: receive message %s"`` with the charge point id and the raw
    frame, e.g. ``INFO:ocpp:CP_1: send [3,"42",{...}]``. Who sent the frame depends on who
    logged it, so a perspective is required: for a CSMS's log ``send`` is CSMS -> charger and
    ``receive message`` is charger -> CSMS; for a charger's log the reverse. The charge point id
    names the connection, so one CSMS log of many stations is checked per station. Other lines
    (tracebacks, other loggers) are counted and skipped.

Problems of the input itself (a line that is not JSON, a missing key) become ``InputError``
items at their line; they never stop the reading. Problems of the whole file (unreadable, no
known format) raise ``TraceInputError``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from ocpp_upi.errors import OcppUpiError
from ocpp_upi.ocpp.codec import json_type
from ocpp_upi.ocpp.versions import Role

FORMATS: tuple[str, ...] = ("jsonl", "harness-trace", "ocpp-log")
PERSPECTIVES: tuple[str, ...] = ("csms", "charger")

# Lines looked at to tell JSON Lines from a log when the format is not given.
_DETECT_LINES = 20

_SENDERS: dict[str, Role] = {
    "cs->csms": Role.CHARGER,
    "charger->csms": Role.CHARGER,
    "cp->csms": Role.CHARGER,
    "charger": Role.CHARGER,
    "csms->cs": Role.CSMS,
    "csms->charger": Role.CSMS,
    "csms->cp": Role.CSMS,
    "csms": Role.CSMS,
}

# The two lines ocpp.charge_point.ChargePoint logs per frame ("%s: send %s" and
# "%s: receive message %s"), after whatever prefix the log format adds.
_OCPP_LOG_LINE = re.compile(r"(?P<id>[^\s:]+): (?P<verb>send|receive message) (?P<raw>.*)$")

_CONNECTED = "connected to "
_CLOSED = "connection closed"
_INTENDED = "intended: the charger sends "


class TraceInputError(OcppUpiError, ValueError):
    """The recording cannot be checked at all (unreadable, unknown format, no version)."""


@dataclass(frozen=True, slots=True)
class Record:
    """One frame as recorded: ``number`` is its 1-based line (or trace entry) number."""

    number: int
    sender: Role
    raw: str
    connection: str = ""
    timestamp: str | None = None
    intended_unknown: bool = False  # the harness sent an unknown action on purpose


@dataclass(frozen=True, slots=True)
class Boundary:
    """A connection of the recording ended here; its RPC state ends with it."""

    number: int
    connection: str = ""


@dataclass(frozen=True, slots=True)
class InputError:
    """A line (or trace entry) that is no readable record; reported, then skipped."""

    number: int
    message: str


Item = Record | Boundary | InputError


@dataclass(frozen=True, slots=True)
class Recording:
    """What a reader found: the items in order, and the version when the file states it."""

    format: str
    unit: str  # what ``number`` counts: "line" or "entry"
    items: tuple[Item, ...]
    version: str | None = None
    ignored_lines: int = 0  # log lines that are not frames (ocpp-log only)


def parse_sender(text: str | Role, perspective: str | None = None) -> Role:
    """The side that sent a frame, from a Role or one of the spellings in the module docstring.

    Raises ValueError naming the accepted spellings, so a bad line can say what to write.
    """
    if isinstance(text, Role):
        return text
    key = "->".join(part.strip() for part in str(text).strip().lower().split("->"))
    if key in _SENDERS:
        return _SENDERS[key]
    if key in ("in", "out"):
        if perspective is None:
            raise ValueError(f"direction {text!r} needs a perspective (--perspective csms|charger)")
        recorder = Role.CSMS if perspective == "csms" else Role.CHARGER
        return recorder if key == "out" else recorder.peer
    accepted = ", ".join(repr(name) for name in _SENDERS)
    raise ValueError(f"unknown direction {text!r}; expected one of {accepted}, 'in', 'out'")


def detect_format(text: str) -> str:
    """``harness-trace``, ``jsonl`` or ``ocpp-log``, from the text; TraceInputError if none."""
    if text.lstrip().startswith("{"):
        try:
            whole = _loads(text)
        except ValueError:
            whole = None
        if isinstance(whole, dict) and isinstance(whole.get("entries"), list):
            return "harness-trace"
    lines = [line for line in text.splitlines() if line.strip()][:_DETECT_LINES]
    if any(_is_jsonl_object(line) for line in lines):
        return "jsonl"
    if any(_OCPP_LOG_LINE.search(line) for line in text.splitlines()):
        return "ocpp-log"
    raise TraceInputError(
        "cannot tell the format: neither JSON Lines with a 'frame' key, a harness frame trace, "
        "nor ocpp package log lines (use --format jsonl|harness-trace|ocpp-log)"
    )


def _loads(text: str) -> Any:
    """``json.loads``, with too deep a nesting as a ValueError like any other bad JSON."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("nested too deeply to read") from None


def _is_jsonl_object(line: str) -> bool:
    try:
        value = _loads(line)
    except ValueError:
        return False
    return isinstance(value, dict) and "frame" in value


def read_recording(text: str, format: str, perspective: str | None = None) -> Recording:
    """Parse ``text`` as ``format`` (one of FORMATS)."""
    readers: dict[str, Callable[[str, str | None], Recording]] = {
        "jsonl": _read_jsonl,
        "harness-trace": _read_harness_trace,
        "ocpp-log": _read_ocpp_log,
    }
    reader = readers.get(format)
    if reader is None:
        raise TraceInputError(f"unknown format {format!r}; expected one of {', '.join(FORMATS)}")
    if perspective is not None and perspective not in PERSPECTIVES:
        raise TraceInputError(f"unknown perspective {perspective!r}; expected csms or charger")
    return reader(text, perspective)


# --- JSON Lines ------------------------------------------------------------------------------


def _read_jsonl(text: str, perspective: str | None) -> Recording:
    items = tuple(_jsonl_items(text, perspective))
    return Recording("jsonl", "line", items)


def _jsonl_items(text: str, perspective: str | None) -> Iterator[Item]:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            yield _jsonl_item(number, line, perspective)


def _jsonl_item(number: int, line: str, perspective: str | None) -> Item:
    try:
        value = _loads(line)
    except ValueError as exc:
        return InputError(number, f"not valid JSON ({_json_error(exc)})")
    if not isinstance(value, dict):
        return InputError(number, f"a JSON {json_type(value)}, not an object")
    missing = [key for key in ("direction", "frame") if key not in value]
    if missing:
        return InputError(number, f"no {' and no '.join(repr(key) for key in missing)} key")
    try:
        sender = parse_sender(_text(value["direction"], "direction"), perspective)
        connection = _text(value.get("connection", ""), "connection")
        raw = _raw(value["frame"])
    except ValueError as exc:
        return InputError(number, str(exc))
    timestamp = value.get("timestamp")
    return Record(number, sender, raw, connection, None if timestamp is None else str(timestamp))


def _json_error(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at column {exc.colno}"
    return str(exc)


def _text(value: Any, key: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{key!r} is not a string")
    return value


def _raw(frame: Any) -> str:
    """The frame text: a string is taken as sent; any other JSON value is serialised."""
    if isinstance(frame, str):
        return frame
    try:
        return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))
    except RecursionError:
        raise ValueError("'frame' is nested too deeply to read") from None


# --- the harness's frame trace ---------------------------------------------------------------


def _read_harness_trace(text: str, perspective: str | None) -> Recording:
    try:
        document = _loads(text)
    except ValueError as exc:
        raise TraceInputError(f"not a harness frame trace: {_json_error(exc)}") from None
    if not isinstance(document, dict) or not isinstance(document.get("entries"), list):
        raise TraceInputError("not a harness frame trace: no 'entries' list")
    version = document.get("version")
    if version is not None and not isinstance(version, str):
        raise TraceInputError("not a harness frame trace: 'version' is not a string")
    items = tuple(_trace_items(document["entries"]))
    return Recording("harness-trace", "entry", items, version)


def _trace_items(entries: list[Any]) -> Iterator[Item]:
    intended = False
    for number, entry in enumerate(entries, start=1):
        item = _trace_item(number, entry)
        if isinstance(item, str):  # an event: a boundary, a mark, or nothing to check
            if item.startswith((_CONNECTED, _CLOSED)):
                yield Boundary(number)
            intended = intended or item.startswith(_INTENDED)
            continue
        if isinstance(item, Record) and intended and item.sender is Role.CHARGER:
            item = replace(item, intended_unknown=True)
            intended = False
        yield item


def _trace_item(number: int, entry: Any) -> Record | InputError | str:
    """A frame entry as a Record, an event entry as its text, anything else as an InputError."""
    if not isinstance(entry, dict):
        return InputError(number, "entry is not a JSON object")
    event = entry.get("event")
    if isinstance(event, str):
        return event
    raw, sender = entry.get("raw"), entry.get("sender")
    if not isinstance(raw, str) or not isinstance(sender, str):
        return InputError(number, "entry has neither an 'event' nor a string 'sender' and 'raw'")
    try:
        role = parse_sender(sender)
    except ValueError as exc:
        return InputError(number, str(exc))
    at = entry.get("at")
    return Record(number, role, raw, timestamp=None if at is None else f"{at}s")


# --- the ocpp package's log ----------------------------------------------------------------


def _read_ocpp_log(text: str, perspective: str | None) -> Recording:
    if perspective is None:
        raise TraceInputError(
            "an ocpp-log recording needs --perspective csms|charger: 'send' is CSMS -> charger "
            "in a CSMS's log and charger -> CSMS in a charger's"
        )
    recorder = Role.CSMS if perspective == "csms" else Role.CHARGER
    items: list[Item] = []
    ignored = 0
    for number, line in enumerate(text.splitlines(), start=1):
        match = _OCPP_LOG_LINE.search(line)
        if match is None:
            ignored += bool(line.strip())
            continue
        sender = recorder if match["verb"] == "send" else recorder.peer
        items.append(Record(number, sender, match["raw"], match["id"]))
    return Recording("ocpp-log", "line", tuple(items), ignored_lines=ignored)
