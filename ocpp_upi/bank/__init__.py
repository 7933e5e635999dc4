"""Mock NPCI/acquirer side of static-QR payments.

In the static-QR model (OCA white paper "OCPP & UPI mobile payments", section 2.1.1) the driver
pays the CPO's merchant VPA from any UPI app and the CPO's bank is the only party that learns of
it. The CSMS reacts to the bank's credit notification, so the harness plays that bank: it builds
credit notifications, signs them, and delivers them to the CSMS's webhook.
"""

from ocpp_upi.bank.notification import CreditNotification, NotificationError, credit, new_utr
from ocpp_upi.bank.notifier import BankNotifier, WebhookExchange
from ocpp_upi.bank.signing import SIGNATURE_HEADER, sign, verify

__all__ = [
    "SIGNATURE_HEADER",
    "BankNotifier",
    "CreditNotification",
    "NotificationError",
    "WebhookExchange",
    "credit",
    "new_utr",
    "sign",
    "verify",
]
