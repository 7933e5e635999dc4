"""A CSMS's boot decisions: Pending is followed (the charger boots again at the CSMS's
interval, and every scenario still passes); Rejected is an ERROR that names the identity and
the profile's [[chargers]], never a FAIL of the scenario's own rule."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from ocpp_upi.charger.station import MockCharger
from ocpp_upi.ocpp.codec import Call
from ocpp_upi.ocpp.trace import FrameTrace
from ocpp_upi.ocpp.versions import Role
from ocpp_upi.verdicts import HarnessError
from tests.faults.detections import not_applicable
from tests.faults.variants import PendingThenAccepted
from tests.suite_runner import run_suite_timed

VARIANTS = "tests.faults.variants"
BOOTING = "boot or heartbeat or conform or unknown_action or operator"


async def _boot(limit: float) -> tuple[FrameTrace, BaseException | None]:
    async with PendingThenAccepted() as csms:
        trace = FrameTrace("boot", "2.0.1")
        charger = MockCharger(
            identity="CP1",
            version="2.0.1",
            ocpp_url=csms.ocpp_url,
            trace=trace,
            response_timeout=5.0,
            boot_pending_limit=limit,
        )
        try:
            await charger.connect(5.0)
            await charger.boot()
        except HarnessError as exc:
            return trace, exc
        finally:
            await charger.close()
    return trace, None


def test_the_charger_boots_again_after_the_pending_interval() -> None:
    trace, error = asyncio.run(asyncio.wait_for(_boot(limit=10.0), 20))
    assert error is None
    boots = [
        e
        for e in trace.frames()
        if e.sender is Role.CHARGER
        and isinstance(e.frame, Call)
        and e.frame.action == "BootNotification"
    ]
    assert len(boots) == 2
    assert "boot Pending: sending BootNotification again in 1 s, as asked" in trace.render()


def test_pending_longer_than_the_profile_allows_is_an_error() -> None:
    _, error = asyncio.run(asyncio.wait_for(_boot(limit=0.5), 20))
    assert error is not None and "keeps charger 'CP1' Pending" in str(error)
    assert "[timeouts] boot_pending" in str(error)


@pytest.mark.slow
def test_a_pending_boot_is_retried_at_the_csms_interval_and_then_passes(tmp_path: Path) -> None:
    run = run_suite_timed(
        tmp_path / "junit.xml",
        "--csms-class",
        f"{VARIANTS}:PendingThenAccepted",
        "--only-feature",
        "ocpp_frames",
        "-k",
        BOOTING,
        workers=2,  # each run waits out the CSMS's 1 s Pending interval: side by side
    )
    assert len(run.verdicts) >= 12, sorted(run.verdicts)
    wrong = {
        n: f"{v.verdict}: {v.message[:200]}"
        for n, v in run.verdicts.items()
        if v.verdict != "PASS" and not not_applicable(v)  # e.g. the profile-3 scenario
    }
    assert not wrong, wrong


@pytest.mark.slow
def test_a_rejected_boot_is_an_error_naming_the_identity(tmp_path: Path) -> None:
    run = run_suite_timed(
        tmp_path / "junit.xml",
        "--csms-class",
        f"{VARIANTS}:RejectsEveryBoot",
        "--only-feature",
        "ocpp_frames",
        "-k",
        "boot or heartbeat",
    )
    assert len(run.verdicts) >= 6, sorted(run.verdicts)
    for name, verdict in run.verdicts.items():
        assert verdict.verdict == "ERROR", (name, verdict.verdict, verdict.message[:300])
        assert "rejected the BootNotification of charger" in verdict.message, verdict.message
        assert "[[chargers]]" in verdict.message
