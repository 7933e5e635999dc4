"""check-profile on the TLS files of security profiles 2 and 3: each file judged on its own."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from ocpp_upi.config import profile_from_document
from ocpp_upi.csms import CsmsSettings, ReferenceCsms
from ocpp_upi.csms.certificates import GeneratedPki, generate
from ocpp_upi.profile_check import check_profile
from ocpp_upi.tls_material import ca_bundle_finding, expired_station_finding, station_finding


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> GeneratedPki:
    return generate(tmp_path_factory.mktemp("pki"), ("CP1",))


def test_a_current_ca_bundle_holds(pki: GeneratedPki) -> None:
    finding = ca_bundle_finding(str(pki.ca_bundle))
    assert finding.problem is None and "1 CA certificate" in finding.detail


def test_an_unreadable_ca_bundle_is_named(tmp_path: Path) -> None:
    (tmp_path / "ca.pem").write_text("not a certificate")
    finding = ca_bundle_finding(str(tmp_path / "ca.pem"))
    assert finding.problem is not None and finding.problem.startswith("unreadable")


def test_a_station_certificate_with_its_key_holds(pki: GeneratedPki) -> None:
    own = pki.chargers["CP1"]
    finding = station_finding("CP1", str(own.certificate), str(own.private_key))
    assert finding.problem is None and "key matches" in finding.detail


def test_an_expired_station_certificate_is_named(pki: GeneratedPki) -> None:
    old = pki.expired_charger
    finding = station_finding("CP1", str(old.certificate), str(old.private_key))
    assert finding.problem is not None and finding.problem.startswith("expired")


def test_an_expired_certificate_the_profile_names_must_be_expired(pki: GeneratedPki) -> None:
    old, own, other = pki.expired_charger, pki.chargers["CP1"], pki.foreign_charger
    holds = expired_station_finding("CP1", str(old.certificate), str(old.private_key))
    assert holds.problem is None and "expired" in holds.detail and "key matches" in holds.detail
    current = expired_station_finding("CP1", str(own.certificate), str(own.private_key))
    assert current.problem is not None and current.problem.startswith("not expired")
    wrong_key = expired_station_finding("CP1", str(old.certificate), str(other.private_key))
    assert wrong_key.problem is not None and "does not go with" in wrong_key.problem


def test_a_key_of_another_certificate_is_named(pki: GeneratedPki) -> None:
    own, other = pki.chargers["CP1"], pki.foreign_charger
    finding = station_finding("CP1", str(own.certificate), str(other.private_key))
    assert finding.problem is not None and "does not go with the certificate" in finding.problem


def test_check_profile_reports_the_tls_files_and_connects_over_tls(pki: GeneratedPki) -> None:
    own = pki.chargers["CP1"]
    settings = CsmsSettings(
        tls_certificate=str(pki.server.certificate),
        tls_private_key=str(pki.server.private_key),
        tls_client_ca=str(pki.ca_bundle),
    )

    async def check() -> list:
        async with ReferenceCsms(settings) as csms:
            profile = profile_from_document(
                {
                    "csms": {
                        "name": "tls",
                        "ocpp_url": csms.ocpp_url,
                        "versions": ["2.0.1"],
                        "security_profile": 3,
                        "ca_bundle": str(pki.ca_bundle),
                    },
                    "chargers": [
                        {
                            "id": "CP1",
                            "certificate": str(own.certificate),
                            "private_key": str(own.private_key),
                            "expired_certificate": str(pki.expired_charger.certificate),
                            "expired_private_key": str(pki.expired_charger.private_key),
                        }
                    ],
                },
                "<test>",
            )
            return await check_profile(profile)

    items = {item.name: item for item in asyncio.run(asyncio.wait_for(check(), 20))}
    assert items["TLS ca_bundle ca.pem"].ok
    assert items["TLS certificate of charger CP1"].ok
    assert items["TLS expired_certificate of charger CP1"].ok
    handshake = items["OCPP 2.0.1 handshake as CP1"]
    assert handshake.ok, handshake.line()
