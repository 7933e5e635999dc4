"""Hostile CSMSs: each misbehaves on the wire in a way no rule-bending subclass hook can.

They are ReferenceCsms subclasses whose charger connections pass through ``TamperedConnection``,
a thin proxy between the ``ocpp`` package and the real WebSocket that lets a variant drop,
rewrite or add frames, or close the socket. Everything else stays the reference CSMS, so the
one misbehaviour is the only thing a conformance run can fail on. The harness must turn each
into a named FAIL within its deadline, never a hang, an error or a traceback of its own
(``test_hostile_csms.py``).
"""

from __future__ import annotations

import json
from typing import Any

from websockets.asyncio.server import ServerConnection

from ocpp_upi.csms.handlers.base import HandlerBase
from ocpp_upi.csms.server import ReferenceCsms

CALL, CALLRESULT = 2, 3
HUGE_FRAME_BYTES = 10 * 1024 * 1024
FLOOD_CALLS = 50


def parse(raw: str | bytes) -> list[Any] | None:
    """The frame as a JSON array, or None for anything else (hostile code must not crash)."""
    try:
        frame = json.loads(raw)
    except (ValueError, TypeError):
        return None
    return frame if isinstance(frame, list) and len(frame) >= 3 else None


class TamperedConnection:
    """Stands in for the ServerConnection the ``ocpp`` handler reads and writes.

    ``recv`` hands each incoming frame to ``csms.incoming`` (None swallows it); ``send`` hands
    each outgoing frame to ``csms.outgoing``, which writes whatever it likes to ``real``.
    Every other attribute is the real connection's.
    """

    def __init__(self, real: ServerConnection, csms: TamperingCsms) -> None:
        self.real = real
        self.csms = csms
        self.actions: dict[str, str] = {}  # message id -> action of every CALL seen

    async def recv(self) -> str | bytes:
        while True:
            raw = await self.real.recv()
            frame = parse(raw)
            if frame is not None and frame[0] == CALL:
                self.actions[str(frame[1])] = str(frame[2])
            kept = await self.csms.incoming(self, raw, frame)
            if kept is not None:
                return kept

    async def send(self, message: str) -> None:
        await self.csms.outgoing(self, message, parse(message))

    def answered_action(self, frame: list[Any] | None) -> str | None:
        """The action of the CALL this CALLRESULT answers, if it is one."""
        if frame is None or frame[0] != CALLRESULT:
            return None
        return self.actions.get(str(frame[1]))

    @property
    def booted(self) -> bool:
        """The charger sent a BootNotification on this connection (not a mere reconnect)."""
        return "BootNotification" in self.actions.values()

    def answers_boot(self, frame: list[Any] | None) -> bool:
        return self.answered_action(frame) == "BootNotification"

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


class TamperingCsms(ReferenceCsms):
    """The reference CSMS with a hook on every frame in and out; passes everything through."""

    def handler_class(self, version: str) -> type[HandlerBase]:
        base = super().handler_class(version)
        csms = self

        class Tampered(base):  # type: ignore[valid-type, misc]
            def __init__(self, charger_id: str, connection: Any, owner: ReferenceCsms) -> None:
                super().__init__(charger_id, TamperedConnection(connection, csms), owner)

        return Tampered

    async def incoming(
        self, conn: TamperedConnection, raw: str | bytes, frame: list[Any] | None
    ) -> str | bytes | None:
        return raw

    async def outgoing(self, conn: TamperedConnection, raw: str, frame: list[Any] | None) -> None:
        await conn.real.send(raw)


def data_transfer_call(index: int) -> str:
    """A valid CALL in every version, sent only to break the one-CALL-at-a-time rule."""
    return json.dumps([CALL, f"hostile-{index}", "DataTransfer", {"vendorId": "ocpp-upi.hostile"}])


class NeverAnswersBoot(TamperingCsms):
    """Reads the charger's BootNotification and never answers it."""

    async def incoming(
        self, conn: TamperedConnection, raw: str | bytes, frame: list[Any] | None
    ) -> str | bytes | None:
        if frame is not None and frame[0] == CALL and frame[2] == "BootNotification":
            return None
        return raw


class ClosesMidTransaction(TamperingCsms):
    """Closes the socket when the charger reports its transaction started."""

    async def incoming(
        self, conn: TamperedConnection, raw: str | bytes, frame: list[Any] | None
    ) -> str | bytes | None:
        if frame is not None and frame[0] == CALL:
            started = frame[2] == "StartTransaction" or (
                frame[2] == "TransactionEvent"
                and isinstance(frame[3], dict)
                and frame[3].get("eventType") == "Started"
            )
            if started:
                await conn.real.close(1011, "hostile: gone mid-transaction")
                return None
        return raw


def _starts_transaction(frame: list[Any]) -> bool:
    return frame[2] == "StartTransaction" or (
        frame[2] == "TransactionEvent"
        and isinstance(frame[3], dict)
        and frame[3].get("eventType") == "Started"
    )


class ClosesAfterAnsweringStart(TamperingCsms):
    """Answers the charger's transaction start, then closes the socket at once."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._start_ids: set[str] = set()

    async def incoming(
        self, conn: TamperedConnection, raw: str | bytes, frame: list[Any] | None
    ) -> str | bytes | None:
        if frame is not None and frame[0] == CALL and _starts_transaction(frame):
            self._start_ids.add(str(frame[1]))
        return raw

    async def outgoing(self, conn: TamperedConnection, raw: str, frame: list[Any] | None) -> None:
        await conn.real.send(raw)
        if frame is not None and frame[0] == CALLRESULT and str(frame[1]) in self._start_ids:
            await conn.real.close(1011, "hostile: gone after the start")


class RefusesTransactionStart(TamperingCsms):
    """Answers the charger's transaction start with CALLERROR InternalError."""

    async def incoming(
        self, conn: TamperedConnection, raw: str | bytes, frame: list[Any] | None
    ) -> str | bytes | None:
        if frame is not None and frame[0] == CALL and _starts_transaction(frame):
            error = [4, frame[1], "InternalError", "hostile: no transactions today", {}]
            await conn.real.send(json.dumps(error))
            return None
        return raw


class SendsNonJson(TamperingCsms):
    """Answers BootNotification with text that is not JSON."""

    async def outgoing(self, conn: TamperedConnection, raw: str, frame: list[Any] | None) -> None:
        await conn.real.send("<html>502 Bad Gateway</html>" if conn.answers_boot(frame) else raw)


class SendsUnknownTypeId(TamperingCsms):
    """Answers BootNotification with message type id 7, which no OCPP version defines."""

    async def outgoing(self, conn: TamperedConnection, raw: str, frame: list[Any] | None) -> None:
        if frame is not None and conn.answers_boot(frame):
            raw = json.dumps([7, *frame[1:]])
        await conn.real.send(raw)


class SendsHugeFrame(TamperingCsms):
    """Answers BootNotification with a 10 MB frame (a padded CALLRESULT)."""

    async def outgoing(self, conn: TamperedConnection, raw: str, frame: list[Any] | None) -> None:
        if frame is not None and conn.answers_boot(frame):
            raw = json.dumps([frame[0], frame[1], {**frame[2], "padding": "x" * HUGE_FRAME_BYTES}])
        await conn.real.send(raw)


class FloodsCalls(TamperingCsms):
    """Sends 50 CALLs at once, none waiting for the previous answer, before answering boot."""

    calls = FLOOD_CALLS

    async def outgoing(self, conn: TamperedConnection, raw: str, frame: list[Any] | None) -> None:
        if conn.answers_boot(frame):
            for index in range(self.calls):
                await conn.real.send(data_transfer_call(index))
        await conn.real.send(raw)


HOSTILES = (
    NeverAnswersBoot,
    ClosesMidTransaction,
    SendsNonJson,
    SendsUnknownTypeId,
    SendsHugeFrame,
    FloodsCalls,
)
