"""The first thing that went wrong with a session, read from the wire.

Steps that expect a session to run (to its limit, to its end, to a price) fail at their own
expectation only when the wire shows nothing earlier: a transaction start the CSMS refused with a
CALLERROR, or a connection the CSMS closed, is the root cause and is named instead, the same on
every OCPP version.
"""

from __future__ import annotations

from ocpp_upi.ocpp.codec import Call, CallError
from ocpp_upi.ocpp.trace import TraceEntry
from ocpp_upi.ocpp.versions import Role
from ocpp_upi.suite.fixtures.world import World
from ocpp_upi.verdicts import ConformanceFailure


def _is_start(entry: TraceEntry) -> bool:
    frame = entry.frame
    if entry.sender is not Role.CHARGER or not isinstance(frame, Call):
        return False
    if frame.action == "StartTransaction":
        return True
    return frame.action == "TransactionEvent" and frame.payload.get("eventType") == "Started"


def _answer(world: World, call: TraceEntry) -> TraceEntry | None:
    assert isinstance(call.frame, Call)
    message_id = call.frame.message_id
    for entry in world.trace.frames(call.seq + 1):
        if entry.sender is Role.CSMS and getattr(entry.frame, "message_id", None) == message_id:
            return entry
    return None


def raise_session_root_cause(world: World, evse: int) -> None:
    """FAIL with the earliest wire cause that kept the session on ``evse`` from running."""
    for start in world.trace.find(_is_start, since=world.state.mark):
        answer = _answer(world, start)
        if answer is not None and isinstance(answer.frame, CallError):
            assert isinstance(start.frame, Call)
            raise ConformanceFailure(
                f"the CSMS refused the transaction start on EVSE {evse}",
                expected=f"a CALLRESULT to {start.frame.action}",
                arrived=answer.raw[:300],
            )
    session = world.charger.session
    if session is not None and session.closed.is_set():
        started = world.trace.find(_is_start, since=world.state.mark)
        when = "after the transaction start" if started else "before the transaction start"
        raise ConformanceFailure(
            f"the CSMS closed the connection during the session on EVSE {evse} ({when})",
            expected="the connection stays open for the whole session",
            arrived=f"{session.close_reason}",
        )
