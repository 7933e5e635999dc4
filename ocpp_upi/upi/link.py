"""UPI deep links (``upi://pay?...``): build, parse, and check against the NPCI linking rules.

A static QR sticker and a dynamic pay-page intent are both just such a link, so the harness
judges both with one checker. Every problem is named in the error, because "invalid UPI link"
tells a vendor nothing; "am: '200.005' has more than two decimals" tells them what to fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qsl, quote, urlsplit

# Not normative (NPCI publishes no regex); the common form: handle@psp.
VPA_PATTERN = re.compile(r"^[A-Za-z0-9.\-_]{2,256}@[A-Za-z][A-Za-z0-9]{1,63}$")
MCC_PATTERN = re.compile(r"^\d{4}$")
AMOUNT_PATTERN = re.compile(r"^\d+(\.\d{1,2})?$")
MODE_CODES = frozenset(f"{n:02d}" for n in range(25))
PURPOSE_CODES = frozenset({"00", "14", "15", "41", "42", "43", "44", "45", "46"})
MAX_DYNAMIC_TR = 35


class UpiLinkError(ValueError):
    """A link that breaks the rules; ``problems`` lists each one, the message joins them."""

    def __init__(self, link: str, problems: list[str]):
        super().__init__(f"invalid UPI link {link!r}: " + "; ".join(problems))
        self.link = link
        self.problems = problems


@dataclass(frozen=True)
class UpiLink:
    """The parameters of a ``upi://pay`` link, in the order they appeared."""

    params: dict[str, str] = field(default_factory=dict)

    def get(self, key: str) -> str | None:
        return self.params.get(key)

    @property
    def payee_vpa(self) -> str | None:
        return self.params.get("pa")

    @property
    def reference(self) -> str | None:
        return self.params.get("tr")

    @property
    def amount(self) -> Decimal | None:
        am = self.params.get("am")
        return Decimal(am) if am is not None and AMOUNT_PATTERN.match(am) else None

    def to_uri(self) -> str:
        query = "&".join(f"{k}={quote(v, safe='@.-_')}" for k, v in self.params.items())
        return f"upi://pay?{query}"


def build(
    pa: str,
    pn: str,
    *,
    tr: str | None = None,
    am: Decimal | str | None = None,
    cu: str = "INR",
    **extra: str,
) -> UpiLink:
    """A link with ``am`` always written with two decimals, as PSPs' APIs expect."""
    params: dict[str, str] = {"pa": pa, "pn": pn}
    if tr is not None:
        params["tr"] = tr
    if am is not None:
        params["am"] = f"{Decimal(str(am)):.2f}"
    params["cu"] = cu
    params.update(extra)
    return UpiLink(params)


def parse(link: str) -> UpiLink:
    """Split a link into parameters; raises UpiLinkError if it is not a ``upi://pay`` URI."""
    parts = urlsplit(link)
    if parts.scheme.lower() != "upi" or parts.netloc.lower() != "pay":
        raise UpiLinkError(link, [f"scheme must be upi://pay, not {parts.scheme}://{parts.netloc}"])
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    keys = [k for k, _ in pairs]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise UpiLinkError(link, [f"{k}: appears more than once" for k in duplicates])
    return UpiLink(dict(pairs))


def problems_of(link: UpiLink, *, dynamic: bool = False) -> list[str]:
    """Every rule the link breaks; empty when it is valid. ``dynamic`` requires ``tr``."""
    p = link.params
    found: list[str] = []
    pa = p.get("pa")
    if not pa:
        found.append("pa: missing (payee VPA is mandatory)")
    elif not VPA_PATTERN.match(pa):
        found.append(f"pa: {pa!r} is not a VPA of the form handle@psp")
    if not p.get("pn"):
        found.append("pn: missing (payee name is mandatory)")
    tr = p.get("tr")
    if dynamic and not tr:
        found.append("tr: missing (mandatory for dynamic and merchant links)")
    if tr is not None and dynamic and len(tr) > MAX_DYNAMIC_TR:
        found.append(f"tr: {len(tr)} characters, at most {MAX_DYNAMIC_TR} for a dynamic link")
    if tr == "":
        found.append("tr: empty")
    am = p.get("am")
    if am is not None:
        found.extend(_amount_problems("am", am))
    mam = p.get("mam")
    if mam is not None:
        found.extend(_amount_problems("mam", mam))
    cu = p.get("cu")
    if cu is not None and cu != "INR":
        found.append(f"cu: {cu!r}, only INR is supported")
    url = p.get("url")
    if url is not None and urlsplit(url).scheme.lower() != "https":
        found.append(f"url: {url!r} is not an https URL")
    mc = p.get("mc")
    if mc is not None and not MCC_PATTERN.match(mc):
        found.append(f"mc: {mc!r} is not a four-digit merchant category code")
    mode = p.get("mode")
    if mode is not None and mode not in MODE_CODES:
        found.append(f"mode: {mode!r} is not a known initiation mode code")
    purpose = p.get("purpose")
    if purpose is not None and purpose not in PURPOSE_CODES:
        found.append(f"purpose: {purpose!r} is not a known purpose code")
    return found


def _amount_problems(key: str, value: str) -> list[str]:
    if not AMOUNT_PATTERN.match(value):
        if re.match(r"^\d+\.\d{3,}$", value):
            return [f"{key}: {value!r} has more than two decimals"]
        return [f"{key}: {value!r} is not a decimal amount"]
    try:
        if Decimal(value) <= 0:
            return [f"{key}: {value!r} is not positive"]
    except InvalidOperation:
        return [f"{key}: {value!r} is not a decimal amount"]
    return []


def validate(link: str, *, dynamic: bool = False) -> UpiLink:
    """Parse and check; raises UpiLinkError listing every problem."""
    parsed = parse(link)
    found = problems_of(parsed, dynamic=dynamic)
    if found:
        raise UpiLinkError(link, found)
    return parsed
