"""``check-profile``'s look at the TLS files a security profile 2 or 3 names.

Each file is read and judged on its own, so a tester sees which one to fix: the CA bundle holds
certificates that are valid today; each station certificate (profile 3) is readable, valid
today and its key matches it. Whether the CSMS's own certificate chains to the CA and names its
host is what the handshake items show (they connect with these files).
"""

from __future__ import annotations

import datetime
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509


@dataclass(frozen=True)
class Finding:
    """One file's verdict: ``problem`` is None when it holds."""

    what: str
    detail: str
    problem: str | None = None
    hint: str = ""


def _certificates(path: str) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(Path(path).read_bytes())


def _validity(cert: x509.Certificate, now: datetime.datetime) -> str | None:
    if now < cert.not_valid_before_utc:
        return f"not valid before {cert.not_valid_before_utc:%Y-%m-%d %H:%M} UTC"
    if now > cert.not_valid_after_utc:
        return f"expired {cert.not_valid_after_utc:%Y-%m-%d %H:%M} UTC"
    return None


def ca_bundle_finding(path: str, now: datetime.datetime | None = None) -> Finding:
    """The CA bundle: readable PEM certificates, each valid ``now``."""
    now = now or datetime.datetime.now(datetime.UTC)
    what = f"TLS ca_bundle {Path(path).name}"
    try:
        certificates = _certificates(path)
    except (OSError, ValueError) as exc:
        return Finding(what, path, f"unreadable: {exc}", "name a PEM file of CA certificates")
    expired = [
        f"{c.subject.rfc4514_string()}: {v}" for c in certificates if (v := _validity(c, now))
    ]
    if expired:
        return Finding(what, path, "; ".join(expired), "renew the CA certificate")
    return Finding(what, f"{len(certificates)} CA certificate(s), valid today")


def station_finding(
    charger_id: str, certificate: str, private_key: str, now: datetime.datetime | None = None
) -> Finding:
    """A station certificate (profile 3): readable, valid ``now``, its key matching it."""
    now = now or datetime.datetime.now(datetime.UTC)
    what = f"TLS certificate of charger {charger_id}"
    try:
        leaf = _certificates(certificate)[0]
    except (OSError, ValueError, IndexError) as exc:
        return Finding(what, certificate, f"unreadable: {exc}", "name the station's PEM file")
    problem = _validity(leaf, now)
    if problem:
        return Finding(what, certificate, problem, "issue the station a current certificate")
    mismatch = _key_mismatch(what, certificate, private_key)
    if mismatch is not None:
        return mismatch
    until = f"valid until {leaf.not_valid_after_utc:%Y-%m-%d} UTC"
    return Finding(what, f"{leaf.subject.rfc4514_string()}, {until}, key matches")


def _key_mismatch(what: str, certificate: str, private_key: str) -> Finding | None:
    """A Finding naming the key when it does not go with the certificate (or cannot be read)."""
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_cert_chain(certificate, private_key)
    except (OSError, ssl.SSLError) as exc:
        hint = "name the private key of this certificate"
        return Finding(what, private_key, f"the key does not go with the certificate: {exc}", hint)
    return None


def expired_station_finding(
    charger_id: str, certificate: str, private_key: str, now: datetime.datetime | None = None
) -> Finding:
    """A station's ``expired_certificate``: readable, expired ``now`` (else the CSMS would be
    right to let it in, and the scenario that offers it would fail a correct CSMS), its key
    matching it."""
    now = now or datetime.datetime.now(datetime.UTC)
    what = f"TLS expired_certificate of charger {charger_id}"
    try:
        leaf = _certificates(certificate)[0]
    except (OSError, ValueError, IndexError) as exc:
        return Finding(what, certificate, f"unreadable: {exc}", "name the expired PEM file")
    if now <= leaf.not_valid_after_utc:
        problem = f"not expired: valid until {leaf.not_valid_after_utc:%Y-%m-%d %H:%M} UTC"
        hint = "name a certificate whose validity period has ended"
        return Finding(what, certificate, problem, hint)
    mismatch = _key_mismatch(what, certificate, private_key)
    if mismatch is not None:
        return mismatch
    ended = f"expired {leaf.not_valid_after_utc:%Y-%m-%d %H:%M} UTC"
    return Finding(what, f"{leaf.subject.rfc4514_string()}, {ended}, key matches")
