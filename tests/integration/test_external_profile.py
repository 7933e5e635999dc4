"""The external path: the suite drives a CSMS in another process, reached only via a profile.

The reference CSMS is started as a separate OS process (``ocpp-upi reference-csms``), a TOML
profile is written that names its OCPP URL, webhook, secret, charger identities and tariff,
and the static-QR feature runs through that profile for all three versions. This is how a
vendor's CSMS, in any language, is tested.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ocpp_upi.paths import PROJECT_ROOT
from tests.suite_runner import run_suite

SECRET = "external-bank-secret-7c1e"
PASSWORD = "external-charger-password-01"
READY_TIMEOUT_S = 30.0


@pytest.fixture(scope="module")
def external_csms(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    base = tmp_path_factory.mktemp("external")
    ready = base / "ready.json"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ocpp_upi.cli",
            "reference-csms",
            "--port",
            "0",
            "--http-port",
            "0",
            "--secret",
            SECRET,
            "--password",
            PASSWORD,
            "--ready-file",
            str(ready),
        ],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # The ready line is printed after the ready file is written: wait on the line.
        line = _read_line(process, READY_TIMEOUT_S)
        assert line.startswith("reference CSMS ready"), f"unexpected first line: {line!r}"
        yield json.loads(ready.read_text())
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def _read_line(process: subprocess.Popen[str], timeout: float) -> str:
    import selectors

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


def _profile(endpoints: dict[str, str]) -> str:
    chargers = "\n".join(
        f'[[chargers]]\nid = "EXT-CP-{n:02d}"\npassword = "{PASSWORD}"\nevses = 1\n'
        for n in range(1, 4)
    )
    return f"""
[csms]
name = "reference CSMS in another process"
ocpp_url = "{endpoints["ocpp_url"]}"
versions = ["1.6", "2.0.1", "2.1"]
security_profile = 1

{chargers}
[bank]
webhook_url = "{endpoints["bank_webhook_url"]}"
secret = "{SECRET}"

[static_qr]
link_url_template = "{endpoints["static_qr_url_template"]}"

[tariff]
price_per_kwh = "10.00"
tax_rate = "0"

[timeouts]
connect = 5.0
response = 5.0
remote_start = 5.0
quiet_window = 0.5
"""


def test_static_qr_passes_through_a_profile(external_csms: dict[str, str], tmp_path: Path) -> None:
    profile = tmp_path / "external.toml"
    profile.write_text(_profile(external_csms))
    verdicts = run_suite(tmp_path / "junit.xml", "--csms-profile", str(profile))
    assert len(verdicts) >= 21, sorted(verdicts)
    failed = {n: v.message[:500] for n, v in verdicts.items() if v.outcome != "passed"}
    assert not failed, failed
    for version in ("ocpp1.6", "ocpp2.0.1", "ocpp2.1"):
        assert sum(n.endswith(f"[{version}]") for n in verdicts) >= 7
