"""What a prepaid session cost and what goes back to the driver, in integer paise.

Decimal arithmetic throughout: 5000 Wh at 10 INR/kWh with 18 % tax is exactly 59.00 INR, and a
float could make it 58.99. The cost is rounded half-up to the paisa once, at the end, and never
exceeds what was paid, so ``refund + cost == paid`` holds for every session.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from ocpp_upi.csms.money import PAISE_PER_RUPEE

WH_PER_KWH = 1000
# Razorpay: X-Refund-Idempotency is at least 10 characters of [A-Za-z0-9_-].
IDEMPOTENCY_KEY_MIN = 10
_KEY_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def energy_cost_paise(energy_wh: int, price_per_kwh: Decimal, tax_rate: Decimal) -> int:
    """kWh x price x (1 + tax) in paise, half-up; no energy (or a meter that ran backwards)
    costs nothing rather than paying the driver."""
    if energy_wh <= 0:
        return 0
    rupees = Decimal(energy_wh) / WH_PER_KWH * price_per_kwh * (1 + tax_rate)
    return int((rupees * PAISE_PER_RUPEE).to_integral_value(rounding=ROUND_HALF_UP))


def charged_paise(paid_paise: int, cost_paise: int) -> int:
    """The part of a prepayment the CPO keeps: the cost, but never more than was paid
    (a charger overshooting its limit is the CPO's loss, not a debt of the driver)."""
    return min(max(cost_paise, 0), paid_paise)


def unused_paise(paid_paise: int, cost_paise: int) -> int:
    """What goes back: the prepayment minus what it paid for."""
    return paid_paise - charged_paise(paid_paise, cost_paise)


def idempotency_key(psp_payment_id: str) -> str:
    """``rf-pay_ABC123``: derived from the payment alone, so every attempt, retry or restart
    names the same refund and the PSP can only ever make one per payment."""
    key = "rf-" + _KEY_UNSAFE.sub("-", psp_payment_id)
    return key.ljust(IDEMPOTENCY_KEY_MIN, "0")


def backoff_delays(base_s: float, attempts: int) -> list[float]:
    """The waits between ``attempts`` tries: base, 2 x base, 4 x base ..."""
    return [base_s * 2**index for index in range(max(attempts - 1, 0))]
