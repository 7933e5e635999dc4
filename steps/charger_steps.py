"""Steps that set up and drive the mock charger."""

from __future__ import annotations

from pytest_bdd import given, parsers

from fixtures.world import World


@given(parsers.parse("a charger with {evses:d} EVSE connected to the CSMS and booted"))
def charger_booted(evses: int, world: World) -> None:
    world.charger.behaviour.evses = evses
    timeouts = world.profile.timeouts
    world.run(world.charger.connect(timeouts.connect), timeout=timeouts.connect)
    world.run(world.charger.boot(), timeout=timeouts.response * (2 + evses))


@given("the charger rejects remote starts")
def charger_rejects_remote_starts(world: World) -> None:
    world.charger.behaviour.accept_remote_start = False
