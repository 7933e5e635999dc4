"""``ocpp-upi mock-psp``: the mock PSP on its own, for a vendor wiring their CSMS to it.

Long before a conformance run, a vendor wants the PSP their CSMS will be certified against
running next to it: to see their order, intent and refund calls answered, their webhook route
hit by correctly signed events, and to play the payer by hand through the control API. This
command serves the very ``MockPsp`` the suite starts, with the account of a harness profile's
``[psp]`` table (or flags), so what works here works in the run.

It mirrors ``ocpp-upi reference-csms``: settings are printed (secrets only as a fingerprint),
``--ready-file`` tells a supervisor or test the port it got (``--port 0``), and SIGINT or SIGTERM
end it cleanly with exit status 0. A mistake the user can fix (a bad profile, a busy port) is one
``ocpp-upi: error: ...`` line and exit status 2, whoever built the parser.

``ocpp_upi.cli`` adds the subcommand through :func:`add_command`; ``python -m
ocpp_upi.psp.command [options]`` runs it without that wiring.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

from ocpp_upi.config import ProfileError, load_profile
from ocpp_upi.errors import OcppUpiError
from ocpp_upi.files import write_json_atomically
from ocpp_upi.psp.records import ApiCall, WebhookDelivery
from ocpp_upi.psp.server import MockPsp
from ocpp_upi.psp.settings import PROFILES, PspSettings
from ocpp_upi.redaction import fingerprint
from ocpp_upi.signals import stop_on_signals
from ocpp_upi.upi.link import VPA_PATTERN

PROG = "ocpp-upi"
NAME = "mock-psp"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 9100  # the port the profile template's [psp] listen names
READY_LINE = "mock PSP ready:"
_LOOPBACK = ("127.0.0.1", "localhost", "::1")
_TAIL_WAIT_S = 3600.0  # one wait of the log tail; it simply waits again (stop cancels it)
_TAIL_STOP_S = 1.0  # shutdown never waits longer than this on the log tails


class CommandError(OcppUpiError):
    """A mistake the user can fix; reported as one line with exit status 2."""


def add_command(commands: Any) -> None:
    """Add ``mock-psp`` to ``commands`` (the action ``add_subparsers()`` returned).

    Every option defaults to None so that a value from ``--profile`` is overridden only by a
    flag actually given; the help texts name the real defaults.
    """
    cmd = commands.add_parser(
        NAME,
        allow_abbrev=False,
        help="serve the mock PSP (Razorpay-compatible) on its own until interrupted",
        description="Serve the mock PSP the suite uses, for developing a CSMS's PSP integration: "
        "the Razorpay-compatible API under /v1, signed webhooks to --webhook-url, and the "
        "control API under /_control (play the payer, arm faults). Settings come from "
        "--profile's [psp] table, then from the flags; runs until SIGINT or SIGTERM. Port 0 "
        "picks a free port; --ready-file then tells a supervisor which one.",
    )
    cmd.add_argument(
        "--profile",
        metavar="FILE",
        help="harness TOML profile: take listen, keys, webhook secret and URL from its [psp]",
    )
    cmd.add_argument("--host", help=f"address to listen on (default {DEFAULT_HOST})")
    cmd.add_argument(
        "--port", type=_port_arg, help=f"port to listen on; 0 = any free (default {DEFAULT_PORT})"
    )
    cmd.add_argument("--key-id", type=_text_arg, help=f"API key id (default {PspSettings.key_id})")
    cmd.add_argument(
        "--key-secret",
        type=_text_arg,
        help=f"API key secret, the Basic auth password (default {PspSettings.key_secret})",
    )
    cmd.add_argument(
        "--webhook-secret",
        type=_text_arg,
        help=f"HMAC key of X-Razorpay-Signature (default {PspSettings.webhook_secret})",
    )
    cmd.add_argument(
        "--webhook-url",
        type=_url_arg,
        metavar="URL",
        help="your CSMS's PSP webhook route, e.g. http://127.0.0.1:9001/webhooks/psp "
        "(default: none; events are recorded, not sent)",
    )
    cmd.add_argument(
        "--merchant-vpa",
        type=_vpa_arg,
        metavar="VPA",
        help=f"payee (pa) of every UPI link (default {PspSettings.merchant_vpa})",
    )
    cmd.add_argument(
        "--merchant-name",
        type=_text_arg,
        metavar="NAME",
        help=f"payee name (pn) of every UPI link (default {PspSettings.merchant_name})",
    )
    cmd.add_argument(
        "--dialect",
        choices=PROFILES,
        help="razorpay, or generic (also serves /generic/v1; default: the profile's, else "
        "razorpay)",
    )
    cmd.add_argument(
        "--ready-file", metavar="PATH", help="write the settings here as JSON once serving"
    )
    cmd.add_argument(
        "--quiet",
        action="store_true",
        help="do not print a line per API call and webhook delivery attempt",
    )
    cmd.set_defaults(handler=run_command)


def run_command(args: argparse.Namespace, passthrough: list[str]) -> int:
    """The ``mock-psp`` handler: serve until a signal; 0 then, 2 on a mistake (one line)."""
    try:
        if passthrough:
            raise CommandError(f"unrecognized arguments: {' '.join(passthrough)}")
        settings = resolve_settings(args)
        if settings.host not in _LOOPBACK:
            _warn(
                f"listening on {settings.host}: the control API has no authentication, so "
                "anyone who can reach it can pay, fault and read this PSP"
            )
        ready_file = Path(args.ready_file) if args.ready_file else None
        asyncio.run(_serve_until_signalled(settings, ready_file, quiet=bool(args.quiet)))
    except (CommandError, ProfileError) as exc:
        return _error(str(exc))
    return 0


def resolve_settings(args: argparse.Namespace) -> PspSettings:
    """Defaults, then the profile's ``[psp]`` table, then each flag given."""
    settings = PspSettings(host=DEFAULT_HOST, port=DEFAULT_PORT)
    if args.profile:
        profile = load_profile(args.profile)
        account = profile.psp
        if account is None:
            raise ProfileError(
                profile.source, "has no [psp] table to take the mock PSP's settings from"
            )
        try:
            port = account.port
        except ValueError:
            port = -1
        if not 0 <= port <= 65535:
            raise ProfileError(profile.source, f"psp.listen: no port 0-65535 in {account.listen!r}")
        settings.host = account.host
        settings.port = port
        settings.key_id = account.key_id
        settings.key_secret = account.key_secret
        settings.webhook_secret = account.webhook_secret
        settings.webhook_url = account.webhook_url
        settings.profile = account.profile
    overrides = {
        "host": args.host,
        "port": args.port,
        "key_id": args.key_id,
        "key_secret": args.key_secret,
        "webhook_secret": args.webhook_secret,
        "webhook_url": args.webhook_url,
        "merchant_vpa": args.merchant_vpa,
        "merchant_name": args.merchant_name,
        "profile": args.dialect,
    }
    for name, value in overrides.items():
        if value is not None:
            setattr(settings, name, value)
    return settings


def announcement(psp: MockPsp) -> dict[str, Any]:
    """What the ready file holds: where to point a CSMS and the harness, never a secret.

    The secrets appear as fingerprints only: whoever started the PSP knows them, and a ready
    file ends up in CI artefacts and bug reports.
    """
    settings = psp.settings
    generic = settings.profile == "generic"
    return {
        "pid": os.getpid(),
        "profile": settings.profile,
        "host": settings.host,
        "port": int(psp.base_url.rpartition(":")[2]),
        "base_url": psp.base_url,
        "api_base_url": f"{psp.base_url}/v1",
        "generic_api_base_url": f"{psp.base_url}/generic/v1" if generic else None,
        "control_base_url": f"{psp.base_url}/_control",
        "key_id": settings.key_id,
        "key_secret_fingerprint": fingerprint(settings.key_secret),
        "webhook_secret_fingerprint": fingerprint(settings.webhook_secret),
        "webhook_url": settings.webhook_url,
        "merchant_vpa": settings.merchant_vpa,
        "merchant_name": settings.merchant_name,
        "mcc": settings.mcc,
    }


def _shown(stand_in: object, default: str) -> str:
    """A secret the user chose stays a fingerprint; the built-in test default is no secret, and
    a developer needs it in full to configure their CSMS."""
    if stand_in == fingerprint(default):
        return f"{default}  (the built-in test default; set your own with a flag or --profile)"
    return f"set, {stand_in}"


def settings_lines(info: dict[str, Any]) -> list[str]:
    """The console announcement: the ready line first (a supervisor may wait on it), then one
    setting per line for the person configuring their CSMS."""
    webhook = info["webhook_url"] or (
        "none: events are recorded, not sent (set it: POST /_control/webhook-url)"
    )
    lines = [
        f"{READY_LINE} api={info['api_base_url']} control={info['control_base_url']}",
        f"  API base URL    {info['api_base_url']}"
        f"  (SDKs that add /v1 themselves: {info['base_url']})",
    ]
    if info["generic_api_base_url"]:
        lines.append(f"  generic API     {info['generic_api_base_url']}  (Bearer <key secret>)")
    lines += [
        f"  key id          {info['key_id']}",
        f"  key secret      {_shown(info['key_secret_fingerprint'], PspSettings.key_secret)}",
        "  webhook secret  "
        + _shown(info["webhook_secret_fingerprint"], PspSettings.webhook_secret),
        f"  webhook URL     {webhook}",
        f"  merchant        {info['merchant_vpa']} ({info['merchant_name']}, MCC {info['mcc']})",
        f"  control API     {info['control_base_url']}  (e.g. POST /_control/orders/<id>/pay)",
        "  stop with Ctrl-C or SIGTERM",
    ]
    return lines


async def _serve_until_signalled(
    settings: PspSettings, ready_file: Path | None, quiet: bool
) -> None:
    """Serve until SIGINT or SIGTERM, then stop the PSP (pending deliveries end at once)."""
    stop = asyncio.Event()
    with stop_on_signals(stop):
        psp = MockPsp(settings)
        try:
            try:
                await psp.start()
            except OSError as exc:
                raise CommandError(
                    f"cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}"
                ) from None
            info = announcement(psp)
            if ready_file is not None:  # before the line, so whoever sees the line can read it
                _write_ready_file(ready_file, info)
            print("\n".join(settings_lines(info)), flush=True)
            tails = [] if quiet else _start_tails(psp, stop)
            try:
                await stop.wait()
            finally:
                await _end_tails(tails)
        finally:
            await psp.stop()
    print("mock PSP stopped", flush=True)


def _start_tails(psp: MockPsp, stop: asyncio.Event) -> list[asyncio.Task[None]]:
    """One line per answered API call and per finished delivery attempt, as they happen: what
    a vendor debugging their integration looks at first. Paths and statuses only, no bodies."""
    return [
        asyncio.create_task(
            _tail(stop, lambda: psp.api_calls, psp.wait_for_api_call, _call_line, _answered)
        ),
        asyncio.create_task(
            _tail(stop, lambda: psp.deliveries, psp.wait_for_delivery, _delivery_line, _finished)
        ),
    ]


async def _end_tails(tails: list[asyncio.Task[None]]) -> None:
    """Cancel the tails and wait for them, but only briefly: a log line is not worth a hang."""
    for task in tails:
        task.cancel()
    if tails:
        await asyncio.wait(tails, timeout=_TAIL_STOP_S)


async def _tail(
    stop: asyncio.Event,
    items: Callable[[], list[Any]],
    wait_for: Callable[[Callable[[Any], bool], float], Any],
    line: Callable[[Any], str],
    complete: Callable[[Any], bool],
) -> None:
    """Print each journal entry once it is complete, in journal order, until ``stop``.

    Cancelling is not enough on its own: Python 3.11's ``asyncio.wait_for`` (inside the
    journal's wait) returns the result instead of raising CancelledError when the awaited
    entry arrives in the same loop iteration as the cancel, so the loop also checks ``stop``.
    """
    index = 0
    while not stop.is_set():
        position = index

        def is_next(item: Any, position: int = position) -> bool:
            listed = items()
            return len(listed) > position and listed[position] is item and complete(item)

        item = await wait_for(is_next, _TAIL_WAIT_S)
        if item is not None:
            print(line(item), flush=True)
            index += 1


def _answered(call: ApiCall) -> bool:
    return call.status is not None


def _finished(_: WebhookDelivery) -> bool:
    return True  # deliveries are journaled once the attempt has finished


def _call_line(call: ApiCall) -> str:
    query = f"?{call.query}" if call.query else ""
    return f"api      {call.method} {call.path}{query} -> {call.status}"


def _delivery_line(delivery: WebhookDelivery) -> str:
    outcome = str(delivery.status) if delivery.status is not None else (delivery.error or "?")
    copy = " (duplicate)" if delivery.duplicate else ""
    return (
        f"webhook  {delivery.event} {delivery.event_id} -> {delivery.url}: {outcome} "
        f"(attempt {delivery.attempt}){copy}"
    )


def _write_ready_file(path: Path, data: dict[str, Any]) -> None:
    """The shared atomic write, with a failure named after the option (exit 2, one line)."""
    try:
        write_json_atomically(path, data)
    except OSError as exc:
        raise CommandError(f"--ready-file {path}: {exc.strerror or exc}") from None


# --- argument types: reject bad values at parse time, with the option's name in the message ---


def _port_arg(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"expected a port 0-65535 (0 = any free), got {text!r}")
    return int(text)


def _text_arg(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a non-empty value")
    return text


def _url_arg(text: str) -> str:
    try:
        parts = urlsplit(text)
        has_host = bool(parts.hostname)
        parts.port  # noqa: B018 -- raises ValueError for a port that is not a number
    except ValueError:
        has_host = False
    if parts.scheme not in ("http", "https") or not has_host or parts.fragment:
        raise argparse.ArgumentTypeError(
            f"expected an http:// or https:// URL with a host and no fragment, got {text!r}"
        )
    return text


def _vpa_arg(text: str) -> str:
    if not VPA_PATTERN.match(text):
        raise argparse.ArgumentTypeError(f"expected a VPA of the form handle@psp, got {text!r}")
    return text


# --- running without the ocpp-upi wiring ------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """argparse prints usage plus an error and exits 2; we want the one-line form."""

    def error(self, message: str) -> NoReturn:
        raise CommandError(message)


def build_parser() -> argparse.ArgumentParser:
    """A stand-alone ``ocpp-upi`` parser holding only this command (for ``-m`` and tests)."""
    parser = _Parser(prog=PROG, allow_abbrev=False)
    add_command(parser.add_subparsers(dest="command", required=True))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m ocpp_upi.psp.command [options]``: the same as ``ocpp-upi mock-psp``."""
    try:
        args = build_parser().parse_args([NAME, *(sys.argv[1:] if argv is None else argv)])
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else 0
    except CommandError as exc:
        return _error(str(exc))
    handler: Callable[[argparse.Namespace, list[str]], int] = args.handler
    return handler(args, [])


def _error(message: str) -> int:
    print(f"{PROG}: error: {' '.join(message.splitlines())}", file=sys.stderr, flush=True)
    return 2


def _warn(message: str) -> None:
    print(f"{PROG}: warning: {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
