"""Steps about prepaid limits: the limit the CSMS sets, and that the session keeps to it.

The expected limit comes from the one formula (``ocpp_upi.limits.prepaid_limit_wh``) and the
profile's tariff; what the CSMS actually set is read from the wire in the version's own
spelling: 2.1 transactionLimit, 2.0.1 customData, 1.6 DataTransfer.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import allure
from pytest_bdd import given, parsers, then

from ocpp_upi.limits import LimitEncoding, prepaid_limit_wh
from ocpp_upi.ocpp.codec import Call, CallResult
from ocpp_upi.ocpp.trace import TraceEntry
from ocpp_upi.ocpp.versions import Role
from ocpp_upi.ocpp.vocabulary import vocabulary
from ocpp_upi.suite.fixtures.world import World
from ocpp_upi.suite.steps.amounts import paise
from ocpp_upi.suite.steps.preconditions import await_remote_start
from ocpp_upi.suite.steps.session_causes import raise_session_root_cause
from ocpp_upi.suite.steps.settlement import delivered_energy_wh
from ocpp_upi.suite.steps.wire import summarise
from ocpp_upi.verdicts import ConformanceFailure


def expected_limit_wh(world: World, amount: str) -> int:
    tariff = world.tariff
    return prepaid_limit_wh(paise(amount), tariff.price_per_kwh, tariff.tax_rate)


@given("the charger enforces transaction limits")
def charger_enforces(world: World) -> None:
    world.charger.behaviour.enforces_limits = True


@given("the charger does not enforce transaction limits")
def charger_does_not_enforce(world: World) -> None:
    world.charger.behaviour.enforces_limits = False


@given("the charger computes the cost of a session")
def charger_computes_cost(world: World) -> None:
    world.charger.behaviour.computes_cost = True


def _started_answer(world: World) -> dict[str, Any] | None:
    started = {
        e.frame.message_id
        for e in world.trace.entries
        if e.sender is Role.CHARGER
        and isinstance(e.frame, Call)
        and e.frame.action == "TransactionEvent"
        and e.frame.payload.get("eventType") == "Started"
    }
    for entry in world.trace.entries:
        if entry.sender is Role.CSMS and isinstance(entry.frame, CallResult):
            if entry.frame.message_id in started:
                return entry.frame.payload
    return None


def _is_data_transfer(entry: TraceEntry) -> bool:
    return (
        entry.sender is Role.CSMS
        and isinstance(entry.frame, Call)
        and entry.frame.action == "DataTransfer"
    )


def _is_limit_transfer(encoding: LimitEncoding):
    def predicate(entry: TraceEntry) -> bool:
        return (
            _is_data_transfer(entry)
            and entry.frame.payload.get("vendorId") == encoding.vendor_id  # type: ignore[union-attr]
            and entry.frame.payload.get("messageId") == encoding.message_id  # type: ignore[union-attr]
        )

    return predicate


def limit_on_the_wire(world: World) -> tuple[dict[str, Any] | None, str]:
    """The limit object the CSMS sent for this version, and where it was looked for."""
    if world.version == "2.1":
        answer = _started_answer(world) or {}
        return answer.get("transactionLimit"), f"TransactionEventResponse {answer}"
    encoding = world.profile.limits
    if world.version == "2.0.1":
        answer = _started_answer(world) or {}
        custom = answer.get("customData") or {}
        where = f"TransactionEventResponse {answer} (the profile's encoding: {encoding.describe()})"
        if custom.get("vendorId") != encoding.vendor_id:
            return None, where
        return custom.get(encoding.custom_data_field), where
    deadline = world.profile.timeouts.response
    found = _is_limit_transfer(encoding)
    entry = world.run(world.trace.wait_for(found, deadline), timeout=deadline)
    if entry is None:
        others = [e.raw[:200] for e in world.trace.find(_is_data_transfer)]
        seen = "; ".join(others) if others else "no DataTransfer at all"
        return None, (
            f"no DataTransfer {encoding.vendor_id}/{encoding.message_id} "
            f"(the profile's [limits]); the CSMS sent: {seen}"
        )
    try:
        data = json.loads(entry.payload.get("data", ""))
    except (TypeError, ValueError):
        return None, f"DataTransfer with unreadable data: {entry.raw[:300]}"
    if not isinstance(data, dict):
        return None, entry.raw[:300]
    # Spelt as the 2.1 TransactionLimitType the checks compare with.
    return {"maxEnergy": data.get(encoding.max_energy_field)}, entry.raw[:300]


@then(parsers.parse("the CSMS sets the energy limit that {amount} INR buys, in Wh"))
def csms_sets_energy_limit(amount: str, world: World) -> None:
    check_energy_limit(amount, world)


def check_energy_limit(amount: str, world: World) -> None:
    expected = expected_limit_wh(world, amount)
    limit, where = limit_on_the_wire(world)
    sent = (limit or {}).get("maxEnergy")
    if sent is None or Decimal(str(sent)) != expected:
        tariff = world.tariff
        raise ConformanceFailure(
            f"the CSMS did not limit the session to the energy {amount} INR buys",
            expected=f"maxEnergy = {expected} Wh ({amount} INR at {tariff.price_per_kwh} INR/kWh "
            f"+ {tariff.tax_rate * 100}% tax, rounded down to the Wh)",
            arrived=f"maxEnergy = {sent!r} ({where})",
        )


@then(parsers.parse("the CSMS sets a cost limit of {amount} INR"))
def csms_sets_cost_limit(amount: str, world: World) -> None:
    limit, where = limit_on_the_wire(world)
    sent = (limit or {}).get("maxCost")
    if sent is None or Decimal(str(sent)) != Decimal(amount):
        raise ConformanceFailure(
            "the CSMS did not send the prepaid amount as maxCost to a station that computes cost",
            expected=f"transactionLimit.maxCost = {amount}",
            arrived=f"maxCost = {sent!r} ({where})",
        )


@then("the charger stopped the transaction at its energy limit")
def charger_stopped_at_limit(world: World) -> None:
    tx = world.charger.last_transactions.get(1)
    if tx is None or tx.limit_wh is None:
        raise ConformanceFailure(
            "the charger never received an energy limit it could enforce",
            expected="a limit in the version's spelling, understood by the station",
            arrived=summarise(world.trace.frames()[-6:]),
        )
    if tx.stop_reason != "EnergyLimitReached" or tx.energy_wh != tx.limit_wh:
        raise_session_root_cause(world, 1)
        raise ConformanceFailure(
            "the session did not end at its energy limit",
            expected=f"stop at {tx.limit_wh:g} Wh with EnergyLimitReached",
            arrived=f"stopped at {tx.energy_wh:g} Wh, reason {tx.stop_reason}",
        )


@then(parsers.parse("the energy delivered does not exceed the limit that {amount} INR buys"))
def energy_within_limit(amount: str, world: World) -> None:
    expected = expected_limit_wh(world, amount)
    energy = delivered_energy_wh(world.trace, world.version)
    if energy is None or energy > expected:
        raise ConformanceFailure(
            f"the session delivered more energy than {amount} INR pays for",
            expected=f"at most {expected} Wh",
            arrived=f"{energy} Wh",
        )


def _is_stop(version: str):
    action = vocabulary(version).remote_stop
    return lambda e: (
        e.sender is Role.CSMS and isinstance(e.frame, Call) and e.frame.action == action
    )


@then(parsers.parse("the CSMS stops the transaction on EVSE {evse:d} remotely"))
def csms_stops_remotely(evse: int, world: World) -> None:
    await_remote_start(world, evse)
    deadline = world.profile.timeouts.settlement
    entry = world.run(
        world.trace.wait_for(_is_stop(world.version), deadline, since=world.state.mark),
        timeout=deadline,
    )
    if entry is None:
        raise_session_root_cause(world, evse)
        raise ConformanceFailure(
            "the CSMS never stopped a station that cannot enforce the prepaid limit",
            expected=(
                f"{vocabulary(world.version).remote_stop} once the metered energy reaches the limit"
            ),
            arrived=summarise(world.trace.frames(world.state.mark)[-6:]),
        )
    tx = world.run(world.charger.wait_ended(evse, deadline), timeout=deadline)
    if tx is None:
        raise ConformanceFailure(f"the transaction on EVSE {evse} did not end after the stop")


@then(
    parsers.parse(
        "the overshoot past the limit that {amount} INR buys stays within one meter interval"
    )
)
def overshoot_within_interval(amount: str, world: World) -> None:
    expected = expected_limit_wh(world, amount)
    energy = delivered_energy_wh(world.trace, world.version)
    per_interval = Decimal(str(world.charger.behaviour.energy_per_interval_wh()))
    overshoot = (energy or Decimal(0)) - expected
    allure.attach(
        f"limit {expected} Wh, delivered {energy} Wh, overshoot {overshoot} Wh, "
        f"one meter interval of power = {per_interval:.1f} Wh",
        name="metering overshoot",
        attachment_type=allure.attachment_type.TEXT,
    )
    if energy is None or overshoot > per_interval:
        raise ConformanceFailure(
            "the CSMS let the session run on past its prepaid limit",
            expected=f"overshoot at most one meter interval ({per_interval:.1f} Wh)",
            arrived=f"delivered {energy} Wh for a {expected} Wh limit (overshoot {overshoot} Wh)",
        )
