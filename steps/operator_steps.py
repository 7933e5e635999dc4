"""Remote start and stop an operator asks for (OCPP core group, through the profile's hooks).

The hook only asks; the verdict comes from the wire. A CSMS whose hook answers 200 and sends
nothing fails at "did not remotely start"; one that stops another transaction fails naming the
transaction it named. A hook that cannot be carried out is an ERROR (the operator interface is
broken, nothing is known of the CSMS's OCPP).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from pytest_bdd import parsers, then, when

from ocpp_upi.hooks import HookFailed, invoke_hook
from ocpp_upi.ocpp.trace import TraceEntry
from ocpp_upi.ocpp.vocabulary import vocabulary
from ocpp_upi.suite.fixtures.world import World
from ocpp_upi.suite.steps.wire import (
    assert_conforming,
    is_remote_start,
    is_remote_stop,
    summarise,
)
from ocpp_upi.verdicts import ConformanceFailure, HarnessError

# The idTag of a remote start when the profile names no local card the CSMS authorizes.
OPERATOR_ID_TAG = "OCPPUPI-OPERATOR"


def _hook(world: World, action: str, acted: Callable[[TraceEntry], bool], **values: Any) -> None:
    """Carry out the hook; when it reports failure, the wire decides whether that matters.

    A trigger server that waits for the station's answer fails when the CSMS sent the station
    something it refused (a frame breaking its schema, say): that is the CSMS's FAIL, found in
    the trace, not an ERROR of the hook. Only a hook failure with no sign of the CSMS acting is
    an ERROR."""
    charger = world.charger
    filled = {"charger_id": charger.identity, "version": world.version, **values}
    timeouts = world.profile.timeouts
    deadline = timeouts.remote_start + timeouts.response
    since = len(world.trace.entries)
    try:
        outcome = world.run(
            invoke_hook(world.profile.hooks, action, world.version, filled, deadline),
            timeout=deadline + 1.0,
        )
    except HookFailed as failure:
        assert_conforming(world.trace, world.quirk)
        if not world.trace.find(acted, since=since):
            raise
        world.trace.note(f"{failure} (the CSMS did act on the wire: judged from the frames)")
        return
    world.trace.note(outcome.describe())


@when(parsers.parse("the operator asks the CSMS to remotely start EVSE {evse:d}"))
def operator_starts(evse: int, world: World) -> None:
    world.state.mark = len(world.trace.entries)
    world.state.start_cause = "the operator's request"
    tag = world.profile.target.local_id_tag or OPERATOR_ID_TAG
    remote_start_id = secrets.randbelow(2**31 - 1) + 1
    _hook(
        world,
        "remote_start",
        is_remote_start(world.version),
        evse=evse,
        id_tag=tag,
        remote_start_id=remote_start_id,
    )


@when(parsers.parse("the operator asks the CSMS to remotely stop the transaction on EVSE {evse:d}"))
def operator_stops(evse: int, world: World) -> None:
    tx = world.charger.last_transactions.get(evse)
    if tx is None or not tx.started.is_set() or tx.transaction_id is None:
        raise HarnessError(f"no running transaction on EVSE {evse} to stop")
    world.state.stop_mark = len(world.trace.entries)
    _hook(world, "remote_stop", is_remote_stop(world.version), transaction_id=tx.transaction_id)


@then(parsers.parse("the CSMS remotely stops the transaction on EVSE {evse:d} and it ends"))
def csms_stops_that_transaction(evse: int, world: World) -> None:
    tx = world.charger.last_transactions.get(evse)
    if tx is None:
        raise HarnessError(f"no transaction on EVSE {evse} in this scenario")
    action = vocabulary(world.version).remote_stop
    deadline = world.profile.timeouts.remote_start
    since = world.state.stop_mark
    entry = world.run(
        world.trace.wait_for(is_remote_stop(world.version), deadline, since=since),
        timeout=deadline,
    )
    if entry is None:
        raise ConformanceFailure(
            f"the CSMS did not remotely stop the transaction on EVSE {evse} within {deadline:g} s "
            "of the operator's request",
            expected=f"a {action} CALL for transaction {tx.transaction_id!r}",
            arrived=summarise(world.trace.frames(since)[-5:]),
        )
    named = entry.payload.get("transactionId")
    if named != tx.transaction_id:
        raise ConformanceFailure(
            "the CSMS remotely stopped another transaction than the one the operator chose",
            expected=f"{action} with transactionId {tx.transaction_id!r}",
            arrived=entry.raw[:300],
        )
    response = world.profile.timeouts.response
    ended = world.run(world.charger.wait_ended(evse, response), timeout=response + 1.0)
    if ended is None:
        raise ConformanceFailure(
            f"the transaction on EVSE {evse} did not end after the remote stop",
            expected="the charger's transaction stop answered with a CALLRESULT",
            arrived=summarise(world.trace.frames(entry.seq)[-5:]),
        )
