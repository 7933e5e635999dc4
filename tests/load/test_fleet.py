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

import pytest

from ocpp_upi.load.fleet import Fleet, FleetPlan
from ocpp_upi.load.metrics import ONE_START
from ocpp_upi.load.target import reference_in_process_target
from ocpp_upi.paths import PROJECT_ROOT
from tests.faults.variants import StartsTwiceOnConcurrentDuplicates

BOUND_S = 120


def _run(plan: FleetPlan, csms_class: type | None = None) -> dict[str, Any]:
    async def main() -> dict[str, Any]:
        async with reference_in_process_target(csms_class) as (profile, psp):
            return await Fleet(plan, profile, psp, say=lambda _line: None).run()

    return asyncio.run(asyncio.wait_for(main(), BOUND_S))


@pytest.mark.parametrize("version", ["1.6", "2.0.1", "2.1"])
def test_the_reference_csms_keeps_every_rule_under_duplicate_credits(version: str) -> None:
    plan = FleetPlan(chargers=30, duration_s=3, rate=6, version=version, duplicate_share=1.0)
    result = _run(plan)
    assert result["violations"] == [], result["violations"]
    assert result["problems"] == [], result["problems"]
    counts = result["counts"]
    assert result["booted"] == 30
    assert counts["duplicate notices"] >= 3, counts  # every static-QR credit came twice at once
    assert counts["sessions completed"] == counts["sessions started"] >= 10, counts
    assert counts["refunds"] >= 3, counts  # the redirect flow ran and was settled
    for name in ("payment notice -> remote start", "start -> first meter value"):
        assert result["latency"][name]["count"] >= 10, result["latency"]


def test_a_double_start_under_concurrent_duplicates_is_a_named_violation() -> None:
    plan = FleetPlan(chargers=20, duration_s=3, rate=6, version="2.0.1", duplicate_share=1.0)
    result = _run(plan, StartsTwiceOnConcurrentDuplicates)
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
