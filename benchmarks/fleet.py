"""Fleet mode's curve: memory, throughput and payment->start latency at 100, 1,000 and 10,000
chargers, against the bundled reference CSMS in its own process.

Each size is one ``ocpp-upi fleet`` process (so each peak RSS is that run's alone; the CSMS's
memory is not the harness's), with the same schedule: ``--rate`` paid sessions a second for
``--duration`` seconds, static QR and redirect alternating, a quarter of the bank credits
delivered twice at once. Prints one row per size: chargers booted, boot time, peak RSS and RSS a
charger, sessions completed a second, p99 payment notice -> remote start, rules broken.
A figure, never a gate: the target (10,000 chargers under 1 GiB) is read off the row.

    .venv/bin/python benchmarks/fleet.py [--sizes 100,1000,10000] [--duration 20] [--rate 10]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_size(chargers: int, duration: float, rate: float, out: Path) -> dict:
    command = [sys.executable, "-m", "ocpp_upi.cli", "fleet", "--chargers", str(chargers)]
    command += ["--duration", str(duration), "--rate", str(rate), "--out", str(out)]
    command += ["--report-every", "3600"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1):
        raise SystemExit(f"fleet of {chargers} failed:\n{done.stdout}\n{done.stderr}")
    return json.loads((out / "fleet.json").read_text(encoding="utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--rate", type=float, default=10.0)
    args = parser.parse_args()
    print(f"fleet: {args.rate:g} paid sessions/s for {args.duration:g} s, reference CSMS process")
    print(
        f"{'chargers':>9} {'booted':>7} {'boot s':>7} {'peak RSS MiB':>13} {'KiB/charger':>12} "
        f"{'sessions/s':>11} {'p99 pay->start ms':>18} {'violations':>10}"
    )
    with tempfile.TemporaryDirectory() as folder:
        for size in (int(s) for s in args.sizes.split(",")):
            r = run_size(size, args.duration, args.rate, Path(folder) / str(size))
            p99 = r["latency"]["payment notice -> remote start"]["p99_ms"]
            print(
                f"{r['chargers']:>9} {r['booted']:>7} {r['boot_s']:>7} {r['peak_rss_mib']:>13} "
                f"{r['rss_per_charger_kib']:>12} {r['sessions_per_s']:>11} {p99!s:>18} "
                f"{len(r['violations']):>10}",
                flush=True,
            )


if __name__ == "__main__":
    main()
