"""The ``check-trace`` subcommand: parser wiring and the handler, nothing heavier.

``add_command`` is called from ``ocpp_upi.cli.build_parser``; this module imports only the
light reader module, and the validator when the command actually runs, so adding the
subcommand costs other commands nothing at start-up.
"""

import argparse
import json
import sys
from typing import Any

from ocpp_upi.ocpp.versions import VERSIONS
from ocpp_upi.offline.records import FORMATS, PERSPECTIVES

PROG = "ocpp-upi"


def add_command(commands: Any) -> None:
    """Add ``check-trace`` to ``commands`` (what ``ArgumentParser.add_subparsers`` returned)."""
    check = commands.add_parser(
        "check-trace",
        allow_abbrev=False,
        help="validate a recorded OCPP-J conversation offline, as a live run would",
        description="Check every frame of a recording (JSON Lines, a harness frame trace, or "
        "the ocpp package's log) with the validator and RPC rules of a live run. One line per "
        "violation, then a summary. Exit status: 0 no violation, 1 violations, 2 unusable "
        "input (unreadable file or line, unknown format, no OCPP version).",
    )
    check.add_argument("file", metavar="FILE", help="the recording")
    check.add_argument(
        "--ocpp",
        choices=VERSIONS,
        help="OCPP version of the recording (required unless the file states it)",
    )
    check.add_argument(
        "--format", choices=FORMATS, help="the recording's format (detected when not given)"
    )
    check.add_argument(
        "--perspective",
        choices=PERSPECTIVES,
        help="who recorded it; says which way 'send'/'receive message' (ocpp-log) and "
        "'in'/'out' (JSON Lines) go",
    )
    check.add_argument(
        "--allow-open-calls",
        action="store_true",
        help="do not report CALLs left unanswered when a connection or the recording ends "
        "(a recording cut mid-conversation)",
    )
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.set_defaults(handler=check_trace_command)


def check_trace_command(args: argparse.Namespace, passthrough: list[str]) -> int:
    """Run ``check-trace``: the report on stdout, an unusable recording as one error line."""
    from ocpp_upi.offline.checker import check_recording
    from ocpp_upi.offline.records import TraceInputError

    if passthrough:
        return _error(f"unrecognized arguments: {' '.join(passthrough)}")
    try:
        result = check_recording(
            args.file,
            args.ocpp,
            format=args.format,
            perspective=args.perspective,
            allow_open_calls=args.allow_open_calls,
        )
    except TraceInputError as exc:
        return _error(str(exc))
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False), flush=True)
    else:
        print("\n".join(result.lines()), flush=True)
    return result.exit_status


def _error(message: str) -> int:
    print(f"{PROG}: error: {' '.join(message.splitlines())}", file=sys.stderr, flush=True)
    return 2
