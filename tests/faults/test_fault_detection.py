"""The suite cannot be fooled: each CSMS variant fails exactly the scenarios aimed at its rule.

One run against the correct reference CSMS must pass every scenario for every version; one
run per variant must fail precisely the scenarios that guard the rule the variant breaks, with
those scenarios' own messages, and pass everything else.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.suite_runner import Verdict, run_suite

VARIANTS = "tests.faults.variants"

# variant -> (scenario-name fragments that must fail, message each failure must carry)
EXPECTED: dict[str, tuple[tuple[str, ...], str]] = {
    "IgnoresSignature": (
        ("forged_signature", "without_a_signature"),
        "the CSMS accepted a credit notification whose signature is not valid",
    ),
    "StartsTwiceOnDuplicate": (
        ("delivered_twice",),
        "the CSMS remotely started 2 times for one payment",
    ),
    "StartsUnknownReference": (
        ("names_no_evse", "does_not_have"),
        "the CSMS remotely started a charger although it must start nothing",
    ),
    "WrongStaticQrCurrency": (
        ("static_qr_configured",),
        "the static QR is not a valid UPI payment link",
    ),
}

VERSIONS = ("ocpp1.6", "ocpp2.0.1", "ocpp2.1")


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Verdict]]:
    """Run the reference CSMS and every variant, two at a time (the machine has two cores)."""
    base = tmp_path_factory.mktemp("faults")
    runs = {"reference": ()} | {name: ("--csms-class", f"{VARIANTS}:{name}") for name in EXPECTED}

    def one(item: tuple[str, tuple[str, ...]]) -> tuple[str, dict[str, Verdict]]:
        name, args = item
        return name, run_suite(Path(base) / f"{name}.xml", *args)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(one, runs.items()))


def _scenario_ids(results: dict[str, Verdict]) -> set[str]:
    return set(results)


def test_the_reference_csms_passes_every_scenario(verdicts: dict[str, dict[str, Verdict]]):
    results = verdicts["reference"]
    assert len(results) >= 21, f"suite ran only {len(results)} scenario runs"
    not_passed = {n: v.message[:400] for n, v in results.items() if v.outcome != "passed"}
    assert not not_passed, f"false failures against the correct CSMS: {not_passed}"
    for version in VERSIONS:
        assert any(n.endswith(f"[{version}]") for n in results), f"no run for {version}"


@pytest.mark.parametrize("variant", sorted(EXPECTED))
def test_each_variant_is_caught_by_its_own_scenarios(
    variant: str, verdicts: dict[str, dict[str, Verdict]]
) -> None:
    fragments, message = EXPECTED[variant]
    results = verdicts[variant]
    assert _scenario_ids(results) == _scenario_ids(verdicts["reference"])
    aimed = {n for n in results if any(f in n for f in fragments)}
    assert len(aimed) == len(fragments) * len(VERSIONS), f"aimed scenarios not found: {aimed}"
    for name in sorted(aimed):
        verdict = results[name]
        assert verdict.outcome == "failed", f"{variant} was not caught by {name}"
        assert message in verdict.message, (
            f"{name} failed for another reason than its rule:\n{verdict.message[:1200]}"
        )
    collateral = {
        n: v.message[:300] for n, v in results.items() if n not in aimed and v.outcome != "passed"
    }
    assert not collateral, f"{variant} also failed scenarios not aimed at it: {collateral}"
