"""OCPP 2.1 side of the reference CSMS.

2.1 has both pieces the prepaid flow needs: the ``DirectPayment`` idToken type for a start paid
outside the charger, and ``transactionLimit`` in the TransactionEventResponse to a Started
event, so the charger itself stops at the prepaid energy (seed section 3.3).
"""

from __future__ import annotations

from typing import Any, ClassVar

from ocpp.v21 import ChargePoint
from ocpp.v21.enums import Action

from ocpp_upi.csms.handlers.v2 import V2Handlers


class Ocpp21Handler(V2Handlers, ChargePoint):
    """Answers a 2.1 charging station, sends RequestStartTransaction and prepaid limits."""

    ACTIONS: ClassVar = Action
    ID_TOKEN_TYPE: ClassVar[str] = "DirectPayment"

    def attach_transaction_limit(self, response: Any, limit: dict[str, Any]) -> None:
        """2.1's own field: ``transactionLimit`` of the TransactionEventResponse to Started."""
        response.transaction_limit = limit
