"""A broken session fails at its first wire cause, named the same on every OCPP version.

A CSMS that refuses the transaction start, or closes the socket right after accepting it, used
to fail later steps with whatever they waited for ("never stopped a station", "no finished
transaction to price"), and differently per version. Every failing run must now name the cause.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.suite_runner import FAULT_TIMEOUTS, run_suite_timed

CASES = (
    (
        "ClosesAfterAnsweringStart",
        "transaction_limits",
        "the CSMS closed the connection during the session on EVSE 1 (after the transaction start)",
    ),
    ("RefusesTransactionStart", "refunds", "the CSMS refused the transaction start on EVSE 1"),
)


@pytest.mark.slow
@pytest.mark.parametrize(("variant", "feature", "cause"), CASES, ids=[c[0] for c in CASES])
def test_a_broken_session_names_its_first_cause(
    variant: str, feature: str, cause: str, tmp_path: Path
) -> None:
    run = run_suite_timed(
        tmp_path / "junit.xml",
        "--csms-class",
        f"tests.faults.hostile:{variant}",
        "--only-feature",
        feature,
        *FAULT_TIMEOUTS,  # the fault matrix's deadlines: a variant answers in milliseconds
        workers=2,  # every run waits for a session that cannot come: side by side
    )
    failed = {n: v for n, v in run.verdicts.items() if v.verdict not in ("PASS", "NOT APPLICABLE")}
    assert len(failed) >= 8, sorted(failed)  # the session scenarios, on all three versions
    for name, verdict in failed.items():
        assert verdict.verdict == "FAIL", (name, verdict.verdict, verdict.message[:300])
        assert cause in verdict.message, (name, verdict.message[:300])
