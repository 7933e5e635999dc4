"""Rupee amounts as the scenario text writes them, turned into the paise every check uses."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from ocpp_upi.verdicts import HarnessError


def paise(rupees: str) -> int:
    """``"200.00"`` -> ``20000``; a typo in a scenario is the harness's error, not the CSMS's."""
    try:
        return int(Decimal(rupees) * 100)
    except InvalidOperation as exc:
        raise HarnessError(f"not an amount in the scenario text: {rupees!r}") from exc


def rupees(amount_paise: int) -> str:
    """``20000`` -> ``"200.00"``, the form the scenario text uses."""
    return f"{Decimal(amount_paise) / 100:.2f}"
