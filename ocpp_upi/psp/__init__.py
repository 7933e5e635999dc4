"""Mock PSP: a Razorpay-compatible payment service provider on a loopback port.

The point is certification without code changes: a CSMS already integrated with Razorpay is
pointed at this server by changing only its API base URL and secrets, and the harness then
plays the driver's UPI app, the bank's verdicts and the PSP's failure modes around it. A small
generic profile serves bespoke integrations. Routes, settings and fault names are documented in
docs/mock-psp.md.
"""

from ocpp_upi.psp.errors import PspError
from ocpp_upi.psp.faults import FAULT_ENDPOINTS
from ocpp_upi.psp.ledger import PspLedger
from ocpp_upi.psp.payer import FAILURE_VPA, PENDING_VPA, SUCCESS_VPA
from ocpp_upi.psp.records import ApiCall, WebhookDelivery
from ocpp_upi.psp.server import MockPsp
from ocpp_upi.psp.settings import ACCOUNT_ID, PspSettings

__all__ = [
    "ACCOUNT_ID",
    "FAILURE_VPA",
    "FAULT_ENDPOINTS",
    "PENDING_VPA",
    "SUCCESS_VPA",
    "ApiCall",
    "MockPsp",
    "PspError",
    "PspLedger",
    "PspSettings",
    "WebhookDelivery",
]
