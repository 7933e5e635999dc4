"""Security profiles 2 and 3: a CSMS that breaks a TLS rule fails the scenario that names it.

Each variant here gets its own child run of the security scenarios (and one that boots), on
every version, under the security profile its rule belongs to:

* a CSMS that lets in a station certificate no trusted CA signed, or an expired one (profile
  3), fails exactly "the CSMS refuses a station certificate from a CA it does not trust", or
  "the CSMS refuses an expired station certificate": every other run passes (or is NOT
  APPLICABLE under profile 3);
* a CSMS whose certificate comes from another CA, or names another host (profile 2), fails
  every run at its first connection, with the certificate named.

A CSMS that also speaks plain ws:// on its TLS port is in the fault matrix (which runs under
profile 2). The reference CSMS passes these scenarios under profile 3 in the external-profile run
and under profile 2 in the fault matrix's reference run.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from tests.suite_runner import SuiteRun, run_suite_timed

pytestmark = pytest.mark.slow
VARIANTS = "tests.faults.variants"


EVERY_RUN = ""  # a TLS fault on the CSMS's side fails every run at its first connection


@dataclass(frozen=True)
class TlsFault:
    variant: str
    security_profile: int
    # Fragment of a failing scenario's name -> what its failing runs' messages must name;
    # every other run that applies must pass.
    aimed: dict[str, tuple[str, ...]]


CERTIFICATE_ISSUE = "the CSMS's TLS certificate failed verification"
FAULTS = (
    TlsFault(  # any certificate: also an expired one
        "AcceptsAnyStationCertificate",
        3,
        {
            "certificate_from_a_ca": (
                "the CSMS accepted a station certificate from a CA it does not trust",
            ),
            "expired_station_certificate": ("the CSMS accepted an expired station certificate",),
        },
    ),
    TlsFault(
        "AcceptsExpiredStationCertificate",
        3,
        {"expired_station_certificate": ("the CSMS accepted an expired station certificate",)},
    ),
    TlsFault(
        "ServesUntrustedCertificate",
        2,
        {EVERY_RUN: (CERTIFICATE_ISSUE, "unable to get local issuer")},
    ),
    TlsFault("ServesWrongHostCertificate", 2, {EVERY_RUN: (CERTIFICATE_ISSUE, "mismatch")}),
)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SuiteRun]:
    base = tmp_path_factory.mktemp("tls-faults")

    def one(fault: TlsFault) -> tuple[str, SuiteRun]:
        return fault.variant, run_suite_timed(
            base / f"{fault.variant}.xml",
            *("--csms-class", f"{VARIANTS}:{fault.variant}"),
            *("--reference-security-profile", str(fault.security_profile)),
            *("--only-feature", "ocpp_frames", "-k", "security or conform_to_ocpp"),
        )

    with ThreadPoolExecutor(max_workers=len(FAULTS)) as pool:
        return dict(pool.map(one, FAULTS))


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.variant)
def test_each_tls_fault_fails_the_scenario_that_names_its_rule(
    fault: TlsFault, runs: dict[str, SuiteRun]
) -> None:
    run = runs[fault.variant]
    judged = {n: v for n, v in run.verdicts.items() if v.verdict != "NOT APPLICABLE"}
    assert len(judged) >= 9, f"the security scenarios and a booting one: {sorted(judged)}"
    failing = 0
    for name, verdict in judged.items():
        aimed = [m for fragment, m in fault.aimed.items() if fragment in name]
        if not aimed:
            assert verdict.verdict == "PASS", f"{name}: {verdict.verdict}\n{verdict.message[:800]}"
            continue
        failing += 1
        assert verdict.verdict == "FAIL", f"{name}: {verdict.verdict}\n{verdict.message[:1500]}"
        missing = [m for m in aimed[0] if m not in verdict.message]
        assert not missing, f"{name} does not name {missing}:\n{verdict.message[:1500]}"
    expected = len(judged) if EVERY_RUN in fault.aimed else 3 * len(fault.aimed)
    assert failing == expected, f"{failing} runs failed, expected {expected}: {sorted(judged)}"
    assert "Traceback" not in run.output, run.output[-3000:]
