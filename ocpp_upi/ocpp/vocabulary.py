"""Each OCPP version's names for what the payment flows do, spelt once for the harness.

The same step ("the CSMS remotely starts EVSE 1", "the transaction ends") is a different action
per version: 1.6 has RemoteStartTransaction, StartTransaction, MeterValues and StopTransaction;
2.0.1 and 2.1 have RequestStartTransaction and one TransactionEvent (Started, Updated, Ended).
The steps, the trace predicates and the mock charger's adapters read the names here instead of
spelling them again. (The reference CSMS has its own: it shares no code with the harness.)
"""

from __future__ import annotations

from dataclasses import dataclass

from ocpp_upi.ocpp.versions import check_version


@dataclass(frozen=True)
class Vocabulary:
    """One version's action names (CALL ``action`` strings) for the payment flows."""

    remote_start: str  # CSMS -> charger: start a session on an EVSE
    remote_stop: str  # CSMS -> charger: stop a transaction
    transaction_start: str  # charger -> CSMS: a transaction began
    meter_values: str  # charger -> CSMS: energy so far
    transaction_stop: str  # charger -> CSMS: a transaction ended
    # 2.x reports all three through TransactionEvent with this eventType; 1.6 has none.
    started_event: str | None
    ended_event: str | None


OCPP16 = Vocabulary(
    remote_start="RemoteStartTransaction",
    remote_stop="RemoteStopTransaction",
    transaction_start="StartTransaction",
    meter_values="MeterValues",
    transaction_stop="StopTransaction",
    started_event=None,
    ended_event=None,
)
OCPP2 = Vocabulary(
    remote_start="RequestStartTransaction",
    remote_stop="RequestStopTransaction",
    transaction_start="TransactionEvent",
    meter_values="TransactionEvent",
    transaction_stop="TransactionEvent",
    started_event="Started",
    ended_event="Ended",
)
_BY_VERSION = {"1.6": OCPP16, "2.0.1": OCPP2, "2.1": OCPP2}


def vocabulary(version: str) -> Vocabulary:
    """The names ``version`` uses; ValueError for a version the harness does not speak."""
    return _BY_VERSION[check_version(version)]
