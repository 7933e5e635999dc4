"""Steps that set up and drive the mock charger."""

from __future__ import annotations

from pytest_bdd import given, parsers

from ocpp_upi.suite.fixtures.world import World


@given(parsers.re(r"a charger with (?P<evses>\d+) EVSEs? connected to the CSMS and booted"))
def charger_booted(evses: str, world: World) -> None:
    count = int(evses)
    world.charger.behaviour.evses = count
    timeouts = world.profile.timeouts
    world.run(world.charger.connect(timeouts.connect), timeout=timeouts.connect)
    world.run(world.charger.boot(), timeout=timeouts.response * (2 + count))


@given("the charger rejects remote starts")
def charger_rejects_remote_starts(world: World) -> None:
    world.charger.behaviour.accept_remote_start = False
