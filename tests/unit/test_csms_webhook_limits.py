"""Webhook bodies over the size limit are refused (413) before they are read or verified.

A signature check needs the whole body in memory, so the size limit must come first: otherwise
anyone can make the CSMS buffer megabytes per request without knowing any secret.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx

from ocpp_upi.csms.settings import CsmsSettings
from tests.unit.test_csms_pay_page import psp_settings
from tests.unit.test_csms_server import run, running

LIMIT = 1024


async def _chunks(total: int) -> AsyncIterator[bytes]:
    """A chunked body with no Content-Length: the limit must hold while streaming too."""
    for _ in range(total // 256):
        yield b" " * 256


def test_oversized_webhook_bodies_are_413_whether_declared_or_chunked() -> None:
    async def scenario() -> None:
        settings = psp_settings(max_webhook_body_bytes=LIMIT)
        async with running(settings) as (csms, _), httpx.AsyncClient(trust_env=False) as client:
            for path in ("/webhooks/bank", "/webhooks/psp"):
                url = csms.http_base_url + path
                declared = await client.post(url, content=b" " * (LIMIT + 1))
                assert declared.status_code == 413, declared.text
                assert declared.json()["error"] == "body_too_large"
                chunked = await client.post(url, content=_chunks(LIMIT * 4))
                assert chunked.status_code == 413, chunked.text
                small = await client.post(url, content=b" " * LIMIT)
                assert small.status_code in (400, 401), small.text  # read, then judged
            assert csms.ledger.payments() == []

    run(scenario())


def test_the_default_limit_is_64_kib() -> None:
    assert CsmsSettings().max_webhook_body_bytes == 64 * 1024
