"""The suite's cached pytest-bdd step lookup: one real lookup per step text for the suite's
module, every lookup passed through for any other module, pytest-bdd's own restored after."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ocpp_upi.paths import CONFORMANCE_MODULE
from ocpp_upi.suite.fixtures.step_lookup import CachedStepLookup

bdd_scenario = importlib.import_module("pytest_bdd.scenario")


@dataclass(frozen=True)
class Step:
    type: str
    name: str


@dataclass(frozen=True)
class Node:
    path: Path


@pytest.fixture
def lookup() -> Iterator[tuple[CachedStepLookup, list[tuple[str, Path]]]]:
    calls: list[tuple[str, Path]] = []
    original = bdd_scenario.find_fixturedefs_for_step

    def counting(step: Any, fixturemanager: Any, node: Any) -> Iterator[str]:
        calls.append((step.name, node.path))
        yield f"definition of {step.name} for {node.path.name}"

    bdd_scenario.find_fixturedefs_for_step = counting
    cached = CachedStepLookup()
    cached.install()
    try:
        yield cached, calls
    finally:
        cached.uninstall()
        assert bdd_scenario.find_fixturedefs_for_step is counting
        bdd_scenario.find_fixturedefs_for_step = original


def test_the_suites_steps_are_looked_up_once_per_text(lookup: Any) -> None:
    _, calls = lookup
    manager = object()
    ours = Node(CONFORMANCE_MODULE)
    find = bdd_scenario.find_fixturedefs_for_step
    first = list(find(step=Step("given", "a charger"), fixturemanager=manager, node=ours))
    again = list(find(step=Step("given", "a charger"), fixturemanager=manager, node=ours))
    other = list(find(step=Step("when", "a charger"), fixturemanager=manager, node=ours))
    assert first == again == ["definition of a charger for test_conformance.py"]
    assert other == first
    assert calls == [("a charger", CONFORMANCE_MODULE)] * 2  # the when-step is its own key


def test_another_modules_steps_always_reach_pytest_bdd(lookup: Any, tmp_path: Path) -> None:
    _, calls = lookup
    theirs = Node(tmp_path / "test_theirs.py")
    find = bdd_scenario.find_fixturedefs_for_step
    for _ in range(2):
        found = list(find(step=Step("given", "x"), fixturemanager=object(), node=theirs))
        assert found == ["definition of x for test_theirs.py"]
    assert len(calls) == 2
