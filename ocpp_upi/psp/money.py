"""Paise <-> the rupee strings in UPI links, without ever touching a float.

The ``am`` a driver's UPI app shows is decimal rupees with two places; the API speaks integer
paise. Converting through Decimal keeps ``am=499.00`` and ``49900`` exactly equal.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation


def rupees(paise: int) -> Decimal:
    """49900 -> Decimal('499.00')."""
    return (Decimal(paise) / 100).quantize(Decimal("0.01"))


def paise_of(am: str) -> int:
    """'499.00' or '499' -> 49900; ValueError for anything that is not whole paise."""
    try:
        value = Decimal(am) * 100
    except InvalidOperation as exc:
        raise ValueError(f"am {am!r} is not a decimal amount") from exc
    if not value.is_finite() or value != value.to_integral_value():
        raise ValueError(f"am {am!r} is not a whole number of paise")
    return int(value)
