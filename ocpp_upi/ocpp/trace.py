"""The frame trace: every frame both ways, with its verdict, in arrival order.

A verdict must come from what crossed the wire, never from what a CSMS claims. So everything
a scenario asserts is read from this trace, and waiting for something means waiting for an
entry that matches a predicate, with a deadline. The trace is also the report attachment that
lets a reviewer see exactly where a CSMS went wrong.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ocpp_upi.ocpp.codec import Call, CallError, CallResult, CallResultError, Frame, Send
from ocpp_upi.ocpp.validator import Violation
from ocpp_upi.ocpp.versions import Role
from ocpp_upi.redaction import redact

RAW_PREVIEW_CHARS = 2000


@dataclass(frozen=True)
class TraceEntry:
    """One frame (or one connection event, when ``frame`` and ``raw`` are empty)."""

    seq: int
    at: float  # seconds since the trace began
    sender: Role | None  # None for connection events noted by the harness
    raw: str
    frame: Frame | None
    action: str | None
    violations: tuple[Violation, ...] = ()
    event: str | None = None

    @property
    def is_call(self) -> bool:
        return isinstance(self.frame, Call)

    @property
    def is_result(self) -> bool:
        return isinstance(self.frame, CallResult)

    @property
    def is_error(self) -> bool:
        return isinstance(self.frame, CallError | CallResultError)

    @property
    def payload(self) -> dict:
        frame = self.frame
        if isinstance(frame, Call | CallResult | Send):
            return frame.payload
        return {}

    def render(self) -> str:
        """One line for the text trace: time, direction, raw frame (shortened), verdicts."""
        if self.event is not None:
            return f"{self.at:8.3f}s  --  {self.event}"
        arrow = f"{self.sender} -> {self.sender.peer}" if self.sender else "?"
        raw = self.raw
        if len(raw) > RAW_PREVIEW_CHARS:
            raw = f"{raw[:RAW_PREVIEW_CHARS]}... ({len(self.raw)} characters)"
        line = f"{self.at:8.3f}s  {arrow:<15}  {raw}"
        for violation in self.violations:
            line += f"\n{'':10}  !! {violation}"
        return line


@dataclass
class _Waiter:
    predicate: Callable[[TraceEntry], bool]
    future: asyncio.Future[TraceEntry]


@dataclass
class FrameTrace:
    """Append-only record of one charger connection (or several, in order), with waiting.

    Appended to only from the harness's event loop thread; ``wait_for`` must run on that loop.
    """

    label: str
    version: str
    entries: list[TraceEntry] = field(default_factory=list)
    _started: float = field(default_factory=time.monotonic)
    _waiters: list[_Waiter] = field(default_factory=list)

    def _append(self, entry: TraceEntry) -> TraceEntry:
        self.entries.append(entry)
        for waiter in list(self._waiters):
            if waiter.future.done():
                self._waiters.remove(waiter)
            elif waiter.predicate(entry):
                waiter.future.set_result(entry)
                self._waiters.remove(waiter)
        return entry

    def record(
        self,
        sender: Role,
        raw: str,
        frame: Frame | None,
        action: str | None,
        violations: tuple[Violation, ...],
    ) -> TraceEntry:
        entry = TraceEntry(
            seq=len(self.entries),
            at=time.monotonic() - self._started,
            sender=sender,
            raw=raw,
            frame=frame,
            action=action,
            violations=violations,
        )
        return self._append(entry)

    def note(self, event: str) -> TraceEntry:
        """Record a connection event (connected, closed by the CSMS, timed out ...)."""
        entry = TraceEntry(
            seq=len(self.entries),
            at=time.monotonic() - self._started,
            sender=None,
            raw="",
            frame=None,
            action=None,
            event=event,
        )
        return self._append(entry)

    @property
    def violations(self) -> list[Violation]:
        return [v for entry in self.entries for v in entry.violations]

    def frames(self, since: int = 0) -> list[TraceEntry]:
        return [e for e in self.entries[since:] if e.event is None]

    def find(self, predicate: Callable[[TraceEntry], bool], since: int = 0) -> list[TraceEntry]:
        return [e for e in self.entries[since:] if predicate(e)]

    async def wait_for(
        self, predicate: Callable[[TraceEntry], bool], timeout: float, since: int = 0
    ) -> TraceEntry | None:
        """The first entry at or after ``since`` matching ``predicate``, or None at the deadline."""
        for entry in self.entries[since:]:
            if predicate(entry):
                return entry
        future: asyncio.Future[TraceEntry] = asyncio.get_running_loop().create_future()
        waiter = _Waiter(predicate, future)
        self._waiters.append(waiter)
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            return None
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)

    def render(self) -> str:
        header = f"# frame trace: {self.label} (OCPP {self.version}), {len(self.entries)} entries"
        return redact("\n".join([header, *(entry.render() for entry in self.entries)]))

    def to_json(self) -> str:
        """Machine-readable trace: raw frames as sent (secrets redacted), with their verdicts."""
        rows = [
            {
                "seq": e.seq,
                "at": round(e.at, 6),
                "sender": str(e.sender) if e.sender else None,
                "event": None if e.event is None else redact(e.event),
                "raw": redact(e.raw),
                "violations": [redact(str(v)) for v in e.violations],
            }
            for e in self.entries
        ]
        return json.dumps({"label": self.label, "version": self.version, "entries": rows})
