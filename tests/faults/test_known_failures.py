"""Declared known failures cannot hide anything: the declared rule still runs, a CSMS that
breaks it is reported as a known failure with the declared reason, and a CSMS that no longer
breaks it fails the run (the declaration must go)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.suite_runner import FAULT_TIMEOUTS, Verdict, run_suite_timed

SCENARIO = "The PSP's refund API fails twice: the CSMS retries and one refund results"
SELECT = ("--only-feature", "refunds", "-k", "refund_api_fails_twice")
VERSIONS = ("ocpp1.6", "ocpp2.0.1", "ocpp2.1")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Verdict]]:
    base = tmp_path_factory.mktemp("known")
    gaps = base / "gaps.toml"
    gaps.write_text(
        f'[[known_failure]]\nscenario = "{SCENARIO}"\nreason = "CSMS-123: retries in 4.2"\n',
        encoding="utf-8",
    )
    cases = {
        "breaks it": ("--csms-class", "tests.faults.variants:NoRefundRetry"),
        "keeps it": (),
    }

    def one(name: str) -> tuple[str, dict[str, Verdict]]:
        junit = Path(base) / f"{name.replace(' ', '-')}.xml"
        # One process each (the two side by side): xdist workers would cost more CPU to start
        # than the three runs' waits on refund retries cost in wall time.
        # The fault matrix's deadlines (settlement 4 s, not the reference profile's 8 s): the
        # variant's three runs each wait it out for the refund that never comes.
        args = (*cases[name], *SELECT, "--known-failures", str(gaps), *FAULT_TIMEOUTS)
        return name, run_suite_timed(junit, *args).verdicts

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(one, cases))


def _runs_of_the_scenario(verdicts: dict[str, Verdict]) -> list[Verdict]:
    found = [v for n, v in verdicts.items() if "refund_api_fails_twice" in n]
    assert sorted(v.name.rsplit("[", 1)[1].rstrip("]") for v in found) == sorted(VERSIONS)
    return found


def test_a_csms_that_breaks_a_declared_rule_is_a_known_failure(
    runs: dict[str, dict[str, Verdict]],
) -> None:
    for verdict in _runs_of_the_scenario(runs["breaks it"]):
        assert verdict.outcome == "skipped", f"{verdict.name}: {verdict.message[:800]}"
        assert verdict.verdict == "KNOWN FAILURE", verdict
        assert verdict.message.startswith("KNOWN FAILURE: CSMS-123: retries in 4.2"), verdict
        # What the CSMS did is still said, so a new cause cannot hide behind the declaration.
        assert "what the CSMS did: the CSMS made no refund" in verdict.message, verdict


def test_a_declared_failure_that_passes_fails_the_run(runs: dict[str, dict[str, Verdict]]) -> None:
    for verdict in _runs_of_the_scenario(runs["keeps it"]):
        assert verdict.outcome == "failed", f"{verdict.name}: {verdict.outcome}"
        assert verdict.verdict == "UNEXPECTED PASS", verdict
        assert "declared a known failure (known failure: CSMS-123" in verdict.message
