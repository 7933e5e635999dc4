"""The prepaid limit formula: the seed's examples, and what must hold for every tariff.

A limit is only right if the energy it allows never costs more than was paid, and if it wastes
less than one Wh's worth of the money. Both are checked with exact Decimal arithmetic (a
context that traps any rounding), so the check itself cannot round its way to a pass.
"""

from __future__ import annotations

from decimal import Decimal, Inexact, localcontext

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ocpp_upi.csms.money import prepaid_energy_wh
from ocpp_upi.limits import prepaid_limit_wh


def test_seed_example_is_20000_wh_not_20() -> None:
    assert prepaid_limit_wh(20000, Decimal("10"), Decimal("0")) == 20000


def test_tax_is_taken_out_before_buying_energy() -> None:
    # 200 / 1.18 = 169.4915... INR of energy at 10 INR/kWh = 16.949 kWh, rounded down.
    assert prepaid_limit_wh(20000, Decimal("10"), Decimal("0.18")) == 16949


def test_money_module_uses_the_same_function() -> None:
    for args in [
        (20000, Decimal("10"), Decimal("0.18")),
        (12345, Decimal("7.77"), Decimal("0.05")),
    ]:
        assert prepaid_energy_wh(*args) == prepaid_limit_wh(*args)


def test_a_price_just_under_a_whole_wh_is_rounded_down() -> None:
    # 1 paisa at 3 INR/kWh buys 3.33 Wh; 3 INR at 0.03 INR/kWh buys exactly 100000 Wh.
    assert prepaid_limit_wh(1, Decimal("3"), Decimal("0")) == 3
    assert prepaid_limit_wh(300, Decimal("0.03"), Decimal("0")) == 100000


@pytest.mark.parametrize(
    ("amount", "price", "tax"),
    [
        (100, Decimal("0"), Decimal("0")),  # free energy has no limit
        (100, Decimal("10"), Decimal("-1")),  # a tax that makes the price zero
        (-1, Decimal("10"), Decimal("0")),  # a negative amount
        (100, Decimal("NaN"), Decimal("0")),
    ],
)
def test_nonsense_tariffs_and_amounts_are_refused(
    amount: int, price: Decimal, tax: Decimal
) -> None:
    with pytest.raises(ValueError):
        prepaid_limit_wh(amount, price, tax)


prices = st.integers(min_value=1, max_value=100_000).map(lambda n: Decimal(n).scaleb(-2))
taxes = st.integers(min_value=2, max_value=4).flatmap(
    lambda places: st.integers(min_value=0, max_value=5 * 10 ** (places - 1)).map(
        lambda n: Decimal(n).scaleb(-places)
    )
)
amounts_paise = st.integers(min_value=100, max_value=10_000_000)


@settings(max_examples=400, deadline=None)
@given(amount_paise=amounts_paise, price=prices, tax=taxes)
def test_limit_never_costs_more_than_paid_and_wastes_under_one_wh(
    amount_paise: int, price: Decimal, tax: Decimal
) -> None:
    limit = prepaid_limit_wh(amount_paise, price, tax)
    assert limit >= 0
    with localcontext() as exact:
        exact.prec = 60
        exact.traps[Inexact] = True
        paid = Decimal(amount_paise) / 100
        gross_per_kwh = price * (1 + tax)
        cost = Decimal(limit) / 1000 * gross_per_kwh
        one_wh = gross_per_kwh / 1000
        assert cost <= paid
        assert paid - cost < one_wh


@settings(max_examples=200, deadline=None)
@given(amount_paise=amounts_paise, price=prices, tax=taxes)
def test_limit_equals_the_written_formula(amount_paise: int, price: Decimal, tax: Decimal) -> None:
    """floor((amount / (1 + tax)) / price * 1000), at a precision no input here can exhaust."""
    with localcontext() as wide:
        wide.prec = 80
        expected = int((Decimal(amount_paise) / 100 / (1 + tax)) / price * 1000)
    assert prepaid_limit_wh(amount_paise, price, tax) == expected
