"""How much of a conformance run is the harness's own work, as a figure.

"The harness never distorts a CSMS's timing" holds only if the harness spends little CPU while
a scenario runs: most of a scenario's wall time should be waiting on the CSMS and on deadlines.
This benchmark runs the bundled reference CSMS as a separate OS process (as a vendor's CSMS
runs), points the suite at it through a profile, and reads each process's own CPU time from the
kernel (``wait4``), so the harness's share and the CSMS's are measured apart.

It prints per scenario run: harness CPU (ms), wall time (ms) and their ratio; and in total the
harness's CPU against the run's wall time, and the CSMS's CPU for comparison.

    .venv/bin/python benchmarks/overhead.py [--ocpp 2.1] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import selectors
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT_S = 30.0
RETURN_PATH = "/pay/return?order_id={order_id}&payment_id={payment_id}"
SECRET = "overhead-bank-secret"
PASSWORD = "overhead-charger-password"
PSP = {"key_id": "rzp_test_overhead", "key_secret": "overhead-key", "webhook_secret": "overhead-wh"}


@dataclass(frozen=True)
class Figures:
    scenario_runs: int
    wall_s: float
    harness_cpu_s: float
    csms_cpu_s: float

    @property
    def harness_cpu_per_run_ms(self) -> float:
        return 1000 * self.harness_cpu_s / max(self.scenario_runs, 1)

    @property
    def wall_per_run_ms(self) -> float:
        return 1000 * self.wall_s / max(self.scenario_runs, 1)

    @property
    def harness_share(self) -> float:
        return self.harness_cpu_s / self.wall_s if self.wall_s else 0.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _cpu_of(pid: int) -> float:
    """Reap the child and return its user + system CPU seconds, as the kernel counted them."""
    _, _, usage = os.wait4(pid, 0)
    return usage.ru_utime + usage.ru_stime


def _wait_ready(process: subprocess.Popen[str]) -> None:
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(READY_TIMEOUT_S):
            raise SystemExit(f"reference CSMS not ready within {READY_TIMEOUT_S} s")
    line = process.stdout.readline()
    if not line.startswith("reference CSMS ready"):
        raise SystemExit(f"reference CSMS did not start: {line!r}")


def _profile(endpoints: dict[str, str], psp_listen: str, versions: list[str]) -> str:
    chargers = "\n".join(
        f'[[chargers]]\nid = "OVH-CP-{n:02d}"\npassword = "{PASSWORD}"\nevses = 1\n'
        for n in range(1, 4)
    )
    return f"""
[csms]
name = "reference CSMS in another process (overhead benchmark)"
ocpp_url = "{endpoints["ocpp_url"]}"
versions = {json.dumps(versions)}
security_profile = 1
local_id_tag = "OVERHEAD-CARD-1"

{chargers}
[bank]
webhook_url = "{endpoints["bank_webhook_url"]}"
secret = "{SECRET}"

[static_qr]
link_url_template = "{endpoints["static_qr_url_template"]}"
image_url_template = "{endpoints["static_qr_image_url_template"]}"

[tariff]
price_per_kwh = "10.00"
tax_rate = "0"

[timeouts]
quiet_window = 0.5

[psp]
listen = "{psp_listen}"
key_id = "{PSP["key_id"]}"
key_secret = "{PSP["key_secret"]}"
webhook_secret = "{PSP["webhook_secret"]}"
webhook_url = "{endpoints["psp_webhook_url"]}"

[pay_page]
url_template = "{endpoints["pay_page_url_template"]}"
return_url_template = "{endpoints["http_base_url"]}{RETURN_PATH}"

[hooks]
preset = "tzi-octt"
trigger_url = "{endpoints["http_base_url"]}"
"""


def measure(versions: list[str], folder: Path) -> Figures:
    psp_port = _free_port()
    ready = folder / "ready.json"
    csms_command = [sys.executable, "-m", "ocpp_upi.cli", "reference-csms", "--port", "0"]
    csms_command += ["--http-port", "0", "--ready-file", str(ready), "--secret", SECRET]
    csms_command += ["--password", PASSWORD, "--psp-base-url", f"http://127.0.0.1:{psp_port}"]
    csms_command += ["--psp-key-id", PSP["key_id"], "--psp-key-secret", PSP["key_secret"]]
    csms_command += ["--psp-webhook-secret", PSP["webhook_secret"], "--start-deadline", "2.0"]
    csms = subprocess.Popen(
        csms_command, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        _wait_ready(csms)
        endpoints = json.loads(ready.read_text(encoding="utf-8"))
        profile = folder / "profile.toml"
        profile.write_text(_profile(endpoints, f"127.0.0.1:{psp_port}", versions))
        run_command = [sys.executable, "-m", "ocpp_upi.cli", "run", "--profile", str(profile)]
        run_command += ["--reports-dir", str(folder / "reports"), "--", "-q"]
        started = time.monotonic()
        suite = subprocess.Popen(
            run_command, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        harness_cpu = _cpu_of(suite.pid)
        suite.returncode = 0  # reaped by wait4 above
        wall = time.monotonic() - started
    finally:
        csms.terminate()
    csms_cpu = _cpu_of(csms.pid)
    csms.returncode = 0
    summary = json.loads((folder / "reports" / "summary.json").read_text(encoding="utf-8"))
    ran = [s for s in summary["scenarios"] if s["verdict"] != "NOT APPLICABLE"]
    wrong = [s["scenario"] for s in ran if s["verdict"] != "PASS"]
    if wrong:
        raise SystemExit(f"the reference CSMS did not pass: {wrong[:5]}")
    return Figures(len(ran), wall, harness_cpu, csms_cpu)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ocpp", default="1.6,2.0.1,2.1", help="OCPP versions to run")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ocpp-upi-overhead-") as tmp:
        figures = measure([v.strip() for v in args.ocpp.split(",") if v.strip()], Path(tmp))
    if args.json:
        print(json.dumps({**asdict(figures), "harness_share": figures.harness_share}))
        return 0
    print(f"scenario runs            {figures.scenario_runs}")
    print(f"wall time                {figures.wall_s:.1f} s ({figures.wall_per_run_ms:.0f} ms/run)")
    print(
        f"harness CPU              {figures.harness_cpu_s:.1f} s "
        f"({figures.harness_cpu_per_run_ms:.0f} ms/run, interpreter start and collection included)"
    )
    print(f"reference CSMS CPU       {figures.csms_cpu_s:.1f} s (another process)")
    print(
        f"RESULT harness_cpu_share={figures.harness_share:.3f} "
        f"harness_cpu_per_run_ms={figures.harness_cpu_per_run_ms:.0f} "
        f"wall_per_run_ms={figures.wall_per_run_ms:.0f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
