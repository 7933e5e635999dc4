"""OCPP 2.1 spelling of the station: 2.0.1's messages, plus what 2.1 adds for payments.

The transaction messages are shaped alike in both versions; 2.1's additions (DirectPayment
idTokens, transactionLimit, C25 web payments) build on this adapter as the flows need them.
"""

from __future__ import annotations

from ocpp_upi.charger.v201 import Ocpp201Adapter


class Ocpp21Adapter(Ocpp201Adapter):
    version = "2.1"
