"""What the OCA schemas ask of values beyond their JSON type: two string formats, decimals.

The exact path calls the format functions (``FORMATS``); the fast path matches the patterns
inline (``FAST_FORMATS``). Both live here so the claim that each pattern accepts a subset of
its function can be read in one place (``test_validator_properties.py`` checks it).
``is_multiple_of`` is the exact path's ``multipleOf``, which the fast path's explanation of a
refusal uses too.
"""

import re
from collections.abc import Callable
from decimal import Decimal
from functools import cache

# RFC 3339 section 5.6 only: no ISO 8601 basic format, no missing seconds, no "+0530".
# [0-9] rather than \d: \d would accept Arabic-Indic and other Unicode digits. The calendar is
# in the pattern (29 February only in leap years, so 1900 no and 2000 yes); seconds stop at 59.
_FULL_DATE = (
    r"(?:[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    r"|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))"
    r"|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29)"
)
_OFFSET = r"(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
DATE_TIME_PATTERN = (
    rf"{_FULL_DATE}[Tt](?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]+)?{_OFFSET}\Z"
)
_DATE_TIME = re.compile(DATE_TIME_PATTERN)
_LEAP_SECOND = re.compile(
    rf"{_FULL_DATE}[Tt]([01][0-9]|2[0-3]):([0-5][0-9]):60(?:\.[0-9]+)?"
    r"(?:[Zz]|([+-])([01][0-9]|2[0-3]):([0-5][0-9]))\Z"
)


def is_date_time(value: object) -> bool:
    """RFC 3339 ``date-time``, calendar-checked; non-strings pass (``type`` judges those).

    A leap second (``:60``) is accepted only where RFC 3339 allows one: at 23:59 UTC. That
    needs arithmetic on the offset, so it is the one case ``DATE_TIME_PATTERN`` leaves out.
    """
    if not isinstance(value, str):
        return True
    if _DATE_TIME.match(value) is not None:
        return True
    leap = _LEAP_SECOND.match(value)
    if leap is None:
        return False
    hour, minute, sign, offset_hour, offset_minute = leap.groups()
    offset = 0 if sign is None else (int(offset_hour) * 60 + int(offset_minute))
    if sign == "-":
        offset = -offset
    return (int(hour) * 60 + int(minute) - offset) % 1440 == 23 * 60 + 59


# RFC 3986 at the character level: a scheme, then only URI characters or %XX escapes, and at
# most one "#". 1.6 GetDiagnostics/UpdateFirmware ``location`` is the only "uri" in the schemas.
_URI_CHAR = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?\[\]]|%[0-9A-Fa-f]{2})"
URI_PATTERN = rf"[A-Za-z][A-Za-z0-9+.\-]*:{_URI_CHAR}*(?:#{_URI_CHAR}*)?\Z"
_URI = re.compile(URI_PATTERN)


def is_uri(value: object) -> bool:
    """An absolute URI as RFC 3986 spells its characters; non-strings pass."""
    return not isinstance(value, str) or _URI.match(value) is not None


# The only formats the official schemas use (test_schema_manifest pins that).
FORMATS: dict[str, Callable[[object], bool]] = {"date-time": is_date_time, "uri": is_uri}
# The fast path gets patterns, which its generated code matches inline with no Python call.
# Each accepts a subset of its function (the date-time one: no leap seconds), so the fast path
# can refuse what is valid (the exact path then accepts) but never accept what is not.
FAST_FORMATS: dict[str, str] = {"date-time": DATE_TIME_PATTERN, "uri": URI_PATTERN}


def _ratio(number: object) -> tuple[int, int]:
    """Exact numerator and denominator of the decimal number the peer wrote.

    ``str`` of a float is the shortest text that reads back as that float, i.e. what was on
    the wire; for 8.1 that is 81/10, not the binary 8.0999999999999996447...
    """
    if isinstance(number, int):
        return number, 1
    return Decimal(str(number)).as_integer_ratio()


# A divisor is a schema constant (0.1 in the OCA schemas), so its ratio is worked out once.
_divisor_ratio = cache(_ratio)


def is_multiple_of(number: object, divisor: object) -> bool:
    """``multipleOf`` on the decimal value the peer wrote, not on its binary approximation.

    So 8.1 is a multiple of 0.1, as the OCPP author meant; inf and nan are nobody's multiple.
    """
    try:
        (n1, d1), (n2, d2) = _ratio(number), _divisor_ratio(divisor)
        return (n1 * d2) % (d1 * n2) == 0  # number / divisor is an integer
    except (ArithmeticError, ValueError):
        return False
