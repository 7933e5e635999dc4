"""The fault matrix's child run: many fault-injected CSMS variants in one pytest process.

Loaded with ``-p tests.faults.matrix_plugin --fault-plan FILE``. The plan (JSON, written by
tests/faults/test_fault_detection.py) lists each variant with the scenario runs it must make;
this plugin parametrises the suite's session-scoped ``csms_class`` fixture over the variants
(pytest orders the runs by variant; each variant runs on one worker, its CSMS started once) and
deselects every run the plan does not ask for. One process instead of one per variant: the
variants share the interpreter start, the imports and the schema compilation.

A run's name carries its variant: ``test_x[ocpp2.1-IgnoresSignature_on_static_qr]``. The same
class may guard rules of two features; each entry of the plan is its own subclass, defined in
this module under the entry's name, so each gets a CSMS of its own (pytest keys a session
fixture's cache by the parameter's value).
"""

from __future__ import annotations

import importlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from ocpp_upi.suite.fixtures.scenario_meta import scenario_of, scenario_of_function, version_of


@dataclass(frozen=True)
class PlannedVariant:
    """A variant and which runs of the suite it makes (``runs``: names as the reference run
    gives them, ``test_x[ocpp2.1]``)."""

    name: str
    csms_class: str
    runs: frozenset[str]


def read_plan(path: str) -> list[PlannedVariant]:
    """The plan's variants, each as ``tests.faults.matrix_plugin:<name>``, a subclass of its
    ``module:Class`` defined here."""
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    this = sys.modules[__name__]
    plan = []
    for v in raw["variants"]:
        module_name, _, class_name = v["csms_class"].partition(":")
        base = getattr(importlib.import_module(module_name), class_name)
        setattr(this, v["name"], type(v["name"], (base,), {"__doc__": base.__doc__}))
        plan.append(PlannedVariant(v["name"], f"{__name__}:{v['name']}", frozenset(v["runs"])))
    return plan


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--fault-plan", default=None, help="the fault matrix's plan (JSON)")


def _plan(config: pytest.Config) -> list[PlannedVariant] | None:
    path = config.getoption("fault_plan")
    if path is None:
        return None
    cached = getattr(config, "_fault_plan", None)
    if cached is None:
        cached = read_plan(path)
        config._fault_plan = cached  # type: ignore[attr-defined]
    return cached


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    plan = _plan(metafunc.config)
    if plan is None or "csms_class" not in metafunc.fixturenames:
        return
    if scenario_of_function(metafunc.function) is None:
        return
    metafunc.parametrize(
        "csms_class",
        [pytest.param(v.csms_class, id=v.name) for v in plan],
        scope="session",
    )


def _reference_name(item: pytest.Item) -> str:
    """The run's name without its variant: the name the reference run gives it."""
    return f"{item.originalname}[ocpp{version_of(item)}]"  # type: ignore[attr-defined]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep only the runs the plan asks of each variant, and keep each variant's runs on one
    xdist worker (``--dist loadgroup``), in the suite's order: a negative scenario may rest on
    a positive control an earlier run of the same CSMS made, as in a run of the suite itself."""
    plan = _plan(config)
    if plan is None:
        return
    by_class = {v.csms_class: v for v in plan}
    keep: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        callspec = getattr(item, "callspec", None)
        if scenario_of(item) is None or callspec is None or "csms_class" not in callspec.params:
            keep.append(item)
            continue
        variant = by_class[callspec.params["csms_class"]]
        if _reference_name(item) in variant.runs:
            item.add_marker(pytest.mark.xdist_group(variant.name))
            keep.append(item)
        else:
            dropped.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep
