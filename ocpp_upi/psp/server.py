"""MockPsp: the mock PSP as one object the harness starts, drives, inspects and stops.

It is a real HTTP server on a loopback port, so the CSMS under test talks to it exactly as it
would to Razorpay (only the base URL and secrets differ), while the harness gets direct Python
handles on the same state: the ledger, the list of API calls the CSMS made, and every webhook
delivery attempt. Nothing the harness waits on is a sleep: each wait is on an event or a
future with a deadline.
"""

from __future__ import annotations

import asyncio
import copy
import socket
from collections.abc import Callable
from types import TracebackType
from typing import Any, Literal

from aiohttp import web

from ocpp_upi.psp import payer, short_urls
from ocpp_upi.psp.context import PspContext
from ocpp_upi.psp.control_api import ControlApi
from ocpp_upi.psp.faults import FaultInjector
from ocpp_upi.psp.generic_api import GenericApi
from ocpp_upi.psp.http_common import make_middleware
from ocpp_upi.psp.journal import Activity, Journal
from ocpp_upi.psp.ledger import PspLedger
from ocpp_upi.psp.razorpay_api import RazorpayApi
from ocpp_upi.psp.records import ApiCall, WebhookDelivery
from ocpp_upi.psp.settings import PspSettings
from ocpp_upi.psp.webhook_format import GenericFormat, RazorpayFormat, WebhookFormat
from ocpp_upi.psp.webhooks import WebhookDispatcher


class MockPsp:
    """A Razorpay-compatible (or generic) PSP on ``base_url``; see docs/mock-psp.md."""

    def __init__(self, settings: PspSettings | None = None) -> None:
        self.settings = settings or PspSettings()
        self.ledger = PspLedger()
        self.base_url = ""
        self._stop = asyncio.Event()
        self._activity = Activity()
        self._api_calls: Journal[ApiCall] = Journal()
        self._deliveries: Journal[WebhookDelivery] = Journal()
        self.faults = FaultInjector(self._stop)
        fmt: WebhookFormat = (
            GenericFormat(self.settings, self.ledger)
            if self.settings.profile == "generic"
            else RazorpayFormat(self.settings)
        )
        self.dispatcher = WebhookDispatcher(
            self.settings, fmt, self._stop, self._activity, self._deliveries
        )
        self.ctx = PspContext(
            settings=self.settings,
            ledger=self.ledger,
            faults=self.faults,
            activity=self._activity,
            stop_event=self._stop,
            sink=self.dispatcher.emit,
        )
        self._runner: web.AppRunner | None = None
        self._state: Literal["new", "running", "stopped"] = "new"

    # evidence

    @property
    def api_calls(self) -> list[ApiCall]:
        """Every request to /v1 (and /generic/v1), in arrival order."""
        return self._api_calls.items

    @property
    def deliveries(self) -> list[WebhookDelivery]:
        """Every webhook delivery attempt, in the order attempts finished."""
        return self._deliveries.items

    # lifecycle

    async def start(self) -> None:
        """Bind the port and serve; ``base_url`` is set once this returns."""
        if self._state != "new":
            raise RuntimeError(f"MockPsp can be started once; it is {self._state}")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.settings.host, self.settings.port))
        except OSError:
            sock.close()
            raise
        port = sock.getsockname()[1]
        self.base_url = f"http://{self.settings.host}:{port}"
        self.ctx.base_url = self.base_url
        app = web.Application(middlewares=[make_middleware(self.settings, self._api_calls)])
        RazorpayApi(self.ctx).register(app.router)
        if self.settings.profile == "generic":
            GenericApi(self.ctx).register(app.router)
        ControlApi(self).register(app.router)
        short_urls.register(app.router, self.ledger)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()
        await self.dispatcher.start()
        self._state = "running"

    async def stop(self) -> None:
        """Stop serving and end every pending delivery, retry wait and fault delay at once.

        Idempotent: a second call, or a call on a never-started PSP, does nothing harmful.
        """
        if self._state == "stopped":
            return
        was_running = self._state == "running"
        self._state = "stopped"
        self._stop.set()
        await self.ctx.cancel_background()
        await self.dispatcher.stop()
        if was_running and self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> MockPsp:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # configuration

    def set_webhook_url(self, url: str) -> None:
        """Where webhooks go from now on (retries of earlier events included)."""
        self.settings.webhook_url = url

    def set_webhook_mode(self, *, duplicate: bool = False, out_of_order: bool = False) -> None:
        """Duplicate: every event is delivered twice (same id, same bytes). Out of order: the
        events of one state change are sent in reverse (e.g. captured before authorized)."""
        self.dispatcher.duplicate = duplicate
        self.dispatcher.out_of_order = out_of_order

    def inject_fault(
        self, endpoint: str, *, status: int = 500, count: int = 1, delay_s: float = 0.0
    ) -> None:
        """Fault the next ``count`` calls of ``endpoint`` (names: faults.FAULT_ENDPOINTS)."""
        self.faults.inject(endpoint, status=status, count=count, delay_s=delay_s)

    def reset_scenario(self) -> None:
        """Undo per-scenario knobs (armed faults, webhook modes) on a session-wide PSP.

        The ledger and the evidence logs are kept: ids are random, so scenarios never collide,
        and the logs are what reports are built from (slice them by length at scenario start).
        """
        self.faults.clear()
        self.set_webhook_mode()

    def vendor_settings(self) -> dict[str, Any]:
        """What a vendor configures in their CSMS to use this mock instead of Razorpay."""
        return {
            "profile": self.settings.profile,
            "base_url": self.base_url,
            "razorpay_api_base": f"{self.base_url}/v1",
            "generic_api_base": f"{self.base_url}/generic/v1",
            "key_id": self.settings.key_id,
            "key_secret": self.settings.key_secret,
            "webhook_secret": self.settings.webhook_secret,
            "webhook_url": self.settings.webhook_url,
            "merchant_vpa": self.settings.merchant_vpa,
            "merchant_name": self.settings.merchant_name,
            "mcc": self.settings.mcc,
        }

    # the payer

    async def pay_link(
        self, link: str, payer_vpa: str, amount_paise: int | None = None
    ) -> dict[str, Any]:
        """The payer's UPI app pays ``link`` (intent or QR content); returns the payment.

        Raises PspError (with the Razorpay envelope) when the link cannot be paid.
        """
        return copy.deepcopy(payer.pay_link(self.ctx, link, payer_vpa, amount_paise))

    async def pay_order(
        self, order_id: str, payer_vpa: str, amount_paise: int | None = None
    ) -> dict[str, Any]:
        """The payer pays ``order_id`` as if they had opened its intent link; returns the
        payment (the order's open intent payment, else a new one). Raises PspError."""
        return copy.deepcopy(payer.pay_order(self.ctx, order_id, payer_vpa, amount_paise))

    async def pay_payment(
        self, payment_id: str, payer_vpa: str, amount_paise: int | None = None
    ) -> dict[str, Any]:
        """The payer pays the open payment ``payment_id`` (a ``razorpay_payment_id`` from
        ``create/upi``); returns it. Raises PspError when it is not open."""
        return copy.deepcopy(payer.pay_payment(self.ctx, payment_id, payer_vpa, amount_paise))

    async def settle_late(
        self, payment_id: str, outcome: Literal["captured", "failed"]
    ) -> dict[str, Any]:
        """The bank's late verdict on a pending payment (or a late authorisation)."""
        return copy.deepcopy(payer.settle_late(self.ctx, payment_id, outcome))

    # waiting

    async def wait_for_api_call(
        self, predicate: Callable[[ApiCall], bool], timeout: float
    ) -> ApiCall | None:
        """The first API call (past or future, in flight or answered) matching ``predicate``."""
        return await self._api_calls.wait_for(predicate, timeout)

    async def wait_for_delivery(
        self, predicate: Callable[[WebhookDelivery], bool], timeout: float
    ) -> WebhookDelivery | None:
        """The first delivery attempt matching ``predicate``, or None at the deadline."""
        return await self._deliveries.wait_for(predicate, timeout)

    async def refunds_of(
        self, payment_id: str, after: int = 0, wait: float = 0.0
    ) -> tuple[list[ApiCall], list[dict[str, Any]]]:
        """The refund calls for ``payment_id`` answered 2xx and the refunds they created; with
        ``wait``, first waits up to that long until there are more than ``after`` such calls."""

        def answered(call: ApiCall) -> bool:
            return (
                call.method == "POST"
                and call.path == f"/v1/payments/{payment_id}/refund"
                and call.status is not None
                and call.status < 300
            )

        calls = [c for c in self.api_calls if answered(c)]
        if len(calls) <= after and wait > 0:
            seen = {id(c) for c in calls}
            await self.wait_for_api_call(lambda c: answered(c) and id(c) not in seen, wait)
            calls = [c for c in self.api_calls if answered(c)]
        return calls, self.ledger.copies_where("refunds", "payment_id", payment_id)

    async def wait_idle(self, timeout: float) -> bool:
        """True once every queued delivery, retry and refund step has finished."""
        return await self._activity.wait_idle(timeout)
