"""Test doubles around the mock PSP: a scriptable webhook receiver and an API client.

The harness's own tests (and scenario fixtures) need "a CSMS webhook endpoint that answers 500
twice, then 200" or "one that hangs". This receiver is that endpoint, on a free loopback port,
with every request recorded and awaitable; a hanging answer waits on an event that ``stop()``
sets, so nothing outlives the test.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Literal

import httpx
from aiohttp import web

from ocpp_upi.psp.journal import Journal
from ocpp_upi.psp.server import MockPsp
from ocpp_upi.psp.settings import PspSettings
from ocpp_upi.tls import client_tls_context

Action = int | Literal["hang"]


@dataclass
class Received:
    """One webhook POST as the receiver saw it."""

    body: bytes
    headers: dict[str, str]
    at: float
    answer: Action

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lowered), None)


class WebhookReceiver:
    """Answers the n-th request with ``script[n]`` (a status or "hang"), then ``default``."""

    def __init__(self, script: Sequence[Action] = (), default: int = 200) -> None:
        self.script = list(script)
        self.default = default
        self.received: Journal[Received] = Journal()
        self.url = ""
        self._release = asyncio.Event()
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}/webhooks/psp"
        app = web.Application()
        app.router.add_post("/webhooks/psp", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()

    async def stop(self) -> None:
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> WebhookReceiver:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def wait_for(
        self, predicate: Callable[[Received], bool], timeout: float
    ) -> Received | None:
        return await self.received.wait_for(predicate, timeout)

    async def wait_count(self, count: int, timeout: float) -> bool:
        """True once ``count`` requests have arrived."""
        seen = await self.received.wait_for(lambda _: len(self.received.items) >= count, timeout)
        return seen is not None or len(self.received.items) >= count

    async def _handle(self, request: web.Request) -> web.Response:
        index = len(self.received.items)
        action = self.script[index] if index < len(self.script) else self.default
        body = await request.read()
        self.received.append(Received(body, dict(request.headers), time.time(), action))
        if action == "hang":
            await self._release.wait()
            return web.Response(status=200)
        return web.json_response({"received": True}, status=action)


def api_client(base_url: str, key_id: str, key_secret: str) -> httpx.AsyncClient:
    """An httpx client for the Razorpay-compatible API at ``base_url + /v1``."""
    return httpx.AsyncClient(
        base_url=base_url + "/v1",
        auth=(key_id, key_secret),
        trust_env=False,
        timeout=10.0,
        verify=client_tls_context(False),
    )


@asynccontextmanager
async def running_psp(**settings: object) -> AsyncIterator[tuple[MockPsp, httpx.AsyncClient]]:
    """A started MockPsp (PspSettings built from ``settings``) and a /v1 client for it."""
    psp = MockPsp(PspSettings(**settings))  # type: ignore[arg-type]
    async with psp:
        async with api_client(psp.base_url, psp.settings.key_id, psp.settings.key_secret) as api:
            yield psp, api


async def create_intent(
    api: httpx.AsyncClient, amount_paise: int = 20000, **order_fields: object
) -> tuple[dict[str, object], dict[str, str]]:
    """Create an order and its S2S UPI intent, as a Razorpay-integrated CSMS does.

    Returns the order entity and the create/upi reply (``razorpay_payment_id``, ``link``).
    """
    order_body = {"amount": amount_paise, "currency": "INR", **order_fields}
    order = (await api.post("/orders", json=order_body)).raise_for_status().json()
    intent_body = {
        "amount": amount_paise,
        "currency": "INR",
        "order_id": order["id"],
        "method": "upi",
        "upi": {"flow": "intent"},
        "email": "driver@example.com",
        "contact": "9999999999",
        "description": "EV charging",
    }
    reply = (await api.post("/payments/create/upi", json=intent_body)).raise_for_status().json()
    return order, reply
