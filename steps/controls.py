"""Positive controls made on demand, when a scenario ends, for the payment-notice endpoints.

A negative check ("refused", "starts nothing") is only as good as the endpoint it rests on
(``endpoints.rests_on``): the endpoint must have started a charger for a genuine payment in this
run. Which scenarios ran before this one on this CSMS depends on the run's order: on pytest-xdist
workers (each with its own CSMS) or with a selection (``-k``), a "starts nothing" can be the
first payment scenario a CSMS sees. Then the endpoint gets its control here, after the negative
check was judged: one genuine payment through it (a correctly signed credit on the bank webhook,
or a paid order through the pay page for the PSP webhook) on an EVSE the scenario did not pay
for, and the remote start it asks for. A control that does not start the charger leaves the
scenario ERROR "no positive control", with what the control met; never PASS.
"""

from __future__ import annotations

from collections.abc import Callable

from ocpp_upi.bank.notification import credit
from ocpp_upi.suite.fixtures.world import World
from ocpp_upi.suite.steps.bank_steps import deliver_credit, evse_reference
from ocpp_upi.suite.steps.endpoints import require_positive_controls
from ocpp_upi.suite.steps.payment_steps import check_out, pay
from ocpp_upi.suite.steps.preconditions import await_remote_start
from ocpp_upi.verdicts import ConformanceFailure, EndpointMissing, HarnessError

CONTROL_AMOUNT = "200.00"
CONTROL_PAYER = "success@razorpay"  # the mock PSP's payer whose payment is captured at once

Control = Callable[[World, int], None]


def _bank_control(world: World, evse: int) -> None:
    payee = world.bank_account.merchant_vpa
    notification = credit(evse_reference(world, evse), amount=CONTROL_AMOUNT, payee_vpa=payee)
    deliver_credit(world, notification, genuine=True)
    await_remote_start(world, evse)


def _psp_control(world: World, evse: int) -> None:
    check_out(evse, CONTROL_AMOUNT, world)
    pay(world, CONTROL_PAYER)
    await_remote_start(world, evse)


def _control_for(world: World, endpoint: str) -> Control | None:
    profile = world.profile
    if profile.bank is not None and endpoint == profile.bank.url:
        return _bank_control
    if profile.psp is not None and endpoint == profile.psp.webhook_url:
        return _psp_control
    return None  # e.g. a dynamic QR's pages: their scenarios carry their own control step


def control_evse(world: World) -> int:
    """The charger's highest EVSE other than the one the scenario paid for (which may still
    hold the scenario's unpaid order), or EVSE 1 on a charger with one."""
    paid = world.state.paid_evse
    others = [e for e in range(world.charger.behaviour.evses, 0, -1) if e != paid]
    return others[0] if others else 1


def prove_on_demand(world: World) -> None:
    """Give each unproven payment-notice endpoint of this scenario's negative checks its
    control, then require every endpoint they rest on to be proven."""
    for endpoint in sorted(world.state.negatives_rest_on):
        if world.endpoints.is_proven(endpoint):
            continue
        control = _control_for(world, endpoint)
        if control is None:
            continue
        world.state.start_cause = "the on-demand control's genuine payment"
        evse = control_evse(world)
        try:
            control(world, evse)
        except EndpointMissing:
            raise
        except (ConformanceFailure, HarnessError) as exc:
            raise EndpointMissing(
                "no positive control for",
                endpoint,
                f"- a genuine payment through it (the control made when the scenario ended, on "
                f"EVSE {evse}) started nothing: {exc}",
            ) from exc
    require_positive_controls(world)
