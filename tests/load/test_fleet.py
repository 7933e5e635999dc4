"""Fleet mode certifies under load what the suite certifies one charger at a time.

The reference CSMS (on the fleet's loop) keeps every rule with a bank credit delivered twice at
once for every static-QR payment; a CSMS that deduplicates a UTR only after its first start was
answered starts twice, and fleet mode reports it as a broken rule naming charger and payment.
The command line runs end to end against the reference CSMS in its own process.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from ocpp_upi.load.fleet import Fleet, FleetPlan
from ocpp_upi.load.metrics import ONE_START
from ocpp_upi.load.target import reference_in_process_target
from ocpp_upi.paths import PROJECT_ROOT
from tests.faults.variants import StartsTwiceOnConcurrentDuplicates

BOUND_S = 120
MIN_SESSIONS = 6


async def _fleet(plan: FleetPlan, csms_class: type | None = None) -> dict[str, Any]:
    async with reference_in_process_target(csms_class) as (profile, psp):
        return await Fleet(plan, profile, psp, say=lambda _line: None).run()


def _run(*plans: FleetPlan, csms_class: type | None = None) -> list[dict[str, Any]]:
    """The plans' fleets side by side on one loop, each against its own CSMS and mock PSP."""

    async def main() -> list[dict[str, Any]]:
        return list(await asyncio.gather(*(_fleet(plan, csms_class) for plan in plans)))

    return asyncio.run(asyncio.wait_for(main(), BOUND_S))


def test_the_reference_csms_keeps_every_rule_under_duplicate_credits() -> None:
    plans = [
        FleetPlan(chargers=30, duration_s=3, rate=6, version=version, duplicate_share=1.0)
        for version in ("1.6", "2.0.1", "2.1")
    ]
    for plan, result in zip(plans, _run(*plans), strict=True):
        where = f"OCPP {plan.version}"
        assert result["violations"] == [], (where, result["violations"])
        assert result["problems"] == [], (where, result["problems"])
        counts = result["counts"]
        assert result["booted"] == 30, where
        assert counts["duplicate notices"] >= 3, (where, counts)  # every credit came twice
        # About 18 sessions are asked for (3 s at 6/s); the three fleets and their CSMSs share
        # one loop, so on a loaded machine (make test's other workers) fewer start in the time:
        # the floor says the fleet ran sessions, the rules above say none broke a rule.
        assert counts["sessions completed"] == counts["sessions started"] >= MIN_SESSIONS, (
            where,
            counts,
        )
        assert counts["refunds"] >= 3, (where, counts)  # the redirect flow ran and was settled
        for name in ("payment notice -> remote start", "start -> first meter value"):
            assert result["latency"][name]["count"] >= MIN_SESSIONS, (where, result["latency"])


def test_a_double_start_under_concurrent_duplicates_is_a_named_violation() -> None:
    plan = FleetPlan(chargers=20, duration_s=3, rate=6, version="2.0.1", duplicate_share=1.0)
    [result] = _run(plan, csms_class=StartsTwiceOnConcurrentDuplicates)
    broken = [v for v in result["violations"] if v["rule"] == ONE_START]
    assert broken, result["violations"]
    for violation in broken:
        assert re.fullmatch(r"FLEET201-\d{5}", violation["charger"]), violation
        assert re.fullmatch(r"\d{12}", violation["payment"]), violation  # the credit's UTR
        assert "2 remote starts for one static QR payment" in violation["detail"], violation
    assert {v["rule"] for v in result["violations"]} == {ONE_START}, result["violations"]


def test_the_command_runs_against_the_reference_csms_process(tmp_path: Path) -> None:
    out = tmp_path / "fleet"
    command = [sys.executable, "-m", "ocpp_upi.cli", "fleet", "--chargers", "20"]
    command += ["--duration", "2", "--rate", "5", "--ocpp", "2.1", "--out", str(out)]
    done = subprocess.run(
        command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=BOUND_S, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "rules broken under load: 0" in done.stdout
    result = json.loads((out / "fleet.json").read_text(encoding="utf-8"))
    assert result["booted"] == 20 and result["counts"]["sessions completed"] >= 5
    page = (out / "fleet.html").read_text(encoding="utf-8")
    assert "<svg" in page and "payment notice -&gt; remote start" in page
