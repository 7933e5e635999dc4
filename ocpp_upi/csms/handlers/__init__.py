"""One ``ocpp``-package ChargePoint subclass per OCPP version, serving one charger each.

``ReferenceCsms.handler_class(version)`` picks the class, so a fault variant can swap in a
subclass that mis-answers exactly one message.
"""

from ocpp_upi.csms.handlers.base import HandlerBase
from ocpp_upi.csms.handlers.v16 import Ocpp16Handler
from ocpp_upi.csms.handlers.v21 import Ocpp21Handler
from ocpp_upi.csms.handlers.v201 import Ocpp201Handler

HANDLER_CLASSES: dict[str, type[HandlerBase]] = {
    "1.6": Ocpp16Handler,
    "2.0.1": Ocpp201Handler,
    "2.1": Ocpp21Handler,
}

__all__ = ["HANDLER_CLASSES", "HandlerBase", "Ocpp16Handler", "Ocpp21Handler", "Ocpp201Handler"]
