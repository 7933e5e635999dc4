"""A background event loop for synchronous Gherkin steps.

pytest-bdd steps are plain functions, while the mocks and the reference CSMS are asyncio
servers that must keep serving between steps (heartbeats, meter values, webhooks). So one
event loop runs in a daemon thread for the whole session, and a step hands it a coroutine with
a deadline. Nothing waits without a deadline.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from ocpp_upi.verdicts import HarnessError

T = TypeVar("T")

# Margin over a coroutine's own deadline before the thread-side wait gives up; only reached
# when the coroutine itself ignores its deadline, which is a harness bug worth naming.
DEADLINE_MARGIN_S = 5.0


class LoopThread:
    """Owns an asyncio loop on a daemon thread; ``run`` executes a coroutine there."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, name="ocpp-upi-loop", daemon=True)
        self._thread.start()
        self._ready.wait(5.0)

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.call_soon(self._ready.set)
        self.loop.run_forever()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float) -> T:
        """Run ``coro`` on the loop; ``timeout`` is the coroutine's own deadline."""
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result(timeout + DEADLINE_MARGIN_S)
        except concurrent.futures.TimeoutError as exc:
            future.cancel()
            raise HarnessError(f"an operation overran its {timeout:g} s deadline") from exc

    def close(self) -> None:
        async def _cancel_all() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            if tasks:
                await asyncio.wait(tasks, timeout=2.0)

        if self.loop.is_running():
            try:
                self.run(_cancel_all(), timeout=3.0)
            except HarnessError:
                pass
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(5.0)
        if not self.loop.is_running():
            self.loop.close()
