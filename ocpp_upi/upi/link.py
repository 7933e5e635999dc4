"""UPI deep links (``upi://pay?...``): build, parse, and check against the NPCI linking rules.

A static QR sticker and a dynamic pay-page intent are both just such a link, so the harness
judges both with one checker. Every problem is named in the error, because "invalid UPI link"
tells a vendor nothing; "am: '200.005' has more than two decimals" tells them what to fix.

The checker is strict on purpose: a link is read exactly as a phone would receive it, so
nothing is stripped, repaired or guessed. ``urllib.parse`` is not used to split the link
because ``urlsplit`` silently drops tabs and line breaks and strips leading whitespace, and
``parse_qsl`` silently repairs bad percent-encoding; either would hide the very defect a vendor
needs to hear about. The rules and the reason for each choice are in docs/upi-link-rules.md.
"""

from __future__ import annotations

import base64
import re
import string
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import quote, unquote_to_bytes, urlsplit

from ocpp_upi.errors import OcppUpiError

# Not normative (NPCI publishes no regex); the common form: handle@psp. \A and \Z, not ^ and
# $, because $ also matches before a trailing newline, and the explicit ASCII classes, because
# \d also matches Devanagari and other Unicode digits. Callers may use .match or .fullmatch.
VPA_PATTERN = re.compile(r"\A[A-Za-z0-9._-]{2,256}@[A-Za-z][A-Za-z0-9]{1,63}\Z")
MCC_PATTERN = re.compile(r"\A[0-9]{4}\Z")
AMOUNT_PATTERN = re.compile(r"\A[0-9]+(\.[0-9]{1,2})?\Z")
MODE_CODES = frozenset(f"{n:02d}" for n in range(25))
PURPOSE_CODES = frozenset({"00", "14", "15", "41", "42", "43", "44", "45", "46"})
MAX_DYNAMIC_TR = 35
PAY_PREFIX = "upi://pay"
# Secure QR (02) and secure intent (05): the NPCI linking specification's signed modes.
SIGNED_MODES = frozenset({"02", "05"})
# Identifiers a PSP or bank matches byte for byte: visible ASCII only.
CODE_PARAMS = frozenset({"tr", "tid", "orgid", "mid", "msid", "mtid"})
# The names the NPCI linking specification defines; used to catch ``PA=`` meant as ``pa=``.
NPCI_PARAMS = frozenset(
    {"pa", "pn", "mc", "tid", "tr", "tn", "am", "mam", "cu", "url", "mode", "purpose"}
    | {"orgid", "sign"}
)

# RFC 3986 section 2: unreserved, sub-delims, ':' '@' '/' '?' (what a query may hold) and '%'.
_QUERY_CHARS = frozenset(string.ascii_letters + string.digits + "-._~!$&'()*+,;=:@/?%")
# A URL value (``url``) may also hold a fragment and an IP literal.
_URL_CHARS = _QUERY_CHARS | frozenset("#[]")
_VISIBLE_ASCII = frozenset(chr(n) for n in range(0x21, 0x7F))
_LINK_SHAPE = re.compile(r"(?P<prefix>[^?#]*)(?:\?(?P<query>[^#]*))?(?:#(?P<fragment>.*))?", re.S)
_NAME = re.compile(r"\A[A-Za-z0-9._-]+\Z")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_FREE_TEXT_BANNED = frozenset({"Cc", "Zl", "Zp"})


class UpiLinkError(OcppUpiError, ValueError):
    """A link that breaks the rules; ``problems`` lists each one, the message joins them."""

    def __init__(self, link: str, problems: list[str]):
        super().__init__(f"invalid UPI link {link!r}: " + "; ".join(problems))
        self.link = link
        self.problems = problems


class _Unreadable(OcppUpiError, ValueError):
    """One ``name=value`` piece that cannot be read; the message is the problem."""


@dataclass(frozen=True)
class UpiLink:
    """The parameters of a ``upi://pay`` link, decoded, in the order they appeared."""

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
        return Decimal(am) if am is not None and AMOUNT_PATTERN.fullmatch(am) else None

    def to_uri(self) -> str:
        query = "&".join(f"{k}={quote(v, safe='@.-_')}" for k, v in self.params.items())
        return f"upi://pay?{query}"


def one_line(text: str) -> str:
    """Free text made fit for ``tn``: controls and line breaks become single spaces. The mock
    PSP puts a CSMS's order description there; a newline in it is the PSP's to clean, so it
    must not turn into a broken intent link that the CSMS is blamed for."""
    cleaned = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in text)
    return " ".join(cleaned.split())


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


# Reading: what the link says, or every reason it cannot be read unambiguously.


def parse(link: str) -> UpiLink:
    """Split a link into decoded parameters; raises UpiLinkError naming every piece that is not
    a ``upi://pay`` URI, is not RFC 3986 text, or could be read two ways (duplicates)."""
    shape = _LINK_SHAPE.fullmatch(link)
    assert shape is not None  # every part of the pattern is optional
    found = _prefix_problems(shape["prefix"])
    if shape["fragment"] is not None:
        found.append(
            f"link: fragment {'#' + shape['fragment']!r} is not part of a UPI link; "
            "a '#' inside a value must be written %23"
        )
    pairs: list[tuple[str, str]] = []
    for piece in (shape["query"] or "").split("&"):
        if not piece:
            continue  # '&&', a leading or a trailing '&': nothing is lost, see the rules page
        try:
            pairs.append(_read_piece(piece))
        except _Unreadable as exc:
            found.append(str(exc))
    found.extend(_duplicate_problems(pairs))
    if found:
        raise UpiLinkError(link, found)
    return UpiLink(dict(pairs))


def _prefix_problems(prefix: str) -> list[str]:
    """Only ``upi://pay`` exactly: lower case, no path, no port or user info."""
    if prefix == PAY_PREFIX:
        return []
    raw = _raw_char_problem("link", prefix)
    if raw is not None:
        return [raw]
    if prefix.lower() == PAY_PREFIX:
        return [
            f"link: {prefix!r} must be lower case {PAY_PREFIX!r}: Android matches a link's "
            "scheme and host case-sensitively"
        ]
    if prefix.lower().startswith(PAY_PREFIX + "/"):
        path = prefix[len(PAY_PREFIX) :]
        return [f"link: path {path!r} after upi://pay; a pay link is upi://pay?... with no path"]
    return [f"link: scheme must be upi://pay, not {prefix!r}"]


def _read_piece(piece: str) -> tuple[str, str]:
    """The name and decoded value of one ``name=value`` piece; raises _Unreadable."""
    name, equals, raw_value = piece.partition("=")
    plain_name = _NAME.fullmatch(name) is not None
    raw = _raw_char_problem(name if plain_name else "link", piece)
    if raw is not None:
        raise _Unreadable(raw)
    if not name:
        raise _Unreadable(f"link: {piece!r} has a value but no parameter name")
    if not plain_name:
        raise _Unreadable(
            f"link: parameter name {name!r} must be plain ASCII letters, digits, '.', '_' or "
            "'-'; apps match names as written, without decoding them"
        )
    if not equals:
        raise _Unreadable(f"{name}: no '=' in {piece!r}; a bare name has no value")
    return name, _decode(name, raw_value)


def _raw_char_problem(label: str, text: str) -> str | None:
    """The first character of ``text`` a URI may not hold raw (RFC 3986 section 2), if any."""
    for char in text:
        if char not in _QUERY_CHARS:
            encoded = "".join(f"%{b:02X}" for b in char.encode("utf-8", "surrogatepass"))
            return (
                f"{label}: raw {char!r} in {text!r}: {_why_not_raw(char)} (RFC 3986 section 2); "
                f"percent-encode it as {encoded} or leave it out"
            )
    return None


def _why_not_raw(char: str) -> str:
    if char.isspace():
        return "a URI holds no whitespace, and it is not stripped"
    if unicodedata.category(char).startswith("C"):
        return "a URI holds no control or format characters"
    if not char.isascii():
        return "a URI is ASCII; other text is percent-encoded UTF-8"
    return "this character may not stand raw in a URI query"


def _decode(name: str, raw: str) -> str:
    """Percent-decode as UTF-8, with '+' read as a space (as Android and HTML forms read it).

    Unlike ``urllib.parse.unquote``, a '%' without two hex digits or bytes that are not UTF-8
    are refused instead of being kept or replaced."""
    bad = _BAD_PERCENT.search(raw)
    if bad is not None:
        raise _Unreadable(
            f"{name}: {raw!r} has '%' at offset {bad.start()} not followed by two hex digits "
            "(RFC 3986 section 2.1); write %25 for a literal '%'"
        )
    try:
        return unquote_to_bytes(raw.replace("+", " ")).decode("utf-8")
    except UnicodeDecodeError:
        raise _Unreadable(
            f"{name}: {raw!r} does not percent-decode to UTF-8 text (RFC 3986 section 2.5)"
        ) from None


def _duplicate_problems(pairs: list[tuple[str, str]]) -> list[str]:
    """Every repeated name, equal values included: apps differ in which one they read."""
    values: dict[str, list[str]] = {}
    for key, value in pairs:
        values.setdefault(key, []).append(value)
    return [
        f"{key}: appears more than once ({', '.join(map(repr, seen))}); apps differ in which "
        "one they read"
        for key, seen in values.items()
        if len(seen) > 1
    ]


# Checking: the rules each parameter's decoded value and the link as a whole must follow.


def problems_of(link: UpiLink, *, dynamic: bool = False) -> list[str]:
    """Every rule the link breaks; empty when it is valid. ``dynamic`` requires a short ``tr``."""
    p = link.params
    found = _mandatory_problems(p, dynamic=dynamic)
    for key, value in p.items():
        found.extend(_value_problems(key, value))
    found.extend(_amount_relation_problems(p))
    found.extend(_signature_problems(p))
    return found


def _mandatory_problems(p: dict[str, str], *, dynamic: bool) -> list[str]:
    found: list[str] = []
    if not p.get("pa"):
        found.append("pa: missing (payee VPA is mandatory)")
    if not p.get("pn"):
        found.append("pn: missing (payee name is mandatory)")
    tr = p.get("tr")
    if dynamic and tr is None:
        found.append("tr: missing (mandatory for dynamic and merchant links)")
    if dynamic and tr is not None and len(tr) > MAX_DYNAMIC_TR:
        found.append(f"tr: {len(tr)} characters, at most {MAX_DYNAMIC_TR} for a dynamic link")
    return found


def _value_problems(key: str, value: str) -> list[str]:
    """The problems of one parameter on its own; an empty ``pa`` or ``pn`` is 'missing'."""
    if key.lower() in NPCI_PARAMS and key != key.lower():
        return [f"{key}: parameter names are case-sensitive; the NPCI name is {key.lower()!r}"]
    if value == "":
        if key in ("pa", "pn"):
            return []
        return [f"{key}: empty; leave an optional parameter out rather than send it empty"]
    return _CHECKS.get(key, _free_text_problems)(key, value)


def _vpa_problems(key: str, value: str) -> list[str]:
    if VPA_PATTERN.fullmatch(value):
        return []
    return [f"{key}: {value!r} is not a VPA of the form handle@psp"]


def _payee_name_problems(key: str, value: str) -> list[str]:
    if not value.strip():
        return [f"{key}: {value!r} is blank (payee name is mandatory)"]
    return _free_text_problems(key, value)


def _free_text_problems(key: str, value: str) -> list[str]:
    """Names, notes and parameters this checker does not know: any one line of text."""
    for char in value:
        if unicodedata.category(char) in _FREE_TEXT_BANNED:
            return [
                f"{key}: {value!r} contains {char!r}; free text is one line with no control "
                "characters"
            ]
    return []


def _code_problems(key: str, value: str) -> list[str]:
    """References and ids are matched byte for byte downstream: visible ASCII only."""
    for char in value:
        if char not in _VISIBLE_ASCII:
            return [
                f"{key}: {value!r} has {char!r}; a reference is visible ASCII only (no space, "
                "control character or non-ASCII)"
            ]
    return []


def _amount_problems(key: str, value: str) -> list[str]:
    if AMOUNT_PATTERN.fullmatch(value):
        return [] if Decimal(value) > 0 else [f"{key}: {value!r} is not positive"]
    if any(char.isdigit() and not char.isascii() for char in value):
        return [f"{key}: {value!r} has non-ASCII digits; only 0-9 count in an amount"]
    if re.fullmatch(r"[0-9]+\.[0-9]{3,}", value):
        return [f"{key}: {value!r} has more than two decimals"]
    if re.fullmatch(r"\.[0-9]{1,2}", value):
        return [f"{key}: {value!r} has no digit before the decimal point (write '0{value}')"]
    if re.fullmatch(r"[0-9]+\.", value):
        return [f"{key}: {value!r} ends in a decimal point (write {value[:-1]!r} or '{value}00')"]
    return [f"{key}: {value!r} is not a decimal amount"]


def _currency_problems(key: str, value: str) -> list[str]:
    if value == "INR":
        return []
    if value.upper() == "INR":
        return [f"{key}: {value!r}: ISO 4217 letter codes are upper case (write 'INR')"]
    if value == "356":
        return [f"{key}: '356' is INR's ISO 4217 numeric code; UPI links carry 'INR'"]
    return [f"{key}: {value!r}, only INR is supported"]


def _url_problems(key: str, value: str) -> list[str]:
    """An absolute https URL naming a host: the payer's app may open it."""
    odd = next((char for char in value if char not in _URL_CHARS), None)
    if odd is not None:
        return [f"{key}: {value!r} contains {odd!r}, which a URL must percent-encode"]
    bad = _BAD_PERCENT.search(value)
    if bad is not None:
        return [f"{key}: {value!r} has '%' at offset {bad.start()} not followed by two hex digits"]
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        return [f"{key}: {value!r} is not a URL"]
    if parts.scheme.lower() != "https":
        return [f"{key}: {value!r} is not an https URL"]
    if not host:
        return [f"{key}: {value!r} has no host; an absolute https URL names one"]
    if "@" in parts.netloc:
        return [
            f"{key}: {value!r} has user info before the host, which disguises the real host "
            "(RFC 3986 section 7.6)"
        ]
    return []


def _mcc_problems(key: str, value: str) -> list[str]:
    if MCC_PATTERN.fullmatch(value):
        return []
    if any(char.isdigit() and not char.isascii() for char in value):
        return [f"{key}: {value!r} has non-ASCII digits; an ISO 18245 MCC is four of 0-9"]
    hint = f"; write '0{value}' if that is meant" if re.fullmatch(r"[0-9]{3}", value) else ""
    return [f"{key}: {value!r} is not a four-digit merchant category code (ISO 18245){hint}"]


def _mode_problems(key: str, value: str) -> list[str]:
    if value in MODE_CODES:
        return []
    if re.fullmatch(r"[0-9]", value):
        return [f"{key}: {value!r} must be two digits (write '0{value}')"]
    return [f"{key}: {value!r} is not a known initiation mode code"]


def _purpose_problems(key: str, value: str) -> list[str]:
    if value in PURPOSE_CODES:
        return []
    return [f"{key}: {value!r} is not a known purpose code"]


def _sign_problems(key: str, value: str) -> list[str]:
    """Base64 (RFC 4648 section 4, padded); the signature itself is not verified here."""
    try:
        base64.b64decode(value, validate=True)
    except ValueError:
        hint = "; a raw '+' in a link reads as a space: write %2B" if " " in value else ""
        return [f"{key}: {value!r} is not base64 (RFC 4648 section 4, padded){hint}"]
    return []


_CHECKS: dict[str, Callable[[str, str], list[str]]] = {
    "pa": _vpa_problems,
    "pn": _payee_name_problems,
    "am": _amount_problems,
    "mam": _amount_problems,
    "cu": _currency_problems,
    "url": _url_problems,
    "mc": _mcc_problems,
    "mode": _mode_problems,
    "purpose": _purpose_problems,
    "sign": _sign_problems,
    **dict.fromkeys(CODE_PARAMS, _code_problems),
}


def _amount_relation_problems(p: dict[str, str]) -> list[str]:
    """``mam`` is the least the payer may pay of ``am``: it needs ``am`` and cannot exceed it."""
    am, mam = p.get("am"), p.get("mam")
    if mam is None or not AMOUNT_PATTERN.fullmatch(mam):
        return []
    if am is None:
        return [f"mam: {mam!r} without am; a minimum amount only qualifies an amount"]
    if AMOUNT_PATTERN.fullmatch(am) and Decimal(mam) > Decimal(am):
        return [f"mam: {mam!r} is more than am {am!r}; the minimum cannot exceed the amount"]
    return []


def _signature_problems(p: dict[str, str]) -> list[str]:
    """A signed mode needs ``sign``; ``sign`` needs ``orgid`` to say whose key verifies it."""
    found: list[str] = []
    mode = p.get("mode")
    if mode in SIGNED_MODES and "sign" not in p:
        found.append(f"mode: {mode!r} is a signed mode (secure QR or intent), but there is no sign")
    if "sign" in p and "orgid" not in p:
        found.append("sign: present without orgid, so an app cannot tell whose key signed it")
    return found


def validate(link: str, *, dynamic: bool = False) -> UpiLink:
    """Parse and check; raises UpiLinkError listing every problem."""
    parsed = parse(link)
    found = problems_of(parsed, dynamic=dynamic)
    if found:
        raise UpiLinkError(link, found)
    return parsed
