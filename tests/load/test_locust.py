"""The Locust user drives the same charger and payment journey from Locust's own runner.

Locust headless, a master and two worker processes on this machine, for 30 s against the
reference CSMS in its own process, with the mock PSP in a third (``ocpp-upi mock-psp``, the one
PSP the CSMS knows, shared by both workers): static-QR and redirect sessions complete, refunds
are made, no request fails (a broken rule is a Locust failure), and the flows' latencies are
Locust statistics of their own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ocpp_upi.paths import PROJECT_ROOT
from tests.integration.reference_process import RETURN_PATH, free_port, reference_csms_process
from tests.integration.test_mock_psp_command import mock_psp_process

LOCUSTFILE = PROJECT_ROOT / "ocpp_upi" / "load" / "locust.py"
SECRET = "locust-bank-secret-41"
PASSWORD = "locust-charger-password-7"
PSP_KEY_ID = "rzp_test_locust"
PSP_KEY_SECRET = "locust-psp-key-secret-2"
PSP_WEBHOOK_SECRET = "locust-psp-webhook-secret-9"
RUN_S = 30
BOUND_S = RUN_S + 60


def _profile(endpoints: dict[str, str], psp_base_url: str) -> str:
    return f"""
[csms]
name = "reference CSMS under Locust"
ocpp_url = "{endpoints["ocpp_url"]}"
versions = ["2.0.1"]
security_profile = 1

[[chargers]]
id = "*"
password = "{PASSWORD}"

[bank]
webhook_url = "{endpoints["bank_webhook_url"]}"
secret = "{SECRET}"

[static_qr]
link_url_template = "{endpoints["static_qr_url_template"]}"

[tariff]
price_per_kwh = "10"
tax_rate = "0.18"

[timeouts]
quiet_window = 0.5

[psp]
listen = "{psp_base_url.removeprefix("http://")}"
key_id = "{PSP_KEY_ID}"
key_secret = "{PSP_KEY_SECRET}"
webhook_secret = "{PSP_WEBHOOK_SECRET}"
webhook_url = "{endpoints["psp_webhook_url"]}"

[pay_page]
url_template = "{endpoints["pay_page_url_template"]}"
return_url_template = "{endpoints["http_base_url"]}{RETURN_PATH}"
"""


def _locust(*args: str) -> list[str]:
    return [str(Path(sys.executable).parent / "locust"), "-f", str(LOCUSTFILE), *args]


def test_locust_with_two_workers_completes_sessions_and_breaks_no_rule(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    keys = ("--key-id", PSP_KEY_ID, "--key-secret", PSP_KEY_SECRET)
    keys += ("--webhook-secret", PSP_WEBHOOK_SECRET)
    (tmp_path / "psp").mkdir()
    with mock_psp_process(tmp_path / "psp", "--port", "0", "--quiet", *keys) as psp:
        base = psp.info["base_url"]
        args = ["--secret", SECRET, "--password", PASSWORD, "--psp-base-url", base]
        args += ["--psp-key-id", PSP_KEY_ID, "--psp-key-secret", PSP_KEY_SECRET]
        args += ["--psp-webhook-secret", PSP_WEBHOOK_SECRET, "--start-deadline", "2.0"]
        with reference_csms_process(tmp_path, args) as endpoints:
            hooked = psp.control("/webhook-url", {"url": endpoints["psp_webhook_url"]})
            assert hooked.status_code == 200, hooked.text
            done, errors = _run_locust(tmp_path, _profile(endpoints, base), env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:] + "".join(errors)
    stats = {row["name"]: row for row in json.loads((tmp_path / "stats.json").read_text())}
    failures = {name: row["num_failures"] for name, row in stats.items() if row["num_failures"]}
    assert not failures, (failures, done.stderr[-3000:])
    # Both flows ran, and the redirect one was settled with its refund.
    for flow in ("static QR session", "redirect session"):
        assert stats.get(flow, {}).get("num_requests", 0) >= 25, (flow, stats)
    assert stats["session end -> refund"]["num_requests"] >= 20, stats
    sessions = sum(stats[f]["num_requests"] for f in ("static QR session", "redirect session"))
    assert sessions >= 60, stats  # 10 chargers, a session every 2 s, for 30 s
    assert stats["boot"]["num_requests"] == 10
    for name in ("payment notice -> remote start", "start -> first meter value"):
        assert stats[name]["num_requests"] >= sessions * 0.9, stats


def _run_locust(
    folder: Path, profile_text: str, env: dict[str, str]
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    profile = folder / "profile.toml"
    profile.write_text(profile_text, encoding="utf-8")
    port = str(free_port())
    # A master and two worker processes, as on several machines; only the master writes
    # the statistics (forked local workers would each write the file too).
    master = _locust(
        *("--master", "--headless", "--expect-workers", "2"),
        *("--master-bind-host", "127.0.0.1", "--master-bind-port", port),
        *("-u", "10", "-r", "10", "-t", f"{RUN_S}s", "--stop-timeout", "20"),
        *("--ocpp-upi-profile", str(profile), "--json-file", "stats", "--only-summary"),
    )
    worker = _locust(
        *("--worker", "--master-host", "127.0.0.1", "--master-port", port),
        *("--ocpp-upi-profile", str(profile)),
    )
    workers = [_start(worker, folder, env) for _ in range(2)]
    try:
        done = subprocess.run(
            master, cwd=folder, capture_output=True, text=True, timeout=BOUND_S, env=env,
            check=False,
        )  # fmt: skip
    finally:
        errors = [_ended(process) for process in workers]
    return done, errors


def _start(command: list[str], folder: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        command, cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )


def _ended(process: subprocess.Popen[str]) -> str:
    """A worker quits when its master does; its error output, for a failure's message."""
    try:
        _, stderr = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        _, stderr = process.communicate()
    return stderr[-2000:]
