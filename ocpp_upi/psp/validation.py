"""Field checks for request bodies, with Razorpay's input_validation_failed envelope.

Razorpay accepts both JSON and form-encoded bodies, so a number may arrive as ``5000`` or
``"5000"`` and a flag as ``true`` or ``"1"``. These helpers accept both spellings (rejecting
floats: money is integer paise) and name the offending field, which Razorpay also does.
"""

from __future__ import annotations

import re
from typing import Any

from ocpp_upi.psp.errors import invalid

Body = dict[str, Any]
MIN_AMOUNT_PAISE = 100
MAX_NOTES = 15
MAX_NOTE_LENGTH = 256
_DIGITS = re.compile(r"^-?\d+$")


def integer(body: Body, name: str, *, required: bool = True) -> int | None:
    """An integer field; ``None`` when absent and optional."""
    value = body.get(name)
    if value is None:
        if required:
            raise invalid(f"The {name} field is required.", name)
        return None
    if isinstance(value, bool):
        raise invalid(f"The {name} must be an integer.", name)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _DIGITS.match(value):
        return int(value)
    raise invalid(f"The {name} must be an integer.", name)


def amount(body: Body, name: str = "amount", *, required: bool = True) -> int | None:
    """An amount in paise, at least INR 1.00 as Razorpay requires."""
    value = integer(body, name, required=required)
    if value is not None and value < MIN_AMOUNT_PAISE:
        raise invalid("The amount must be at least INR 1.00", name)
    return value


def string(
    body: Body, name: str, *, required: bool = False, max_length: int | None = None
) -> str | None:
    """A string field, trimmed of nothing: what the CSMS sent is what it gets back."""
    value = body.get(name)
    if value is None or value == "":
        if required:
            raise invalid(f"The {name} field is required.", name)
        return None
    if not isinstance(value, str):
        raise invalid(f"The {name} must be a string.", name)
    if max_length is not None and len(value) > max_length:
        raise invalid(f"The {name} may not be greater than {max_length} characters.", name)
    return value


def boolean(body: Body, name: str, default: bool) -> bool:
    """A flag given as JSON bool, 0/1 or the strings true/false/0/1."""
    value = body.get(name)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if value in (0, 1, "0", "1"):
        return value in (1, "1")
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise invalid(f"The {name} field must be true or false.", name)


def choice(body: Body, name: str, choices: tuple[str, ...], default: str | None) -> str:
    """One of a fixed set of strings."""
    value = body.get(name, default)
    if value not in choices:
        raise invalid(
            f"The selected {name} is invalid; expected one of {', '.join(choices)}.", name
        )
    return str(value)


def currency(body: Body, *, required: bool = True) -> str:
    """Only INR: UPI moves rupees and nothing else.

    Required by default because Razorpay makes ``currency`` mandatory on orders, S2S
    ``create/upi`` and capture: quietly assuming INR would let a CSMS pass here that real
    Razorpay refuses. ``required=False`` keeps INR as the default where Razorpay does not mark
    currency mandatory (payment links). An empty string counts as absent, as a form-encoded
    ``currency=`` is.
    """
    value = body.get("currency")
    if value is None or value == "":
        if required:
            raise invalid("The currency field is required.", "currency")
        return "INR"
    if value != "INR":
        raise invalid("The currency provided is not supported; UPI accepts INR only", "currency")
    return "INR"


def notes(body: Body) -> dict[str, str]:
    """Razorpay's notes: at most 15 key-value pairs of at most 256 characters each.

    An empty list is accepted as no notes, because Razorpay itself serialises empty notes as
    ``[]`` and integrations echo that back.
    """
    value = body.get("notes")
    if value is None or value == []:
        return {}
    if not isinstance(value, dict):
        raise invalid("The notes must be an object of key-value pairs.", "notes")
    if len(value) > MAX_NOTES:
        raise invalid(
            f"Number of fields in notes should be less than or equal to {MAX_NOTES}", "notes"
        )
    result: dict[str, str] = {}
    for key, item in value.items():
        text = item if isinstance(item, str) else str(item)
        if len(text) > MAX_NOTE_LENGTH:
            raise invalid(
                f"The notes value for {key} may not be greater than {MAX_NOTE_LENGTH} characters.",
                "notes",
            )
        result[str(key)] = text
    return result
