"""The OCPP core group: what any CSMS must do with no payment in sight.

Boot, heartbeat time and a session a driver starts with a local card (Authorize, transaction
start, meter values, stop) are judged from the wire only. These scenarios need nothing of the
profile but [csms] and [[chargers]] (and ``local_id_tag`` for the session), so an OCPP-only CSMS
can be certified on OCPP alone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pytest_bdd import parsers, then, when

from ocpp_upi.ocpp.codec import Call, CallResult
from ocpp_upi.ocpp.formats import is_date_time
from ocpp_upi.ocpp.versions import Role
from ocpp_upi.suite.fixtures.world import World
from ocpp_upi.suite.steps.wire import assert_conforming, summarise
from ocpp_upi.verdicts import ConformanceFailure, HarnessError

# How far the CSMS's clock may be from the harness's: OCPP uses currentTime to set the
# station's clock, and a station minutes off stamps every meter value wrongly.
CLOCK_TOLERANCE_S = 300.0


def _clock_problem(value: Any) -> str | None:
    """Why a currentTime is unusable, or None."""
    if not isinstance(value, str) or not is_date_time(value):
        return f"currentTime {value!r} is not an RFC 3339 date-time"
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    skew = abs((moment - datetime.now(UTC)).total_seconds())
    if skew > CLOCK_TOLERANCE_S:
        return f"currentTime {value} is {skew:.0f} s away from UTC now"
    return None


@then("the CSMS accepted the boot with a heartbeat interval and its current time")
def boot_answer_usable(world: World) -> None:
    answer = world.charger.boot_answer
    if answer is None:
        raise HarnessError("the charger has not booted in this scenario")
    problems = []
    interval = answer.get("interval")
    if not isinstance(interval, int) or interval <= 0:
        problems.append(f"interval {interval!r} is not a positive number of seconds")
    clock = _clock_problem(answer.get("currentTime"))
    if clock:
        problems.append(clock)
    if problems:
        raise ConformanceFailure(
            "the CSMS accepted the boot without a usable heartbeat interval or clock",
            expected=f"status Accepted, interval > 0, currentTime within {CLOCK_TOLERANCE_S:g} s "
            "of UTC",
            arrived="; ".join(problems),
        )


@then(parsers.parse("the CSMS answered the Heartbeat with its current time"))
def heartbeat_time_usable(world: World) -> None:
    answer = world.state.heartbeat_answer
    if answer is None:
        raise HarnessError("no Heartbeat was sent in this scenario")
    clock = _clock_problem(answer.get("currentTime"))
    if clock:
        raise ConformanceFailure(
            "the CSMS answered Heartbeat with a clock the station cannot use",
            expected=f"currentTime within {CLOCK_TOLERANCE_S:g} s of UTC",
            arrived=clock,
        )


def _authorize_and_begin(world: World, evse: int, stop_after_wh: int | None) -> None:
    tag = world.profile.target.local_id_tag
    if tag is None:
        raise HarnessError(
            "the profile names no local_id_tag (tag the scenario @needs:local_id_tag)"
        )
    charger = world.charger
    charger.behaviour.stop_after_wh = stop_after_wh
    world.state.mark = len(world.trace.entries)
    action, payload = charger.adapter.authorize_request(tag)
    deadline = world.profile.timeouts.response
    answer = world.run(charger.call(action, payload), timeout=deadline + 1.0)
    status = charger.adapter.authorization_status(answer)
    if status != "Accepted":
        raise ConformanceFailure(
            "the CSMS did not authorize the local id tag the profile names",
            expected=f"{action} answer with status Accepted for {tag!r}",
            arrived=f"status {status!r}",
        )
    world.run(charger.begin_local(evse, tag), timeout=deadline)


@when(parsers.parse("a driver presents the local id tag at EVSE {evse:d} and charges {wh:d} Wh"))
def driver_starts_local_session(evse: int, wh: int, world: World) -> None:
    _authorize_and_begin(world, evse, wh)


@when(parsers.parse("a driver presents the local id tag at EVSE {evse:d} and starts charging"))
def driver_starts_charging(evse: int, world: World) -> None:
    _authorize_and_begin(world, evse, None)


@then(parsers.parse("the local transaction on EVSE {evse:d} begins"))
def local_transaction_begins(evse: int, world: World) -> None:
    deadline = world.profile.timeouts.response * 2
    tx = world.run(world.charger.wait_started(evse, deadline), timeout=deadline + 1.0)
    if tx is None:
        assert_conforming(world.trace, world.quirk)
        raise ConformanceFailure(
            f"the CSMS did not accept the local transaction on EVSE {evse}",
            expected="a CALLRESULT accepting the transaction start",
            arrived=summarise(world.trace.frames(world.state.mark)[-5:]),
        )


@when(parsers.parse("the driver stops charging at EVSE {evse:d}"))
def driver_stops(evse: int, world: World) -> None:
    tx = world.charger.transactions.get(evse)
    if tx is None:
        raise HarnessError(f"no transaction is running on EVSE {evse} to stop")

    async def stop() -> None:  # on the station's loop: asyncio events are not thread-safe
        tx.stop_reason = "Local"
        tx.stop_requested.set()

    world.run(stop(), timeout=1.0)


@then(
    parsers.parse(
        "the CSMS accepted the local session on EVSE {evse:d} with its meter values and its stop"
    )
)
def local_session_accepted(evse: int, world: World) -> None:
    deadline = world.profile.timeouts.response * 3
    tx = world.run(world.charger.wait_ended(evse, deadline), timeout=deadline + 1.0)
    since = world.state.mark
    aborted = [e.event for e in world.trace.entries[since:] if e.event and "aborted" in e.event]
    if tx is None or not tx.started.is_set() or aborted:
        raise ConformanceFailure(
            f"the CSMS did not carry the local session on EVSE {evse} to its end",
            expected="the transaction start, meter values and stop each answered with a CALLRESULT",
            arrived="; ".join(aborted) or summarise(world.trace.frames(since)[-5:]),
        )
    unanswered = [
        e.frame.action
        for e in world.trace.frames(since)
        if e.sender is Role.CHARGER
        and isinstance(e.frame, Call)
        and not _answered(world, e.frame.message_id)
    ]
    if unanswered:
        raise ConformanceFailure(
            "the CSMS left part of the local session unanswered or refused it",
            expected="a CALLRESULT to every CALL of the session",
            arrived=f"no CALLRESULT to {', '.join(unanswered)}",
        )


def _answered(world: World, message_id: str) -> bool:
    return any(
        e.sender is Role.CSMS
        and isinstance(e.frame, CallResult)
        and e.frame.message_id == message_id
        for e in world.trace.frames()
    )
