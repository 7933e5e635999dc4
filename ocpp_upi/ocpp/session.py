"""One OCPP-J conversation over a WebSocket, with every frame checked and recorded.

Why not the ``ocpp`` package's ChargePoint here: the harness must see each raw frame before any
library interprets it, judge malformed frames itself instead of having them answered or dropped
for it, speak the 2.1 frame types the package lacks (SEND, CALLRESULTERROR), and never hide a
CSMS's misbehaviour behind a library's retry or validation thread. So routing is a small dict
of handlers, and every frame in and out passes the FrameValidator and lands in the FrameTrace.
The bundled reference CSMS, by contrast, is built on the ``ocpp`` package: the harness and its
default target share no protocol code, so one cannot hide the other's mistakes.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ocpp_upi.ocpp.codec import Call, CallError, CallResult, encode
from ocpp_upi.ocpp.messages import short_repr
from ocpp_upi.ocpp.trace import FrameTrace
from ocpp_upi.ocpp.validator import FrameValidator, Violation
from ocpp_upi.ocpp.versions import Role
from ocpp_upi.verdicts import ConformanceFailure


class Connection(Protocol):
    """What a session needs of a WebSocket connection (websockets' client connection fits)."""

    async def send(self, message: str) -> None: ...
    async def recv(self) -> str | bytes: ...
    async def close(self, code: int = 1000, reason: str = "") -> None: ...


@dataclass(frozen=True)
class Reply:
    """A handler's answer to a CALL, and what to do once the answer is on the wire.

    ``after`` exists because OCPP orders things: a charger must confirm RemoteStartTransaction
    before it sends StartTransaction, so the follow-up runs only after the reply was sent.
    """

    payload: dict[str, Any]
    after: Callable[[], Awaitable[None]] | None = None


@dataclass(frozen=True)
class ErrorReply:
    code: str
    description: str = ""


Handler = Callable[[dict[str, Any]], Awaitable[Reply | ErrorReply]]

# The mock charger reads frames up to 16 MiB so a hostile one still reaches the trace; any frame
# above this is judged a violation: no OCPP message comes near 1 MiB, and a real station's
# receive buffer is far smaller, so such a frame would break it.
MAX_REASONABLE_FRAME_BYTES = 1024 * 1024
PREVIEW_CHARS = 300

FORMAT_VIOLATION = {
    "1.6": "FormationViolation",
    "2.0.1": "FormatViolation",
    "2.1": "FormatViolation",
}


@dataclass
class _Pending:
    action: str
    future: asyncio.Future[CallResult | CallError]


@dataclass
class OcppSession:
    """The local end (charger) of one connection. ``serve()`` reads until the peer goes away."""

    connection: Connection
    version: str
    local_role: Role
    trace: FrameTrace
    validator: FrameValidator
    handlers: dict[str, Handler] = field(default_factory=dict)
    closed: asyncio.Event = field(default_factory=asyncio.Event)
    close_reason: str | None = None
    _pending: dict[str, _Pending] = field(default_factory=dict)
    _call_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _ids: itertools.count = field(default_factory=itertools.count)

    @property
    def remote_role(self) -> Role:
        return self.local_role.peer

    def on(self, action: str, handler: Handler) -> None:
        self.handlers[action] = handler

    # --- sending -------------------------------------------------------------------------------

    async def _send_raw(self, raw: str) -> None:
        checked = self.validator.check(raw, self.local_role)
        self.trace.record(self.local_role, raw, checked.frame, checked.action, checked.violations)
        await self.connection.send(raw)

    def _new_id(self) -> str:
        return f"{next(self._ids)}-{uuid.uuid4().hex[:12]}"

    async def call(self, action: str, payload: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Send a CALL and return the CALLRESULT payload.

        Raises ConformanceFailure when the peer answers with a CALLERROR, does not answer
        within ``timeout``, or closes the connection first: each is the CSMS's fault.
        """
        answer = await self._exchange(action, payload, timeout, intended_unknown=False)
        if isinstance(answer, CallError):
            raise ConformanceFailure(
                f"the CSMS answered {action} with CALLERROR {answer.error_code}",
                expected=f"a CALLRESULT to {action}",
                arrived=f"CALLERROR {answer.error_code}: {answer.error_description}",
            )
        return answer.payload

    async def call_raw_expecting_error(
        self, action: str, payload: dict[str, Any], timeout: float
    ) -> CallResult | CallError:
        """Send a CALL whose action the version does not define, and return the answer.

        A conformance scenario must be able to provoke the CSMS's unknown-action CALLERROR,
        yet the validator rightly flags the charger's own frame, and any violation in the
        trace fails the scenario. The self-violation is therefore dropped from this one
        frame's verdict and written as a trace note instead, so the evidence still shows
        the frame was deliberately off-spec; every other rule (and the CSMS's answer) is
        judged as usual.
        """
        return await self._exchange(action, payload, timeout, intended_unknown=True)

    async def _exchange(
        self, action: str, payload: dict[str, Any], timeout: float, intended_unknown: bool
    ) -> CallResult | CallError:
        async with self._call_lock:  # OCPP-J: at most one CALL outstanding per direction
            if self.closed.is_set():
                raise ConformanceFailure(
                    f"cannot send {action}: the connection is closed ({self.close_reason})"
                )
            message_id = self._new_id()
            future: asyncio.Future[CallResult | CallError] = (
                asyncio.get_running_loop().create_future()
            )
            self._pending[message_id] = _Pending(action, future)
            try:
                raw = encode(Call(message_id, action, payload))
                if intended_unknown:
                    await self._send_intended_unknown(raw, action)
                else:
                    await self._send_raw(raw)
                closed = asyncio.ensure_future(self.closed.wait())
                waited: set[asyncio.Future[Any]] = {future, closed}
                done, _ = await asyncio.wait(waited, timeout=timeout, return_when="FIRST_COMPLETED")
                closed.cancel()
            except OSError as exc:
                raise ConformanceFailure(f"could not send {action}: {exc}") from exc
            finally:
                self._pending.pop(message_id, None)
            if future in done:
                return future.result()  # raises the failure a fatal frame set on it
            if self.closed.is_set():
                raise ConformanceFailure(
                    f"the CSMS closed the connection before answering {action} "
                    f"({self.close_reason})"
                )
            self.validator.forget_outstanding(self.local_role)
            wanted = "a CALLERROR" if intended_unknown else "a CALLRESULT"
            raise ConformanceFailure(
                f"the CSMS did not answer {action} within {timeout:g} s",
                expected=f"{wanted} to {action} (message id {message_id})",
                arrived="nothing",
            )

    async def _send_intended_unknown(self, raw: str, action: str) -> None:
        checked = self.validator.check(raw, self.local_role)
        unknown = f"action {short_repr(action)} is not an OCPP {self.version} action"
        kept = tuple(v for v in checked.violations if v.message != unknown)
        self.trace.note(
            f"intended: the charger sends {action!r}, not an OCPP {self.version} action"
        )
        self.trace.record(self.local_role, raw, checked.frame, checked.action, kept)
        await self.connection.send(raw)

    # --- receiving -----------------------------------------------------------------------------

    async def serve(self) -> None:
        """Read frames until the connection ends. Never raises: problems land in the trace."""
        try:
            while True:
                try:
                    raw = await self.connection.recv()
                except Exception as exc:  # any close or transport error ends the conversation
                    self._mark_closed(_describe_close(exc))
                    return
                text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
                checked = self.validator.check(raw, self.remote_role)
                violations = checked.violations
                oversized = len(raw) > MAX_REASONABLE_FRAME_BYTES
                if oversized:
                    violations = (*violations, self._oversize_violation(len(raw)))
                self.trace.record(self.remote_role, text, checked.frame, checked.action, violations)
                frame = checked.frame
                if oversized:
                    self._fail_pending(
                        f"the CSMS sent an oversized frame ({len(raw):,} bytes)", text
                    )
                elif frame is None:
                    self._fail_pending(_fatal_headline(violations), text)
                elif isinstance(frame, CallResult | CallError):
                    pending = self._pending.get(frame.message_id)
                    if pending is not None and not pending.future.done():
                        pending.future.set_result(frame)
                    elif pending is None:
                        self._fail_pending_on_stray_id(frame, text)
                elif isinstance(frame, Call):
                    self._spawn(self._answer(frame, _payload_invalid(checked.violations)))
        finally:
            for task in list(self._tasks):
                task.cancel()

    def _oversize_violation(self, size: int) -> Violation:
        return Violation(
            self.remote_role,
            self.version,
            None,
            None,
            "",
            f"frame is {size:,} bytes, over the {MAX_REASONABLE_FRAME_BYTES:,}-byte limit "
            "no OCPP message comes near",
        )

    def _fail_pending(self, headline: str, raw: str) -> None:
        """A frame no answer can be read from ends the outstanding CALL at once, named.

        Waiting out the response deadline would turn a CSMS that sent garbage into a bland
        "did not answer" verdict, ten seconds later, that hides what actually arrived.
        """
        for pending in self._pending.values():
            if not pending.future.done():
                pending.future.set_exception(
                    ConformanceFailure(
                        f"{headline} while the charger awaited the answer to {pending.action}",
                        expected=f"a CALLRESULT to {pending.action}",
                        arrived=_preview(raw),
                    )
                )

    def _fail_pending_on_stray_id(self, frame: CallResult | CallError, raw: str) -> None:
        """An answer carrying no outstanding message id, while a CALL waits, is taken as the
        CSMS answering that CALL under the wrong id: OCPP-J matches answers by id only."""
        for message_id, pending in self._pending.items():
            if not pending.future.done():
                kind = "CALLRESULT" if isinstance(frame, CallResult) else "CALLERROR"
                pending.future.set_exception(
                    ConformanceFailure(
                        f"the CSMS answered {pending.action} with a {kind} carrying the wrong "
                        f"message id {frame.message_id!r}",
                        expected=f"a CALLRESULT with message id {message_id!r}",
                        arrived=_preview(raw),
                    )
                )

    def _spawn(self, coro: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _answer(self, call: Call, invalid: bool) -> None:
        handler = self.handlers.get(call.action)
        reply: Reply | ErrorReply
        if invalid and handler is not None:
            reply = ErrorReply(FORMAT_VIOLATION[self.version], "payload violates the schema")
        elif handler is None:
            reply = ErrorReply("NotImplemented", f"{call.action} is not supported by this charger")
        else:
            try:
                reply = await handler(call.payload)
            except Exception as exc:  # a harness bug must not leave the CSMS unanswered
                reply = ErrorReply("InternalError", f"{type(exc).__name__}: {exc}")
        if isinstance(reply, ErrorReply):
            raw = encode(CallError(call.message_id, reply.code, reply.description, {}))
        else:
            raw = encode(CallResult(call.message_id, reply.payload))
        with contextlib.suppress(Exception):
            await self._send_raw(raw)
            if isinstance(reply, Reply) and reply.after is not None:
                self._spawn(reply.after())

    def _mark_closed(self, reason: str) -> None:
        if not self.closed.is_set():
            self.close_reason = reason
            self.trace.note(f"connection closed: {reason}")
            self.closed.set()

    async def close(self) -> None:
        # Marked first: the peer's echo of our close frame must not read as the CSMS closing.
        self._mark_closed("closed by the harness")
        for task in list(self._tasks):
            task.cancel()
        with contextlib.suppress(Exception):
            await self.connection.close()


def _fatal_headline(violations: tuple[Violation, ...]) -> str:
    reasons = "; ".join(v.message for v in violations) or "a malformed frame"
    return f"the CSMS sent a frame that breaks OCPP-J framing ({reasons})"


def _preview(raw: str) -> str:
    if len(raw) <= PREVIEW_CHARS:
        return raw
    return f"{raw[:PREVIEW_CHARS]}... ({len(raw):,} characters in all, in the trace)"


def _payload_invalid(violations: tuple[Violation, ...]) -> bool:
    """True when the CALL's payload broke its schema (answer FormatViolation); RPC-state
    violations such as a second outstanding CALL are judged in the trace, not answered."""
    return any(v.kind == "request" for v in violations)


def _describe_close(exc: BaseException) -> str:
    rcvd = getattr(exc, "rcvd", None)
    if rcvd is not None:
        return f"closed by the CSMS with code {rcvd.code}{' ' + rcvd.reason if rcvd.reason else ''}"
    name = type(exc).__name__
    text = str(exc)
    return f"{name}: {text}" if text else name
