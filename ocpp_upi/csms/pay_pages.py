"""The pay page's HTML, as pure functions of what it shows.

Plain HTML forms, no JavaScript: the page opens inside whatever browser a UPI app hands the QR's
``url`` to, and a form post works in all of them. Every value that came from a request or the
PSP is HTML-escaped, ``upi://`` links included, because the charger id in the query string is
whatever the person who printed the QR (or pasted a fake one over it) chose.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal
from html import escape

from ocpp_upi.csms.money import paise_to_rupees, prepaid_energy_wh

_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:0;padding:1rem;max-width:32rem;"
    "margin-inline:auto;line-height:1.4}"
    "fieldset{border:1px solid #ccc;border-radius:.5rem;padding:.5rem 1rem}"
    "label{display:block;padding:.6rem 0;font-size:1.1rem}"
    "button,a.button{display:block;width:100%;padding:.9rem;font-size:1.1rem;text-align:center;"
    "border:0;border-radius:.5rem;background:#0a6;color:#fff;text-decoration:none;"
    "margin-top:1rem}"
    "small{color:#555}"
)


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>\n"
        f"<body><main>\n{body}\n</main></body></html>\n"
    )


def _kwh(wh: int) -> str:
    kwh = (Decimal(wh) / 1000).quantize(Decimal("0.01"), rounding=ROUND_FLOOR)
    return f"{kwh} kWh"


def _percent(rate: Decimal) -> str:
    """0.18 -> "18", 0.125 -> "12.5": no exponent, no trailing zeros."""
    text = f"{rate * 100:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def choose_page(
    charger_id: str,
    evse: int,
    choices_paise: tuple[int, ...],
    price_per_kwh: Decimal,
    tax_rate: Decimal,
    terms: str,
) -> str:
    """The amount form: one radio per prepaid amount (the first preselected), the terms."""
    radios = []
    for index, paise in enumerate(choices_paise):
        rupees = paise_to_rupees(paise)
        energy = _kwh(prepaid_energy_wh(paise, price_per_kwh, tax_rate))
        checked = " checked" if index == 0 else ""
        radios.append(
            f'<label><input type="radio" name="amount" value="{rupees}"{checked}> '
            f"₹{rupees} <small>up to {energy}</small></label>"
        )
    gross = price_per_kwh * (1 + tax_rate)
    body = (
        f"<h1>Charge at {escape(charger_id)}</h1>\n"
        f'<p>Charger <strong id="charger-id">{escape(charger_id)}</strong>, '
        f'EVSE <strong id="evse-id">{evse}</strong></p>\n'
        f"<p>Tariff: ₹{price_per_kwh} per kWh"
        + (f" + {_percent(tax_rate)}% tax (₹{gross:.2f} per kWh)" if tax_rate else "")
        + "</p>\n"
        '<form id="pay-form" method="post" action="/pay">\n'
        f'<input type="hidden" name="charger_id" value="{escape(charger_id)}">\n'
        f'<input type="hidden" name="evse" value="{evse}">\n'
        "<fieldset><legend>Prepaid amount</legend>\n" + "\n".join(radios) + "\n</fieldset>\n"
        f'<p id="terms"><small>{escape(terms)}</small></p>\n'
        '<button type="submit" id="pay-button">Pay with UPI</button>\n'
        "</form>"
    )
    return _page(f"Pay for charging at {charger_id}", body)


def intent_page(
    order_id: str, amount_paise: int, charger_id: str, evse: int, link: str, return_url: str
) -> str:
    """The hand-over to the UPI app: the PSP's intent link, and where to look afterwards."""
    body = (
        f"<h1>Pay ₹{paise_to_rupees(amount_paise)}</h1>\n"
        f"<p>Charger <strong>{escape(charger_id)}</strong>, EVSE <strong>{evse}</strong>. "
        f'Order <code id="order-id">{escape(order_id)}</code>.</p>\n'
        f'<a id="upi-intent" class="button" href="{escape(link, quote=True)}">'
        "Pay with any UPI app</a>\n"
        "<p>Charging starts by itself once the payment provider confirms your payment.</p>\n"
        f'<p><a id="status-link" href="{escape(return_url, quote=True)}">Payment status</a></p>'
    )
    return _page("Pay with UPI", body)


def return_page(order_id: str, state: str) -> str:
    """After the UPI app: "processing", whatever the browser's URL claims."""
    body = (
        "<h1>Payment processing</h1>\n"
        f'<p>Order <code id="order-id">{escape(order_id)}</code>: '
        f'<span id="order-state">{escape(state)}</span>.</p>\n'
        "<p>Charging starts as soon as the payment provider confirms the payment. If it does "
        "not start, the full amount is refunded automatically.</p>"
    )
    return _page("Payment processing", body)


def message_page(title: str, text: str) -> str:
    """Error and notice pages (400, 404, 502)."""
    return _page(title, f"<h1>{escape(title)}</h1>\n<p>{escape(text)}</p>")
