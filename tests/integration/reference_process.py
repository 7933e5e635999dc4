"""The bundled reference CSMS as a separate OS process, as a vendor's CSMS would run, and the
profile that points the suite at it.

Started through its command line (``ocpp-upi reference-csms``) on free ports; the endpoints are
read from its ready file once it prints its ready line; SIGTERM ends it, and its CPU time is read
from the kernel when it is reaped (``benchmarks/overhead.py`` reports it). The external-profile
self-test and the overhead benchmark both use it.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ocpp_upi.csms.certificates import GeneratedPki
from ocpp_upi.paths import PROJECT_ROOT

READY_TIMEOUT_S = 30.0
EXIT_TIMEOUT_S = 10.0
RETURN_PATH = "/pay/return?order_id={order_id}&payment_id={payment_id}"


@dataclass
class ReferenceProcess:
    endpoints: dict[str, str]
    cpu_s: float | None = None  # user + system CPU seconds, known once the process is reaped


def free_port() -> int:
    """A loopback port for the harness's mock PSP, which the CSMS must know before it starts
    (as a vendor's CSMS is configured with the PSP's base URL)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def running_reference_csms(folder: Path, args: Sequence[str]) -> Iterator[ReferenceProcess]:
    """Run ``ocpp-upi reference-csms <args>`` on free ports until the block ends."""
    ready = folder / "ready.json"
    command = [sys.executable, "-m", "ocpp_upi.cli", "reference-csms", "--port", "0"]
    command += ["--http-port", "0", "--ready-file", str(ready), *args]
    process = subprocess.Popen(
        command, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    running = ReferenceProcess({})
    try:
        # The ready line is printed after the ready file is written: wait on the line.
        line = _read_line(process, READY_TIMEOUT_S)
        assert line.startswith("reference CSMS ready"), f"unexpected first line: {line!r}"
        running.endpoints = json.loads(ready.read_text())
        yield running
    finally:
        process.terminate()
        running.cpu_s = _reap(process)


@contextlib.contextmanager
def reference_csms_process(folder: Path, args: Sequence[str]) -> Iterator[dict[str, str]]:
    """Run ``ocpp-upi reference-csms <args>`` on free ports; yield its announced endpoints."""
    with running_reference_csms(folder, args) as running:
        yield running.endpoints


def _reap(process: subprocess.Popen[str]) -> float:
    """Wait for the process to exit (killing it after EXIT_TIMEOUT_S); its CPU seconds."""
    deadline = time.monotonic() + EXIT_TIMEOUT_S
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return usage.ru_utime + usage.ru_stime
        if time.monotonic() > deadline:
            process.kill()
            deadline = float("inf")
        time.sleep(0.05)


def _read_line(process: subprocess.Popen[str], timeout: float) -> str:
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            raise AssertionError(f"reference CSMS not ready within {timeout} s")
    line = process.stdout.readline()
    if not line:
        stderr = process.stderr.read() if process.stderr else ""
        raise AssertionError(f"reference CSMS exited: {stderr[-2000:]}")
    return line.strip()


@dataclass(frozen=True)
class ExternalAccount:
    """The secrets and identities a vendor would configure in both the CSMS and the profile."""

    bank_secret: str
    charger_password: str
    psp_key_id: str
    psp_key_secret: str
    psp_webhook_secret: str
    charger_prefix: str = "EXT-CP"
    # Security profile 3: the PKI both sides are configured with (None: profile 1, plain ws).
    pki: GeneratedPki | None = None

    def charger_ids(self) -> tuple[str, ...]:
        return tuple(f"{self.charger_prefix}-{n:02d}" for n in range(1, 4))

    def csms_args(self, psp_port: int) -> list[str]:
        """The reference CSMS's command line for this account, its PSP on ``psp_port``."""
        if self.pki is not None:  # profile 3: TLS, stations known by their certificates
            credentials = [
                *("--tls-certificate", str(self.pki.server.certificate)),
                *("--tls-private-key", str(self.pki.server.private_key)),
                *("--tls-client-ca", str(self.pki.ca_bundle)),
            ]
        else:
            credentials = ["--password", self.charger_password]
        return [
            "--secret",
            self.bank_secret,
            *credentials,
            "--psp-base-url",
            f"http://127.0.0.1:{psp_port}",
            "--psp-key-id",
            self.psp_key_id,
            "--psp-key-secret",
            self.psp_key_secret,
            "--psp-webhook-secret",
            self.psp_webhook_secret,
            "--start-deadline",
            "2.0",
        ]

    def _credentials(self, charger_id: str) -> str:
        if self.pki is None:
            return f'password = "{self.charger_password}"\n'
        own = self.pki.chargers[charger_id]
        files = f'certificate = "{own.certificate}"\nprivate_key = "{own.private_key}"\n'
        if charger_id == self.charger_ids()[0]:  # the PKI's expired certificate is for it
            expired = self.pki.expired_charger
            files += (
                f'expired_certificate = "{expired.certificate}"\n'
                f'expired_private_key = "{expired.private_key}"\n'
            )
        return files

    def profile(
        self,
        endpoints: dict[str, str],
        psp_listen: str,
        *,
        name: str,
        versions: Sequence[str] = ("1.6", "2.0.1", "2.1"),
        timeouts: str = "quiet_window = 0.5",
    ) -> str:
        """The TOML profile that reaches the running CSMS only through its endpoints."""
        chargers = "\n".join(
            f'[[chargers]]\nid = "{charger_id}"\n{self._credentials(charger_id)}evses = 1\n'
            for charger_id in self.charger_ids()
        )
        tls = "" if self.pki is None else f'ca_bundle = "{self.pki.ca_bundle}"\n'
        return f"""
[csms]
name = "{name}"
ocpp_url = "{endpoints["ocpp_url"]}"
versions = {json.dumps(list(versions))}
security_profile = {1 if self.pki is None else 3}
{tls}local_id_tag = "EXTERNAL-CARD-1"

{chargers}
[bank]
webhook_url = "{endpoints["bank_webhook_url"]}"
secret = "{self.bank_secret}"

[static_qr]
link_url_template = "{endpoints["static_qr_url_template"]}"
image_url_template = "{endpoints["static_qr_image_url_template"]}"

[tariff]
price_per_kwh = "10.00"
tax_rate = "0.18"

[timeouts]
{timeouts}

[psp]
listen = "{psp_listen}"
key_id = "{self.psp_key_id}"
key_secret = "{self.psp_key_secret}"
webhook_secret = "{self.psp_webhook_secret}"
webhook_url = "{endpoints["psp_webhook_url"]}"

[pay_page]
url_template = "{endpoints["pay_page_url_template"]}"
return_url_template = "{endpoints["http_base_url"]}{RETURN_PATH}"

[hooks]
preset = "tzi-octt"
trigger_url = "{endpoints["http_base_url"]}"
"""
