"""A station certificate no CSMS trusts: the harness's own throwaway CA signs it.

Security profile 3 (OCPP 2.0.1 / 2.1 A00, 1.6 security whitepaper): a CSMS must refuse a station
whose certificate does not chain to a CA it trusts. The harness proves that with a certificate
minted here, at run time, for the charger's identity (``trustme``: a fresh CA that exists only
in this process), so no profile has to provide one and nothing is committed.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import cache
from pathlib import Path

import trustme


@cache
def foreign_station_certificate(identity: str) -> tuple[Path, Path]:
    """``(certificate, private_key)`` PEM files for ``identity``, signed by a CA nobody trusts."""
    folder = Path(tempfile.mkdtemp(prefix="ocpp-upi-foreign-ca-"))
    atexit.register(shutil.rmtree, folder, True)
    leaf = trustme.CA().issue_cert(identity, common_name=identity)
    certificate, key = folder / "station.pem", folder / "station.key"
    certificate.write_bytes(b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
    leaf.private_key_pem.write_to_path(str(key))
    return certificate, key
