"""Security profiles 2 and 3: a CSMS that breaks a TLS rule fails the scenario that names it.

The fault matrix runs under profile 2, where these rules cannot be broken by a variant of one
scenario's rule alone (a CSMS serving an untrusted certificate fails every connection), so each
TLS variant gets its own child run of the scenario that names its rule, on every version:

* a CSMS that lets in a station certificate no trusted CA signed (profile 3) fails "the CSMS
  refuses a station certificate from a CA it does not trust";
* a CSMS whose certificate comes from another CA, or names another host (profile 2), fails
  the first connection of any scenario, with the certificate named (here "the CSMS's frames
  conform to OCPP").

The reference CSMS passes the first under profile 3 in the external-profile run and every
scenario under profile 2 in the fault matrix's reference run.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from tests.suite_runner import SuiteRun, run_suite_timed

pytestmark = pytest.mark.slow
VARIANTS = "tests.faults.variants"


@dataclass(frozen=True)
class TlsFault:
    variant: str
    security_profile: int
    scenario: str  # -k expression of the scenario that names the rule
    messages: tuple[str, ...]  # what every failing run's message must name


FAULTS = (
    TlsFault(
        "AcceptsAnyStationCertificate",
        3,
        "certificate_from_a_ca",
        ("the CSMS accepted a station certificate from a CA it does not trust",),
    ),
    TlsFault(
        "ServesUntrustedCertificate",
        2,
        "conform_to_ocpp",
        ("the CSMS's TLS certificate failed verification", "unable to get local issuer"),
    ),
    TlsFault(
        "ServesWrongHostCertificate",
        2,
        "conform_to_ocpp",
        ("the CSMS's TLS certificate failed verification", "mismatch"),
    ),
)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SuiteRun]:
    base = tmp_path_factory.mktemp("tls-faults")

    def one(fault: TlsFault) -> tuple[str, SuiteRun]:
        return fault.variant, run_suite_timed(
            base / f"{fault.variant}.xml",
            *("--csms-class", f"{VARIANTS}:{fault.variant}"),
            *("--reference-security-profile", str(fault.security_profile)),
            *("--only-feature", "ocpp_frames", "-k", fault.scenario),
        )

    with ThreadPoolExecutor(max_workers=len(FAULTS)) as pool:
        return dict(pool.map(one, FAULTS))


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.variant)
def test_each_tls_fault_fails_the_scenario_that_names_its_rule(
    fault: TlsFault, runs: dict[str, SuiteRun]
) -> None:
    run = runs[fault.variant]
    assert len(run.verdicts) == 3, f"expected one run per OCPP version: {sorted(run.verdicts)}"
    for name, verdict in run.verdicts.items():
        assert verdict.verdict == "FAIL", f"{name}: {verdict.verdict}\n{verdict.message[:1500]}"
        missing = [m for m in fault.messages if m not in verdict.message]
        assert not missing, f"{name} does not name {missing}:\n{verdict.message[:1500]}"
    assert "Traceback" not in run.output, run.output[-3000:]
