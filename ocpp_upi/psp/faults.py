"""Fault injection: make named PSP endpoints fail or stall on their next calls.

A CSMS must survive its PSP misbehaving: a 500 on order creation, a refund call that times out.
Faults are queued per endpoint and consumed one per call, so "fail the next 2 refund calls,
then work" is expressed as ``inject("refunds.create", status=500, count=2)``. Delays wait on the
PSP's stop event, never a bare sleep, so stopping the PSP ends them at once.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass

from ocpp_upi.psp.errors import PspError, server_fault

# Every name accepted by inject(); the docs (docs/mock-psp.md) list the same set.
FAULT_ENDPOINTS: dict[str, str] = {
    "orders.create": "POST /v1/orders",
    "orders.fetch": "GET /v1/orders/:id",
    "orders.payments": "GET /v1/orders/:id/payments",
    "payments.create_upi": "POST /v1/payments/create/upi",
    "payments.fetch": "GET /v1/payments/:id",
    "payments.capture": "POST /v1/payments/:id/capture",
    "refunds.create": "POST /v1/payments/:id/refund",
    "refunds.list": "GET /v1/payments/:id/refunds",
    "refunds.fetch": "GET /v1/refunds/:id",
    "refunds.process": "background step pending -> processed: status >= 400 makes it failed",
    "qr_codes.create": "POST /v1/payments/qr_codes",
    "qr_codes.fetch": "GET /v1/payments/qr_codes/:id",
    "qr_codes.close": "POST /v1/payments/qr_codes/:id/close",
    "qr_codes.payments": "GET /v1/payments/qr_codes/:id/payments",
    "payment_links.create": "POST /v1/payment_links",
    "payment_links.fetch": "GET /v1/payment_links/:id",
    "payment_links.cancel": "POST /v1/payment_links/:id/cancel",
    "generic.payments.create": "POST /generic/v1/payments",
    "generic.payments.fetch": "GET /generic/v1/payments/:id",
    "generic.refunds.create": "POST /generic/v1/payments/:id/refunds",
    "generic.refunds.fetch": "GET /generic/v1/refunds/:id",
}


@dataclass
class Fault:
    """One armed fault: answer ``status`` (if >= 400) after ``delay_s``, ``remaining`` times."""

    status: int
    remaining: int
    delay_s: float

    @property
    def fails(self) -> bool:
        return self.status >= 400


class FaultInjector:
    """Per-endpoint queues of armed faults."""

    def __init__(self, stop_event: asyncio.Event) -> None:
        self._stop = stop_event
        self._armed: dict[str, deque[Fault]] = {}

    def inject(
        self, endpoint: str, *, status: int = 500, count: int = 1, delay_s: float = 0.0
    ) -> None:
        """Arm a fault for the next ``count`` calls. ``status`` < 400 means delay only."""
        if endpoint not in FAULT_ENDPOINTS:
            names = ", ".join(sorted(FAULT_ENDPOINTS))
            raise ValueError(f"unknown fault endpoint {endpoint!r}; known: {names}")
        if count < 1:
            raise ValueError(f"count must be at least 1, got {count}")
        if delay_s < 0 or not 100 <= status <= 599:
            raise ValueError(f"need 100 <= status <= 599 and delay_s >= 0, got {status}, {delay_s}")
        self._armed.setdefault(endpoint, deque()).append(Fault(status, count, delay_s))

    def clear(self) -> None:
        self._armed.clear()

    def armed(self, endpoint: str) -> int:
        """How many calls of ``endpoint`` will still be faulted."""
        return sum(f.remaining for f in self._armed.get(endpoint, ()))

    def take(self, endpoint: str) -> Fault | None:
        """Consume one armed fault for one call of ``endpoint`` (None if none is armed)."""
        queue = self._armed.get(endpoint)
        if not queue:
            return None
        fault = queue[0]
        fault.remaining -= 1
        if fault.remaining == 0:
            queue.popleft()
        return Fault(fault.status, 1, fault.delay_s)

    async def delay(self, seconds: float) -> None:
        """Stall for ``seconds``; raise 503 at once if the PSP is stopping meanwhile."""
        if seconds <= 0:
            return
        try:
            await asyncio.wait_for(self._stop.wait(), seconds)
        except TimeoutError:
            return
        raise PspError(503, "The mock PSP is stopping", code="SERVER_ERROR", reason="NA")

    async def hit(self, endpoint: str) -> None:
        """Apply the next armed fault of ``endpoint`` to the current call, if there is one."""
        fault = self.take(endpoint)
        if fault is None:
            return
        await self.delay(fault.delay_s)
        if fault.fails:
            raise server_fault(fault.status)
