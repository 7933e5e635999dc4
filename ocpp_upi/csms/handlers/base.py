"""What every version's handler shares: the CSMS back-reference and the unknown-action answer.

The ``ocpp`` package answers an unrouted action with NotImplemented/NotSupported for 1.6 and
2.0.1 (swapped: NotSupported for an action the version does not define) but silently drops it
for 2.1 (``_raise_key_error`` has no 2.1 branch), which would leave
a charger waiting for a response that never comes. ``_handle_call`` closes that gap for every
version in one place.
"""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

from ocpp.exceptions import NotImplementedError as OcppNotImplemented
from ocpp.exceptions import NotSupportedError
from ocpp.routing import after
from websockets.asyncio.server import ServerConnection

from ocpp_upi.csms.registry import ConnectedCharger

if TYPE_CHECKING:
    from ocpp_upi.csms.server import ReferenceCsms

LOGGER = logging.getLogger("ocpp_upi.csms.ocpp")


class HandlerBase:
    """Mixin placed before an ``ocpp`` ChargePoint class in each version's handler."""

    ACTIONS: ClassVar[type[StrEnum]]
    _ocpp_version: str
    id: str
    route_map: dict[str, Any]

    def __init__(self, charger_id: str, connection: ServerConnection, csms: ReferenceCsms) -> None:
        super().__init__(  # type: ignore[call-arg]
            charger_id,
            connection,
            response_timeout=csms.settings.remote_start_timeout,
            logger=LOGGER,
        )
        self.csms = csms
        self.connection = connection
        self.entry = ConnectedCharger(charger_id, self._ocpp_version, self)

    async def _handle_call(self, msg: Any) -> Any:
        if msg.action not in self.route_map:
            # OCPP-J: NotSupported = "recognized but not supported", NotImplemented = "not
            # known by the receiver" (the ``ocpp`` package has the two the other way round).
            known = msg.action in {action.value for action in self.ACTIONS}
            error = NotSupportedError if known else OcppNotImplemented
            raise error(details={"cause": f"{msg.action} is not handled by the reference CSMS"})
        return await super()._handle_call(msg)  # type: ignore[misc]

    async def request_remote_start(
        self, evse_id: int, id_token: str, remote_start_id: int, *, paid: bool = True
    ) -> str:
        """Send this version's remote-start CALL; return the charger's status string.

        Raises on CALLERROR, timeout or a closed connection: the caller records start_failed.
        """
        raise NotImplementedError

    async def request_remote_stop(self, transaction_id: str) -> str:
        """Send this version's remote-stop CALL for ``transaction_id``; the charger's status."""
        raise NotImplementedError

    async def start(self) -> None:
        """Serve the connection until it closes (the ``ocpp`` ChargePoint's loop)."""
        await super().start()  # type: ignore[misc]

    # C25 hooks, shared by every version (plain action names route like the Action enums).
    # After-hooks run once the response is on the wire: a CALL awaited inside a handler would
    # deadlock, since the ``ocpp`` package reads the next frame only when the handler returns.

    @after("BootNotification")
    def after_boot_notification(self, **_: Any) -> None:
        self.csms.web_payments_booted(self)

    @after("StatusNotification")
    def after_status_notification(self, **payload: Any) -> None:
        evse = payload.get("evse_id", payload.get("connector_id"))
        if isinstance(evse, int):
            self.csms.web_payments_evse_reported(self, evse)

    async def disconnect(self) -> None:
        await self.connection.close(1001, "replaced by a new connection")

    async def note_evse(self, evse_id: int) -> None:
        await self.csms.chargers.note_evse(self.entry, evse_id)
