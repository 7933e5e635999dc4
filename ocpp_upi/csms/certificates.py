"""Certificates for serving the reference CSMS over TLS (security profiles 2 and 3).

Generated when asked for, by ``trustme`` (a CA and leaf certificates from the ``cryptography``
package), into a directory the caller owns: nothing secret or long-lived is committed. Besides
what a working setup needs (a CA, a server certificate for 127.0.0.1 and localhost, a client
certificate per charger) it mints what the security scenarios and fault variants need: an
expired client certificate, and a client certificate and a server certificate from a CA that
nobody trusts, and a server certificate for another host name.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

import trustme

LOOPBACK_NAMES = ("127.0.0.1", "localhost")


@dataclass(frozen=True)
class PemPair:
    """A certificate (with its chain) and its private key, as PEM files."""

    certificate: Path
    private_key: Path


@dataclass(frozen=True)
class GeneratedPki:
    """Where each PEM file of one generated test PKI lies."""

    ca_bundle: Path  # the CA that signs the CSMS's certificate and the chargers' certificates
    server: PemPair  # the CSMS, for 127.0.0.1 and localhost
    chargers: dict[str, PemPair]  # per charger identity, signed by the CA
    expired_charger: PemPair  # signed by the CA, expired a day ago
    foreign_charger: PemPair  # signed by another CA
    foreign_server: PemPair  # for 127.0.0.1, signed by another CA
    wrong_host_server: PemPair  # signed by the CA, for another host name only


def generate(directory: Path, charger_ids: tuple[str, ...] = ("CP1",)) -> GeneratedPki:
    """Write a fresh test PKI into ``directory`` (created if missing) and say where it is."""
    directory.mkdir(parents=True, exist_ok=True)
    ca, other_ca = trustme.CA(), trustme.CA()
    ca_bundle = directory / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_bundle))
    now = datetime.datetime.now(datetime.UTC)

    def write(name: str, leaf: trustme.LeafCert) -> PemPair:
        pair = PemPair(directory / f"{name}.pem", directory / f"{name}.key")
        leaf.private_key_pem.write_to_path(str(pair.private_key))
        pair.certificate.write_bytes(b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
        return pair

    return GeneratedPki(
        ca_bundle=ca_bundle,
        server=write("server", ca.issue_cert(*LOOPBACK_NAMES)),
        chargers={
            charger_id: write(f"charger-{index}", ca.issue_cert(charger_id, common_name=charger_id))
            for index, charger_id in enumerate(charger_ids)
        },
        expired_charger=write(
            "charger-expired",
            ca.issue_cert(
                charger_ids[0],
                common_name=charger_ids[0],
                not_before=now - datetime.timedelta(days=30),
                not_after=now - datetime.timedelta(days=1),
            ),
        ),
        foreign_charger=write(
            "charger-foreign", other_ca.issue_cert(charger_ids[0], common_name=charger_ids[0])
        ),
        foreign_server=write("server-foreign", other_ca.issue_cert(*LOOPBACK_NAMES)),
        wrong_host_server=write("server-wrong-host", ca.issue_cert("csms.example.invalid")),
    )
