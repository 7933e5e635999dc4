"""What a paid session should cost, computed from the frames on the wire and the tariff.

The harness never asks the CSMS what it charged: it reads the meter readings the charger
reported and prices them with the profile's tariff, then compares the PSP refund with
prepaid minus that cost.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ocpp_upi.config import Tariff
from ocpp_upi.ocpp.codec import Call
from ocpp_upi.ocpp.trace import FrameTrace
from ocpp_upi.ocpp.versions import Role
from ocpp_upi.ocpp.vocabulary import vocabulary

ENERGY = "Energy.Active.Import.Register"


def _charger_calls(trace: FrameTrace, action: str) -> list[dict[str, Any]]:
    return [
        e.frame.payload
        for e in trace.entries
        if e.sender is Role.CHARGER and isinstance(e.frame, Call) and e.frame.action == action
    ]


def _register_wh(meter_values: list[dict[str, Any]]) -> list[Decimal]:
    readings = []
    for meter_value in meter_values:
        for sample in meter_value.get("sampledValue", []):
            if sample.get("measurand", ENERGY) != ENERGY:
                continue
            unit = sample.get("unitOfMeasure", {}).get("unit", sample.get("unit", "Wh"))
            value = Decimal(str(sample["value"]))
            readings.append(value * 1000 if unit == "kWh" else value)
    return readings


def delivered_energy_wh(trace: FrameTrace, version: str) -> Decimal | None:
    """Energy of the last finished transaction in the trace, as the charger reported it."""
    names = vocabulary(version)
    # 1.6: the meterStart of its start and the meterStop of its stop; 2.x: TransactionEvents.
    if names.started_event is None:
        starts = _charger_calls(trace, names.transaction_start)
        stops = _charger_calls(trace, names.transaction_stop)
        if not starts or not stops:
            return None
        return Decimal(stops[-1]["meterStop"]) - Decimal(starts[-1]["meterStart"])
    events = _charger_calls(trace, names.transaction_start)
    started = [e for e in events if e.get("eventType") == names.started_event]
    ended = [e for e in events if e.get("eventType") == names.ended_event]
    if not started or not ended:
        return None
    first = _register_wh(started[-1].get("meterValue", []))
    last = _register_wh(ended[-1].get("meterValue", []))
    if not first or not last:
        return None
    return last[-1] - first[0]


def cost_paise(energy_wh: Decimal, tariff: Tariff) -> int:
    """kWh x price x (1 + tax), rounded half-up to the paisa (``Tariff.cost_paise``)."""
    return tariff.cost_paise(energy_wh)
