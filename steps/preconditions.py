"""Preconditions that end a scenario at its root cause.

A step that needs a running session first makes sure the session was started at all, so a CSMS
that never starts anything fails once, at "did not remotely start", instead of in every later
step that would wait out its own deadline for a transaction that cannot come.
"""

from __future__ import annotations

import time
from collections import Counter

from ocpp_upi.ocpp.codec import Call
from ocpp_upi.ocpp.trace import TraceEntry
from ocpp_upi.ocpp.versions import Role
from ocpp_upi.ocpp.vocabulary import vocabulary
from ocpp_upi.suite.fixtures.world import World
from ocpp_upi.suite.steps.endpoints import MISSING_STATUSES, prove_notice_endpoint
from ocpp_upi.suite.steps.wire import is_remote_start, remote_start_evse
from ocpp_upi.verdicts import ConformanceFailure, EndpointMissing

# A remote start that arrives after this share of its deadline passes, as a quirk.
SLOW_SHARE = 0.8


def _psp_notice_problem(world: World) -> str | None:
    """If the PSP's webhooks for this scenario never reached the CSMS, that is the root cause."""
    if world.psp is None or world.profile.psp is None:
        return None
    url = world.profile.psp.webhook_url
    sent = [d for d in world.psp.deliveries if d.url == url][-3:]
    if sent and not any(d.ok for d in sent):
        last = sent[-1]
        if last.status is None or last.status in MISSING_STATUSES:
            answer = (
                f"HTTP {last.status}" if last.status is not None else f"no answer: {last.error}"
            )
            raise EndpointMissing("PSP webhook", url, f"answered the payment notice with {answer}")
        return f"the PSP's webhook got HTTP {last.status}: {last.response_body[:200]}"
    return None


def _csms_calls(world: World, since: int) -> str:
    """What the CSMS did send instead, by action (the full frames are in the trace)."""
    actions = Counter(
        e.frame.action
        for e in world.trace.frames(since)
        if e.sender is Role.CSMS and isinstance(e.frame, Call)
    )
    if not actions:
        return f"no CALL from the CSMS since {world.state.start_cause}"
    listed = ", ".join(f"{action} x{count}" for action, count in actions.items())
    return f"CSMS CALLs since {world.state.start_cause}: {listed}"


def _no_start_before_the_payment(world: World, evse: int) -> None:
    """A start between the checkout and the payment was set off by the page or the order: that
    is the first thing that went wrong, not a late or missing start after the payment."""
    quiet_since = world.state.quiet_since
    if quiet_since is None or quiet_since >= world.state.mark:
        return
    early = [
        e
        for e in world.trace.find(is_remote_start(world.version), since=quiet_since)
        if e.seq < world.state.mark
    ]
    if early:
        action = vocabulary(world.version).remote_start
        raise ConformanceFailure(
            f"the CSMS remotely started EVSE {evse} before the payment was confirmed",
            expected=f"no {action} until the PSP confirms the payment",
            arrived=f"#{early[0].seq} {early[0].raw[:300]} (the payment came after it)",
        )


def await_remote_start(world: World, evse: int) -> TraceEntry:
    """The remote start that the scenario's payment asks for, or FAIL at that root cause.

    Steps that need a running session call this first, so a CSMS that never starts anything
    fails once, here, with "did not remotely start", not later with "the transaction did not
    begin" after a second deadline."""
    if world.state.remote_start is not None:
        return world.state.remote_start
    _no_start_before_the_payment(world, evse)
    deadline = world.profile.timeouts.remote_start
    since = world.state.mark
    started = time.monotonic()
    entry = world.run(
        world.trace.wait_for(is_remote_start(world.version), deadline, since=since),
        timeout=deadline,
    )
    action = vocabulary(world.version).remote_start
    if entry is None:
        notice = _psp_notice_problem(world)
        arrived = _csms_calls(world, since)
        raise ConformanceFailure(
            f"the CSMS did not remotely start EVSE {evse} within {deadline:g} s of "
            f"{world.state.start_cause}",
            expected=f"a {action} CALL for EVSE {evse}",
            arrived=f"{notice}; {arrived}" if notice else arrived,
        )
    named = remote_start_evse(world.version, entry.payload)
    if named != evse:
        raise ConformanceFailure(
            f"the CSMS remotely started a different EVSE than {world.state.start_cause} named",
            expected=f"{action} for EVSE {evse}",
            arrived=f"EVSE {named}: {entry.raw[:300]}",
        )
    elapsed = time.monotonic() - started
    if elapsed > SLOW_SHARE * deadline:
        world.quirk(
            f"slow remote start: {elapsed:.1f} s of the {deadline:g} s deadline "
            f"({SLOW_SHARE:.0%} or more)"
        )
    world.state.remote_start = entry
    world.state.quiet_since = None  # the payment was confirmed: the quiet period is over
    prove_notice_endpoint(world, f"{action} for EVSE {evse} after a genuine payment notice")
    return entry
