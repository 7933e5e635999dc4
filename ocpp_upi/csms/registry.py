"""Chargers currently connected to the reference CSMS.

The static-QR rule may only start an EVSE that exists on a charger that is online right now, so
the CSMS needs a live view: who is connected, with which OCPP version, and which EVSEs they have
reported in StatusNotification. Tests and fixtures wait on it with deadlines instead of sleeping.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Protocol


class RemoteStarter(Protocol):
    """What the CSMS needs of a connected charger's OCPP handler to start a session."""

    async def request_remote_start(
        self, evse_id: int, id_token: str, remote_start_id: int, *, paid: bool = True
    ) -> str: ...

    async def request_remote_stop(self, transaction_id: str) -> str: ...

    async def disconnect(self) -> None: ...


@dataclass
class ConnectedCharger:
    """One live OCPP connection."""

    charger_id: str
    version: str
    handler: RemoteStarter
    evses: set[int] = field(default_factory=set)
    closed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def evse_count(self) -> int:
        return len(self.evses)


class ChargerRegistry:
    """Charger id -> ConnectedCharger, with an awaitable "something changed" signal."""

    def __init__(self) -> None:
        self._chargers: dict[str, ConnectedCharger] = {}
        self._changed = asyncio.Condition()

    def __contains__(self, charger_id: object) -> bool:
        return charger_id in self._chargers

    def get(self, charger_id: str) -> ConnectedCharger | None:
        return self._chargers.get(charger_id)

    def ids(self) -> list[str]:
        return sorted(self._chargers)

    async def add(self, charger: ConnectedCharger) -> ConnectedCharger | None:
        """Register ``charger``; returns the entry it replaced (same id reconnecting), if any."""
        previous = self._chargers.get(charger.charger_id)
        self._chargers[charger.charger_id] = charger
        await self._notify()
        return previous

    async def remove(self, charger: ConnectedCharger) -> None:
        """Forget ``charger`` unless a newer connection with the same id already replaced it."""
        charger.closed.set()
        if self._chargers.get(charger.charger_id) is charger:
            del self._chargers[charger.charger_id]
        await self._notify()

    async def note_evse(self, charger: ConnectedCharger, evse_id: int) -> None:
        if evse_id > 0 and evse_id not in charger.evses:
            charger.evses.add(evse_id)
            await self._notify()

    async def wait_for_evse(self, charger_id: str, evse_id: int) -> ConnectedCharger:
        """Wait until ``charger_id`` is connected and has reported ``evse_id``.

        Unbounded by itself: callers put the deadline around it (``async with
        asyncio.timeout(5): await registry.wait_for_evse(...)``).
        """
        async with self._changed:
            await self._changed.wait_for(lambda: self._has_evse(charger_id, evse_id))
        return self._chargers[charger_id]

    def _has_evse(self, charger_id: str, evse_id: int) -> bool:
        charger = self._chargers.get(charger_id)
        return charger is not None and evse_id in charger.evses

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()
