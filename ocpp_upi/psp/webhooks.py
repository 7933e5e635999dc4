"""At-least-once webhook delivery to the CSMS, with Razorpay's retry rules.

Each payment (the ordering key) gets its own background worker that sends that payment's events
one after another, retrying each on a non-2xx answer or no answer within the timeout, with
exponential backoff. Workers are independent, so a CSMS endpoint that hangs on one payment never
holds up the others, and the server itself never waits on a delivery. Backoff waits on the stop
event, so ``stop()`` ends every pending retry at once. Two modes reproduce what Razorpay only
promises not to rule out: duplicate delivery and out-of-order delivery.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque

import httpx

from ocpp_upi.psp.journal import Activity, Journal
from ocpp_upi.psp.records import WebhookDelivery, WebhookEvent
from ocpp_upi.psp.settings import PspSettings
from ocpp_upi.psp.webhook_format import Outgoing, WebhookFormat
from ocpp_upi.tls import client_tls_context

_RESPONSE_EXCERPT = 2000


class WebhookDispatcher:
    """Queues, sends, retries and logs webhook deliveries."""

    def __init__(
        self,
        settings: PspSettings,
        fmt: WebhookFormat,
        stop_event: asyncio.Event,
        activity: Activity,
        deliveries: Journal[WebhookDelivery],
    ) -> None:
        self.settings = settings
        self.format = fmt
        self.duplicate = False
        self.out_of_order = False
        self.sent: list[Outgoing] = []  # every formatted event, delivered or not
        self._stop = stop_event
        self._activity = activity
        self._deliveries = deliveries
        self._queues: dict[str, deque[tuple[Outgoing, bool]]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._client: httpx.AsyncClient | None = None

    async def start(self) -> None:
        self._client = httpx.AsyncClient(
            trust_env=False, follow_redirects=False, verify=client_tls_context(False)
        )

    async def stop(self) -> None:
        """Cancel every worker (in-flight requests and backoff waits) and close the client."""
        workers = list(self._workers.values())
        for task in workers:
            task.cancel()
        for task in workers:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def emit(self, key: str, events: list[WebhookEvent]) -> None:
        """Queue ``events`` (one state change, in causal order) for the payment ``key``."""
        batch = [o for o in (self.format.encode(e) for e in events) if o is not None]
        self.sent.extend(batch)
        if self._client is None or self._stop.is_set():
            return
        batch = [o for o in batch if (o.url or self.settings.webhook_url)]
        if self.out_of_order:
            batch.reverse()  # e.g. order.paid, payment.captured, then payment.authorized
        queue = self._queues.setdefault(key, deque())
        for outgoing in batch:
            copies = (False, True) if self.duplicate else (False,)
            for is_copy in copies:
                queue.append((outgoing, is_copy))
                self._activity.begin()
        if queue and key not in self._workers:
            self._workers[key] = asyncio.get_running_loop().create_task(self._drain(key))

    async def _drain(self, key: str) -> None:
        queue = self._queues[key]
        try:
            while queue:
                outgoing, is_copy = queue[0]
                try:
                    await self._deliver(outgoing, is_copy)
                finally:
                    queue.popleft()
                    self._activity.end()
        finally:
            self._activity.end(len(queue))
            queue.clear()
            del self._workers[key]
            del self._queues[key]

    async def _deliver(self, outgoing: Outgoing, is_copy: bool) -> None:
        """Send until a 2xx answer or max_attempts; back off retry_base_s, doubling."""
        for attempt in range(1, self.settings.max_attempts + 1):
            url = outgoing.url or self.settings.webhook_url
            if url is None:
                return
            delivery = await self._attempt(url, outgoing, attempt, is_copy)
            if delivery.ok or attempt == self.settings.max_attempts:
                return
            delay = self.settings.retry_base_s * 2 ** (attempt - 1)
            try:
                await asyncio.wait_for(self._stop.wait(), delay)
            except TimeoutError:
                continue
            return  # stopping: no more retries

    async def _attempt(
        self, url: str, outgoing: Outgoing, attempt: int, is_copy: bool
    ) -> WebhookDelivery:
        assert self._client is not None
        delivery = WebhookDelivery(
            event_id=outgoing.event_id,
            event=outgoing.name,
            url=url,
            body=outgoing.body,
            signature=outgoing.signature,
            headers=dict(outgoing.headers),
            attempt=attempt,
            at=time.time(),
            duplicate=is_copy,
        )
        timeout = self.settings.webhook_timeout_s
        started = time.perf_counter()
        try:
            response = await self._client.post(
                url, content=outgoing.body, headers=outgoing.headers, timeout=timeout
            )
        except httpx.TimeoutException:
            delivery.error = f"no answer within {timeout} s"
        except httpx.ConnectError as exc:
            delivery.error = f"connection failed: {exc or type(exc).__name__}"
        except httpx.HTTPError as exc:
            delivery.error = f"{type(exc).__name__}: {exc}"
        else:
            delivery.status = response.status_code
            delivery.response_body = response.text[:_RESPONSE_EXCERPT]
            if not delivery.ok:
                delivery.error = f"HTTP {response.status_code} is not 2xx"
        delivery.elapsed_s = time.perf_counter() - started
        self._deliveries.append(delivery)
        return delivery
