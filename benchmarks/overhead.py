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
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.integration.reference_process import (
    ExternalAccount,
    free_port,
    running_reference_csms,
)

ACCOUNT = ExternalAccount(
    bank_secret="overhead-bank-secret",
    charger_password="overhead-charger-password",
    psp_key_id="rzp_test_overhead",
    psp_key_secret="overhead-key",
    psp_webhook_secret="overhead-wh",
    charger_prefix="OVH-CP",
)


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


def _cpu_of(pid: int) -> float:
    """Reap the child and return its user + system CPU seconds, as the kernel counted them."""
    _, _, usage = os.wait4(pid, 0)
    return usage.ru_utime + usage.ru_stime


def measure(versions: list[str], folder: Path) -> Figures:
    psp_port = free_port()
    with running_reference_csms(folder, ACCOUNT.csms_args(psp_port)) as csms:
        profile = folder / "profile.toml"
        profile.write_text(
            ACCOUNT.profile(
                csms.endpoints,
                f"127.0.0.1:{psp_port}",
                name="reference CSMS in another process (overhead benchmark)",
                versions=versions,
            )
        )
        run_command = [sys.executable, "-m", "ocpp_upi.cli", "run", "--profile", str(profile)]
        run_command += ["--reports-dir", str(folder / "reports"), "--", "-q"]
        started = time.monotonic()
        suite = subprocess.Popen(
            run_command, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        harness_cpu = _cpu_of(suite.pid)
        suite.returncode = 0  # reaped by wait4 above
        wall = time.monotonic() - started
    assert csms.cpu_s is not None
    summary = json.loads((folder / "reports" / "summary.json").read_text(encoding="utf-8"))
    ran = [s for s in summary["scenarios"] if s["verdict"] != "NOT APPLICABLE"]
    wrong = [s["scenario"] for s in ran if s["verdict"] != "PASS"]
    if wrong:
        raise SystemExit(f"the reference CSMS did not pass: {wrong[:5]}")
    return Figures(len(ran), wall, harness_cpu, csms.cpu_s)


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
