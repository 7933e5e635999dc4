"""The ``ocpp-upi`` command: run the conformance suite, serve the reference CSMS, print a profile.

Thin on purpose: profiles live in :mod:`ocpp_upi.config`, the pre-flight check in
:mod:`ocpp_upi.reachability`, the suite in ``steps/``. What this module owns is the contract with
a person at a terminal or a CI job: a mistake they can fix (a bad profile, an unknown OCPP
version, a CSMS that is not up, a busy port) is one ``ocpp-upi: error: ...`` line and exit
status 2, never a traceback; otherwise the exit status is pytest's.
"""

import argparse
import asyncio
import math
import sys
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, NoReturn

from ocpp_upi.config import Profile, load_profile, profile_template
from ocpp_upi.errors import OcppUpiError
from ocpp_upi.files import write_json_atomically
from ocpp_upi.known_failures import load_known_failures
from ocpp_upi.limits import LimitEncoding
from ocpp_upi.load.command import add_command as add_fleet_command
from ocpp_upi.ocpp.versions import VERSIONS
from ocpp_upi.offline import add_command as add_check_trace_command
from ocpp_upi.paths import CONFORMANCE_MODULE, SUITE_ROOT, default_reports_dir
from ocpp_upi.profile_check import check_profile, reachability_items
from ocpp_upi.psp.command import add_command as add_mock_psp_command
from ocpp_upi.release import version_text
from ocpp_upi.reports.review import add_command as add_report_command
from ocpp_upi.signals import stop_on_signals

PROG = "ocpp-upi"
# Scenario runs wait on the CSMS and on deadlines far more than they compute (the harness's
# CPU is about a quarter of a run's wall time, benchmarks/overhead.py), so on 2 cores four
# workers, each with its own reference CSMS, finish the suite in about a third of the time.
REFERENCE_WORKERS = 4
# pytest plugins of the harness's own tests (dev extra) and Locust's (load extra, for its own
# pytest-style locustfiles). Where they are installed, a conformance run blocks them: the suite
# uses none, and hypothesis's plugin alone costs every run (and every pytest-xdist worker) about
# a second of imports.
TEST_ONLY_PLUGINS = ("hypothesispytest", "respx", "locust")
# What a conformance run blocks: those; pytest's unraisable-exception report, which runs five
# full garbage collections at the end of every process (about a quarter of a second after a
# suite run, in each worker) to find what a harness run would not report anyway; and two
# plugins installed with its dependencies that it never uses (anyio's, xdist's looponfail),
# about 0.2 s of CPU in every process and xdist worker.
SUITE_BLOCKED_PLUGINS = (*TEST_ONLY_PLUGINS, "unraisableexception", "anyio", "xdist.looponfail")
MAX_WORKERS = 32


class UsageError(OcppUpiError):
    """A command-line mistake; reported as one line with exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse prints usage plus an error and exits; we want one line and a return code."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit status."""
    try:
        args, passthrough = _parse(list(sys.argv[1:] if argv is None else argv))
        handler: Callable[[argparse.Namespace, list[str]], int] = args.handler
        return handler(args, passthrough)
    except SystemExit as exc:  # --help and --version exit through argparse
        return exc.code if isinstance(exc.code, int) else 0
    except OcppUpiError as exc:  # bad input, said in one line (ocpp_upi.errors)
        return _error(str(exc))
    except OSError as exc:  # a file or port the user named cannot be used
        return _error(str(exc))


class _PrintVersion(argparse.Action):
    """Like argparse's version action, but keeps the lines as written (it re-wraps them)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest=argparse.SUPPRESS, nargs=0, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        print(version_text())
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        allow_abbrev=False,
        description="Conformance harness for prepaid UPI charging over OCPP 1.6, 2.0.1 and 2.1.",
    )
    parser.add_argument(
        "--version",
        action=_PrintVersion,
        help="print the harness version and the OCA schema sets it validates against",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser(
        "run",
        allow_abbrev=False,  # else pytest's --quiet would be taken for our --quiet-window
        help="run the conformance suite (the reference CSMS unless --profile names yours)",
        description="Run the conformance suite and write ./reports (or --reports-dir). Arguments "
        "this command does not know (or everything after --) are passed to pytest, e.g. "
        "-k static_qr.",
    )
    run.add_argument(
        "--reports-dir",
        metavar="DIR",
        type=Path,
        help="where to write junit.xml, summary.json, allure-results/ and traces/ "
        "(default: ./reports of the current directory)",
    )
    run.add_argument("--profile", metavar="FILE", help="TOML integration profile of your CSMS")
    run.add_argument(
        "--ocpp",
        metavar="VERSIONS",
        type=_versions_arg,
        help=f"comma-separated OCPP versions to run (default: the profile's; {','.join(VERSIONS)})",
    )
    run.add_argument(
        "--quiet-window",
        metavar="SECONDS",
        type=_positive_seconds_arg,
        help="how long negative checks watch for nothing to happen (overrides the profile)",
    )
    run.add_argument(
        "--timeout",
        metavar="NAME=SECONDS",
        action="append",
        default=[],
        type=_timeout_arg,
        help="override one of the profile's [timeouts] for this run (repeatable), e.g. "
        "response=20 against a slow staging CSMS",
    )
    run.add_argument(
        "--known-failures",
        metavar="FILE",
        help="TOML list of scenarios your CSMS is known to fail, each with a reason: reported as "
        "known failures; one that passes fails the run",
    )
    run.add_argument(
        "--workers",
        metavar="N",
        type=_workers_arg,
        help=f"scenario runs at a time, each worker with its own reference CSMS and mocks "
        f"(default {REFERENCE_WORKERS} for the bundled reference CSMS; an external CSMS from "
        "--profile runs one at a time: its chargers and the mock PSP's port are shared)",
    )
    run.set_defaults(handler=_run)

    ref = commands.add_parser(
        "reference-csms",
        allow_abbrev=False,
        help="serve the bundled reference CSMS until interrupted",
        description="Serve the bundled reference CSMS until SIGINT or SIGTERM. Port 0 picks a "
        "free port; --ready-file then tells a supervisor which ones.",
    )
    ref.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default %(default)s)"
    )
    ref.add_argument("--port", type=_port_arg, default=9000, help="OCPP WebSocket port")
    ref.add_argument("--http-port", type=_port_arg, default=9001, help="webhook / QR HTTP port")
    ref.add_argument("--secret", help="bank webhook HMAC secret")
    ref.add_argument("--password", help="charger Basic-auth password (enables security profile 1)")
    # No defaults here: the CSMS's own settings hold them (10 INR per kWh, 18 % GST), once.
    ref.add_argument(
        "--price-per-kwh", type=_money_arg, metavar="INR", help="default 10 (INR per kWh)"
    )
    ref.add_argument(
        "--tax-rate", type=_money_arg, metavar="FRACTION", help="default 0.18 (18 %% GST)"
    )
    ref.add_argument("--db", metavar="PATH", help="SQLite ledger file (default: in memory)")
    ref.add_argument("--ready-file", metavar="PATH", help="write the endpoints here as JSON")
    ref.add_argument(
        "--psp-base-url",
        metavar="URL",
        help="PSP API base, e.g. http://127.0.0.1:9100 (enables"
        " the pay page, PSP webhooks and refunds)",
    )
    ref.add_argument("--psp-key-id", help="PSP API key id")
    ref.add_argument("--psp-key-secret", help="PSP API key secret")
    ref.add_argument("--psp-webhook-secret", help="secret of the PSP's webhook signatures")
    tls = ref.add_argument_group(
        "security profiles 2 and 3: serve OCPP over TLS (wss://) with these PEM files"
    )
    tls.add_argument("--tls-certificate", metavar="PEM", help="the CSMS's certificate (chain)")
    tls.add_argument("--tls-private-key", metavar="PEM", help="its private key")
    tls.add_argument(
        "--tls-client-ca",
        metavar="PEM",
        help="profile 3: require each station's certificate to chain to this CA",
    )
    ref.add_argument(
        "--start-deadline",
        type=_positive_seconds_arg,
        metavar="SECONDS",
        help="a paid session must begin within this, else it is refunded in full",
    )
    limits = ref.add_argument_group(
        "prepaid limit encoding on OCPP 1.6 and 2.0.1 (camelCase names; default: this "
        "harness's own, vendorId ocpp-upi.prepaid)"
    )
    for option, help_text in (
        ("--limit-vendor-id", "1.6 DataTransfer vendorId and 2.0.1 customData vendorId"),
        ("--limit-message-id", "1.6 DataTransfer messageId"),
        ("--limit-transaction-id-field", "key of the transaction id in the 1.6 data"),
        ("--limit-max-energy-field", "key of the energy limit (Wh) in the 1.6 data"),
        ("--limit-custom-data-field", "2.0.1 customData key of the TransactionLimit"),
    ):
        limits.add_argument(option, metavar="NAME", help=help_text)
    ref.set_defaults(handler=_reference_csms)

    check = commands.add_parser(
        "check-profile",
        allow_abbrev=False,
        help="probe every endpoint a profile names, one line per item with a fix hint",
        description="Validate the profile, then probe the CSMS it names: the OCPP handshake of "
        "every declared version, the webhook routes (a validly signed probe that names nothing, "
        "so nothing starts), the pay page and the static-QR link. Exit 0 only when all hold.",
    )
    check.add_argument("profile", metavar="FILE", help="TOML integration profile of your CSMS")
    check.set_defaults(handler=_check_profile)

    add_report_command(commands)
    add_check_trace_command(commands)
    add_mock_psp_command(commands)
    add_fleet_command(commands)

    template = commands.add_parser(
        "profile-template", help="print a commented example integration profile"
    )
    template.set_defaults(handler=_profile_template)
    return parser


def _parse(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    """Split off what goes to pytest: everything after ``--``, and options ``run`` does not know."""
    after_dashes: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, after_dashes = argv[:cut], argv[cut + 1 :]
    args, unknown = build_parser().parse_known_args(argv)
    passthrough = [*unknown, *after_dashes]
    if args.command != "run" and passthrough:
        raise UsageError(f"unrecognized arguments: {' '.join(passthrough)}")
    return args, passthrough


def _error(message: str) -> int:
    print(f"{PROG}: error: {' '.join(message.splitlines())}", file=sys.stderr, flush=True)
    return 2


# --- argument types: reject bad values at parse time, with the option's name in the message ---


def _versions_arg(text: str) -> tuple[str, ...]:
    wanted = [part.strip() for part in text.split(",")]
    unknown = [part for part in wanted if part not in VERSIONS]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown OCPP version {unknown[0]!r}; expected a comma-separated subset of "
            f"{','.join(VERSIONS)}"
        )
    return tuple(v for v in VERSIONS if v in wanted)


def _workers_arg(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= MAX_WORKERS:
        raise argparse.ArgumentTypeError(f"expected 1-{MAX_WORKERS}, got {text!r}")
    return int(text)


def _positive_seconds_arg(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return seconds


def _timeout_arg(text: str) -> str:
    from ocpp_upi.config import parse_timeout_overrides

    try:
        parse_timeout_overrides([text])
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--timeout ")) from exc
    return text


def _port_arg(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"expected a port 0-65535 (0 = any free), got {text!r}")
    return int(text)


def _money_arg(text: str) -> Decimal:
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite() or amount < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative decimal, got {text!r}")
    return amount


# --- run -------------------------------------------------------------------------------------


def _run(args: argparse.Namespace, passthrough: list[str]) -> int:
    versions: tuple[str, ...] | None = args.ocpp
    profile_path: Path | None = None
    if args.profile:
        profile = load_profile(args.profile)
        versions = _versions_for(profile, versions)
        _preflight(profile)
        # Absolute, so the summary names the file whatever pytest's rootdir is.
        profile_path = Path(args.profile).resolve()
    passthrough = list(passthrough)
    if args.known_failures:
        load_known_failures(args.known_failures)  # a broken file stops here, before any run
        passthrough += ["--known-failures", str(Path(args.known_failures).resolve())]
    reports_dir: Path = args.reports_dir.resolve() if args.reports_dir else default_reports_dir()
    workers: int | None = args.workers
    if workers is None:
        workers = 1 if profile_path is not None else REFERENCE_WORKERS
    elif workers > 1 and profile_path is not None:
        raise UsageError(
            f"--workers {workers}: an external CSMS runs one scenario at a time (its chargers and "
            "the mock PSP's port are shared); parallel runs need the bundled reference CSMS"
        )
    pytest_args = conformance_args(
        workers=workers,
        profile_path=profile_path,
        versions=versions or VERSIONS,
        quiet_window=args.quiet_window,
        timeouts=args.timeout,
        passthrough=passthrough,
        reports_dir=reports_dir,
    )
    return _run_pytest(pytest_args)


def _versions_for(profile: Profile, requested: tuple[str, ...] | None) -> tuple[str, ...]:
    """The profile says what the CSMS supports; --ocpp may narrow it, never widen it."""
    supported = profile.target.versions
    if requested is None:
        return supported
    outside = [v for v in requested if v not in supported]
    if outside:
        raise UsageError(
            f"--ocpp {','.join(outside)}: not supported by the CSMS according to "
            f"{profile.source} ([csms] versions = {', '.join(supported)})"
        )
    return requested


def _preflight(profile: Profile) -> None:
    """Fail in a second, with the URL, rather than in every scenario minutes later. The same
    reachability items as ``check-profile``; a missing route is left to the scenarios, whose
    verdict (ERROR "endpoint missing") says which flow it breaks."""
    for item in reachability_items(profile):
        if not item.ok:
            raise UsageError(f"CSMS unreachable: {item.detail}")


def conformance_args(
    *,
    profile_path: Path | None,
    versions: Sequence[str],
    quiet_window: float | None,
    passthrough: Sequence[str],
    reports_dir: Path,
    workers: int = 1,
    timeouts: Sequence[str] = (),
) -> list[str]:
    """The pytest command line of a conformance run: the suite's module through the pytest
    plugin (``-p ocpp-upi`` also where plugin autoloading is off), its reports laid out under
    ``reports_dir`` by the plugin's ``--ocpp-upi-reports`` exactly as for a team that adds the
    suite to its own pytest run."""
    args = [
        str(CONFORMANCE_MODULE),
        "--rootdir",
        str(SUITE_ROOT),
        "-p",
        "ocpp-upi",
        "-p",
        "no:cacheprovider",
        *(arg for name in SUITE_BLOCKED_PLUGINS for arg in ("-p", f"no:{name}")),
        "--ocpp-upi-reports",
        str(reports_dir),
        # This command imported ocpp_upi before pytest started; pytest would warn that it can
        # no longer rewrite the asserts of an installed plugin's package (the harness raises
        # its own failures and does not rely on rewritten asserts).
        "-W",
        "ignore::pytest.PytestAssertRewriteWarning",
        "--tb=short",
    ]
    if profile_path is not None:
        args += ["--csms-profile", str(profile_path)]
    args += ["--ocpp-versions", ",".join(versions)]
    if quiet_window is not None:
        args += ["--quiet-window", repr(quiet_window)]
    for item in timeouts:
        args += ["--timeout", item]
    if workers > 1:  # pytest-xdist; the controller writes the reports from its workers' records
        args += ["-n", str(workers)]
    return [*args, *passthrough]


def _run_pytest(pytest_args: list[str]) -> int:
    """In-process, so one interpreter start; from the current directory, so paths the user
    passes through to pytest mean what they meant at the prompt."""
    import pytest

    return int(pytest.main(pytest_args))


# --- reference-csms --------------------------------------------------------------------------


def _reference_csms(args: argparse.Namespace, passthrough: list[str]) -> int:
    try:
        from ocpp_upi.csms.server import serve_forever
        from ocpp_upi.csms.settings import CsmsSettings
    except ImportError as exc:  # absent in a partial checkout; an import bug inside still raises
        if exc.name not in ("ocpp_upi.csms.server", "ocpp_upi.csms.settings"):
            raise
        raise UsageError(f"the bundled reference CSMS is not available ({exc})") from None

    options: dict[str, Any] = {
        "host": args.host,
        "ocpp_port": args.port,
        "http_port": args.http_port,
    }
    if args.db is not None:
        options["db_path"] = args.db
    if args.secret is not None:
        options["bank_webhook_secret"] = args.secret
    if args.password is not None:
        options["charger_password"] = args.password
    optional = {
        "price_per_kwh": args.price_per_kwh,
        "tax_rate": args.tax_rate,
        "psp_base_url": args.psp_base_url,
        "psp_key_id": args.psp_key_id,
        "psp_key_secret": args.psp_key_secret,
        "psp_webhook_secret": args.psp_webhook_secret,
        "start_deadline_s": args.start_deadline,
        "tls_certificate": args.tls_certificate,
        "tls_private_key": args.tls_private_key,
        "tls_client_ca": args.tls_client_ca,
    }
    if (args.tls_certificate is None) != (args.tls_private_key is None):
        raise UsageError("--tls-certificate and --tls-private-key go together")
    if args.tls_client_ca is not None and args.tls_certificate is None:
        raise UsageError("--tls-client-ca needs --tls-certificate and --tls-private-key")
    options.update({key: value for key, value in optional.items() if value is not None})
    # The dynamic QR (C25) leads to the pay page, so it is on whenever payments are.
    options["web_payments"] = bool(args.psp_base_url)
    encoding = {
        field: value
        for field in (
            "vendor_id",
            "message_id",
            "transaction_id_field",
            "max_energy_field",
            "custom_data_field",
        )
        if (value := getattr(args, f"limit_{field}")) is not None
    }
    if encoding:
        options["limit_encoding"] = LimitEncoding(**encoding)
    settings = CsmsSettings(**options)
    ready_file = Path(args.ready_file) if args.ready_file else None

    def announce(csms: Any) -> None:
        endpoints = csms.endpoints()
        if ready_file is not None:  # before the line, so whoever sees the line can read it
            write_json_atomically(ready_file, endpoints)
        print(
            f"reference CSMS ready: ocpp={csms.ocpp_url} webhook={csms.bank_webhook_url} "
            f"static_qr={csms.static_qr_url_template}",
            flush=True,
        )

    asyncio.run(_serve_until_signalled(serve_forever, settings, announce))
    return 0


async def _serve_until_signalled(serve_forever: Any, settings: Any, ready: Any) -> None:
    """SIGINT and SIGTERM end the server cleanly (ledger closed), not by KeyboardInterrupt."""
    stop = asyncio.Event()
    with stop_on_signals(stop):
        await serve_forever(settings, ready=ready, stop_event=stop)


# --- check-profile -------------------------------------------------------------------------


def _check_profile(args: argparse.Namespace, passthrough: list[str]) -> int:
    profile = load_profile(args.profile)
    items = asyncio.run(check_profile(profile))
    for item in items:
        print(item.line(), flush=True)
    failed = [item for item in items if not item.ok]
    print(
        f"{len(items) - len(failed)} of {len(items)} checks hold"
        + (f"; {len(failed)} to fix" if failed else ""),
        flush=True,
    )
    return 1 if failed else 0


# --- profile-template ------------------------------------------------------------------------


def _profile_template(args: argparse.Namespace, passthrough: list[str]) -> int:
    sys.stdout.write(profile_template())
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
