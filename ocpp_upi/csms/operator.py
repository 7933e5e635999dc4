"""What the reference CSMS's operator can make it do: remote start and stop from the back office.

The harness drives these through the trigger server (``trigger_api.py``), the tzi-OCTT
convention, so the OCPP core group can check a remote start and a remote stop that no payment
caused. Rule methods, so fault variants can break exactly one of them.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from ocpp_upi.csms import outcomes
from ocpp_upi.csms.ledger import Ledger
from ocpp_upi.csms.registry import ChargerRegistry, ConnectedCharger

LOGGER = logging.getLogger(__name__)

ANSWERED = {outcomes.STARTED: "Accepted", outcomes.START_REJECTED: "Rejected"}


class OperatorRules:
    """Mixin for ReferenceCsms: the operator's remote start and stop."""

    chargers: ChargerRegistry

    ledger: Ledger

    if TYPE_CHECKING:  # StaticQrRules provides it

        async def _send_remote_start(
            self,
            charger: ConnectedCharger,
            evse_id: int,
            id_token: str,
            remote_start_id: int,
            *,
            paid: bool = True,
        ) -> str: ...

    async def operator_remote_start(self, charger_id: str, evse_id: int, id_token: str) -> str:
        """Rule: RemoteStartTransaction / RequestStartTransaction for that EVSE and idTag, paid
        by nobody; the station's status, or "" when it did not answer. Not the payment rule
        ``remote_start``: a variant that breaks paid starts leaves the operator's alone."""
        remote_start_id = self.ledger.begin_remote_start(None, charger_id, evse_id, id_token)
        charger = self.chargers.get(charger_id)
        result = outcomes.START_FAILED
        if charger is not None:
            result = await self._send_remote_start(
                charger, evse_id, id_token, remote_start_id, paid=False
            )
        self.ledger.finish_remote_start(remote_start_id, result)
        return ANSWERED.get(result, "")

    async def operator_remote_stop(self, charger_id: str, transaction_id: str) -> str:
        """Rule: RemoteStopTransaction / RequestStopTransaction for exactly that transaction;
        the station's status, or "" when it did not answer."""
        charger = self.chargers.get(charger_id)
        if charger is None:
            return ""
        try:
            return await asyncio.wait_for(
                charger.handler.request_remote_stop(transaction_id), timeout=10.0
            )
        except Exception:
            LOGGER.warning("remote stop of %s on %s failed", transaction_id, charger_id)
            return ""
