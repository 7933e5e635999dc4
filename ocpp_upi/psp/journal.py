"""An append-only list that callers can await on, instead of polling it with sleeps.

The harness asks "has the CSMS called refunds yet?" or "did the webhook get a 2xx?". Each waiter
registers a predicate and a future; every append or in-place update re-checks the waiters, so
an answer arrives the moment it exists and a deadline ends the wait otherwise.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Journal(Generic[T]):
    """A list (``items``) plus predicate waits on it. Single event loop; no locking needed."""

    def __init__(self) -> None:
        self.items: list[T] = []
        self._waiters: list[tuple[Callable[[T], bool], asyncio.Future[T]]] = []

    def append(self, item: T) -> None:
        self.items.append(item)
        self.touch(item)

    def touch(self, item: T) -> None:
        """Re-check waiters against ``item`` after it changed in place (e.g. got its status)."""
        for predicate, future in list(self._waiters):
            if future.done():
                continue
            if _matches(predicate, item):
                future.set_result(item)

    async def wait_for(self, predicate: Callable[[T], bool], timeout: float) -> T | None:
        """The first item (existing or future) matching ``predicate``, or None at the deadline."""
        for item in self.items:
            if _matches(predicate, item):
                return item
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        waiter = (predicate, future)
        self._waiters.append(waiter)
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            return None
        finally:
            self._waiters.remove(waiter)


def _matches(predicate: Callable[[T], bool], item: T) -> bool:
    """A predicate that raises counts as "no match (yet)": items are visible while still in
    flight (an ApiCall whose status is None), and ``200 <= call.status`` must not end a wait
    with a TypeError; the item is checked again once it is complete."""
    try:
        return bool(predicate(item))
    except Exception:
        return False


class Activity:
    """Counts unfinished background work (webhook deliveries, refund processing).

    ``wait_idle`` is how a test knows every retry has run its course without guessing a sleep.
    """

    def __init__(self) -> None:
        self.pending = 0
        self._idle_waiters: list[asyncio.Future[None]] = []

    def begin(self, count: int = 1) -> None:
        self.pending += count

    def end(self, count: int = 1) -> None:
        self.pending = max(0, self.pending - count)
        if self.pending == 0:
            for future in self._idle_waiters:
                if not future.done():
                    future.set_result(None)
            self._idle_waiters.clear()

    async def wait_idle(self, timeout: float) -> bool:
        """True once nothing is pending; False if work is still pending at the deadline."""
        if self.pending == 0:
            return True
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._idle_waiters.append(future)
        try:
            await asyncio.wait_for(future, timeout)
        except TimeoutError:
            return self.pending == 0
        finally:
            if future in self._idle_waiters:
                self._idle_waiters.remove(future)
        return True
