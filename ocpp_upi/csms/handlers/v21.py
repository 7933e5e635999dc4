"""OCPP 2.1 side of the reference CSMS.

2.1 has both pieces the prepaid flow needs: the ``DirectPayment`` idToken type for a start paid
outside the charger, and ``transactionLimit`` in the TransactionEventResponse to a Started
event, so the charger itself stops at the prepaid energy (seed section 3.3).
"""

from __future__ import annotations

from typing import Any, ClassVar

from ocpp.v21 import ChargePoint
from ocpp.v21.enums import Action

from ocpp_upi.csms.handlers.v2 import STARTED, V2Handlers
from ocpp_upi.csms.ledger import TransactionRecord


class Ocpp21Handler(V2Handlers, ChargePoint):
    """Answers a 2.1 charging station, sends RequestStartTransaction and prepaid limits."""

    ACTIONS: ClassVar = Action
    ID_TOKEN_TYPE: ClassVar[str] = "DirectPayment"

    def transaction_event_response(
        self, event_type: str, id_token: dict[str, Any] | None, record: TransactionRecord
    ) -> Any:
        response = super().transaction_event_response(event_type, id_token, record)
        if (
            event_type == STARTED
            and record.payment_id is not None
            and self.session_authorized(record)
        ):
            max_energy = self.csms.transaction_limit_wh(record.payment_id)
            if max_energy is not None:
                response.transaction_limit = {"max_energy": max_energy}
        return response
