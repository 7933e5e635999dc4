"""Steps about settling a prepaid session: the refund the CSMS makes at the PSP, or none."""

from __future__ import annotations

from pytest_bdd import given, parsers, then

from ocpp_upi.suite.fixtures.world import World
from ocpp_upi.suite.steps.amounts import paise
from ocpp_upi.suite.steps.preconditions import await_remote_start
from ocpp_upi.suite.steps.psp_view import refund_calls, refunded_payment, refunds_of
from ocpp_upi.suite.steps.session_causes import raise_session_root_cause
from ocpp_upi.suite.steps.settlement import cost_paise, delivered_energy_wh
from ocpp_upi.verdicts import ConformanceFailure, HarnessError


@given(parsers.parse("the driver will stop charging after {wh:d} Wh"))
def driver_stops_after(wh: int, world: World) -> None:
    world.charger.behaviour.stop_after_wh = float(wh)


@given("the charger accepts remote starts but never begins charging")
def charger_never_begins(world: World) -> None:
    world.charger.behaviour.start_after_accept = False


@given(parsers.parse("the PSP's refund API answers HTTP {status:d} to the next {count:d} calls"))
def psp_refund_fails(status: int, count: int, world: World) -> None:
    world.require_psp().inject_fault("refunds.create", status=status, count=count)


@given("the PSP delivers every webhook twice")
def psp_duplicates_webhooks(world: World) -> None:
    world.require_psp().set_webhook_mode(duplicate=True)


@then(parsers.parse("the transaction on EVSE {evse:d} ends"))
def transaction_ends(evse: int, world: World) -> None:
    await_remote_start(world, evse)
    deadline = world.profile.timeouts.response * 3
    tx = world.run(world.charger.wait_ended(evse, deadline), timeout=deadline)
    if tx is None or not tx.started.is_set() or not tx.ended.is_set():
        raise_session_root_cause(world, evse)
        raise ConformanceFailure(
            f"the transaction on EVSE {evse} did not run to its end",
            expected="the CSMS accepts the charger's transaction start, meter values and stop",
            arrived=world.trace.render()[-1500:],
        )


def _payment_id(world: World) -> str:
    payment = world.state.payment
    if not payment:
        raise HarnessError("no PSP payment in this scenario")
    return str(payment["id"])


def _await_single_refund(world: World, expected_paise: int, what: str) -> None:
    psp = world.require_psp()
    payment_id = _payment_id(world)
    settle = world.profile.timeouts.settlement

    async def first_refund() -> bool:
        return (
            await psp.wait_for_api_call(
                lambda c: bool(refund_calls_match(c, payment_id)) and 200 <= c.status < 300,
                settle,
            )
            is not None
        )

    found = world.run(first_refund(), timeout=settle)
    if not found:
        raise ConformanceFailure(
            f"the CSMS made no refund of {what} within {settle:g} s",
            expected=f"one refund of {expected_paise} paise for payment {payment_id}",
            arrived=_describe_calls(world, payment_id),
        )
    quiet = world.profile.timeouts.quiet_window
    world.run(psp.wait_idle(quiet), timeout=quiet)
    # A second refund request (another idempotency key) may come late: watch for it.
    first_key = _key(refund_calls(psp, world.state.psp_mark, payment_id)[0])
    world.run(
        psp.wait_for_api_call(
            lambda c: refund_calls_match(c, payment_id) and _key(c) != first_key, quiet
        ),
        timeout=quiet,
    )
    keys = _keys(world, payment_id)
    if len(keys) > 1:
        raise ConformanceFailure(
            f"the CSMS requested {len(keys)} refunds of {what}",
            expected="one refund request (retries reuse its X-Refund-Idempotency key)",
            arrived=_describe_calls(world, payment_id),
        )
    refunds = refunds_of(psp, payment_id)
    amounts = [r.get("amount") for r in refunds]
    if len(refunds) != 1:
        raise ConformanceFailure(
            f"the CSMS refunded {what} {len(refunds)} times",
            expected=f"exactly one refund of {expected_paise} paise",
            arrived=f"refunds of {amounts} paise; calls: {_describe_calls(world, payment_id)}",
        )
    if amounts[0] != expected_paise:
        raise ConformanceFailure(
            f"the CSMS refunded the wrong amount for {what}",
            expected=f"{expected_paise} paise",
            arrived=f"{amounts[0]} paise",
        )


def _key(call: object) -> str | None:
    headers = getattr(call, "headers", {})
    return next((v for k, v in headers.items() if k.lower() == "x-refund-idempotency"), None)


def _keys(world: World, payment_id: str) -> set[str | None]:
    psp = world.require_psp()
    return {_key(c) for c in refund_calls(psp, world.state.psp_mark, payment_id)}


def refund_calls_match(call: object, payment_id: str) -> bool:
    path = getattr(call, "path", "")
    return getattr(call, "method", "") == "POST" and path == f"/v1/payments/{payment_id}/refund"


def _describe_calls(world: World, payment_id: str) -> str:
    psp = world.require_psp()
    calls = refund_calls(psp, world.state.psp_mark, payment_id)
    if not calls:
        return "no refund call at the PSP"
    return "; ".join(f"{c.method} {c.path} {c.body!r} -> {c.status}" for c in calls)


@then("the CSMS refunds the prepaid amount minus the cost, exactly once")
def refunds_unused(world: World) -> None:
    await_remote_start(world, world.state.paid_evse or 1)
    energy = delivered_energy_wh(world.trace, world.version)
    if energy is None:
        raise_session_root_cause(world, world.state.paid_evse or 1)
        raise HarnessError("the trace holds no finished transaction to price")
    paid = world.state.amount_paise or 0
    cost = min(cost_paise(energy, world.tariff), paid)
    _await_single_refund(
        world,
        paid - cost,
        f"the unused amount ({paid} paid - {cost} for {energy} Wh)",
    )


@then(parsers.parse("the CSMS refunds the full {amount} INR, exactly once"))
def refunds_in_full(amount: str, world: World) -> None:
    # Both scenarios behind this step begin with a remote start the station then fails.
    await_remote_start(world, world.state.paid_evse or 1)
    _await_single_refund(world, paise(amount), f"the full {amount} INR")


@then("every refund attempt carried the same idempotency key")
def same_idempotency_key(world: World) -> None:
    psp = world.require_psp()
    calls = refund_calls(psp, world.state.psp_mark, _payment_id(world))
    keys = {_key(c) for c in calls}
    if len(calls) < 2 or len(keys) != 1 or None in keys:
        raise ConformanceFailure(
            "the CSMS did not retry the failed refund with one idempotency key",
            expected="several refund attempts, all with the same X-Refund-Idempotency",
            arrived=f"{len(calls)} attempts with keys {sorted(map(str, keys))}",
        )


@then("the CSMS makes no refund call to the PSP within the quiet window")
def no_refund_call(world: World) -> None:
    psp = world.require_psp()
    quiet = world.profile.timeouts.quiet_window
    since = world.state.psp_mark
    earlier = world.state.psp_payments_before

    def this_scenarios_refund(call: object) -> bool:
        payment = refunded_payment(call)
        return payment is not None and payment not in earlier and call in psp.api_calls[since:]

    call = world.run(psp.wait_for_api_call(this_scenarios_refund, quiet), timeout=quiet)
    if call is not None:
        raise ConformanceFailure(
            "the CSMS tried to refund a static-QR payment, which cannot be refunded",
            expected="no refund call at the PSP",
            arrived=f"{call.method} {call.path} {call.body!r}",
        )
