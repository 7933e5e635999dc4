"""TLS contexts: one for every HTTP client the harness opens, and those of OCPP security
profiles 2 and 3 (a charging station's and a CSMS's).

httpx builds a new ``ssl.SSLContext`` for each client it creates, loading the whole CA bundle
each time (tens of milliseconds of CPU). The harness opens several short-lived clients per
scenario run (the bank notifier, the driver's phone, crafted webhooks), so certificate loading
was about a fifth of the harness's CPU. A context that verifies against the same bundle is
shared instead: it is never changed after it is built, and verification stays on.
"""

from __future__ import annotations

import ssl
from functools import cache
from pathlib import Path
from typing import Any

import httpx


@cache
def client_tls_context(trust_env: bool = True) -> ssl.SSLContext:
    """What ``httpx.AsyncClient(trust_env=...)`` would build, built once per ``trust_env``."""
    return httpx.create_ssl_context(trust_env=trust_env)


# OCPP 2.0.1 / 2.1 Part 2 A00.FR.318 (and the OCPP 1.6 security whitepaper): the TLS 1.2 cipher
# suites a charging station and a CSMS must support. TLS 1.3 suites are OpenSSL's defaults.
OCPP_TLS12_CIPHERS = ":".join(
    (
        "ECDHE-ECDSA-AES128-GCM-SHA256",  # TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
        "ECDHE-ECDSA-AES256-GCM-SHA384",  # TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
        "AES128-GCM-SHA256",  # TLS_RSA_WITH_AES_128_GCM_SHA256
        "AES256-GCM-SHA384",  # TLS_RSA_WITH_AES_256_GCM_SHA384
    )
)


def charger_tls_context(
    ca_bundle: str | Path,
    certificate: str | Path | None = None,
    private_key: str | Path | None = None,
) -> ssl.SSLContext:
    """What a charging station of security profile 2 (or 3, with its certificate) uses.

    TLS 1.2 or newer (A00.FR.313), the A00.FR.318 suites, the CSMS's certificate verified
    against ``ca_bundle`` and its host name checked; for profile 3 the station's certificate
    and key are presented. Raises ``OSError``/``ssl.SSLError`` for unreadable or mismatched
    files (``check-profile`` words them first)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verify_mode CERT_REQUIRED, check_hostname
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers(OCPP_TLS12_CIPHERS)
    context.load_verify_locations(cafile=str(ca_bundle))
    if certificate is not None:
        context.load_cert_chain(str(certificate), None if private_key is None else str(private_key))
    return context


def csms_tls_context(
    certificate: str | Path, private_key: str | Path, client_ca: str | Path | None = None
) -> ssl.SSLContext:
    """A CSMS's side: its certificate, TLS 1.2+, the A00 suites; with ``client_ca`` (security
    profile 3) every station must present a certificate that chains to it."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers(OCPP_TLS12_CIPHERS)
    context.load_cert_chain(str(certificate), str(private_key))
    if client_ca is not None:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(cafile=str(client_ca))
    return context


def websocket_tls_option(tls: ssl.SSLContext | None) -> dict[str, Any]:
    """``ssl=`` for websockets' ``connect`` only when there is a context (without one it builds
    a default context for a wss:// URL, and a ws:// URL takes none)."""
    return {} if tls is None else {"ssl": tls}
