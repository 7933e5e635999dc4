"""The harness against a CSMS it did not write: ocpp-csms 0.1.0 from PyPI.

Every other self-test drives the bundled reference CSMS or a fault-injected variant of it, so a
harness bug shared by both sides would go unseen. ocpp-csms is an independent OCPP 1.6J central
system with no payment integration: the suite must run to the end against it, pass the plain
OCPP checks it meets and never pass a payment scenario it cannot meet.

What each expectation rests on (ocpp-csms 0.1.0 source):

- ``server.py`` registers only ``GET /{path:.*}`` (the WebSocket upgrade): a POST to the bank
  webhook URL gets 405, so no credit is ever accepted, attributed or refused for a reason.
- ``charge_point.py`` never sends RemoteStartTransaction on its own (only its API method
  ``async_remote_start_transaction`` does) and sets no charging profile: nothing starts and no
  limit is set after a payment.
- ``charge_point.py`` routes its actions through ``ocpp.routing.on``; the ``ocpp`` package
  (``charge_point._raise_key_error``) answers an action OCPP 1.6 does not define with a CALLERROR
  NotSupported, where OCPP-J says NotImplemented: a PASS with that quirk.
- ``server.py`` answers an offer without ``ocpp1.6`` with HTTP 400 where OCPP-J 3.1.2 says to
  complete the handshake without a subprotocol and close: a PASS with that quirk.
- No ``authenticate`` hook from the console script (``__main__.py``): every charger id connects,
  so the profile uses security profile 0.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ocpp_upi.paths import PROJECT_ROOT
from tests.foreign.ocpp_csms_process import ocpp_csms
from tests.report_agreement import assert_reports_agree
from tests.suite_runner import run_suite_timed

SUITE_BOUND_S = 600.0
"""Bound on the whole child run; the profile's short timeouts end every scenario well before."""

ERROR_405 = ("ERROR", "endpoint missing: bank webhook")
NO_PSP = ("NOT APPLICABLE", "no [psp] table")
# Scenario title -> (verdict, a fragment of its reason). Every scenario of the suite is listed:
# a new or renamed scenario fails this test until its verdict against ocpp-csms is decided.
EXPECTED: dict[str, tuple[str, str]] = {
    # ocpp_frames: the OCPP core group needs no payment
    "The CSMS accepts the boot with a heartbeat interval and its current time": ("PASS", ""),
    "The CSMS answers a Heartbeat with its current time": ("PASS", ""),
    "The CSMS's frames conform to OCPP": ("PASS", ""),
    # server.py: a charger that offers subprotocols but not ocpp1.6 gets HTTP 400 "ocpp1.6 only"
    "The CSMS chooses the OCPP version it speaks from the charger's offer": ("PASS", ""),
    "The CSMS closes a connection that offers no OCPP version it speaks": (
        "PASS (quirks)",
        "refused with HTTP 400",
    ),
    # ... and one that offers none is served as 1.6, quietly: lenient, a quirk
    "The CSMS closes a connection that offers no subprotocol at all": (
        "PASS (quirks)",
        "offering no subprotocol was kept open",
    ),
    "The CSMS answers an unknown action with a CALLERROR": ("PASS (quirks)", "NotSupported"),
    "The CSMS rejects a wrong Basic-auth password (security profile 1)": (
        "NOT APPLICABLE",
        "security_profile is 0",
    ),
    "The CSMS refuses a station certificate from a CA it does not trust (security profile 3)": (
        "NOT APPLICABLE",
        "security_profile is not 3",
    ),
    "The CSMS refuses an expired station certificate (security profile 3)": (
        "NOT APPLICABLE",
        "security_profile is not 3",
    ),
    "The CSMS opens no WebSocket without TLS (security profiles 2 and 3)": (
        "NOT APPLICABLE",
        "security_profile is 0 or 1",
    ),
    "The CSMS keeps a local-card transaction across a charger reconnect": ("PASS", ""),
    "The CSMS keeps a transaction and its limit across a charger reconnect": ERROR_405,
    # ocpp-csms has no trigger server or operator API: nothing the profile could declare
    "The CSMS carries out its operator's remote start and remote stop": (
        "NOT APPLICABLE",
        "no [hooks] remote_start",
    ),
    # static_qr: the negatives too -- a 405 is a missing route, never a refusal
    "A 200 INR credit on the EVSE's reference remotely starts that EVSE": ERROR_405,
    "A credit on EVSE 2's reference starts EVSE 2, not the charger's first EVSE": ERROR_405,
    "A credit on a reference that names no EVSE starts nothing": ERROR_405,
    "A credit made longer ago than the freshness window starts nothing": ERROR_405,
    "A credit on a reference naming an EVSE the charger does not have starts nothing": ERROR_405,
    "A credit notification with a forged signature is refused and starts nothing": ERROR_405,
    "A credit notification without a signature is refused and starts nothing": ERROR_405,
    "The same credit notification delivered twice starts exactly one transaction": ERROR_405,
    "The static QR configured for the EVSE is a valid UPI link like the seed's example": (
        "NOT APPLICABLE",
        "no [static_qr] link_url_template",
    ),
    "The sticker image a driver scans holds the EVSE's valid UPI link": (
        "NOT APPLICABLE",
        "no [static_qr] image_url_template",
    ),
    # webhook_security
    "Bank webhook whose signature is forged is refused and loses nothing": ERROR_405,
    "Bank webhook with no signature header is refused and loses nothing": ERROR_405,
    "Bank webhook with a tampered amount is refused and loses nothing": ERROR_405,
    "Bank webhook with a malformed body is refused and loses nothing": ERROR_405,
    "Bank webhook with an oversized body is refused and loses nothing": ERROR_405,
    "Bank webhook on an unknown reference may be acknowledged but starts nothing": ERROR_405,
    "Bank webhook dated beyond the freshness window in the future starts nothing": ERROR_405,
    "Bank webhook replayed after it was processed may be acknowledged but starts nothing more": (
        ERROR_405
    ),
    "PSP webhook whose signature is forged is refused and loses nothing": NO_PSP,
    "PSP webhook with no signature header is refused and loses nothing": NO_PSP,
    "PSP webhook with a tampered amount is refused and loses nothing": NO_PSP,
    "PSP webhook with a malformed body is refused and loses nothing": NO_PSP,
    "PSP webhook with an oversized body is refused and loses nothing": NO_PSP,
    "PSP webhook for an unknown order may be acknowledged but starts nothing": NO_PSP,
    "PSP webhook replayed after it was processed may be acknowledged but starts nothing more": (
        NO_PSP
    ),
    # transaction_limits
    "The limit is the energy the prepaid amount buys, in Wh, after tax": ERROR_405,
    "The station stops at the limit with EnergyLimitReached": ERROR_405,
    "A station without limit support is stopped by the CSMS's metering": ERROR_405,
    "The CSMS's metering still stops a station without limit support after a reconnect": (
        ERROR_405
    ),
    "A station that computes cost also gets maxCost": ("NOT APPLICABLE", "OCPP 2.1 only"),
    # redirect_qr, refunds, dynamic_qr_totp: the profile declares no PSP
    "A paid order remotely starts the EVSE": NO_PSP,
    "On OCPP 2.1 the paid order's remote start names the payment as a DirectPayment idToken": (
        "NOT APPLICABLE",
        "OCPP 2.1 only",
    ),
    "A paid order starts with the prepaid energy limit in Wh": NO_PSP,
    "A failed payment starts nothing": NO_PSP,
    "An abandoned payment starts nothing": NO_PSP,
    "An authorized payment starts nothing until the PSP captures it": NO_PSP,
    "An authorized payment whose capture fails starts nothing": NO_PSP,
    "The browser returns to the success page but no webhook came: nothing starts": NO_PSP,
    "A payment whose amount differs from the order starts nothing": NO_PSP,
    "The intent link on the pay page is a valid UPI link naming the order": NO_PSP,
    "The unused amount is refunded exactly once, to the paisa": NO_PSP,
    "The station rejects the start: the full amount is refunded": NO_PSP,
    "No transaction begins within the deadline: the full amount is refunded": NO_PSP,
    "The PSP's refund API fails twice: the CSMS retries and one refund results": NO_PSP,
    "Every webhook delivered twice: one start and one refund": NO_PSP,
    "A static-QR payment is never refunded": NO_PSP,
    "The station's WebPaymentsCtrlr is configured with valid values": NO_PSP,
    "A current TOTP opens the pay page": NO_PSP,
    "A TOTP one interval old still opens the pay page": NO_PSP,
    "A TOTP of the next interval (a station clock running fast) still opens the pay page": NO_PSP,
    "A TOTP two intervals old is refused and nothing starts": NO_PSP,
    "A TOTP computed for another station is refused": NO_PSP,
    "A malformed TOTP is refused": NO_PSP,
    "A missing TOTP is refused": NO_PSP,
}
# The same CSMS under a profile with only [csms] (and its local_id_tag) and [[chargers]]: the
# OCPP core group gives its verdicts, everything else is NOT APPLICABLE with its reason.
OCPP_ONLY: dict[str, tuple[str, str]] = {
    title: verdict if verdict[0].startswith("PASS") else ("NOT APPLICABLE", "")
    for title, verdict in EXPECTED.items()
}
OCPP_ONLY["The CSMS keeps a transaction and its limit across a charger reconnect"] = (
    "NOT APPLICABLE",
    "no [bank] table",
)
OCPP_ONLY["A 200 INR credit on the EVSE's reference remotely starts that EVSE"] = (
    "NOT APPLICABLE",
    "no [bank] table (no static-QR payments)",
)
OCPP_ONLY["The limit is the energy the prepaid amount buys, in Wh, after tax"] = (
    "NOT APPLICABLE",
    "no [tariff] table",
)
OCPP_ONLY["The CSMS rejects a wrong Basic-auth password (security profile 1)"] = EXPECTED[
    "The CSMS rejects a wrong Basic-auth password (security profile 1)"
]
# Each ERROR ends at the first delivery: no scenario waits out a deadline for a cascade.
NO_CASCADE_S = 2.0  # the profile's shortest CSMS deadline (remote_start)


def _ocpp_only_profile(port: int) -> str:
    """Only what every OCPP CSMS has: ocpp-csms authorizes any idTag (no authorize hook)."""
    return f"""\
[csms]
name = "ocpp-csms 0.1.0 (PyPI)"
ocpp_url = "ws://127.0.0.1:{port}/ocpp"
versions = ["1.6"]
security_profile = 0
local_id_tag = "FOREIGN-CARD-1"

[[chargers]]
id = "FOREIGN-01"
evses = 2
"""


def _profile(port: int) -> str:
    """No [static_qr], [psp] or [pay_page]: ocpp-csms has none of them. The [bank] URL names a
    route it does not serve, as a CSMS whose payment integration is not deployed would."""
    return (
        _ocpp_only_profile(port)
        + f"""
[bank]
webhook_url = "http://127.0.0.1:{port}/webhooks/bank"
secret = "foreign-bank-secret-3b9d"

[tariff]
price_per_kwh = "10.00"
tax_rate = "0"

[timeouts]
connect = 2.0
response = 3.0
remote_start = 2.0
quiet_window = 0.5
settlement = 3.0
"""
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("write_profile", "expected"),
    [(_profile, EXPECTED), (_ocpp_only_profile, OCPP_ONLY)],
    ids=["with-bank-webhook", "ocpp-only"],
)
def test_suite_judges_ocpp_csms(
    tmp_path: Path, write_profile: Callable[[int], str], expected: dict[str, tuple[str, str]]
) -> None:
    profile = tmp_path / "ocpp-csms.toml"
    summary_path = tmp_path / "summary.json"
    started = time.monotonic()
    with ocpp_csms() as port:
        profile.write_text(write_profile(port))
        # The options `ocpp-upi run --profile` passes (ocpp_upi.cli.conformance_args), with the
        # reports in tmp_path instead of the checkout's reports/.
        run = run_suite_timed(
            tmp_path / "junit.xml",
            "--rootdir",
            str(PROJECT_ROOT),
            "--tb=short",
            "--csms-profile",
            str(profile),
            "--ocpp-versions",
            "1.6",
            "--summary-json",
            str(summary_path),
            "--alluredir",
            str(tmp_path / "allure"),
            bound_s=SUITE_BOUND_S,
        )
    wall_s = time.monotonic() - started

    assert summary_path.exists(), f"no summary.json; suite output:\n{run.output[-3000:]}"
    rows: list[dict[str, Any]] = json.loads(summary_path.read_text())["scenarios"]
    _print_matrix(rows, wall_s, run.seconds)
    assert_reports_agree(tmp_path / "junit.xml", summary_path, tmp_path / "allure", run.output)

    got = {row["scenario"]: row for row in rows}
    assert set(got) == set(expected), sorted(set(got) ^ set(expected))
    wrong = {
        title: f"{_graded(got[title])}: {got[title]['reason'][:160]} (expected {verdict}: {why})"
        for title, (verdict, why) in expected.items()
        if _graded(got[title]) != verdict or why not in _why(got[title])
    }
    assert not wrong, json.dumps(wrong, indent=2)
    slow = {
        r["scenario"]: r["seconds"]
        for r in rows
        if r["verdict"] == "ERROR" and r["seconds"] >= NO_CASCADE_S
    }
    assert not slow, f"ERROR runs that waited for a cascade: {slow}"


def _graded(row: dict[str, Any]) -> str:
    return (
        f"{row['verdict']} (quirks)"
        if row["verdict"] == "PASS" and row["quirks"]
        else row["verdict"]
    )


def _why(row: dict[str, Any]) -> str:
    return " ".join([row["reason"], *row["quirks"]])


def _print_matrix(rows: list[dict[str, Any]], wall_s: float, suite_s: float) -> None:
    """The verdict matrix for the README (shown with ``pytest -s`` or on failure)."""
    print(f"\nocpp-csms 0.1.0, OCPP 1.6: wall {wall_s:.1f} s (suite child {suite_s:.1f} s)")
    width = max(len(row["scenario"]) for row in rows)
    for row in rows:
        why = _why(row)
        why = f"  {why.splitlines()[0][:100]}" if why.strip() else ""
        print(f"{row['scenario']:<{width}}  {_graded(row)}{why}")
