"""A failing run's frame trace, read back from its text into arrows and notes.

The reports keep the trace only as text (``FrameTrace.render``: one line per frame or event, in
the JUnit failure and in ``--trace-dir``), so the review report parses that text rather than
asking the run for more: a report built later, on another machine, from the files alone, draws
the same picture. Lines it does not recognise are kept as continuations of the entry above (a
multi-line event, a pretty-printed frame), never dropped.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

# "   0.123s  charger -> CSMS   [2,...]" and "   1.234s  --  connected to ..."
_ENTRY = re.compile(r"^\s*(?P<at>\d+\.\d+)s  (?P<rest>.*)$")
_FRAME = re.compile(r"^(?P<sender>charger|csms|\?)(?: -> (?:charger|csms))?\s+(?P<raw>.*)$", re.I)
_VIOLATION = re.compile(r"^\s+!! (?P<text>.*)$")
# The tail FrameTrace puts on a frame longer than its preview.
_CUT = re.compile(r"\.\.\. \((?P<n>\d+) characters\)$")
# The head of a frame whose JSON is cut or broken: type, message id, and action or error code.
_HEAD = re.compile(
    r'^\[\s*(?P<type>\d+)\s*,\s*"(?P<id>(?:[^"\\]|\\.)*)"(?:\s*,\s*"(?P<name>[^"]*)")?'
)
# An HTTP exchange the harness noted (a hook, a webhook, a page visit): method and URL.
_HTTP = re.compile(r"\b(?P<method>GET|POST|PUT|PATCH|DELETE|HEAD)\s+(?P<url>https?://\S+)")
_HTTP_STATUS = re.compile(r"HTTP (?P<status>\d{3})")

MESSAGE_TYPES = {2: "CALL", 3: "CALLRESULT", 4: "CALLERROR", 5: "CALLRESULTERROR", 6: "SEND"}
CHARGER = "charger"
CSMS = "CSMS"


@dataclass
class Message:
    """One frame: who sent it, its kind, the action it belongs to, a payload preview."""

    at: float
    sender: str  # CHARGER, CSMS, or "?" when the trace did not say
    raw: str
    kind: str = "frame"  # CALL, CALLRESULT, CALLERROR, CALLRESULTERROR, SEND, or "frame"
    message_id: str | None = None
    action: str | None = None
    preview: str = ""
    violations: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        """What the arrow says: the message type and its action (``CALLRESULT Heartbeat``)."""
        return f"{self.kind} {self.action}" if self.action else self.kind

    @property
    def is_error(self) -> bool:
        return self.kind in ("CALLERROR", "CALLRESULTERROR")


@dataclass
class Note:
    """An event the harness wrote into the trace; an HTTP call when it names one."""

    at: float
    text: str
    http_call: tuple[str, str, str | None] | None = None  # method, URL, status when answered

    @property
    def headline(self) -> str:
        return self.text.splitlines()[0] if self.text else ""

    @property
    def http(self) -> str | None:
        """``POST http://host/path -> HTTP 200`` for an HTTP call, else None."""
        if self.http_call is None:
            return None
        method, url, status = self.http_call
        return f"{method} {url}" + (f" -> HTTP {status}" if status else "")

    @property
    def http_short(self) -> str | None:
        """The same without the scheme and host, which every call of a run shares."""
        if self.http_call is None:
            return None
        method, url, status = self.http_call
        parts = urlsplit(url)
        path = parts.path or "/"
        path += f"?{parts.query}" if parts.query else ""
        return f"{method} {path}" + (f" -> {status}" if status else "")


Entry = Message | Note


@dataclass
class TraceSequence:
    """A parsed trace: its header, its entries, and how many were left out for length."""

    title: str = ""
    entries: list[Entry] = field(default_factory=list)
    omitted: int = 0
    omitted_after: int = 0  # the index in ``entries`` where the left-out entries were

    @property
    def messages(self) -> list[Message]:
        return [e for e in self.entries if isinstance(e, Message)]


def parse_trace(text: str) -> TraceSequence:
    """Every frame and event of a rendered trace, in order, each frame named by its action."""
    sequence = TraceSequence()
    for line in text.splitlines():
        if line.startswith("# frame trace:"):
            sequence.title = line.removeprefix("# frame trace:").strip()
            continue
        _take_line(sequence.entries, line)
    _finish(sequence.entries)
    return sequence


def _take_line(entries: list[Entry], line: str) -> None:
    entry = _ENTRY.match(line)
    if entry is not None:
        entries.append(_entry(float(entry["at"]), entry["rest"]))
        return
    violation = _VIOLATION.match(line)
    if violation is not None and entries and isinstance(entries[-1], Message):
        entries[-1].violations.append(violation["text"])
        return
    if entries and line.strip():  # a continuation of the entry above
        last = entries[-1]
        if isinstance(last, Note):
            last.text += "\n" + line
        else:
            last.raw += "\n" + line


def _entry(at: float, rest: str) -> Entry:
    if rest.startswith("--"):
        return Note(at, rest[2:].strip())
    frame = _FRAME.match(rest)
    if frame is None:
        return Note(at, rest.strip())
    sender = frame["sender"]
    known = {CHARGER.lower(): CHARGER, CSMS.lower(): CSMS}
    return Message(at, known.get(sender.lower(), "?"), frame["raw"])


def _finish(entries: list[Entry]) -> None:
    """Decode frames once all lines are in (a frame may continue over several lines), then
    name each answer by the action of the CALL it answers."""
    actions: dict[str, str] = {}
    for entry in entries:
        if isinstance(entry, Note):
            entry.http_call = _http_of(entry.text)
            continue
        _decode(entry)
        if entry.kind in ("CALL", "SEND") and entry.message_id and entry.action:
            actions[entry.message_id] = entry.action
        elif entry.kind != "frame" and entry.message_id in actions and entry.action is None:
            entry.action = actions[entry.message_id]


def _http_of(text: str) -> tuple[str, str, str | None] | None:
    call = _HTTP.search(text)
    if call is None:
        return None
    status = _HTTP_STATUS.search(text[call.end() :])
    return call["method"], call["url"].rstrip(":,;"), status["status"] if status else None


def _decode(message: Message) -> None:
    raw = message.raw.strip()
    try:
        frame = json.loads(raw)
    except ValueError:
        frame = None
    if isinstance(frame, list) and frame and isinstance(frame[0], int):
        _from_frame(message, frame)
        return
    head = _HEAD.match(raw)
    if head is None:
        message.preview = raw
        return
    kind = MESSAGE_TYPES.get(int(head["type"]), "frame")
    message.kind, message.message_id = kind, head["id"]
    if kind in ("CALL", "SEND"):
        message.action = head["name"]
    message.preview = raw[head.end() :].lstrip(", ")
    cut = _CUT.search(raw)
    if cut is not None:
        message.preview = f"{message.preview[: cut.start()]}… ({cut['n']} characters)"


def _from_frame(message: Message, frame: list[Any]) -> None:
    kind = MESSAGE_TYPES.get(frame[0], "frame")
    message.kind = kind
    message.message_id = str(frame[1]) if len(frame) > 1 else None
    if kind in ("CALL", "SEND") and len(frame) > 2:
        message.action = str(frame[2])
        message.preview = _compact(frame[3] if len(frame) > 3 else None)
    elif kind == "CALLRESULT":
        message.preview = _compact(frame[2] if len(frame) > 2 else None)
    elif message.is_error:
        code = frame[2] if len(frame) > 2 else "?"
        description = frame[3] if len(frame) > 3 else ""
        message.preview = f"{code}: {description}" if description else str(code)
    else:
        message.preview = _compact(frame)


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def clip(text: str, limit: int) -> str:
    """One line of at most ``limit`` characters, with an ellipsis where it was cut."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def shortened(sequence: TraceSequence, keep_head: int, keep_tail: int) -> TraceSequence:
    """At most ``keep_head + keep_tail`` entries: the start (the boot) and the end (where the
    run broke), with a count of what was left out between them."""
    entries = sequence.entries
    if len(entries) <= keep_head + keep_tail:
        return sequence
    kept = [*entries[:keep_head], *entries[len(entries) - keep_tail :]]
    omitted = len(entries) - len(kept)
    return TraceSequence(sequence.title, kept, omitted=omitted, omitted_after=keep_head)


def sequence_text(sequence: TraceSequence, width: int = 132) -> list[str]:
    """The diagram as plain text lines, for the Markdown report: one line per entry, cut to
    ``width`` characters (the full trace stays in the trace file and in JUnit)."""
    lines: list[str] = []
    for index, entry in enumerate(sequence.entries):
        if sequence.omitted and index == sequence.omitted_after:
            lines.append(f"{'':>9}  … {sequence.omitted} entries left out …")
        line = _text_line(entry)
        lines.append(line if len(line) <= width else line[: width - 1] + "…")
    return lines


def _text_line(entry: Entry) -> str:
    stamp = f"{entry.at:8.3f}s"
    if isinstance(entry, Note):
        if entry.http:
            return f"{stamp}  {'HTTP':>7} ---> CSMS     {entry.http}"
        return f"{stamp}  -- {clip(entry.headline, 200)}"
    arrows = {CHARGER: "charger ---> CSMS", CSMS: "charger <--- CSMS"}
    arrow = arrows.get(entry.sender, "      ? ---- ?   ")
    flag = "!! " if entry.violations else ""
    return f"{stamp}  {arrow}  {flag + entry.label:<34} {clip(entry.preview, 200)}"
