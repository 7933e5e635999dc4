"""Sticker references: the UPI ``tr`` value that names one EVSE of one charger.

A static QR sticker has no session id, so the reference printed on it is the CSMS's only way to
know which EVSE a payment is for (seed 2.1.1: ``tr=EVSE1234-1``). The layout is configurable
(``reference_template``) because CPOs already have stickers in the field; this module turns the
template into a formatter and a strict parser so both directions always agree.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

_PLACEHOLDERS = {
    # Greedy, so a charger id may itself contain the separator: "EVSE-12-1" -> ("EVSE-12", 1).
    "charger_id": r"(?P<charger_id>.+)",
    "evse": r"(?P<evse>[1-9][0-9]*)",
}


@dataclass(frozen=True)
class ReferenceFormat:
    """A reference template such as ``"{charger_id}-{evse}"`` and its parser."""

    template: str

    def __post_init__(self) -> None:
        names = [name for _, name, _, _ in string.Formatter().parse(self.template) if name]
        if sorted(names) != sorted(_PLACEHOLDERS):
            raise ValueError(
                f"reference template {self.template!r} must contain {{charger_id}} and {{evse}} "
                "exactly once each"
            )

    @property
    def pattern(self) -> re.Pattern[str]:
        parts: list[str] = []
        for literal, name, _, _ in string.Formatter().parse(self.template):
            parts.append(re.escape(literal))
            if name:
                parts.append(_PLACEHOLDERS[name])
        return re.compile("^" + "".join(parts) + "$")

    def format(self, charger_id: str, evse: int) -> str:
        return self.template.format(charger_id=charger_id, evse=evse)

    def parse(self, reference: str) -> tuple[str, int] | None:
        """``"EVSE1234-1"`` -> ``("EVSE1234", 1)``; None when the reference does not fit."""
        match = self.pattern.match(reference)
        if match is None:
            return None
        return match["charger_id"], int(match["evse"])
