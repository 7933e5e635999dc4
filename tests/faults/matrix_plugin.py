"""The fault matrix's child run: every fault-injected CSMS variant in one pytest process.

Loaded with ``-p tests.faults.matrix_plugin --fault-matrix``. It parametrises the suite's
session-scoped ``csms_class`` fixture over the variants of tests/faults/detections.py (pytest
orders the runs by variant; each variant runs on one xdist worker, its CSMS started once) and
deselects every run that variant's plan does not ask for. The plan is made from the collected
suite (each run's feature and whether its OCPP version applies) with the same function the
fault-detection test applies to the reference run's verdicts, so the two are compared.

One process instead of one per variant: the variants share the interpreter start, the imports
and the schema compilation. A run's name carries its variant:
``test_x[ocpp2.1-IgnoresSignature_on_static_qr]``. The same class may guard rules of two
features; each detection gets its own subclass, defined in this module under its plan id, so
each gets a CSMS of its own (pytest keys a session fixture's cache by the parameter's value).
"""

from __future__ import annotations

import importlib
import sys

import pytest

from ocpp_upi.suite.fixtures.applicability import (
    missing_for_reference,
    reference_security_profile,
)
from ocpp_upi.suite.fixtures.scenario_meta import scenario_of, scenario_of_function, version_of
from tests.faults.detections import (
    DETECTIONS,
    NOT_APPLICABLE_REASONS,
    VARIANTS,
    all_planned_runs,
    plan_id,
)
from tests.suite_runner import Verdict


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--fault-matrix",
        action="store_true",
        default=False,
        help="run every fault-injected variant on its planned runs",
    )


def _enabled(config: pytest.Config) -> bool:
    return bool(config.getoption("fault_matrix"))


def pytest_configure(config: pytest.Config) -> None:
    """Define one ReferenceCsms subclass per detection, importable as ``<this module>:<id>``."""
    if not _enabled(config):
        return
    variants = importlib.import_module(VARIANTS)
    this = sys.modules[__name__]
    for d in DETECTIONS:
        base = getattr(variants, d.variant)
        setattr(this, plan_id(d), type(plan_id(d), (base,), {"__doc__": base.__doc__}))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if not _enabled(metafunc.config) or "csms_class" not in metafunc.fixturenames:
        return
    meta = scenario_of_function(metafunc.function)
    if meta is None:
        return
    # Only the variants whose plan can name this scenario (its feature's, or aimed at it by
    # name): collecting every variant for every scenario would cost seconds in each worker.
    name = metafunc.function.__name__
    candidates = [
        d for d in DETECTIONS if d.feature == meta.feature or any(f in name for f in d.scenarios)
    ]
    metafunc.parametrize(
        "csms_class",
        [pytest.param(f"{__name__}:{plan_id(d)}", id=plan_id(d)) for d in candidates],
        scope="session",
    )


def _reference_name(item: pytest.Item) -> str:
    """The run's name without its variant: the name the reference run gives it."""
    return f"{item.originalname}[ocpp{version_of(item)}]"  # type: ignore[attr-defined]


def _as_reference_verdict(item: pytest.Item, feature: str) -> Verdict:
    """What the plan needs of a run, read from collection: its feature, and NOT APPLICABLE
    (with the reason the suite gives) for a version the scenario is not defined for, or a
    security profile other than the one the bundled CSMS runs with here (the suite's own hook,
    which runs after this one, marks those)."""
    skip = item.get_closest_marker("skip")
    reason = str(skip.kwargs.get("reason", "")) if skip is not None else ""
    meta = scenario_of(item)
    security = reference_security_profile(item.config)
    missing = missing_for_reference(meta.tags, security) if meta is not None else None
    if missing is not None:
        reason = f"NOT APPLICABLE: {missing}"
    if any(why in reason for why in NOT_APPLICABLE_REASONS):
        return Verdict(_reference_name(item), "skipped", reason, "NOT APPLICABLE", (), feature)
    return Verdict(_reference_name(item), "passed", "", "PASS", (), feature)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep only the runs each variant's plan asks for, each variant's runs on one xdist worker
    (``--dist loadgroup``) in the suite's order: a negative scenario may rest on a positive
    control an earlier run of the same CSMS made, as in a run of the suite itself."""
    if not _enabled(config):
        return
    reference: dict[str, Verdict] = {}
    for item in items:  # every scenario run has its feature's variants: all runs are here
        meta = scenario_of(item)
        if meta is not None:
            reference.setdefault(_reference_name(item), _as_reference_verdict(item, meta.feature))
    by_id = {plan_id(d): d for d in DETECTIONS}
    planned = all_planned_runs(reference)
    plans = {plan_id(d): planned[d.key] for d in DETECTIONS}
    keep: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        callspec = getattr(item, "callspec", None)
        if scenario_of(item) is None or callspec is None or "csms_class" not in callspec.params:
            keep.append(item)
            continue
        variant = callspec.params["csms_class"].rpartition(":")[2]
        if variant in by_id and _reference_name(item) in plans[variant]:
            item.add_marker(pytest.mark.xdist_group(variant))
            keep.append(item)
        else:
            dropped.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep
