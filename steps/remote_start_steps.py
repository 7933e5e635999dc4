"""Steps that judge what the CSMS did on the wire after a payment: started, or not."""

from __future__ import annotations

from pytest_bdd import parsers, then

from ocpp_upi.ocpp.vocabulary import vocabulary
from ocpp_upi.suite.fixtures.world import World
from ocpp_upi.suite.steps.endpoints import rests_on
from ocpp_upi.suite.steps.preconditions import await_remote_start
from ocpp_upi.suite.steps.session_causes import raise_session_root_cause
from ocpp_upi.suite.steps.wire import (
    assert_conforming,
    is_remote_start,
    summarise,
)
from ocpp_upi.verdicts import ConformanceFailure


@then(parsers.parse("the CSMS remotely starts EVSE {evse:d} within the remote-start deadline"))
def csms_remotely_starts(evse: int, world: World) -> None:
    await_remote_start(world, evse)


@then(parsers.parse("the charger's transaction on EVSE {evse:d} begins"))
def transaction_begins(evse: int, world: World) -> None:
    check_transaction_begins(evse, world)


def check_transaction_begins(evse: int, world: World) -> None:
    await_remote_start(world, evse)
    deadline = world.profile.timeouts.response * 2
    tx = world.run(world.charger.wait_started(evse, deadline), timeout=deadline)
    if tx is None:
        # The cause, when the wire shows one, says more than "did not begin".
        assert_conforming(world.trace, world.quirk)
        raise_session_root_cause(world, evse)
        session = world.charger.session
        if session is not None and session.closed.is_set():
            raise ConformanceFailure(
                f"the CSMS closed the connection before the transaction on EVSE {evse} began",
                expected="the CSMS accepts the charger's transaction start",
                arrived=f"{session.close_reason}; {summarise(world.trace.frames()[-3:])}",
            )
        raise ConformanceFailure(
            f"the charger's transaction on EVSE {evse} did not begin",
            expected="the CSMS accepts the charger's transaction start",
            arrived=summarise(world.trace.frames()[-5:]),
        )


@then("no remote start arrives within the quiet window")
def no_remote_start(world: World) -> None:
    rests_on(world, world.state.notice_endpoint)
    quiet = world.profile.timeouts.quiet_window
    # Since the scenario's checkout, not only since the last payment: a start set off by the
    # page or the order counts against the CSMS too.
    since = world.state.quiet_since if world.state.quiet_since is not None else world.state.mark
    entry = world.run(
        world.trace.wait_for(is_remote_start(world.version), quiet, since=since),
        timeout=quiet,
    )
    if entry is not None:
        action = vocabulary(world.version).remote_start
        raise ConformanceFailure(
            "the CSMS remotely started a charger although it must start nothing",
            expected=f"no {action} within the {quiet:g} s quiet window",
            arrived=entry.raw[:300],
        )


@then("exactly one remote start arrives within the quiet window")
def exactly_one_remote_start(world: World) -> None:
    quiet = world.profile.timeouts.quiet_window
    first = world.state.remote_start
    since = first.seq + 1 if first is not None else world.state.mark
    extra = world.run(
        world.trace.wait_for(is_remote_start(world.version), quiet, since=since), timeout=quiet
    )
    starts = world.trace.find(is_remote_start(world.version), since=world.state.mark)
    if extra is not None or len(starts) != 1:
        key = "UTR" if world.state.notification is not None else "PSP payment id"
        raise ConformanceFailure(
            f"the CSMS remotely started {len(starts)} times for one payment",
            expected=f"exactly one remote start per payment ({key})",
            arrived=summarise(starts),
        )
