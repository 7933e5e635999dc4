"""OCPP 2.0.1 side of the reference CSMS.

2.0.1's IdTokenEnumType has no ``DirectPayment``, so a payment-triggered start uses ``Central``
(a token issued by the CSMS itself), the closest schema-legal meaning.
"""

from typing import ClassVar

from ocpp.v201 import ChargePoint
from ocpp.v201.enums import Action

from ocpp_upi.csms.handlers.v2 import V2Handlers


class Ocpp201Handler(V2Handlers, ChargePoint):
    """Answers a 2.0.1 charging station and sends it RequestStartTransaction."""

    ACTIONS: ClassVar = Action
    ID_TOKEN_TYPE: ClassVar[str] = "Central"
