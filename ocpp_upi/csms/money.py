"""Money and prepaid-energy arithmetic in integer paise.

Rupee amounts arrive as decimal strings and are stored as integer paise so that no sum, limit or
comparison ever goes through a binary float (200.00 INR is exactly 20000 paise, always).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from ocpp_upi.limits import prepaid_limit_wh

PAISE_PER_RUPEE = 100


def rupees_to_paise(amount: str | Decimal) -> int:
    """``"200.00"`` -> 20000. Raises ValueError for non-numbers or fractions of a paisa."""
    try:
        value = Decimal(str(amount))
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {amount!r}") from exc
    if not value.is_finite():
        raise ValueError(f"not a finite amount: {amount!r}")
    paise = value * PAISE_PER_RUPEE
    if paise != paise.to_integral_value():
        raise ValueError(f"amount has fractions of a paisa: {amount!r}")
    return int(paise)


def paise_to_rupees(paise: int) -> str:
    """20000 -> ``"200.00"``: the two-decimal spelling used in notifications and reports."""
    sign = "-" if paise < 0 else ""
    whole, fraction = divmod(abs(paise), PAISE_PER_RUPEE)
    return f"{sign}{whole}.{fraction:02d}"


def prepaid_energy_wh(amount_paise: int, price_per_kwh: Decimal, tax_rate: Decimal) -> int:
    """Whole Wh a prepaid amount buys at a tariff (price per kWh before tax, tax as a fraction).

    Kept under this name for its callers; the one implementation is ``ocpp_upi.limits``, shared
    with the harness so the limit the CSMS sends and the one the harness expects cannot drift
    (seed section 3.3: 200 INR at 10 INR/kWh -> 20 kWh = 20000 Wh).
    """
    return prepaid_limit_wh(amount_paise, price_per_kwh, tax_rate)
