"""Security profiles 2 and 3 on loopback: the mock charger against the reference CSMS over TLS.

The certificates are generated per test module (``ocpp_upi.csms.certificates``): nothing secret is
committed. What a station must see holds both ways: a CSMS certificate that chains to the
profile's CA and names the host is accepted, one from another CA or for another host is a FAIL
naming the certificate; under profile 3 a station's certificate from the CSMS's CA boots, one
from another CA or an expired one is refused in the TLS handshake.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from ocpp_upi.charger.station import MockCharger
from ocpp_upi.config import profile_from_document
from ocpp_upi.csms import CsmsSettings, ReferenceCsms
from ocpp_upi.csms.certificates import GeneratedPki, PemPair, generate
from ocpp_upi.ocpp.trace import FrameTrace
from ocpp_upi.tls import OCPP_TLS12_CIPHERS, charger_tls_context
from ocpp_upi.verdicts import ConformanceFailure, HarnessError

T = TypeVar("T")
PASSWORD = "profile-2-password"


def run(coro: Awaitable[T]) -> T:
    async def bounded() -> T:
        return await asyncio.wait_for(coro, 15)

    return asyncio.run(bounded())


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> GeneratedPki:
    return generate(tmp_path_factory.mktemp("pki"), ("CP1",))


def _settings(server: PemPair, client_ca: Path | None, password: str | None) -> CsmsSettings:
    return CsmsSettings(
        charger_password=password,
        tls_certificate=str(server.certificate),
        tls_private_key=str(server.private_key),
        tls_client_ca=None if client_ca is None else str(client_ca),
    )


async def _boot(
    settings: CsmsSettings, tls: ssl.SSLContext, password: str | None = None, host: str = ""
) -> FrameTrace:
    async with ReferenceCsms(settings) as csms:
        url = csms.ocpp_url if not host else csms.ocpp_url.replace("127.0.0.1", host)
        assert url.startswith("wss://")
        trace = FrameTrace("tls", "2.0.1")
        charger = MockCharger(
            identity="CP1",
            version="2.0.1",
            ocpp_url=url,
            trace=trace,
            password=password,
            tls=tls,
            response_timeout=5.0,
        )
        try:
            await charger.connect(5.0)
            await charger.boot()
        finally:
            await charger.close()
    return trace


def test_profile_2_boots_over_tls_with_basic_auth(pki: GeneratedPki) -> None:
    trace = run(
        _boot(_settings(pki.server, None, PASSWORD), charger_tls_context(pki.ca_bundle), PASSWORD)
    )
    assert "BootNotification" in trace.render()


def test_profile_2_with_a_wrong_password_is_refused_at_the_handshake(pki: GeneratedPki) -> None:
    with pytest.raises(ConformanceFailure, match="HTTP 401"):
        run(
            _boot(
                _settings(pki.server, None, PASSWORD),
                charger_tls_context(pki.ca_bundle),
                "not-the-password",
            )
        )


def test_profile_3_boots_with_the_station_certificate(pki: GeneratedPki) -> None:
    own = pki.chargers["CP1"]
    tls = charger_tls_context(pki.ca_bundle, own.certificate, own.private_key)
    trace = run(_boot(_settings(pki.server, pki.ca_bundle, None), tls))
    assert "BootNotification" in trace.render()


@pytest.mark.parametrize("which", ["foreign_charger", "expired_charger"])
def test_profile_3_refuses_a_foreign_or_expired_station_certificate(
    pki: GeneratedPki, which: str
) -> None:
    bad: PemPair = getattr(pki, which)
    tls = charger_tls_context(pki.ca_bundle, bad.certificate, bad.private_key)
    with pytest.raises(ConformanceFailure, match=r"closed the TLS connection|TLS handshake"):
        run(_boot(_settings(pki.server, pki.ca_bundle, None), tls))


def test_a_plain_websocket_offer_to_a_tls_csms_opens_nothing(pki: GeneratedPki) -> None:
    async def offer_plain() -> FrameTrace:
        async with ReferenceCsms(_settings(pki.server, None, PASSWORD)) as csms:
            trace = FrameTrace("plain", "2.0.1")
            charger = MockCharger(
                identity="CP1",
                version="2.0.1",
                ocpp_url=csms.ocpp_url,
                trace=trace,
                password=PASSWORD,
                tls=charger_tls_context(pki.ca_bundle),
                response_timeout=5.0,
            )
            await charger.connect_plain(5.0)
            return trace

    with pytest.raises(HarnessError, match=r"ws://127\.0\.0\.1:\d+/ocpp/CP1"):
        run(offer_plain())


@pytest.mark.parametrize("which", ["foreign_server", "wrong_host_server"])
def test_an_untrusted_or_wrong_host_csms_certificate_is_a_named_fail(
    pki: GeneratedPki, which: str
) -> None:
    server: PemPair = getattr(pki, which)
    with pytest.raises(ConformanceFailure, match="TLS certificate failed verification"):
        run(_boot(_settings(server, None, None), charger_tls_context(pki.ca_bundle)))


def test_the_station_offers_tls_1_2_or_newer_with_the_a00_suites(pki: GeneratedPki) -> None:
    context = charger_tls_context(pki.ca_bundle)
    assert context.minimum_version >= ssl.TLSVersion.TLSv1_2
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    offered = {c["name"] for c in context.get_ciphers() if c["protocol"] == "TLSv1.2"}
    assert offered == set(OCPP_TLS12_CIPHERS.split(":"))


def _profile_3(pki: GeneratedPki, chargers: list[dict[str, str]]) -> dict[str, Any]:
    """A profile-3 document for ``chargers`` (the CSMS's address is never dialled)."""
    return {
        "csms": {
            "name": "tls",
            "ocpp_url": "wss://127.0.0.1:1/ocpp",
            "versions": ["2.0.1"],
            "security_profile": 3,
            "ca_bundle": str(pki.ca_bundle),
        },
        "chargers": chargers,
    }


def test_a_profile_3_charger_connects_with_the_files_its_profile_names(pki: GeneratedPki) -> None:
    own = pki.chargers["CP1"]
    files = {"certificate": str(own.certificate), "private_key": str(own.private_key)}
    profile = profile_from_document(_profile_3(pki, [{"id": "CP1", **files}]), "<test>")
    tls = profile.station_tls(profile.chargers[0])
    assert tls is not None and tls.get_ca_certs()  # the profile's CA, and nothing else
    assert profile.station_tls(profile.chargers[0]) is tls  # built once per set of files
    trace = run(_boot(_settings(pki.server, pki.ca_bundle, None), tls))
    assert "BootNotification" in trace.render()


def test_a_profile_names_an_expired_station_certificate_its_csms_must_refuse(
    pki: GeneratedPki,
) -> None:
    own, expired = pki.chargers["CP1"], pki.expired_charger
    files = {"certificate": str(own.certificate), "private_key": str(own.private_key)}
    expired_files = {
        "expired_certificate": str(expired.certificate),
        "expired_private_key": str(expired.private_key),
    }
    document = _profile_3(pki, [{"id": "CP0", **files}, {"id": "CP1", **files, **expired_files}])
    profile = profile_from_document(document, "<test>")
    owner = profile.expired_station("CP0")  # CP0 names none: CP1's serves
    assert owner is not None and owner is profile.expired_station("CP1")
    assert owner.id == "CP1"
    tls = profile.expired_station_tls(owner)
    assert tls is profile.expired_station_tls(owner)  # built once per set of files
    assert profile.redacted()["chargers"][1]["expired_private_key"] == "<redacted>"
    with pytest.raises(ConformanceFailure, match=r"closed the TLS connection|TLS handshake"):
        run(_boot(_settings(pki.server, pki.ca_bundle, None), tls))
    document["chargers"] = document["chargers"][:1]
    assert profile_from_document(document, "<test>").expired_station("CP0") is None
