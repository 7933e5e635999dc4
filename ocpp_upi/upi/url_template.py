"""The C25 ``WebPaymentsCtrlr.URLTemplate``: ``{name}`` placeholders a station fills in.

A station renders its QR URL from a template the CSMS configured, e.g.
``https://csms.example/qr/{chargingStationId}/{evse}/{totp}/{version}``. Placeholder names are
case-insensitive (the white paper's EVT example writes ``{chargingstationid}``). A template
naming a placeholder nobody knows is a configuration mistake that would put a literal
``{...}`` into every QR code, so it is refused loudly instead of being passed through.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import quote

__all__ = [
    "MANDATORY_PLACEHOLDERS",
    "OPTIONAL_PLACEHOLDERS",
    "fill_url_template",
    "template_placeholders",
]

MANDATORY_PLACEHOLDERS = ("chargingStationId", "evse", "totp", "version")
# maxEnergy in Wh, maxTime in s, maxCost in the station's currency; roaming ids ISO 15118-style.
OPTIONAL_PLACEHOLDERS = ("maxEnergy", "maxTime", "maxCost", "roamingCSId", "roamingEVSEId")
_CANONICAL = {name.lower(): name for name in MANDATORY_PLACEHOLDERS + OPTIONAL_PLACEHOLDERS}
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def _canonical(name: str) -> str | None:
    return _CANONICAL.get(name.strip().lower())


def template_placeholders(template: str) -> list[str]:
    """The canonical names a template uses, in order; ValueError naming any unknown one."""
    found = [match.group(1) for match in _PLACEHOLDER.finditer(template)]
    unknown = [name for name in found if _canonical(name) is None]
    if unknown:
        listed = ", ".join("{" + name + "}" for name in unknown)
        raise ValueError(f"unknown URL template placeholder(s): {listed}")
    return [_CANONICAL[name.strip().lower()] for name in found]


def fill_url_template(template: str, values: Mapping[str, object]) -> str:
    """``template`` with each ``{name}`` replaced by its URL-escaped value.

    ``values`` keys are matched case-insensitively too. A mandatory placeholder without a
    value raises ValueError (a QR code without its TOTP or EVSE is useless); an optional one
    (a driver limit the station was not given) becomes empty. Unknown placeholders or value
    names raise ValueError naming them.
    """
    given: dict[str, str] = {}
    for key, value in values.items():
        name = _canonical(key)
        if name is None:
            raise ValueError(f"unknown URL template variable: {key!r}")
        if value is not None:
            given[name] = str(value)
    used = template_placeholders(template)
    missing = [name for name in MANDATORY_PLACEHOLDERS if name in used and name not in given]
    if missing:
        raise ValueError(f"no value for URL template placeholder(s): {', '.join(missing)}")

    def substitute(match: re.Match[str]) -> str:
        name = _CANONICAL[match.group(1).strip().lower()]
        return quote(given.get(name, ""), safe="")

    return _PLACEHOLDER.sub(substitute, template)
