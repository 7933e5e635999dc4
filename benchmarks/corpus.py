"""A mixed OCPP-J conversation corpus for the validation benchmark.

Each ``Exchange`` is one CALL and its CALLRESULT. ``session(version)`` is the conversation of
one prepaid-UPI charge in that version (boot, heartbeats, status, authorisation, remote start,
periodic meter values, remote stop, payment data), because that is the traffic the harness
validates all day. ``INVALID`` holds exchanges that both validators must reject;
``DISAGREEMENTS`` holds frames where this harness and the ``ocpp`` package differ *by design*
(declared draft, format checks, decimal arithmetic), kept apart so that the main comparison
stays an exact-agreement check.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ocpp_upi.ocpp.codec import Call, CallResult, encode
from ocpp_upi.ocpp.versions import VERSIONS, Role

CP, CS = Role.CHARGER, Role.CSMS
T0 = "2025-03-01T10:00:00Z"
T1 = "2025-03-01T10:05:00.250+05:30"
T2 = "2025-03-01T10:30:00Z"
ID_TAG = "UPI-7F3A9C"
ID_TOKEN = {"idToken": ID_TAG, "type": "Central"}
METER_UPDATES = 10  # periodic meter values per session: most of a real charge's traffic


@dataclass(frozen=True)
class Exchange:
    """A CALL from ``caller`` and the peer's CALLRESULT."""

    version: str
    caller: Role
    action: str
    request: dict[str, Any]
    response: dict[str, Any]
    note: str = ""


@dataclass(frozen=True)
class Item:
    """One frame of the corpus, ready to feed to a validator."""

    version: str
    sender: Role
    action: str
    kind: str
    raw: str
    note: str


def frames(exchanges: Iterable[Exchange], prefix: str = "m") -> list[Item]:
    """Serialise ``exchanges`` in order, each CALL immediately followed by its result."""
    items: list[Item] = []
    for number, exchange in enumerate(exchanges):
        message_id = f"{prefix}{number}"
        call = encode(Call(message_id, exchange.action, exchange.request))
        result = encode(CallResult(message_id, exchange.response))
        v, caller, a, n = exchange.version, exchange.caller, exchange.action, exchange.note
        items.append(Item(v, caller, a, "request", call, n))
        items.append(Item(v, caller.peer, a, "response", result, n))
    return items


# --- OCPP 1.6 ----------------------------------------------------------------------------------


def _profile_16(limit: float) -> dict[str, Any]:
    return {
        "chargingProfileId": 7,
        "stackLevel": 0,
        "chargingProfilePurpose": "TxProfile",
        "chargingProfileKind": "Absolute",
        "chargingSchedule": {
            "chargingRateUnit": "A",
            "chargingSchedulePeriod": [
                {"startPeriod": 0, "limit": limit},
                {"startPeriod": 900, "limit": 8.1, "numberPhases": 3},
            ],
        },
    }


def _meter_16(wh: int) -> list[dict[str, Any]]:
    return [
        {
            "timestamp": T1,
            "sampledValue": [
                {
                    "value": str(wh),
                    "context": "Sample.Periodic",
                    "measurand": "Energy.Active.Import.Register",
                    "unit": "Wh",
                },
                {"value": "16.0", "measurand": "Current.Import", "unit": "A", "phase": "L1"},
            ],
        }
    ]


def _session_16() -> list[Exchange]:
    def ex(caller: Role, action: str, request: dict, response: dict) -> Exchange:
        return Exchange("1.6", caller, action, request, response)

    boot = {
        "chargePointVendor": "VendorX",
        "chargePointModel": "UPI-22",
        "chargePointSerialNumber": "SN-0001",
        "firmwareVersion": "1.4.2",
    }
    return [
        ex(
            CP, "BootNotification", boot, {"status": "Accepted", "currentTime": T0, "interval": 300}
        ),
        ex(CP, "Heartbeat", {}, {"currentTime": T0}),
        ex(
            CP,
            "StatusNotification",
            {"connectorId": 1, "errorCode": "NoError", "status": "Preparing", "timestamp": T0},
            {},
        ),
        ex(
            CP,
            "Authorize",
            {"idTag": ID_TAG},
            {"idTagInfo": {"status": "Accepted", "expiryDate": T2}},
        ),
        ex(
            CS,
            "RemoteStartTransaction",
            {"connectorId": 1, "idTag": ID_TAG, "chargingProfile": _profile_16(16.5)},
            {"status": "Accepted"},
        ),
        ex(
            CP,
            "StartTransaction",
            {"connectorId": 1, "idTag": ID_TAG, "meterStart": 1200, "timestamp": T0},
            {"transactionId": 42, "idTagInfo": {"status": "Accepted"}},
        ),
        *(
            ex(
                CP,
                "MeterValues",
                {"connectorId": 1, "transactionId": 42, "meterValue": _meter_16(1200 + 400 * n)},
                {},
            )
            for n in range(METER_UPDATES)
        ),
        ex(CP, "Heartbeat", {}, {"currentTime": T1}),
        ex(CS, "RemoteStopTransaction", {"transactionId": 42}, {"status": "Accepted"}),
        ex(
            CP,
            "StopTransaction",
            {
                "transactionId": 42,
                "meterStop": 5600,
                "timestamp": T2,
                "reason": "Remote",
                "idTag": ID_TAG,
                "transactionData": _meter_16(5600),
            },
            {"idTagInfo": {"status": "Accepted"}},
        ),
        ex(
            CP,
            "StatusNotification",
            {"connectorId": 1, "errorCode": "NoError", "status": "Available", "timestamp": T2},
            {},
        ),
        ex(
            CS,
            "DataTransfer",
            {"vendorId": "in.upi.example", "messageId": "PaymentLink", "data": "upi://pay?pa=x@y"},
            {"status": "Accepted", "data": "shown"},
        ),
    ]


# --- OCPP 2.0.1 and 2.1 ------------------------------------------------------------------------


def _meter_2x(wh: float) -> list[dict[str, Any]]:
    return [
        {
            "timestamp": T1,
            "sampledValue": [
                {
                    "value": wh,
                    "context": "Sample.Periodic",
                    "measurand": "Energy.Active.Import.Register",
                    "unitOfMeasure": {"unit": "Wh", "multiplier": 0},
                },
                {"value": 16.0, "measurand": "Current.Import", "phase": "L1"},
            ],
        }
    ]


def _transaction_event(event: str, seq: object, **extra: Any) -> dict[str, Any]:
    trigger = {"Started": "RemoteStart", "Updated": "MeterValuePeriodic"}.get(event, "RemoteStop")
    payload: dict[str, Any] = {
        "eventType": event,
        "timestamp": T1,
        "triggerReason": trigger,
        "seqNo": seq,
        "transactionInfo": {"transactionId": "tx-0042", "chargingState": "Charging"},
        "evse": {"id": 1, "connectorId": 1},
        "meterValue": _meter_2x(1200.0 + 400 * (seq if isinstance(seq, int) else 0)),
    }
    payload.update(extra)
    return payload


def _session_2x(version: str) -> list[Exchange]:
    def ex(caller: Role, action: str, request: dict, response: dict) -> Exchange:
        return Exchange(version, caller, action, request, response)

    boot = {
        "chargingStation": {
            "model": "UPI-22",
            "vendorName": "VendorX",
            "serialNumber": "SN-0001",
            "firmwareVersion": "2.0.0",
        },
        "reason": "PowerUp",
    }
    started = _transaction_event(
        "Started",
        0,
        idToken=ID_TOKEN,
        transactionInfo={"transactionId": "tx-0042", "remoteStartId": 9001},
    )
    exchanges = [
        ex(
            CP, "BootNotification", boot, {"currentTime": T0, "interval": 300, "status": "Accepted"}
        ),
        ex(CP, "Heartbeat", {}, {"currentTime": T0}),
        ex(
            CP,
            "StatusNotification",
            {"timestamp": T0, "connectorStatus": "Occupied", "evseId": 1, "connectorId": 1},
            {},
        ),
        ex(
            CP,
            "Authorize",
            {"idToken": ID_TOKEN},
            {"idTokenInfo": {"status": "Accepted", "cacheExpiryDateTime": T2}},
        ),
        ex(
            CS,
            "RequestStartTransaction",
            {"idToken": ID_TOKEN, "remoteStartId": 9001, "evseId": 1},
            {"status": "Accepted", "transactionId": "tx-0042"},
        ),
        ex(CP, "TransactionEvent", started, {"idTokenInfo": {"status": "Accepted"}}),
        *(
            ex(CP, "TransactionEvent", _transaction_event("Updated", n), {"totalCost": 1.5 * n})
            for n in range(1, METER_UPDATES)
        ),
        ex(CP, "MeterValues", {"evseId": 0, "meterValue": _meter_2x(2400.5)}, {}),
        ex(CS, "RequestStopTransaction", {"transactionId": "tx-0042"}, {"status": "Accepted"}),
        ex(
            CP,
            "TransactionEvent",
            _transaction_event(
                "Ended",
                METER_UPDATES,
                transactionInfo={"transactionId": "tx-0042", "stoppedReason": "Remote"},
            ),
            {"totalCost": 48.0},
        ),
        ex(
            CS,
            "DataTransfer",
            {
                "vendorId": "in.upi.example",
                "messageId": "PaymentLink",
                "data": {"vpa": "csms@bank", "amount": "250.00"},
            },
            {"status": "Accepted", "data": {"shown": True}},
        ),
    ]
    if version == "2.1":
        exchanges.insert(4, ex(CS, "NotifyWebPaymentStarted", {"evseId": 1, "timeout": 120}, {}))
    return exchanges


def session(version: str) -> list[Exchange]:
    """One prepaid charging session of ``version``, every frame valid."""
    return _session_16() if version == "1.6" else _session_2x(version)


VALID: list[Exchange] = [exchange for version in VERSIONS for exchange in session(version)]

# Both validators must reject each of these (the request, the response or both).
INVALID: list[Exchange] = [
    Exchange(
        "1.6",
        CS,
        "RemoteStartTransaction",
        {"idTag": "abcdefghijklmnopqrstu"},
        {"status": "Accepted"},
        "idTag longer than 20",
    ),
    Exchange(
        "1.6",
        CS,
        "RemoteStartTransaction",
        {"idTag": "UPI-1", "chargingProfile": _profile_16(8.15)},
        {"status": "Accepted"},
        "limit not a multiple of 0.1",
    ),
    Exchange(
        "1.6",
        CP,
        "StatusNotification",
        {"connectorId": 1, "status": "Available"},
        {},
        "errorCode missing",
    ),
    Exchange(
        "1.6",
        CP,
        "BootNotification",
        {"chargePointVendor": "V", "chargePointModel": "M"},
        {"status": "Maybe", "currentTime": T0, "interval": 300},
        "status not in enum",
    ),
    Exchange(
        "1.6",
        CP,
        "StartTransaction",
        {"connectorId": "1", "idTag": "UPI-1", "meterStart": 0, "timestamp": T0},
        {"transactionId": 1, "idTagInfo": {"status": "Accepted"}},
        "connectorId as string",
    ),
    Exchange(
        "2.0.1",
        CP,
        "TransactionEvent",
        {k: v for k, v in _transaction_event("Updated", 1).items() if k != "seqNo"},
        {},
        "seqNo missing",
    ),
    Exchange(
        "2.0.1",
        CS,
        "RequestStartTransaction",
        {"idToken": {"idToken": "UPI-1", "type": "Upi"}, "remoteStartId": 1},
        {"status": "Accepted"},
        "idToken type not in the 2.0.1 enum",
    ),
    Exchange(
        "2.0.1",
        CP,
        "Heartbeat",
        {"extra": 1},
        {"currentTime": T0},
        "unexpected property",
    ),
    Exchange(
        "2.1",
        CP,
        "TransactionEvent",
        _transaction_event("Updated", "x"),
        {},
        "seqNo not an integer",
    ),
    Exchange(
        "2.1",
        CS,
        "NotifyWebPaymentStarted",
        {"evseId": -1, "timeout": 60},
        {},
        "evseId below minimum",
    ),
    Exchange(
        "2.1",
        CP,
        "Authorize",
        {"idToken": {"idToken": "x" * 300, "type": "Central"}},
        {"idTokenInfo": {}},
        "idToken too long; status missing",
    ),
]

# The two validators differ here by design; see docs/spec-notes.md "Frame validation".
DISAGREEMENTS: list[Exchange] = [
    Exchange(
        "2.0.1",
        CP,
        "StatusNotification",
        {"timestamp": T0, "connectorStatus": "Available", "evseId": 1, "connectorId": 1.0},
        {},
        "draft-06: 1.0 is an integer (ocpp validates every schema as draft-04)",
    ),
    Exchange(
        "2.1",
        CP,
        "TransactionEvent",
        _transaction_event("Updated", 1.0),
        {},
        "draft-06: seqNo 1.0 is an integer",
    ),
    Exchange(
        "1.6",
        CS,
        "ExtendedTriggerMessage",
        {"requestedMessage": "StatusNotification", "connectorId": 1.0},
        {"status": "Accepted"},
        "the 1.6 security-extension schemas are draft-06 too",
    ),
    Exchange(
        "1.6",
        CP,
        "Heartbeat",
        {},
        {"currentTime": "2025-13-01T10:00:00Z"},
        "month 13 is not a date-time (ocpp checks no formats)",
    ),
    Exchange(
        "2.0.1",
        CP,
        "Heartbeat",
        {},
        {"currentTime": "2025-03-01T10:00:00+0530"},
        "RFC 3339 offsets need a colon",
    ),
    Exchange(
        "2.1",
        CP,
        "MeterValues",
        {
            "evseId": 1,
            "meterValue": [{"timestamp": "٢٠٢٥-03-01T10:00:00Z", "sampledValue": [{"value": 1.0}]}],
        },
        {},
        "Arabic-Indic digits are not RFC 3339 digits",
    ),
    Exchange(
        "1.6",
        CS,
        "GetDiagnostics",
        {"location": "diagnostics upload"},
        {"fileName": "diag.zip"},
        "not a URI",
    ),
    Exchange(
        "1.6",
        CS,
        "SetChargingProfile",
        {"connectorId": 1, "csChargingProfiles": _profile_16(1e308)},
        {"status": "Accepted"},
        "1e308 is a multiple of 0.1; ocpp's decimal context raises DivisionImpossible",
    ),
]
