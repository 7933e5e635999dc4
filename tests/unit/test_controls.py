"""Positive controls made on demand: which endpoint gets which control, on which EVSE, and
what a control that starts nothing leaves (ERROR "no positive control", never PASS)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from ocpp_upi.suite.fixtures.endpoints import EndpointLedger
from ocpp_upi.suite.fixtures.scenario import ScenarioState
from ocpp_upi.suite.steps import controls
from ocpp_upi.suite.steps.endpoints import rests_on
from ocpp_upi.verdicts import ConformanceFailure, EndpointMissing

BANK = "http://127.0.0.1:9/webhooks/bank"
PSP = "http://127.0.0.1:9/webhooks/psp"
PAGES = "http://127.0.0.1:9/qr/CP1/1"


def _world(evses: int = 2, paid: int | None = 1) -> Any:
    state = ScenarioState()
    state.paid_evse = paid
    profile = SimpleNamespace(bank=SimpleNamespace(url=BANK), psp=SimpleNamespace(webhook_url=PSP))
    charger = SimpleNamespace(behaviour=SimpleNamespace(evses=evses))
    ledger = EndpointLedger()
    return SimpleNamespace(state=state, endpoints=ledger, profile=profile, charger=charger)


@pytest.mark.parametrize(
    ("evses", "paid", "expected"), [(2, 1, 2), (2, 2, 1), (3, 3, 2), (1, 1, 1), (2, None, 2)]
)
def test_the_control_pays_for_an_evse_the_scenario_did_not(
    evses: int, paid: int | None, expected: int
) -> None:
    assert controls.control_evse(_world(evses, paid)) == expected


def test_each_notice_endpoint_gets_its_control_and_a_started_one_proves_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world = _world()
    made: list[tuple[str, int]] = []

    def control(name: str) -> Any:
        def run(w: Any, evse: int) -> None:
            made.append((name, evse))
            w.endpoints.prove(BANK if name == "bank" else PSP, "a remote start")

        return run

    monkeypatch.setattr(controls, "_bank_control", control("bank"))
    monkeypatch.setattr(controls, "_psp_control", control("psp"))
    rests_on(world, BANK)
    rests_on(world, PSP)
    controls.prove_on_demand(world)
    assert made == [("bank", 2), ("psp", 2)]
    controls.prove_on_demand(world)  # proven now: no control is made again
    assert len(made) == 2


def test_a_control_that_starts_nothing_is_no_positive_control(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def never_starts(_world: Any, evse: int) -> None:
        raise ConformanceFailure(f"the CSMS did not remotely start EVSE {evse}")

    monkeypatch.setattr(controls, "_psp_control", never_starts)
    world = _world()
    rests_on(world, PSP)
    with pytest.raises(EndpointMissing, match=r"no positive control for .*started nothing"):
        controls.prove_on_demand(world)


def test_an_endpoint_without_an_on_demand_control_still_needs_its_scenarios_own() -> None:
    world = _world()
    rests_on(world, PAGES)
    with pytest.raises(EndpointMissing, match="no positive control for"):
        controls.prove_on_demand(world)
