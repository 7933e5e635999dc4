"""A CSMS spells the 1.6 / 2.0.1 prepaid limit its own way, and the profile says how.

The seed (section 3.3) fixes the mechanism, not the names: a 1.6 DataTransfer and 2.0.1
customData. The reference CSMS runs in another process with another vendorId, messageId and
field names. With a profile whose [limits] table names them, every limit scenario passes; with
the profile still on the harness's default encoding, the limit scenario fails and its message
names what the CSMS did send.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ocpp_upi.paths import PROJECT_ROOT
from tests.integration.reference_process import reference_csms_process
from tests.suite_runner import Verdict, run_suite

SECRET = "limits-bank-secret-2b7f"
ENCODING = {
    "vendor_id": "com.acme.prepaid",
    "message_id": "SetSessionLimit",
    "transaction_id_field": "txId",
    "max_energy_field": "limitWh",
    "custom_data_field": "prepaidLimit",
}


@pytest.fixture(scope="module")
def acme_csms(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    args = ["--secret", SECRET, "--tax-rate", "0.18"]
    for field, value in ENCODING.items():
        args += [f"--limit-{field.replace('_', '-')}", value]
    with reference_csms_process(tmp_path_factory.mktemp("acme"), args) as endpoints:
        yield endpoints


def _profile(endpoints: dict[str, str], limits: bool) -> str:
    text = f"""
[csms]
name = "reference CSMS with its own limit encoding"
ocpp_url = "{endpoints["ocpp_url"]}"
versions = ["1.6", "2.0.1"]
security_profile = 0

[[chargers]]
id = "*"

[bank]
webhook_url = "{endpoints["bank_webhook_url"]}"
secret = "{SECRET}"

[tariff]
price_per_kwh = "10"
tax_rate = "0.18"

[timeouts]
connect = 2.0
response = 5.0
remote_start = 3.0
quiet_window = 0.5
settlement = 8.0
"""
    if limits:
        text += "\n[limits]\n" + "".join(f'{k} = "{v}"\n' for k, v in ENCODING.items())
    return text


def _run(
    endpoints: dict[str, str], folder: Path, limits: bool, *selection: str
) -> dict[str, Verdict]:
    profile = folder / ("acme.toml" if limits else "default.toml")
    profile.write_text(_profile(endpoints, limits), encoding="utf-8")
    junit = folder / f"{profile.stem}.xml"
    args = ("--csms-profile", str(profile), "--only-feature", "transaction_limits")
    return run_suite(junit, *args, *selection)


def test_the_csmss_own_limit_encoding_passes_when_the_profile_names_it(
    acme_csms: dict[str, str], tmp_path: Path
) -> None:
    verdicts = _run(acme_csms, tmp_path, limits=True)
    ran = {n: v for n, v in verdicts.items() if v.verdict != "NOT APPLICABLE"}
    # the energy scenarios (all but the 2.1-only maxCost one) x 1.6 and 2.0.1
    energy = (PROJECT_ROOT / "features" / "transaction_limits.feature").read_text().count(
        "Scenario:"
    ) - 1
    assert len(ran) == 2 * energy, sorted(verdicts)
    failed = {n: v.message[:600] for n, v in ran.items() if v.verdict != "PASS"}
    assert not failed, failed


def test_the_default_encoding_fails_naming_the_mismatch(
    acme_csms: dict[str, str], tmp_path: Path
) -> None:
    # The scenario that reads the limit's encoding (the feature's others would fail on it too,
    # each after waiting out a deadline for a limit that never comes in the default spelling).
    scenario = "test_the_limit_is_the_energy_the_prepaid_amount_buys_in_wh_after_tax"
    verdicts = _run(acme_csms, tmp_path, False, "-k", scenario)
    assert len(verdicts) == 2, sorted(verdicts)
    for version in ("ocpp1.6", "ocpp2.0.1"):
        name = f"{scenario}[{version}]"
        verdict = verdicts[name]
        assert verdict.verdict == "FAIL", (name, verdict.verdict, verdict.message[:600])
        assert "the CSMS did not limit the session" in verdict.message
        # What the CSMS sent instead is named, so the vendor sees the encoding to declare.
        sent = "SetSessionLimit" if version == "ocpp1.6" else "com.acme.prepaid"
        assert sent in verdict.message, verdict.message[:1500]
