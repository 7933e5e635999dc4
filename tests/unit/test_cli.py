"""The ``ocpp-upi`` command: user mistakes are one stderr line and exit 2; runs reach pytest intact.

The conformance suite itself is never started here: ``pytest.main`` is replaced and the argument
list it would have received is checked instead.
"""

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import types
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ocpp_upi import cli, reachability
from ocpp_upi.config import load_profile, profile_template
from ocpp_upi.paths import CONFORMANCE_MODULE, SUITE_ROOT


def _closed_port() -> int:
    """A loopback port nobody listens on: bound, read back, released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def listeners() -> Iterator[tuple[int, int]]:
    """Two listening loopback sockets standing in for the CSMS's OCPP and HTTP ports.

    The kernel completes a TCP handshake into the backlog without accept(), which is all the
    reachability check needs.
    """
    socks = [socket.create_server(("127.0.0.1", 0)) for _ in range(2)]
    try:
        yield socks[0].getsockname()[1], socks[1].getsockname()[1]
    finally:
        for sock in socks:
            sock.close()


def _profile(
    tmp_path: Path, ocpp_port: int, http_port: int, versions: str = '"1.6", "2.0.1", "2.1"'
) -> Path:
    text = (
        profile_template()
        .replace("127.0.0.1:9000", f"127.0.0.1:{ocpp_port}")
        .replace("127.0.0.1:9001", f"127.0.0.1:{http_port}")
        .replace('"1.6", "2.0.1", "2.1"', versions)
        .replace("connect = 5.0", "connect = 2.0")
    )
    path = tmp_path / "acme.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("ocpp-upi: error: "), err
    return lines[0]


class _FakePytest:
    """Records what ``cli`` would hand to pytest, and from which directory."""

    def __init__(self, exit_code: int = 0) -> None:
        self.exit_code = exit_code
        self.calls: list[tuple[list[str], Path]] = []

    def __call__(self, args: list[str]) -> int:
        self.calls.append((list(args), Path.cwd()))
        return self.exit_code


@pytest.fixture
def fake_pytest(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> _FakePytest:
    fake = _FakePytest(exit_code=1)
    monkeypatch.setattr(pytest, "main", fake)
    monkeypatch.chdir(tmp_path)  # reports default to ./reports of the current directory
    return fake


def _expected_head(reports: Path) -> list[str]:
    return [
        str(CONFORMANCE_MODULE),
        "--rootdir",
        str(SUITE_ROOT),
        "-p",
        "ocpp-upi",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:hypothesispytest",
        "-p",
        "no:respx",
        "-p",
        "no:locust",
        "-p",
        "no:unraisableexception",
        "-p",
        "no:anyio",
        "-p",
        "no:xdist.looponfail",
        "--ocpp-upi-reports",
        str(reports),
        "-W",
        "ignore::pytest.PytestAssertRewriteWarning",
        "--tb=short",
    ]


# --- run: user errors ----------------------------------------------------------------------------


def test_run_with_missing_profile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing.toml"
    assert cli.main(["run", "--profile", str(missing)]) == 2
    assert _one_error_line(capsys) == f"ocpp-upi: error: profile {missing}: file not found"


def test_run_with_broken_known_failures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fake_pytest: _FakePytest
) -> None:
    path = tmp_path / "gaps.toml"
    path.write_text('[[known_failure]]\nscenario = "S"\n', encoding="utf-8")
    assert cli.main(["run", "--known-failures", str(path)]) == 2
    assert "reason is required" in _one_error_line(capsys)
    assert not fake_pytest.calls


def test_run_hands_the_known_failures_to_pytest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_pytest: _FakePytest
) -> None:
    (tmp_path / "gaps.toml").write_text(
        '[[known_failure]]\nscenario = "S"\nreason = "r"\n', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    cli.main(["run", "--known-failures", "gaps.toml"])
    [(args, _)] = fake_pytest.calls
    assert args[-2:] == ["--known-failures", str(tmp_path / "gaps.toml")]


def test_run_with_invalid_profile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "acme.toml"
    path.write_text(profile_template().replace("secret = ", "secrte = "), encoding="utf-8")
    assert cli.main(["run", "--profile", str(path)]) == 2
    assert "[bank] secrte: unknown key" in _one_error_line(capsys)


def test_run_with_unreachable_csms(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fake_pytest: _FakePytest
) -> None:
    port = _closed_port()
    path = _profile(tmp_path, port, port)
    assert cli.main(["run", "--profile", str(path)]) == 2
    assert _one_error_line(capsys) == (
        f"ocpp-upi: error: CSMS unreachable: ws://127.0.0.1:{port}/ocpp (connection refused)"
    )
    assert fake_pytest.calls == []


def test_run_with_unreachable_webhook(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    fake_pytest: _FakePytest,
    listeners: tuple[int, int],
) -> None:
    port = _closed_port()
    path = _profile(tmp_path, listeners[0], port)
    assert cli.main(["run", "--profile", str(path)]) == 2
    assert _one_error_line(capsys) == (
        f"ocpp-upi: error: CSMS unreachable: http://127.0.0.1:{port}/webhooks/bank "
        "(connection refused)"
    )


@pytest.mark.parametrize("value", ["3.0", "1.6,3.0", ""])
def test_run_with_unknown_ocpp_version(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["run", "--ocpp", value]) == 2
    assert "--ocpp" in _one_error_line(capsys)


def test_run_cannot_widen_the_profile_versions(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    fake_pytest: _FakePytest,
    listeners: tuple[int, int],
) -> None:
    path = _profile(tmp_path, *listeners, versions='"2.0.1"')
    assert cli.main(["run", "--profile", str(path), "--ocpp", "1.6,2.0.1"]) == 2
    assert "--ocpp 1.6: not supported by the CSMS" in _one_error_line(capsys)
    assert fake_pytest.calls == []


@pytest.mark.parametrize("value", ["0", "-1", "soon", "nan"])
def test_run_with_bad_quiet_window(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["run", "--quiet-window", value]) == 2
    assert "--quiet-window" in _one_error_line(capsys)


@pytest.mark.parametrize("value", ["respons=2", "response", "response=0", "settlement=soon"])
def test_run_with_bad_timeout(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["run", "--timeout", value]) == 2
    line = _one_error_line(capsys)
    assert "--timeout" in line and value in line


def test_run_hands_each_timeout_override_to_pytest(
    tmp_path: Path, fake_pytest: _FakePytest
) -> None:
    argv = ["run", "--timeout", "response=20", "--timeout", "settlement=60"]
    assert cli.main(argv) == 1
    [(args, _)] = fake_pytest.calls
    at = args.index("--timeout")
    assert args[at : at + 4] == ["--timeout", "response=20", "--timeout", "settlement=60"]


def test_no_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 2
    _one_error_line(capsys)


# --- run: what reaches pytest --------------------------------------------------------------------


def test_run_hands_the_profile_to_pytest(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fake_pytest: _FakePytest,
    listeners: tuple[int, int],
) -> None:
    reports = tmp_path / "reports"
    _profile(tmp_path, *listeners, versions='"2.1", "1.6"')

    argv = ["run", "--profile", "acme.toml", "--quiet-window", "0.25", "-k", "static_qr", "-x"]
    assert cli.main(argv) == 1  # pytest's exit status, whatever it is

    [(args, cwd)] = fake_pytest.calls
    assert args == [
        *_expected_head(reports),
        "--csms-profile",
        str(tmp_path / "acme.toml"),
        "--ocpp-versions",
        "1.6,2.1",
        "--quiet-window",
        "0.25",
        "-k",
        "static_qr",
        "-x",
    ]
    assert cwd == tmp_path  # pytest runs where the user is: passed-through paths keep meaning


def test_run_without_profile_uses_the_reference_csms(
    tmp_path: Path, fake_pytest: _FakePytest
) -> None:
    assert cli.main(["run", "--ocpp", "2.1,1.6", "--", "--profile", "-q"]) == 1
    [(args, _)] = fake_pytest.calls
    assert args == [
        *_expected_head(tmp_path / "reports"),
        "--ocpp-versions",
        "1.6,2.1",
        "-n",  # the reference CSMS runs four scenarios at a time, one per pytest-xdist worker
        "4",
        "--profile",
        "-q",
    ]


def test_run_writes_reports_where_told(tmp_path: Path, fake_pytest: _FakePytest) -> None:
    cli.main(["run", "--reports-dir", "out/certification"])
    [(args, _)] = fake_pytest.calls
    assert args[: len(_expected_head(tmp_path))] == _expected_head(
        tmp_path / "out" / "certification"
    )


def test_run_defaults_to_every_version(tmp_path: Path, fake_pytest: _FakePytest) -> None:
    cli.main(["run"])
    [(args, _)] = fake_pytest.calls
    assert args[-4:-2] == ["--ocpp-versions", "1.6,2.0.1,2.1"]


def test_run_workers_override_the_default(tmp_path: Path, fake_pytest: _FakePytest) -> None:
    cli.main(["run", "--workers", "1"])
    cli.main(["run", "--workers", "2"])
    serial, two = (args for args, _ in fake_pytest.calls)
    assert "-n" not in serial
    assert two[-2:] == ["-n", "2"]


@pytest.mark.parametrize("workers", ["0", "-1", "x", "33"])
def test_run_refuses_a_worker_count_out_of_range(
    workers: str, fake_pytest: _FakePytest, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["run", "--workers", workers]) == 2
    assert "--workers" in _one_error_line(capsys)
    assert fake_pytest.calls == []


def test_an_external_csms_runs_one_scenario_at_a_time(
    tmp_path: Path,
    fake_pytest: _FakePytest,
    listeners: tuple[int, int],
    capsys: pytest.CaptureFixture[str],
) -> None:
    _profile(tmp_path, *listeners, versions='"2.1"')
    assert cli.main(["run", "--profile", "acme.toml"]) == 1
    assert "-n" not in fake_pytest.calls[0][0]
    assert cli.main(["run", "--profile", "acme.toml", "--workers", "3"]) == 2
    assert "one scenario at a time" in _one_error_line(capsys)


# --- other commands ------------------------------------------------------------------------------


def test_profile_template_output_loads(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["profile-template"]) == 0
    path = tmp_path / "printed.toml"
    path.write_text(capsys.readouterr().out, encoding="utf-8")
    assert load_profile(path).target.name == "Acme CSMS"


@pytest.mark.parametrize(
    "argv",
    [
        ["reference-csms", "--port", "65536"],
        ["reference-csms", "--http-port", "x"],
        ["reference-csms", "--price-per-kwh", "-1"],
        ["reference-csms", "--unknown"],
        ["reference-csms", "--tls-certificate", "server.pem"],  # and no key
        ["reference-csms", "--tls-client-ca", "ca.pem"],  # profile 3 without a certificate
        ["profile-template", "extra"],
    ],
)
def test_bad_arguments(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(argv) == 2
    _one_error_line(capsys)


class _FakeCsms:
    ocpp_url = "ws://127.0.0.1:1234/ocpp"
    http_base_url = "http://127.0.0.1:1235"
    bank_webhook_url = "http://127.0.0.1:1235/webhooks/bank"
    static_qr_url_template = "http://127.0.0.1:1235/static-qr/{charger_id}/{evse}"
    static_qr_image_url_template = "http://127.0.0.1:1235/static-qr-image/{charger_id}/{evse}"

    def endpoints(self) -> dict[str, str]:
        return {
            name: getattr(self, name)
            for name in (
                "ocpp_url",
                "http_base_url",
                "bank_webhook_url",
                "static_qr_url_template",
                "static_qr_image_url_template",
            )
        }


def _install_fake_csms(
    monkeypatch: pytest.MonkeyPatch, serve: Callable[..., Any]
) -> list[dict[str, Any]]:
    """Stand-ins for the reference CSMS modules, so the wiring is tested on its own."""
    made: list[dict[str, Any]] = []

    def settings(**options: Any) -> dict[str, Any]:
        made.append(options)
        return options

    server = types.ModuleType("ocpp_upi.csms.server")
    server.serve_forever = serve  # type: ignore[attr-defined]
    settings_module = types.ModuleType("ocpp_upi.csms.settings")
    settings_module.CsmsSettings = settings  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "ocpp_upi.csms.server", server)
    monkeypatch.setitem(sys.modules, "ocpp_upi.csms.settings", settings_module)
    return made


def test_reference_csms_announces_and_stops_on_signal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def serve_forever(
        settings: Any, ready: Callable[[Any], None], stop_event: asyncio.Event
    ) -> None:
        ready(_FakeCsms())
        os.kill(os.getpid(), signal.SIGINT)  # must set stop_event, not interrupt pytest
        await asyncio.wait_for(stop_event.wait(), timeout=5)

    made = _install_fake_csms(monkeypatch, serve_forever)
    sigint_before = signal.getsignal(signal.SIGINT)
    ready_file = tmp_path / "run" / "ready.json"
    argv = ["reference-csms", "--port", "0", "--http-port", "0", "--password", "pw"]
    argv += ["--tax-rate", "0.18", "--ready-file", str(ready_file)]

    assert cli.main(argv) == 0

    assert capsys.readouterr().out == (
        "reference CSMS ready: ocpp=ws://127.0.0.1:1234/ocpp "
        "webhook=http://127.0.0.1:1235/webhooks/bank "
        "static_qr=http://127.0.0.1:1235/static-qr/{charger_id}/{evse}\n"
    )
    assert json.loads(ready_file.read_text()) == {
        "ocpp_url": _FakeCsms.ocpp_url,
        "http_base_url": _FakeCsms.http_base_url,
        "bank_webhook_url": _FakeCsms.bank_webhook_url,
        "static_qr_url_template": _FakeCsms.static_qr_url_template,
        "static_qr_image_url_template": _FakeCsms.static_qr_image_url_template,
    }
    assert list(ready_file.parent.iterdir()) == [ready_file]  # no temp file left behind
    assert made == [
        {
            "host": "127.0.0.1",
            "ocpp_port": 0,
            "http_port": 0,
            "charger_password": "pw",
            "tax_rate": Decimal("0.18"),  # given; the price is left to the CSMS's default
            "web_payments": False,  # no PSP given: no pay page, so no dynamic QR either
        }
    ]
    assert signal.getsignal(signal.SIGINT) is sigint_before


def test_reference_csms_port_in_use_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def serve_forever(settings: Any, **_: Any) -> None:
        raise OSError(98, "error while attempting to bind on address: address already in use")

    _install_fake_csms(monkeypatch, serve_forever)
    assert cli.main(["reference-csms"]) == 2
    assert "address already in use" in _one_error_line(capsys)


def test_reference_csms_process(tmp_path: Path) -> None:
    """The real server as a process: announces free ports, accepts TCP, exits 0 on SIGTERM."""
    server = pytest.importorskip("ocpp_upi.csms.server")
    if not hasattr(server, "serve_forever"):
        pytest.skip("ocpp_upi.csms.server has no serve_forever yet")
    ready_file = tmp_path / "ready.json"
    command = [sys.executable, "-m", "ocpp_upi.cli", "reference-csms", "--port", "0"]
    command += ["--http-port", "0", "--ready-file", str(ready_file)]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watchdog = threading.Timer(20, proc.kill)  # readline below must not hang the suite
    watchdog.start()
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            pytest.fail(f"no ready line; stderr: {proc.communicate()[1]}")
        assert line.startswith("reference CSMS ready: ocpp=ws://127.0.0.1:"), line
        endpoints = json.loads(ready_file.read_text())
        assert f"ocpp={endpoints['ocpp_url']} " in line
        assert reachability.check_reachable(endpoints["ocpp_url"], 2.0) is None
        assert reachability.check_reachable(endpoints["bank_webhook_url"], 2.0) is None
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0, proc.stderr.read() if proc.stderr else ""
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# --- reachability --------------------------------------------------------------------------------


def test_reachable_and_refused(listeners: tuple[int, int]) -> None:
    assert reachability.check_reachable(f"ws://127.0.0.1:{listeners[0]}/ocpp", 2.0) is None
    refused = reachability.check_reachable(f"http://127.0.0.1:{_closed_port()}/x", 2.0)
    assert refused == "connection refused"


def test_unreachable_times_out_within_the_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()

    def hang(host: str, port: int, timeout: float) -> str | None:
        release.wait(10)  # a resolver that never answers
        return None

    monkeypatch.setattr(reachability, "_connect", hang)
    try:
        assert reachability.check_reachable("ws://csms.example:9000", 0.05) == (
            "timed out after 0.05 s"
        )
    finally:
        release.set()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("ws://csms.example/ocpp", ("csms.example", 80)),
        ("wss://csms.example/ocpp", ("csms.example", 443)),
        ("http://[::1]:9001/x", ("::1", 9001)),
    ],
)
def test_endpoint_defaults_ports(url: str, expected: tuple[str, int]) -> None:
    assert reachability.endpoint(url) == expected


def test_version_names_the_harness_and_the_schema_sets(capsys: pytest.CaptureFixture[str]) -> None:
    from ocpp_upi.release import schema_manifest_sha256

    assert cli.main(["--version"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ocpp-upi-conformance ")
    for version in ("1.6", "2.0.1", "2.1"):
        assert f"OCPP {version}:" in out
    assert schema_manifest_sha256()[:16] in out
