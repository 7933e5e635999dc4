"""Secrets never reach a report: every text a report or console line shows passes through here.

A certification report is shared (with auditors, with other vendors' support desks); a
SharedSecret the CSMS sent to a station, a Basic-auth password, an HMAC key or a PSP key secret
in it would be a leak the harness caused. Secrets are registered as they become known (the
profile's at start, a station's SharedSecret when the CSMS sets it) and replaced everywhere by
their length and a short digest, which is enough to tell two secrets apart when debugging.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections.abc import Iterable

MIN_SECRET_CHARS = 4  # shorter values would also blank out ordinary words and numbers


def fingerprint(secret: str) -> str:
    """``<redacted: 32 chars, sha256 1f2e3d4c>``: no secret, but two secrets tell apart."""
    digest = hashlib.sha256(secret.encode("utf-8")).hexdigest()[:8]
    return f"<redacted: {len(secret)} chars, sha256 {digest}>"


class SecretRegistry:
    """The secrets of this run; thread-safe (the harness loop and pytest's thread both add)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._forms: dict[str, str] = {}  # a form the secret may take in text -> its stand-in

    def add(self, secret: str | None) -> None:
        if not secret or len(secret) < MIN_SECRET_CHARS:
            return
        stand_in = fingerprint(secret)
        escaped = json.dumps(secret, ensure_ascii=False)[1:-1]  # as it appears inside a frame
        with self._lock:
            for form in {secret, escaped}:
                self._forms[form] = stand_in

    def add_basic_auth(self, user: str, password: str | None) -> None:
        """The password, and the Authorization token that carries it."""
        if password is None:
            return
        self.add(password)
        self.add(base64.b64encode(f"{user}:{password}".encode()).decode())

    def add_all(self, secrets: Iterable[str | None]) -> None:
        for secret in secrets:
            self.add(secret)

    def redact(self, text: str) -> str:
        with self._lock:
            forms = sorted(self._forms.items(), key=lambda item: -len(item[0]))
        for form, stand_in in forms:
            if form in text:
                text = text.replace(form, stand_in)
        return text

    def clear(self) -> None:
        with self._lock:
            self._forms.clear()


SECRETS = SecretRegistry()
"""The run's registry: one pytest process is one run against one CSMS."""


def redact(text: str) -> str:
    return SECRETS.redact(text)
