"""The external path: the suite drives a CSMS in another process, reached only via a profile.

The reference CSMS is started as a separate OS process (``ocpp-upi reference-csms``), a TOML
profile is written that names its OCPP URL, webhooks, secrets, charger identities, pay page and
tariff, and every feature (static QR, webpage redirect, refunds) runs through that profile,
with the harness's mock PSP on the port the CSMS was configured with. This is how a vendor's
CSMS, in any language, is tested.

An external CSMS is judged by one serial run per profile (its charger identities are shared).
To keep the whole suite through a profile within a fast ``make test``, each OCPP version gets
its own CSMS process and profile, and the three serial runs go side by side.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest

from ocpp_upi.csms.certificates import generate
from tests.integration.reference_process import (
    ExternalAccount,
    free_port,
    reference_csms_process,
)
from tests.suite_runner import Verdict, run_suite

ACCOUNT = ExternalAccount(
    bank_secret="external-bank-secret-7c1e",
    charger_password="external-charger-password-01",
    psp_key_id="rzp_test_external",
    psp_key_secret="external-psp-key-secret-55",
    psp_webhook_secret="external-psp-webhook-secret-66",
)
TIMEOUTS = """connect = 5.0
response = 5.0
remote_start = 5.0
quiet_window = 0.5
settlement = 8.0"""


VERSIONS = ("1.6", "2.0.1", "2.1")


@pytest.fixture(scope="module")
def account(tmp_path_factory: pytest.TempPathFactory) -> ExternalAccount:
    """The account, over security profile 3: TLS with a client certificate per charger, from a
    PKI generated for this run (the whole suite then also proves profile 3 on every version)."""
    pki = generate(tmp_path_factory.mktemp("pki"), ACCOUNT.charger_ids())
    return replace(ACCOUNT, pki=pki)


@pytest.fixture(scope="module")
def external_csmss(
    tmp_path_factory: pytest.TempPathFactory, account: ExternalAccount
) -> Iterator[dict[str, dict[str, str]]]:
    """One reference CSMS process per OCPP version, each with its mock PSP port."""
    with contextlib.ExitStack() as stack:
        running = {}
        for version in VERSIONS:
            psp_port = free_port()
            folder = tmp_path_factory.mktemp(f"external-{version}")
            endpoints = stack.enter_context(
                reference_csms_process(folder, account.csms_args(psp_port))
            )
            running[version] = {**endpoints, "psp_listen": f"127.0.0.1:{psp_port}"}
        yield running


def _profile(account: ExternalAccount, endpoints: dict[str, str], version: str) -> str:
    return account.profile(
        endpoints,
        endpoints["psp_listen"],
        name="reference CSMS in another process",
        versions=(version,),
        timeouts=TIMEOUTS,
    )


def test_every_feature_passes_through_a_profile(
    external_csmss: dict[str, dict[str, str]], account: ExternalAccount, tmp_path: Path
) -> None:
    assert all(e["ocpp_url"].startswith("wss://") for e in external_csmss.values())

    def one(version: str) -> dict[str, Verdict]:
        profile = tmp_path / f"external-{version}.toml"
        profile.write_text(_profile(account, external_csmss[version], version))
        return run_suite(tmp_path / f"junit-{version}.xml", "--csms-profile", str(profile))

    verdicts: dict[str, Verdict] = {}
    with ThreadPoolExecutor(max_workers=len(VERSIONS)) as pool:
        for part in pool.map(one, VERSIONS):
            verdicts.update(part)
    assert len(verdicts) >= 58, sorted(verdicts)
    failed = {
        n: v.message[:500]
        for n, v in verdicts.items()
        if v.verdict != "PASS"
        and "is defined for OCPP" not in v.message
        and "no HTTP Basic auth" not in v.message  # profile 3: stations use certificates
    }
    assert not failed, failed
    for version in ("ocpp1.6", "ocpp2.0.1", "ocpp2.1"):
        assert sum(n.endswith(f"[{version}]") for n in verdicts) >= 19
