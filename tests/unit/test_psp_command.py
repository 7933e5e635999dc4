"""``ocpp-upi mock-psp`` in process: settings precedence, one-line errors, announce and stop.

The process-level run (a real OS process driven by the Razorpay SDK) is
tests/integration/test_mock_psp_command.py; these pin the contract details cheaply.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ocpp_upi.config import profile_template
from ocpp_upi.psp import command
from ocpp_upi.psp.journal import Journal
from ocpp_upi.psp.settings import PspSettings

TEMPLATE = profile_template()
LISTEN = 'listen = "127.0.0.1:9100"'
DEADLINE_S = 10.0


def _profile(tmp_path: Path, text: str = TEMPLATE) -> Path:
    path = tmp_path / "acme.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} not found exactly once in the template"
    return text.replace(old, new)


def _args(*argv: str) -> argparse.Namespace:
    return command.build_parser().parse_args([command.NAME, *argv])


def _one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("ocpp-upi: error: "), lines[0]
    return lines[0].removeprefix("ocpp-upi: error: ")


def test_add_command_wires_a_handler_into_a_foreign_parser() -> None:
    """The CLI calls add_command on its own subparsers; nothing else is needed."""
    parser = argparse.ArgumentParser(prog="ocpp-upi")
    command.add_command(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["mock-psp", "--port", "0"])
    assert args.handler is command.run_command
    assert (args.port, args.host, args.profile, args.key_secret) == (0, None, None, None)


def test_defaults_without_a_profile() -> None:
    settings = command.resolve_settings(_args())
    assert (settings.host, settings.port) == ("127.0.0.1", 9100)
    defaults = PspSettings()
    assert (settings.key_id, settings.key_secret, settings.webhook_secret) == (
        defaults.key_id,
        defaults.key_secret,
        defaults.webhook_secret,
    )
    assert settings.webhook_url is None and settings.profile == "razorpay"


def test_profile_supplies_the_settings_and_flags_override_them(tmp_path: Path) -> None:
    text = _edit(TEMPLATE, LISTEN, 'listen = "127.0.0.1:9123"')
    text = _edit(text, 'key_id = "rzp_test_ocppupi"', 'key_id = "rzp_test_profile"')
    text = _edit(text, 'profile = "razorpay"', 'profile = "generic"')
    path = _profile(tmp_path, text)

    from_profile = command.resolve_settings(_args("--profile", str(path)))
    assert (from_profile.host, from_profile.port, from_profile.key_id) == (
        "127.0.0.1",
        9123,
        "rzp_test_profile",
    )
    assert from_profile.key_secret == "replace-with-the-key-secret-configured-in-your-csms"
    assert from_profile.webhook_secret.startswith("replace-with-the-psp-webhook-secret")
    assert from_profile.webhook_url == "http://127.0.0.1:9001/webhooks/psp"
    assert from_profile.profile == "generic"

    overridden = command.resolve_settings(
        _args(
            "--profile",
            str(path),
            "--port",
            "0",
            "--key-secret",
            "flag-secret",
            "--webhook-url",
            "http://127.0.0.1:9/hook",
            "--merchant-vpa",
            "ev.cpo@okicici",
            "--dialect",
            "razorpay",
        )
    )
    assert (overridden.port, overridden.key_id, overridden.key_secret) == (
        0,
        "rzp_test_profile",  # not given as a flag: the profile's stays
        "flag-secret",
    )
    assert (overridden.webhook_url, overridden.merchant_vpa, overridden.profile) == (
        "http://127.0.0.1:9/hook",
        "ev.cpo@okicici",
        "razorpay",
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (None, "file not found"),
        (TEMPLATE.split("# Static-QR payments")[0], "has no [psp] table"),
        (_edit(TEMPLATE, LISTEN, 'listen = "127.0.0.1:99999"'), "psp.listen: no port 0-65535"),
        ("[csms\n", "not valid TOML"),
    ],
)
def test_a_bad_profile_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str | None, problem: str
) -> None:
    path = tmp_path / "acme.toml" if text is None else _profile(tmp_path, text)
    assert command.main(["--profile", str(path)]) == 2
    message = _one_error_line(capsys)
    assert message.startswith(f"profile {path}: "), message
    assert problem in message
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(
    ("argv", "problem"),
    [
        (["--port", "65536"], "argument --port: expected a port 0-65535"),
        (["--webhook-url", "ftp://127.0.0.1/x"], "argument --webhook-url: expected an http://"),
        (["--webhook-url", "http:///nohost"], "argument --webhook-url: expected an http://"),
        (["--merchant-vpa", "nope"], "argument --merchant-vpa: expected a VPA"),
        (["--key-secret", " "], "argument --key-secret: expected a non-empty value"),
        (["--dialect", "stripe"], "argument --dialect: invalid choice"),
        (["--surprise"], "unrecognized arguments: --surprise"),
    ],
)
def test_a_bad_flag_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], problem: str
) -> None:
    assert command.main(argv) == 2
    assert _one_error_line(capsys).startswith(problem)


def test_unexpected_passthrough_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    """The CLI hands every command the arguments it did not parse; mock-psp takes none."""
    assert command.run_command(_args(), ["-k", "x"]) == 2
    assert _one_error_line(capsys) == "unrecognized arguments: -k x"


def test_a_busy_port_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert command.main(["--port", str(port)]) == 2
    assert _one_error_line(capsys) == f"cannot listen on 127.0.0.1:{port}: Address already in use"


@pytest.fixture
def interrupt_when_ready(tmp_path: Path) -> Iterator[tuple[Path, list[BaseException]]]:
    """Once the ready file exists, make a /v1 call, then SIGINT this process (which the command
    must turn into a clean stop). SIGINT is sent at the deadline anyway, so nothing hangs."""
    ready_file = tmp_path / "run" / "ready.json"
    failures: list[BaseException] = []

    def driver() -> None:
        deadline = time.monotonic() + DEADLINE_S
        try:
            while not ready_file.exists() and time.monotonic() < deadline:
                time.sleep(0.02)
            info = json.loads(ready_file.read_text())
            auth = ("rzp_test_flag", "flag-key-secret")
            with httpx.Client(base_url=info["api_base_url"], auth=auth, trust_env=False) as api:
                order = api.post("/orders", json={"amount": 10000, "currency": "INR"})
                assert order.status_code == 200, order.text
        except BaseException as exc:  # reported by the test, after the stop
            failures.append(exc)
        finally:
            os.kill(os.getpid(), signal.SIGINT)

    thread = threading.Thread(target=driver, daemon=True)
    thread.start()
    yield ready_file, failures
    thread.join(DEADLINE_S)


def test_serves_announces_without_secrets_and_stops_on_sigint(
    interrupt_when_ready: tuple[Path, list[BaseException]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    ready_file, failures = interrupt_when_ready
    sigint_before = signal.getsignal(signal.SIGINT)
    argv = ["--port", "0", "--ready-file", str(ready_file), "--key-id", "rzp_test_flag"]
    argv += ["--key-secret", "flag-key-secret", "--webhook-secret", "flag-webhook-secret"]

    assert command.main(argv) == 0

    assert not failures, failures
    assert signal.getsignal(signal.SIGINT) is sigint_before
    info = json.loads(ready_file.read_text())
    assert list(ready_file.parent.iterdir()) == [ready_file]  # no temp file left behind
    port = info["port"]
    assert port > 0
    assert info["base_url"] == f"http://127.0.0.1:{port}"
    assert info["api_base_url"] == f"http://127.0.0.1:{port}/v1"
    assert info["control_base_url"] == f"http://127.0.0.1:{port}/_control"
    assert (info["key_id"], info["webhook_url"], info["pid"]) == (
        "rzp_test_flag",
        None,
        os.getpid(),
    )
    assert info["key_secret_fingerprint"].startswith("<redacted: 15 chars, sha256 ")
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == (
        f"mock PSP ready: api=http://127.0.0.1:{port}/v1 control=http://127.0.0.1:{port}/_control"
    )
    assert "  key id          rzp_test_flag" in lines
    assert f"  key secret      set, {info['key_secret_fingerprint']}" in lines
    assert lines[-1] == "mock PSP stopped"
    for secret in ("flag-key-secret", "flag-webhook-secret"):
        assert secret not in out and secret not in ready_file.read_text()


def test_log_tail_ends_on_stop_even_when_its_cancel_is_swallowed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """An entry arriving in the same loop iteration as the cancel makes Python 3.11's
    asyncio.wait_for return it instead of raising CancelledError; the tail must still end, or
    shutdown would hang (seen as a mock-psp process that ignored SIGINT)."""

    async def scenario() -> None:
        stop = asyncio.Event()
        journal: Journal[int] = Journal()
        tail = asyncio.create_task(
            command._tail(stop, lambda: journal.items, journal.wait_for, str, lambda _: True)
        )
        await asyncio.sleep(0)  # one loop turn: the tail is now waiting on the journal
        journal.append(7)
        stop.set()
        tail.cancel()
        done, _ = await asyncio.wait([tail], timeout=DEADLINE_S)
        if not done:
            tail.cancel()
            pytest.fail("the log tail outlived stop: shutdown would hang")

    asyncio.run(scenario())
    assert capsys.readouterr().out == "7\n"


def test_the_built_in_test_secrets_are_printed_in_full_a_chosen_one_never() -> None:
    from ocpp_upi.psp.command import settings_lines
    from ocpp_upi.psp.settings import PspSettings
    from ocpp_upi.redaction import fingerprint

    base = {
        "api_base_url": "http://h/v1",
        "base_url": "http://h",
        "control_base_url": "http://h/_control",
        "generic_api_base_url": None,
        "key_id": "k",
        "webhook_url": None,
        "merchant_vpa": "m@bank",
        "merchant_name": "M",
        "mcc": "5552",
    }
    default = settings_lines(
        {
            **base,
            "key_secret_fingerprint": fingerprint(PspSettings.key_secret),
            "webhook_secret_fingerprint": fingerprint(PspSettings.webhook_secret),
        }
    )
    assert any(PspSettings.key_secret in line for line in default)
    chosen = settings_lines(
        {
            **base,
            "key_secret_fingerprint": fingerprint("my-own-secret-123"),
            "webhook_secret_fingerprint": fingerprint("my-own-webhook-456"),
        }
    )
    assert not any("my-own" in line for line in chosen)
    assert sum("<redacted:" in line for line in chosen) == 2
