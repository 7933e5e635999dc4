"""Reading a vendor's pay page with CSS selectors: forms, amount choices, the intent link.

The profile names where the amount, the submit control and the upi:// intent link are, so the
driver can use any CSMS's page without code. Everything here is pure HTML work (no network),
so it is tested on page snippets alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from urllib.parse import urljoin

from bs4 import BeautifulSoup
from bs4.element import Tag

from ocpp_upi.errors import OcppUpiError


class PageError(OcppUpiError, ValueError):
    """The page lacks what the profile says it has; the message names the selector."""


@dataclass(frozen=True)
class FormSubmission:
    """What a browser would send when the driver presses the submit control."""

    method: str
    url: str
    fields: list[tuple[str, str]] = field(default_factory=list)


def amount_text(amount: Decimal) -> str:
    return f"{amount:.2f}"


def same_amount(text: str, amount: Decimal) -> bool:
    try:
        return Decimal(text.strip()) == amount
    except InvalidOperation:
        return False


def _form_fields(form: Tag) -> list[tuple[str, str]]:
    """Successful controls of a form, as the HTML spec defines them (minus the submitter)."""
    fields: list[tuple[str, str]] = []
    for control in form.select("input, select, textarea"):
        name = control.get("name")
        if not name or control.has_attr("disabled"):
            continue
        if control.name == "input":
            kind = str(control.get("type", "text")).lower()
            if kind in {"submit", "button", "image", "reset", "file"}:
                continue
            if kind in {"radio", "checkbox"} and not control.has_attr("checked"):
                continue
            fields.append(
                (
                    str(name),
                    str(control.get("value", "on" if kind in {"radio", "checkbox"} else "")),
                )
            )
        elif control.name == "select":
            chosen = control.select_one("option[selected]") or control.select_one("option")
            if chosen is not None:
                fields.append((str(name), str(chosen.get("value", chosen.get_text()))))
        else:
            fields.append((str(name), control.get_text()))
    return fields


def fill_amount(
    html: str,
    page_url: str,
    amount: Decimal,
    amount_selector: str,
    submit_selector: str,
) -> FormSubmission:
    """Choose ``amount`` on the page and return the submission its form would make."""
    soup = BeautifulSoup(html, "html.parser")
    controls = soup.select(amount_selector)
    if not controls:
        raise PageError(f"no amount control matches {amount_selector!r}")
    form = controls[0].find_parent("form")
    if form is None:
        raise PageError(f"the amount control {amount_selector!r} is not inside a form")
    radios = [c for c in controls if str(c.get("type", "")).lower() == "radio"]
    if radios:
        match = [r for r in radios if same_amount(str(r.get("value", "")), amount)]
        if not match:
            offered = ", ".join(str(r.get("value")) for r in radios)
            raise PageError(f"the page offers no amount {amount_text(amount)} (offers {offered})")
        for radio in radios:
            if radio.has_attr("checked"):
                del radio["checked"]
        match[0]["checked"] = "checked"
        fields = _form_fields(form)
    else:
        name = controls[0].get("name")
        if not name:
            raise PageError(f"the amount control {amount_selector!r} has no name")
        fields = [(k, v) for k, v in _form_fields(form) if k != name]
        fields.append((str(name), amount_text(amount)))
    submitter = form.select_one(submit_selector)
    if submitter is None:
        raise PageError(f"no submit control matches {submit_selector!r} in the payment form")
    if submitter.get("name"):
        fields.append((str(submitter["name"]), str(submitter.get("value", ""))))
    method = str(form.get("method", "get")).upper()
    action = urljoin(page_url, str(form.get("action", "")) or page_url)
    return FormSubmission(method=method, url=action, fields=fields)


def find_intent_link(html: str, selector: str) -> str:
    """The upi:// link the page hands to a UPI app (an element's href, else its text)."""
    soup = BeautifulSoup(html, "html.parser")
    element = soup.select_one(selector)
    if element is None:
        raise PageError(f"no UPI intent link matches {selector!r} on the page")
    href = element.get("href")
    link = str(href) if href else element.get_text(strip=True)
    if not link:
        raise PageError(f"the element matching {selector!r} carries no link")
    return link
