"""What every domain operation of the mock PSP needs, in one object.

The API layers (Razorpay /v1, generic, control) and the payer simulation all change the same
ledger and raise the same webhook events; passing one context keeps them consistent without
any of them knowing about HTTP or about each other.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from ocpp_upi.psp.faults import FaultInjector
from ocpp_upi.psp.idempotency import IdempotencyStore
from ocpp_upi.psp.ids import new_id, now_s
from ocpp_upi.psp.journal import Activity
from ocpp_upi.psp.ledger import Entity, PspLedger
from ocpp_upi.psp.records import WebhookEvent
from ocpp_upi.psp.settings import PspSettings

EventSink = Callable[[str, list[WebhookEvent]], None]


@dataclass
class PspContext:
    settings: PspSettings
    ledger: PspLedger
    faults: FaultInjector
    activity: Activity
    stop_event: asyncio.Event
    sink: EventSink
    base_url: str = ""
    refund_keys: IdempotencyStore = field(default_factory=IdempotencyStore)
    events: list[WebhookEvent] = field(default_factory=list)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def emit(self, key: str, *events: tuple[str, dict[str, Entity]]) -> None:
        """Raise events for payment ``key``, each carrying a snapshot of its entities now.

        Razorpay payloads are snapshots at event time, so a later change to the payment does
        not leak into an earlier event still waiting for delivery.
        """
        callback = self.ledger.generic_callbacks.get(key)
        raised = [
            WebhookEvent(
                id=new_id("evt"),
                name=name,
                entities=copy.deepcopy(entities),
                created_at=now_s(),
                url=callback,
            )
            for name, entities in events
        ]
        self.events.extend(raised)
        self.sink(key, raised)

    def background(self, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` after the current request, counted as pending for wait_idle()."""
        self.activity.begin()
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)

        def finished(done: asyncio.Task[None]) -> None:
            self._tasks.discard(done)
            self.activity.end()

        task.add_done_callback(finished)

    async def cancel_background(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
