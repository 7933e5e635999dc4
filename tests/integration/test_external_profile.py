"""The external path: the suite drives a CSMS in another process, reached only via a profile.

The reference CSMS is started as a separate OS process (``ocpp-upi reference-csms``), a TOML
profile is written that names its OCPP URL, webhooks, secrets, charger identities, pay page and
tariff, and every feature (static QR, webpage redirect, refunds) runs through that profile,
with the harness's mock PSP on the port the CSMS was configured with. This is how a vendor's
CSMS, in any language, is tested.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.reference_process import reference_csms_process
from tests.suite_runner import run_suite

SECRET = "external-bank-secret-7c1e"
PASSWORD = "external-charger-password-01"
PSP_KEY_ID = "rzp_test_external"
PSP_KEY_SECRET = "external-psp-key-secret-55"
PSP_WEBHOOK_SECRET = "external-psp-webhook-secret-66"
RETURN_PATH = "/pay/return?order_id={order_id}&payment_id={payment_id}"


def _free_port() -> int:
    """A loopback port for the harness's mock PSP, which the CSMS must know before it starts
    (as a vendor's CSMS is configured with the PSP's base URL)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def external_csms(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    psp_port = _free_port()
    args = [
        "--secret",
        SECRET,
        "--password",
        PASSWORD,
        "--psp-base-url",
        f"http://127.0.0.1:{psp_port}",
        "--psp-key-id",
        PSP_KEY_ID,
        "--psp-key-secret",
        PSP_KEY_SECRET,
        "--psp-webhook-secret",
        PSP_WEBHOOK_SECRET,
        "--start-deadline",
        "2.0",
    ]
    with reference_csms_process(tmp_path_factory.mktemp("external"), args) as endpoints:
        yield {**endpoints, "psp_listen": f"127.0.0.1:{psp_port}"}


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
local_id_tag = "EXTERNAL-CARD-1"

{chargers}
[bank]
webhook_url = "{endpoints["bank_webhook_url"]}"
secret = "{SECRET}"

[static_qr]
link_url_template = "{endpoints["static_qr_url_template"]}"
image_url_template = "{endpoints["static_qr_image_url_template"]}"

[tariff]
price_per_kwh = "10.00"
tax_rate = "0"

[timeouts]
connect = 5.0
response = 5.0
remote_start = 5.0
quiet_window = 0.5
settlement = 8.0

[psp]
listen = "{endpoints["psp_listen"]}"
key_id = "{PSP_KEY_ID}"
key_secret = "{PSP_KEY_SECRET}"
webhook_secret = "{PSP_WEBHOOK_SECRET}"
webhook_url = "{endpoints["psp_webhook_url"]}"

[pay_page]
url_template = "{endpoints["pay_page_url_template"]}"
return_url_template = "{endpoints["http_base_url"]}{RETURN_PATH}"

[hooks]
preset = "tzi-octt"
trigger_url = "{endpoints["http_base_url"]}"
"""


def test_every_feature_passes_through_a_profile(
    external_csms: dict[str, str], tmp_path: Path
) -> None:
    profile = tmp_path / "external.toml"
    profile.write_text(_profile(external_csms))
    verdicts = run_suite(tmp_path / "junit.xml", "--csms-profile", str(profile))
    assert len(verdicts) >= 58, sorted(verdicts)
    failed = {
        n: v.message[:500]
        for n, v in verdicts.items()
        if v.verdict != "PASS" and "is defined for OCPP" not in v.message
    }
    assert not failed, failed
    for version in ("ocpp1.6", "ocpp2.0.1", "ocpp2.1"):
        assert sum(n.endswith(f"[{version}]") for n in verdicts) >= 19
