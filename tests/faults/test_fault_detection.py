"""The suite cannot be fooled: each CSMS variant fails exactly the scenarios aimed at its rule.

One run against the correct reference CSMS must pass every scenario for every version; the
variants (tests/faults/detections.py) run in one child (tests/faults/matrix_plugin.py), each
on its planned runs: it must fail precisely the scenarios aimed at the rule it breaks, with
those scenarios' own messages, and pass everything else it runs.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.faults.detections import (
    ALL_VERSIONS,
    DETECTIONS,
    Detection,
    all_planned_runs,
    family_representatives,
    not_applicable,
    plan_id,
)
from tests.report_agreement import assert_reports_agree
from tests.suite_runner import FAULT_TIMEOUTS, SuiteRun, Verdict, run_suite_timed

MATRIX_PLUGIN = "tests.faults.matrix_plugin"
# The variants are in-process and answer within milliseconds; most of a failing run is spent
# waiting for what the variant never does, so more workers than cores pay off.
MATRIX_WORKERS = 4
# The deadlines a variant runs into: tests.suite_runner.FAULT_TIMEOUTS.
# Both runs speak security profile 2 (TLS with Basic auth, certificates generated for the run):
# the whole suite passes over TLS on every version, and every variant is caught over TLS too.
SECURITY_PROFILE = ("--reference-security-profile", "2")


@dataclass(frozen=True)
class Matrix:
    reference: dict[str, Verdict]
    reference_output: str
    planned: dict[str, set[str]]  # detection key -> reference run names
    results: dict[str, dict[str, Verdict]]  # detection key -> reference run name -> verdict


def _split_matrix_name(name: str) -> tuple[str, str]:
    """``test_x[ocpp2.1-V]`` -> (``V``, ``test_x[ocpp2.1]``), whichever order the ids come in."""
    base, _, ids = name.partition("[")
    parts = ids.rstrip("]").split("-")
    version = next(p for p in parts if p.startswith("ocpp"))
    variant = "-".join(p for p in parts if p != version)
    return variant, f"{base}[{version}]"


@pytest.fixture(scope="module")
def reference_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("reference")


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory, reference_dir: Path) -> Matrix:
    """The reference CSMS on the whole suite (with every report, to compare them) and, side by
    side, every variant in one child run, each on the runs the child plans from the collected
    suite (checked below against the plan made from the reference run's verdicts)."""

    def reference_run() -> SuiteRun:
        return run_suite_timed(
            reference_dir / "junit.xml",
            "--summary-json",
            str(reference_dir / "summary.json"),
            "--alluredir",
            str(reference_dir / "allure"),
            *SECURITY_PROFILE,
            # Two workers: it ends (about 55 s) well before the matrix beside it, and each
            # worker more is about 2 s of CPU the matrix's waits would share.
            workers=2,
        )

    def matrix_run() -> SuiteRun:
        return run_suite_timed(
            tmp_path_factory.mktemp("faults") / "matrix.xml",
            *("-p", MATRIX_PLUGIN, "--fault-matrix"),
            *FAULT_TIMEOUTS,
            *SECURITY_PROFILE,
            *("--dist", "loadgroup"),
            workers=MATRIX_WORKERS,
        )

    with ThreadPoolExecutor(max_workers=2) as pool:
        reference_future = pool.submit(reference_run)
        matrix_future = pool.submit(matrix_run)
        reference, run = reference_future.result(), matrix_future.result()
    planned = all_planned_runs(reference.verdicts)
    by_id = {plan_id(d): d.key for d in DETECTIONS}
    results: dict[str, dict[str, Verdict]] = {d.key: {} for d in DETECTIONS}
    for name, verdict in run.verdicts.items():
        variant, reference_name = _split_matrix_name(name)
        results[by_id[variant]][reference_name] = verdict
    return Matrix(reference.verdicts, reference.output, planned, results)


@pytest.fixture(scope="module")
def verdicts(matrix: Matrix) -> dict[str, dict[str, Verdict]]:
    return {"reference": matrix.reference, **matrix.results}


def test_the_reports_of_the_reference_run_agree(matrix: Matrix, reference_dir: Path) -> None:
    assert matrix.reference
    assert_reports_agree(
        reference_dir / "junit.xml",
        reference_dir / "summary.json",
        reference_dir / "allure",
        matrix.reference_output,
    )


def test_the_reference_csms_passes_every_scenario(verdicts: dict[str, dict[str, Verdict]]):
    results = verdicts["reference"]
    assert len(results) >= 58, f"suite ran only {len(results)} scenario runs"
    not_passed = {
        n: f"{v.verdict}: {v.message[:400]}"
        for n, v in results.items()
        if v.verdict != "PASS" and not not_applicable(v)
    }
    assert not not_passed, f"false failures (or quirks) against the correct CSMS: {not_passed}"
    quirky = {n: v.quirks for n, v in results.items() if v.quirks}
    assert not quirky, f"the reference CSMS must have no quirks: {quirky}"
    for version in ALL_VERSIONS:
        assert any(n.endswith(f"[{version}]") for n in results), f"no run for {version}"


def test_every_scenario_run_is_aimed_at_by_a_variant(verdicts: dict[str, dict[str, Verdict]]):
    """No scenario is left unproven: each run of each scenario (every version it runs for) is
    the target of at least one variant that breaks its rule."""
    unproven = sorted(
        n
        for n, v in verdicts["reference"].items()
        if not not_applicable(v) and not any(d.aims_at(n) for d in DETECTIONS)
    )
    assert not unproven, f"scenario runs no fault variant is aimed at: {unproven}"


def test_every_family_proves_nothing_else_fails_over_its_whole_feature(matrix: Matrix) -> None:
    """The sample keeps the matrix fast; each family's representative still makes every run of
    its feature, and every other variant at least one run it is not aimed at (unless, like a
    variant that breaks the precondition of every scenario of its feature, it is aimed at all)."""
    features = {d.feature for d in DETECTIONS}
    for feature in features:
        whole = {
            n for n, v in matrix.reference.items() if v.feature == feature and not not_applicable(v)
        }
        assert whole, f"the reference run has no run of {feature}"
        assert any(
            matrix.planned[key] >= whole
            for key in family_representatives(matrix.reference)
            if key.endswith(f"@{feature}")
        ), f"no variant of the {feature} family made every run of it"
    for d in DETECTIONS:
        feature = {n for n, v in matrix.reference.items() if v.feature == d.feature}
        aimed_at_all = all(d.aims_at(n) or not_applicable(matrix.reference[n]) for n in feature)
        assert aimed_at_all or any(not d.aims_at(n) for n in matrix.planned[d.key]), (
            f"{d.key} makes no run it is not aimed at"
        )


def _unjudged_negative(verdict: Verdict) -> bool:
    """ERROR for want of a positive control and nothing else: every line says so."""
    lines = [line for line in verdict.message.split("\n---")[0].splitlines() if line.strip()]
    return (
        verdict.verdict == "ERROR"
        and bool(lines)
        and all("no positive control for" in line for line in lines)
    )


@pytest.mark.parametrize("detection", DETECTIONS, ids=lambda d: d.key)
def test_each_variant_is_caught_by_its_own_scenarios(
    detection: Detection, verdicts: dict[str, dict[str, Verdict]], matrix: Matrix
) -> None:
    results = verdicts[detection.key]
    assert results, f"{detection.variant}: the suite ran nothing"
    planned = matrix.planned[detection.key]
    assert set(results) == planned, (
        f"{detection.variant}: the matrix's runs differ from the plan made from the reference "
        f"run: missing {sorted(planned - set(results))}, extra {sorted(set(results) - planned)}"
    )

    is_aimed = detection.aims_at
    aimed = {n for n in results if is_aimed(n) and not not_applicable(results[n])}
    # Every run of the aimed scenarios that the full reference run made (a scenario tagged for
    # one version runs once) must be there, and each fragment must name at least one run.
    reference = verdicts["reference"]
    assert aimed == {n for n in reference if is_aimed(n) and not not_applicable(reference[n])}, (
        sorted(aimed)
    )
    for fragment in detection.scenarios:
        assert any(fragment in n for n in aimed), f"no scenario run matches {fragment!r}"
    for name in sorted(aimed):
        verdict = results[name]
        assert verdict.outcome == "failed" and verdict.verdict == "FAIL", (
            f"{detection.variant} was not caught by {name} (FAIL): {verdict.verdict}"
        )
        assert any(m in verdict.message for m in detection.messages()), (
            f"{name} failed for another reason than its rule:\n{verdict.message[:1500]}"
        )
    unjudgeable = {n for n in results if any(f in n for f in detection.unjudgeable)}
    for name in sorted(unjudgeable):
        verdict = results[name]
        assert verdict.verdict == "ERROR" and "no positive control" in verdict.message, (
            f"{name} rests on a positive control {detection.variant} breaks: "
            f"{verdict.verdict}: {verdict.message[:300]}"
        )
    # A negative run ("... starts nothing") is judged only after a positive control of the same
    # CSMS process; run on its own, or before the feature's positive runs, it is ERROR "no
    # positive control" whatever the CSMS does. That says nothing against the variant, as long
    # as the positive runs themselves pass (they are checked here like every other run).
    collateral = {
        n: v.message[:300]
        for n, v in results.items()
        if n not in aimed | unjudgeable
        and v.verdict not in ("PASS", "PASS (quirks)")
        and not not_applicable(v)
        and not _unjudged_negative(v)
    }
    assert not collateral, (
        f"{detection.variant} also failed scenarios not aimed at it: {collateral}"
    )
