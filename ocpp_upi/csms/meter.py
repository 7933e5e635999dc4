"""Reading the energy register out of OCPP meter values.

1.6 sends sampled values as strings with a ``unit``; 2.x sends numbers with ``unitOfMeasure``
(unit default Wh, power-of-ten multiplier). Both are normalised to integer Wh here so the ledger
compares like with like. Payloads arrive snake_cased by the ``ocpp`` package.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

ENERGY_REGISTER = "Energy.Active.Import.Register"
_UNIT_FACTOR = {"Wh": Decimal(1), "kWh": Decimal(1000)}


def energy_register_wh(meter_values: list[dict[str, Any]] | None) -> int | None:
    """The last energy-register reading (in Wh) in a list of meter values, or None."""
    readings = energy_readings_wh(meter_values)
    return readings[-1] if readings else None


def energy_readings_wh(meter_values: list[dict[str, Any]] | None) -> list[int]:
    """Every energy-register reading (Wh) in a list of meter values, in the order sent."""
    return [
        value
        for meter_value in meter_values or []
        for sample in meter_value.get("sampled_value", [])
        if (value := _sample_wh(sample)) is not None
    ]


def _sample_wh(sample: dict[str, Any]) -> int | None:
    if sample.get("measurand", ENERGY_REGISTER) != ENERGY_REGISTER:
        return None
    unit_of_measure = sample.get("unit_of_measure") or {}
    unit = sample.get("unit") or unit_of_measure.get("unit") or "Wh"
    factor = _UNIT_FACTOR.get(unit)
    if factor is None:
        return None
    try:
        value = Decimal(str(sample["value"]))
    except (KeyError, InvalidOperation):
        return None
    multiplier = int(unit_of_measure.get("multiplier", 0))
    return int(value * factor * Decimal(10) ** multiplier)
