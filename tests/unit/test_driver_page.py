"""The mock driver reads any vendor's pay page through the profile's CSS selectors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ocpp_upi.driver.page import PageError, fill_amount, find_intent_link

RADIO_PAGE = """
<html><body><h1>Charger CP-1, EVSE 1</h1>
<form id="pay-form" method="post" action="/pay">
  <input type="hidden" name="charger_id" value="CP-1">
  <input type="hidden" name="evse" value="1">
  <label><input type="radio" name="amount" value="100.00" checked> 100</label>
  <label><input type="radio" name="amount" value="200.00"> 200</label>
  <input type="checkbox" name="terms" value="yes" checked>
  <button type="submit" id="pay-button" name="go" value="1">Pay</button>
</form></body></html>
"""

TEXT_PAGE = """
<form class="checkout" action="https://cpo.example/checkout">
  <input name="station" value="X"><input type="number" name="rupees" value="50">
  <input type="submit" value="Continue">
</form>
"""


def test_radio_amount_is_chosen_and_hidden_fields_kept() -> None:
    form = fill_amount(
        RADIO_PAGE,
        "http://127.0.0.1:1/pay?charger_id=CP-1&evse=1",
        Decimal("200"),
        "input[name=amount]",
        "button[type=submit]",
    )
    assert form.method == "POST"
    assert form.url == "http://127.0.0.1:1/pay"
    assert form.fields == [
        ("charger_id", "CP-1"),
        ("evse", "1"),
        ("amount", "200.00"),
        ("terms", "yes"),
        ("go", "1"),
    ]


def test_text_amount_is_typed_with_two_decimals_and_get_form_kept() -> None:
    form = fill_amount(
        TEXT_PAGE,
        "http://127.0.0.1:1/p",
        Decimal("200"),
        "input[name=rupees]",
        "input[type=submit]",
    )
    assert form.method == "GET"
    assert form.url == "https://cpo.example/checkout"
    assert form.fields == [("station", "X"), ("rupees", "200.00")]


@pytest.mark.parametrize(
    ("selector", "submit", "amount", "problem"),
    [
        ("input[name=price]", "button", "200", "no amount control matches"),
        ("input[name=amount]", "button", "300", "offers no amount 300.00"),
        ("input[name=amount]", "a.pay", "200", "no submit control matches 'a.pay'"),
    ],
)
def test_missing_controls_are_named(selector: str, submit: str, amount: str, problem: str) -> None:
    with pytest.raises(PageError, match=problem):
        fill_amount(RADIO_PAGE, "http://127.0.0.1:1/", Decimal(amount), selector, submit)


def test_intent_link_from_href_or_text() -> None:
    assert find_intent_link('<a id="i" href="upi://pay?pa=a@b">Pay</a>', "#i") == "upi://pay?pa=a@b"
    assert find_intent_link("<code id='i'> upi://pay?pa=a@b </code>", "#i") == "upi://pay?pa=a@b"
    with pytest.raises(PageError, match="no UPI intent link matches"):
        find_intent_link("<p>sorry</p>", "a[href^='upi:']")
