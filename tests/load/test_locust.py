"""The Locust user drives the same charger and payment journey from Locust's own runner.

Locust headless, a master and two worker processes on this machine, for 30 s against the
reference CSMS in its own process: sessions complete, no request fails (a broken rule is a Locust
failure), and the flow's latencies are Locust statistics of their own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ocpp_upi.paths import PROJECT_ROOT
from tests.integration.reference_process import free_port, reference_csms_process

LOCUSTFILE = PROJECT_ROOT / "ocpp_upi" / "load" / "locust.py"
SECRET = "locust-bank-secret-41"
PASSWORD = "locust-charger-password-7"
RUN_S = 30
BOUND_S = RUN_S + 60


def _profile(endpoints: dict[str, str]) -> str:
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
"""


def _locust(*args: str) -> list[str]:
    return [str(Path(sys.executable).parent / "locust"), "-f", str(LOCUSTFILE), *args]


def test_locust_with_two_workers_completes_sessions_and_breaks_no_rule(tmp_path: Path) -> None:
    args = ["--secret", SECRET, "--password", PASSWORD]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with reference_csms_process(tmp_path, args) as endpoints:
        profile = tmp_path / "profile.toml"
        profile.write_text(_profile(endpoints), encoding="utf-8")
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
        workers = [_start(worker, tmp_path, env) for _ in range(2)]
        try:
            done = subprocess.run(
                master, cwd=tmp_path, capture_output=True, text=True, timeout=BOUND_S, env=env,
                check=False,
            )  # fmt: skip
        finally:
            errors = [_ended(process) for process in workers]
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:] + "".join(errors)
    stats = {row["name"]: row for row in json.loads((tmp_path / "stats.json").read_text())}
    failures = {name: row["num_failures"] for name, row in stats.items() if row["num_failures"]}
    assert not failures, (failures, done.stderr[-3000:])
    assert "static QR session" in stats, (stats, done.stderr[-3000:], errors)
    sessions = stats["static QR session"]["num_requests"]
    assert sessions >= 60, stats  # 10 chargers, a session every 2 s, for 30 s
    assert stats["boot"]["num_requests"] == 10
    for name in ("payment notice -> remote start", "start -> first meter value"):
        assert stats[name]["num_requests"] >= sessions * 0.9, stats


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
