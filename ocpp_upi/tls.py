"""One TLS context for every HTTP client the harness opens.

httpx builds a new ``ssl.SSLContext`` for each client it creates, loading the whole CA bundle
each time (tens of milliseconds of CPU). The harness opens several short-lived clients per
scenario run (the bank notifier, the driver's phone, crafted webhooks), so certificate loading
was about a fifth of the harness's CPU. A context that verifies against the same bundle is
shared instead: it is never changed after it is built, and verification stays on.
"""

from __future__ import annotations

import ssl
from functools import cache

import httpx


@cache
def client_tls_context(trust_env: bool = True) -> ssl.SSLContext:
    """What ``httpx.AsyncClient(trust_env=...)`` would build, built once per ``trust_env``."""
    return httpx.create_ssl_context(trust_env=trust_env)
