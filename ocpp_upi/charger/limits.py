"""Prepaid limits on the mock charger: receiving them in each OCPP version, and metering to them.

Where the limit arrives (seed section 3.3):

* 2.1: ``transactionLimit.maxEnergy`` (Wh) in the TransactionEventResponse to Started.
* 2.0.1: the same object inside that response's ``customData`` with vendorId
  ``ocpp-upi.prepaid`` (2.0.1 has no transactionLimit; customData is its extension point).
* 1.6: DataTransfer ``ocpp-upi.prepaid`` / ``TransactionLimit`` with
  ``data = {"transactionId": <int>, "maxEnergy": <Wh>}``; answered Accepted only when enforcing.

A station that enforces stops exactly at the limit: the last meter interval adds only what is
left. 2.x then ends with ``EnergyLimitReached`` as trigger and stoppedReason (both enums have
it in 2.0.1 and 2.1); 1.6's StopTransaction reason enum has no limit reason, so it says
``Other`` and the trace notes why. A station that does not enforce keeps charging until
something else stops it, which is what lets the harness check CSMS-side metering.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ocpp_upi.limits import COMPUTES_COST_KEY, DEFAULT_LIMIT_ENCODING, LimitEncoding
from ocpp_upi.ocpp.session import Reply

if TYPE_CHECKING:
    from ocpp_upi.charger.station import MockCharger, Transaction

ENERGY_LIMIT_REACHED = "EnergyLimitReached"  # the station's stop reason, and 2.x's spelling of it
DRIVER_STOP = "Local"
V16_LIMIT_STOP_REASON = "Other"  # 1.6 StopTransaction.reason has no limit value


@dataclass
class PendingLimits:
    """1.6 limits that arrived before the station learned its transactionId.

    The CSMS sends the DataTransfer right after StartTransaction.conf, and the two frames may
    be read together: the DataTransfer handler can run before the code awaiting the conf has
    stored the id. Such a limit waits here, keyed by the id, until the meter loop takes it.
    """

    by_transaction: dict[str, float] = field(default_factory=dict)

    def take(self, tx: Transaction) -> None:
        """Move a waiting limit onto ``tx`` once its transactionId is known."""
        if tx.transaction_id is None:
            return
        limit = self.by_transaction.pop(str(tx.transaction_id), None)
        if limit is not None:
            tx.limit_wh = limit


# --- receiving ---------------------------------------------------------------------------------


def register_limit_transfer(station: MockCharger) -> None:
    """Route the 1.6 limit DataTransfer to this station (idempotent: reconnects re-register)."""

    async def handle(payload: dict[str, Any]) -> Reply:
        return on_limit_transfer(station, payload)

    encoding = station.limit_encoding
    station.data_transfers.on(encoding.vendor_id, encoding.message_id, handle)


def on_limit_transfer(station: MockCharger, payload: dict[str, Any]) -> Reply:
    """Accepted when enforcing a well-formed limit for a transaction of ours, else refused.

    A station that does not enforce answers as one that never heard of the extension, so the
    CSMS knows it has to meter the session itself.
    """
    if not station.behaviour.enforces_limits:
        return Reply({"status": "UnknownVendorId"})
    parsed = parse_limit_data(payload.get("data"), station.limit_encoding)
    if parsed is None:
        station.trace.note(f"limit DataTransfer refused: unreadable data {payload.get('data')!r}")
        return Reply({"status": "Rejected"})
    transaction_id, max_energy = parsed
    tx = station.find_transaction(transaction_id)
    if tx is not None:
        tx.limit_wh = max_energy
    elif any(t.transaction_id is None for t in station.transactions.values()):
        station.limits.by_transaction[str(transaction_id)] = max_energy
    else:
        station.trace.note(f"limit DataTransfer refused: no transaction {transaction_id}")
        return Reply({"status": "Rejected"})
    station.trace.note(f"transaction {transaction_id}: limit {max_energy:g} Wh by DataTransfer")
    return Reply({"status": "Accepted"})


def parse_limit_data(
    data: object, encoding: LimitEncoding = DEFAULT_LIMIT_ENCODING
) -> tuple[int, float] | None:
    """``'{"transactionId": 7, "maxEnergy": 20000}'`` -> (7, 20000.0), with the encoding's
    field names; None if malformed."""
    if not isinstance(data, str):
        return None
    try:
        body = json.loads(data)
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    transaction_id = body.get(encoding.transaction_id_field)
    max_energy = _non_negative_number(body.get(encoding.max_energy_field))
    if type(transaction_id) is not int or max_energy is None:
        return None
    return transaction_id, max_energy


def read_started_limit(station: MockCharger, tx: Transaction, answer: dict[str, Any]) -> None:
    """Take the limit out of the CSMS's answer to Started (2.1 field, 2.0.1 customData)."""
    limit = started_limit(station.version, answer, station.limit_encoding)
    if limit is None:
        return
    if not station.behaviour.enforces_limits:
        station.trace.note(f"EVSE {tx.evse_id}: ignoring the transaction limit {limit}")
        return
    tx.limit_wh = _non_negative_number(limit.get("maxEnergy"))
    tx.limit_cost = _non_negative_number(limit.get("maxCost"))
    station.trace.note(f"EVSE {tx.evse_id}: transaction limit {limit}")


def started_limit(
    version: str, answer: dict[str, Any], encoding: LimitEncoding = DEFAULT_LIMIT_ENCODING
) -> dict[str, Any] | None:
    """The TransactionLimitType object a Started response carries in this version, or None."""
    if version == "2.1":
        limit = answer.get("transactionLimit")
    else:
        custom = answer.get("customData")
        is_ours = isinstance(custom, dict) and custom.get("vendorId") == encoding.vendor_id
        limit = custom.get(encoding.custom_data_field) if is_ours and custom else None
    return limit if isinstance(limit, dict) else None


def cost_capability(station: MockCharger) -> dict[str, Any] | None:
    """customData for the Started request of a station that computes cost (else None)."""
    if not station.behaviour.computes_cost:
        return None
    return {"vendorId": station.limit_encoding.vendor_id, COMPUTES_COST_KEY: True}


def _non_negative_number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return None
    return float(value)


# --- metering ----------------------------------------------------------------------------------


def advance_meter(station: MockCharger, tx: Transaction) -> str | None:
    """Add one interval's energy, never past the limit or the driver's stop; the stop reason.

    Returns ``EnergyLimitReached`` when an enforced limit is reached (the limit wins a tie with
    the driver's stop), ``Local`` when the driver's ``stop_after_wh`` is, else None.
    """
    station.limits.take(tx)
    behaviour = station.behaviour
    limit = tx.limit_wh if behaviour.enforces_limits else None
    driver = behaviour.stop_after_wh
    target = tx.energy_wh + behaviour.energy_per_interval_wh()
    if limit is not None and target >= limit and (driver is None or limit <= driver):
        tx.energy_wh = max(tx.energy_wh, limit)  # a late 1.6 limit cannot undo energy
        station.trace.note(f"EVSE {tx.evse_id}: energy limit {limit:g} Wh reached, stopping")
        return ENERGY_LIMIT_REACHED
    if driver is not None and target >= driver:
        tx.energy_wh = max(tx.energy_wh, driver)
        return DRIVER_STOP
    tx.energy_wh = target
    return None


def v16_stop_reason(station: MockCharger, tx: Transaction, reason: str) -> str:
    """1.6 spelling of a stop reason: a limit stop becomes ``Other`` (noted in the trace)."""
    if reason != ENERGY_LIMIT_REACHED:
        return reason
    station.trace.note(
        f"transaction {tx.transaction_id}: stopped at its {tx.limit_wh:g} Wh limit; 1.6 has no "
        f"limit stop reason, so StopTransaction says {V16_LIMIT_STOP_REASON}"
    )
    return V16_LIMIT_STOP_REASON
