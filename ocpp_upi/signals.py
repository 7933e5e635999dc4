"""SIGINT and SIGTERM as a clean shutdown for the long-running commands.

``ocpp-upi reference-csms`` and ``ocpp-upi mock-psp`` run until a supervisor or a person stops
them; a KeyboardInterrupt traceback would skip closing the ledger and the sockets. The previous
handlers are put back afterwards, so a caller (a test in the same process) keeps its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

SignalHandler = Callable[[int, FrameType | None], Any] | int | None

SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def stop_on_signals(stop: asyncio.Event) -> Iterator[None]:
    """While inside, SIGINT and SIGTERM set ``stop``; must run on the event loop's thread."""
    loop = asyncio.get_running_loop()
    previous: dict[signal.Signals, SignalHandler] = {}
    for signum in SIGNALS:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            handler = signal.getsignal(signum)
            loop.add_signal_handler(signum, stop.set)
            if handler is not None:  # None: set outside Python, nothing we could put back
                previous[signum] = handler
    try:
        yield
    finally:
        for signum in SIGNALS:
            loop.remove_signal_handler(signum)  # False if never added (e.g. not main thread)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
