"""The bundled reference CSMS: the conformance suite's default, correct-by-construction target.

OCPP-J server for 1.6, 2.0.1 and 2.1 (built on the ``ocpp`` package), bank webhook receiver
for static-QR UPI credits, static-QR sticker content, the webpage-redirect flow (pay page, PSP
client and webhook, settlement and refunds; on when ``psp_base_url`` is set), and a SQLite
ledger.
"""

from ocpp_upi.csms.ledger import Ledger
from ocpp_upi.csms.outcomes import WebhookReply
from ocpp_upi.csms.server import ReferenceCsms, serve_forever
from ocpp_upi.csms.settings import CsmsSettings

__all__ = ["CsmsSettings", "Ledger", "ReferenceCsms", "WebhookReply", "serve_forever"]
