"""``ocpp-upi fleet``: N paying chargers against one CSMS, with the rules checked under load.

Without ``--profile`` the bundled reference CSMS runs as its own process (so the figures are the
harness's alone); with one, the CSMS the profile names, the mock PSP listening where the profile
says. Prints a live line every few seconds and a summary at the end, writes ``fleet.json`` and
``fleet.html`` (latency over time) to ``--out``. Exit status 0 when no rule was broken and every
session ran, 1 otherwise, 2 for a bad option or profile or when no charger booted at all.
"""

from __future__ import annotations

import argparse
import asyncio
import math
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ocpp_upi.ocpp.versions import VERSIONS


def _checked(
    convert: Callable[[str], Any], holds: Callable[[Any], bool], requirement: str
) -> Callable[[str], Any]:
    """An argparse type: ``convert`` the text, then require ``holds`` of the value; the error
    quotes what was given."""

    def parse(text: str) -> Any:
        try:
            value = convert(text)
            held = holds(value)
        except (ValueError, InvalidOperation) as exc:  # Decimal("NaN") > 0 raises too
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from exc
        if not held:
            raise argparse.ArgumentTypeError(f"{requirement}: {text!r}")
        return value

    return parse


_positive_int = _checked(int, lambda v: v >= 1, "must be at least 1")
_positive_float = _checked(
    float, lambda v: math.isfinite(v) and v > 0, "must be a positive finite number"
)
_share = _checked(float, lambda v: 0 <= v <= 1, "must be between 0 and 1")
_amount = _checked(
    Decimal, lambda v: v > 0 and v == v.quantize(Decimal("0.01")), "must be positive, in paise"
)


def add_command(commands: Any) -> None:
    cmd = commands.add_parser(
        "fleet",
        allow_abbrev=False,
        help="drive N paying chargers against one CSMS and check the rules under load",
        description=__doc__.split("\n\n")[1].replace("\n", " ") if __doc__ else None,
    )
    cmd.add_argument("--profile", metavar="FILE", help="TOML integration profile of your CSMS")
    cmd.add_argument("--chargers", type=_positive_int, default=100, help="default %(default)s")
    cmd.add_argument(
        "--duration", type=_positive_float, default=30.0, metavar="SECONDS",
        help="how long sessions are begun (default %(default)s s); those in flight then end",
    )  # fmt: skip
    cmd.add_argument(
        "--rate", type=_positive_float, default=5.0, metavar="PER_SECOND",
        help="paid sessions begun a second across the fleet (default %(default)s)",
    )  # fmt: skip
    cmd.add_argument(
        "--ocpp", choices=VERSIONS, default="2.0.1", help="the chargers' OCPP version (default "
        "%(default)s)",
    )  # fmt: skip
    cmd.add_argument(
        "--amount", type=_amount, default=Decimal("100.00"), metavar="INR",
        help="each payment (default %(default)s; the pay page must offer it)",
    )  # fmt: skip
    cmd.add_argument(
        "--duplicate-share", type=_share, default=0.25, metavar="FRACTION",
        help="bank credits delivered twice at once (default %(default)s)",
    )  # fmt: skip
    cmd.add_argument(
        "--out", type=Path, default=Path("reports/fleet"), metavar="DIR",
        help="where fleet.json and fleet.html go (default %(default)s)",
    )  # fmt: skip
    cmd.add_argument(
        "--report-every", type=_positive_float, default=5.0, metavar="SECONDS",
        help="live line period (default %(default)s s)",
    )  # fmt: skip
    cmd.set_defaults(handler=run_command)


def run_command(args: argparse.Namespace, _passthrough: list[str]) -> int:
    from ocpp_upi.load.fleet import Fleet, FleetPlan
    from ocpp_upi.load.report import summary_lines, write_reports
    from ocpp_upi.load.target import external_target, reference_process_target

    plan = FleetPlan(
        chargers=args.chargers,
        duration_s=args.duration,
        rate=args.rate,
        version=args.ocpp,
        amount_inr=args.amount,
        duplicate_share=args.duplicate_share,
        report_every_s=args.report_every,
    )
    raise_open_files_limit(2 * plan.chargers + 256)

    async def main() -> dict[str, Any]:
        target = external_target(args.profile) if args.profile else reference_process_target()
        async with target as (profile, psp):
            return await Fleet(plan, profile, psp).run()

    result = asyncio.run(main())
    for line in summary_lines(result):
        print(line)
    data, page = write_reports(result, args.out)
    print(f"wrote {data} and {page}")
    return 1 if result["violations"] or result["problems"] else 0


def raise_open_files_limit(wanted: int) -> None:
    """Each charger holds a socket (and a CSMS on this machine one more): lift the soft limit
    of open files toward the hard one, as far as ``wanted``."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
