"""Subprotocol negotiation (OCTT TC_B_58_CSMS; OCPP-J 1.6 section 3.1.2, 2.x Part 4).

A charger offers several OCPP versions and the CSMS must choose one it was offered and speaks;
offered only versions it does not speak (or none at all), it completes the handshake without a
subprotocol and closes the connection. Refusing that handshake with an HTTP 4xx is common and
harmless, but not what the spec says: a quirk. So is keeping a connection that offered no
subprotocol at all open without speaking (the charger broke OCPP-J first); choosing a
subprotocol nobody offered, or speaking OCPP where no version was agreed, fails.
"""

from __future__ import annotations

from pytest_bdd import parsers, then, when

from ocpp_upi.charger.handshake_probe import HandshakeOutcome, probe_handshake
from ocpp_upi.ocpp.versions import SUBPROTOCOLS
from ocpp_upi.suite.fixtures.world import World
from ocpp_upi.verdicts import ConformanceFailure, HarnessError


def _probe(world: World, offer: list[str]) -> None:
    charger = world.charger
    timeouts = world.profile.timeouts
    outcome = world.run(
        probe_handshake(
            charger.url,
            offer,
            identity=charger.identity,
            password=charger.password,
            timeout=timeouts.connect,
            close_within=timeouts.response,
            tls=charger.tls,
        ),
        timeout=timeouts.connect + timeouts.response + 1.0,
    )
    offered = ", ".join(offer) if offer else "no subprotocol"
    world.trace.note(f"handshake offering {offered}: {outcome.describe()}")
    world.state.handshake = outcome


def _outcome(world: World) -> HandshakeOutcome:
    outcome = world.state.handshake
    if not isinstance(outcome, HandshakeOutcome):
        raise HarnessError("no handshake was probed in this scenario")
    if outcome.failure:
        raise HarnessError(f"the CSMS gave no usable answer to the handshake: {outcome.failure}")
    return outcome


@when(parsers.parse('a charger offers the subprotocols "{other}" and its own version'))
def offers_other_then_own(other: str, world: World) -> None:
    _probe(world, [other, SUBPROTOCOLS[world.version]])


@when(parsers.parse('a charger offers only the subprotocol "{other}"'))
def offers_only(other: str, world: World) -> None:
    _probe(world, [other])


@when("a charger offers no subprotocol")
def offers_none(world: World) -> None:
    _probe(world, [])


@then("the CSMS chooses the charger's own version")
def chooses_own_version(world: World) -> None:
    outcome = _outcome(world)
    own = SUBPROTOCOLS[world.version]
    if outcome.chosen != own:
        raise ConformanceFailure(
            "the CSMS did not choose the one offered OCPP version it speaks",
            expected=f"101 with subprotocol {own!r} (offered: {', '.join(outcome.offered)})",
            arrived=outcome.describe(),
        )


@then("the CSMS completes the handshake without a subprotocol and closes the connection")
def closes_without_subprotocol(world: World) -> None:
    outcome = _outcome(world)
    spec = "101 without Sec-WebSocket-Protocol, then the CSMS closes the connection"
    if outcome.refused_with is not None and 400 <= outcome.refused_with < 500:
        world.quirk(
            f"an offer of only unsupported subprotocols was refused with HTTP "
            f"{outcome.refused_with}; OCPP-J 3.1.2 says: {spec}"
        )
        return
    if outcome.chosen is None and outcome.closed_by_csms:
        return
    if not outcome.offered and outcome.chosen is None and outcome.spoke is None:
        # A charger that offers nothing breaks OCPP-J first; a CSMS that waits for it to speak
        # (assuming a default version) is lenient, not wrong, as long as it says nothing.
        world.quirk(
            f"a connection offering no subprotocol was kept open; OCPP-J 3.1.2 says: {spec}"
        )
        return
    raise ConformanceFailure(
        "the CSMS went on with a charger that offered no OCPP version it speaks",
        expected=spec,
        arrived=outcome.describe(),
    )
