"""Session cost and refund arithmetic: Decimal, half-up to the paisa, never more than paid."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from ocpp_upi.csms import CsmsSettings, ReferenceCsms
from ocpp_upi.csms.settlement import (
    backoff_delays,
    charged_paise,
    energy_cost_paise,
    idempotency_key,
    unused_paise,
)

GST = Decimal("0.18")


def test_seed_tariff_examples() -> None:
    assert energy_cost_paise(20000, Decimal("10"), Decimal("0")) == 20000  # 20 kWh = 200 INR
    assert energy_cost_paise(5000, Decimal("10"), GST) == 5900  # 5 kWh x 11.80
    assert energy_cost_paise(0, Decimal("10"), GST) == 0
    assert energy_cost_paise(-50, Decimal("10"), GST) == 0  # a meter running backwards


def test_rounding_is_half_up_not_half_even() -> None:
    # 75 Wh x 11.80 INR/kWh = 88.5 paise: half-up gives 89 (banker's rounding would give 88).
    assert energy_cost_paise(75, Decimal("10"), GST) == 89
    # 3 Wh at 15 INR/kWh = 4.5 paise -> 5.
    assert energy_cost_paise(3, Decimal("15"), Decimal("0")) == 5
    # Just below half goes down: 74 Wh x 1.18 = 87.32 paise -> 87.
    assert energy_cost_paise(74, Decimal("10"), GST) == 87


def test_refund_is_paid_minus_cost_capped() -> None:
    assert unused_paise(20000, 5900) == 14100
    assert unused_paise(20000, 25000) == 0  # overshoot is not billed beyond the prepayment
    assert charged_paise(20000, 25000) == 20000
    assert unused_paise(20000, 0) == 20000


def test_idempotency_key_is_deterministic_and_acceptable_to_razorpay() -> None:
    assert idempotency_key("pay_29QQoUBi66xm2f") == "rf-pay_29QQoUBi66xm2f"
    assert idempotency_key("pay_29QQoUBi66xm2f") == idempotency_key("pay_29QQoUBi66xm2f")
    short = idempotency_key("p1")
    assert len(short) >= 10 and short.startswith("rf-p1")
    odd = idempotency_key("pay/1 2")
    assert set(odd) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def test_backoff_doubles() -> None:
    assert backoff_delays(0.05, 5) == [0.05, 0.1, 0.2, 0.4]
    assert backoff_delays(1.0, 1) == []


def test_csms_hooks_use_the_configured_tariff() -> None:
    csms = ReferenceCsms(CsmsSettings(price_per_kwh=Decimal("10"), tax_rate=GST))
    try:
        assert csms.cost_paise(5000) == 5900
        assert csms.refund_amount_paise(20000, csms.cost_paise(5000)) == 14100
        assert csms.refund_idempotency_key("pay_ABCDEFGHIJKLMN") == "rf-pay_ABCDEFGHIJKLMN"
    finally:
        csms.ledger.close()


prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100"), places=2)


@given(
    energy_wh=st.integers(min_value=-1000, max_value=10_000_000),
    paid=st.integers(min_value=100, max_value=10_000_000),
    price=prices,
)
def test_refund_plus_cost_is_what_was_paid(energy_wh: int, paid: int, price: Decimal) -> None:
    cost = energy_cost_paise(energy_wh, price, GST)
    refund = unused_paise(paid, cost)
    assert cost >= 0 and 0 <= refund <= paid
    assert refund + charged_paise(paid, cost) == paid
    # Half-up to the paisa, checked against exact rational arithmetic.
    exact = Fraction(max(energy_wh, 0)) / 1000 * Fraction(price) * Fraction("1.18") * 100
    assert cost == int(exact + Fraction(1, 2))
