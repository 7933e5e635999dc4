"""The CSMS integration profile: the one file a vendor writes to certify their own CSMS.

A profile is TOML validated against ``schemas/harness/profile.schema.json``; that schema is the
reference for every key. Loading fails with a :class:`ProfileError` whose text is a single line
naming the file and the exact table/key, because a vendor debugging a rejected profile should
never have to read a traceback or a JSON pointer. With no profile, the harness tests its bundled
reference CSMS and describes it with :func:`reference_profile`, so fixtures see one shape either
way.
"""

import difflib
import hashlib
import json
import math
import ssl
import string
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from datetime import date, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from jsonschema import Draft202012Validator, ValidationError

from ocpp_upi.errors import OcppUpiError
from ocpp_upi.hooks.model import (
    HOOK_ACTIONS,
    MANUAL_MODE,
    NO_HOOKS,
    HookTemplate,
    OperatorHooks,
    TemplateProblem,
)
from ocpp_upi.hooks.presets import TZI_OCTT, tzi_octt
from ocpp_upi.limits import DEFAULT_LIMIT_ENCODING, LimitEncoding
from ocpp_upi.ocpp.versions import VERSIONS
from ocpp_upi.paths import HARNESS_SCHEMAS_DIR
from ocpp_upi.tls import charger_tls_context

PROFILE_SCHEMA_PATH = HARNESS_SCHEMAS_DIR / "profile.schema.json"

ANY_IDENTITY = "*"
# The reference CSMS authorizes any idTag; this one names the local card in its profile.
REFERENCE_LOCAL_ID_TAG = "OCPPUPI-LOCAL-01"
"""Charger id meaning "the CSMS accepts any identity": the harness invents one per scenario."""

REFERENCE_SOURCE = "embedded reference CSMS"
"""``Profile.source`` of the profile that describes the bundled reference CSMS."""

TEMPLATE_FIELDS = ("charger_id", "evse")
"""The placeholders static-QR templates may use."""

_SECRET_KEYS = frozenset({"secret", "password"})
# Hook headers whose value is a credential (Authorization, X-Api-Key, ...), redacted in reports.
_CREDENTIAL_HEADER_WORDS = ("auth", "token", "key", "secret", "cookie", "password")
_REDACTED = "<redacted>"


# Security profiles 2 and 3 speak TLS (OCPP 1.6 security whitepaper, 2.0.1/2.1 Part 2 A00).
TLS_PROFILE = 2
# A charger's PEM files under security profile 3 (the expired pair is optional).
_EXPIRED_PAIR = ("expired_certificate", "expired_private_key")
_STATION_TLS_FILES = ("certificate", "private_key", *_EXPIRED_PAIR)


@dataclass(frozen=True)
class ChargerIdentity:
    """A charging station identity the CSMS has provisioned (or ``ANY_IDENTITY``)."""

    id: str
    password: str | None = field(repr=False)  # repr=False: tracebacks and logs end up in reports
    evses: int = 1
    # Security profile 3: the station's TLS client certificate and key (PEM paths).
    certificate: str | None = None
    private_key: str | None = None
    # Security profile 3, optional: an expired certificate a trusted CA signed for this
    # identity, so the harness can prove the CSMS refuses it (it cannot sign one itself).
    expired_certificate: str | None = None
    expired_private_key: str | None = None


@dataclass(frozen=True)
class CsmsTarget:
    """Where simulated chargers connect, and what they may speak there."""

    name: str
    ocpp_url: str
    versions: tuple[str, ...]
    security_profile: int
    # An idTag the CSMS authorizes (a local RFID card), for the payment-free OCPP core scenarios.
    local_id_tag: str | None = None
    # Security profiles 2 and 3: the CA (PEM path) that signs the CSMS's certificate.
    ca_bundle: str | None = None

    def charger_url(self, charger_id: str) -> str:
        """OCPP-J puts the station identity in the last path segment, so it must be escaped."""
        return f"{self.ocpp_url.rstrip('/')}/{quote(charger_id, safe='')}"


@dataclass(frozen=True)
class BankWebhook:
    """Where the mock bank posts UPI credit notifications and how it signs them."""

    url: str
    secret: str = field(repr=False)
    signature_header: str = "X-UPI-Signature"
    merchant_vpa: str = "cpo123@hdfcbank"
    payee_name: str = "CPO-Name"
    # How old (or how far in the future) a credit may be and still start a session.
    freshness_s: float = 300.0


@dataclass(frozen=True)
class StaticQr:
    """The EVSE sticker: where the harness reads its link, and the reference printed in it."""

    link_url_template: str | None
    reference_template: str = "{charger_id}-{evse}"
    image_url_template: str | None = None  # where the sticker's QR image (PNG) is served

    @property
    def offered(self) -> bool:
        """Static-QR scenarios are skipped, not failed, for a CSMS that has no stickers."""
        return self.link_url_template is not None

    def link_url(self, charger_id: str, evse: int) -> str:
        if self.link_url_template is None:
            raise LookupError("this CSMS does not offer static QR stickers")
        return self.link_url_template.format(charger_id=quote(charger_id, safe=""), evse=evse)

    def reference(self, charger_id: str, evse: int) -> str:
        return self.reference_template.format(charger_id=charger_id, evse=evse)


@dataclass(frozen=True)
class Tariff:
    """Money is Decimal end to end: a float rupee amount would make refund checks flaky."""

    price_per_kwh: Decimal
    tax_rate: Decimal
    currency: str = "INR"

    def cost_paise(self, energy_wh: Decimal) -> int:
        """What ``energy_wh`` costs: kWh x price x (1 + tax), rounded half-up to the paisa."""
        rupees = energy_wh / 1000 * self.price_per_kwh * (1 + self.tax_rate)
        return int((rupees * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class PspAccount:
    """The mock PSP account a CSMS is configured with (webpage-redirect flow, refunds).

    The harness listens on ``listen``; the CSMS calls ``http://<listen>/v1`` with the keys and
    receives webhooks signed with ``webhook_secret`` at ``webhook_url``.
    """

    listen: str
    key_id: str
    key_secret: str = field(repr=False)
    webhook_secret: str = field(repr=False)
    webhook_url: str
    profile: str = "razorpay"

    @property
    def host(self) -> str:
        return self.listen.rpartition(":")[0]

    @property
    def port(self) -> int:
        return int(self.listen.rpartition(":")[2])


@dataclass(frozen=True)
class PayPage:
    """Where the redirect QR leads, and how the mock driver finds its controls (CSS)."""

    url_template: str
    amount_field: str = "input[name=amount]"
    submit: str = "button[type=submit], input[type=submit]"
    intent_link: str = "a[href^='upi:']"
    return_url_template: str | None = None
    # "http": an HTTP client and an HTML parser (fast, no JavaScript); "browser": the system's
    # Chromium through Playwright, for pages built by JavaScript.
    driver: str = "http"
    browser_path: str | None = None  # Chromium executable (default /usr/bin/chromium)

    def return_url(self, order_id: str, payment_id: str) -> str | None:
        """Where the PSP's checkout sends the browser back after paying (if the CSMS has one)."""
        if self.return_url_template is None:
            return None
        return self.return_url_template.format(order_id=order_id, payment_id=payment_id)

    def url(self, charger_id: str, evse: int) -> str:
        return self.url_template.format(charger_id=charger_id, evse=evse)


@dataclass(frozen=True)
class Timeouts:
    """Deadlines in seconds for awaited events (the harness never sleeps a fixed time)."""

    connect: float = 5.0
    response: float = 10.0
    remote_start: float = 10.0
    quiet_window: float = 1.0
    settlement: float = 30.0
    boot_pending: float = 30.0


def parse_timeout_overrides(items: Sequence[str]) -> dict[str, float]:
    """``["response=2", "settlement=4.5"]`` -> ``{"response": 2.0, "settlement": 4.5}``.

    Raises ValueError naming the bad item: an unknown deadline, a missing ``=`` or a value that
    is not a positive number of seconds."""
    known = [f.name for f in dataclass_fields(Timeouts)]
    overrides: dict[str, float] = {}
    for item in items:
        name, sep, raw = item.partition("=")
        name = name.strip()
        if not sep or name not in known:
            raise ValueError(f"--timeout {item!r}: expected NAME=SECONDS, NAME one of {known}")
        try:
            seconds = float(raw)
        except ValueError:
            seconds = math.nan
        if not (math.isfinite(seconds) and seconds > 0):
            raise ValueError(f"--timeout {item!r}: {raw!r} is not a positive number of seconds")
        overrides[name] = seconds
    return overrides


@dataclass(frozen=True)
class Profile:
    """Everything the harness needs to know about one CSMS under test."""

    source: str
    target: CsmsTarget
    chargers: tuple[ChargerIdentity, ...]
    bank: BankWebhook | None  # None: no static-QR payments (their scenarios are NOT APPLICABLE)
    static_qr: StaticQr
    tariff: Tariff | None  # None: no prepaid limits or refunds to price
    timeouts: Timeouts
    psp: PspAccount | None = None
    pay_page: PayPage | None = None
    limits: LimitEncoding = DEFAULT_LIMIT_ENCODING  # the CSMS's 1.6 / 2.0.1 limit spelling
    hooks: OperatorHooks = NO_HOOKS  # how the CSMS is made to act as its operator would

    def station_tls(self, charger: ChargerIdentity) -> ssl.SSLContext | None:
        """The TLS context ``charger`` connects with under security profile 2 or 3, else None.

        Under "*" (any identity) every invented identity presents the first charger's
        certificate. Raises ``OSError``/``ssl.SSLError`` for unreadable or mismatched files."""
        target = self.target
        if target.security_profile < TLS_PROFILE or target.ca_bundle is None:
            return None
        if target.security_profile == TLS_PROFILE:
            return _station_context(target.ca_bundle, None, None)
        owner = charger if charger.certificate is not None else self.chargers[0]
        return _station_context(target.ca_bundle, owner.certificate, owner.private_key)

    def expired_station(self, identity: str) -> ChargerIdentity | None:
        """Security profile 3: the charger whose ``expired_certificate`` stands for ``identity``
        (its own, else the first charger's that names one), or None."""
        if self.target.security_profile != 3 or self.target.ca_bundle is None:
            return None
        owners = sorted(self.chargers, key=lambda c: c.id != identity)
        return next((c for c in owners if c.expired_certificate is not None), None)

    def expired_station_tls(self, owner: ChargerIdentity) -> ssl.SSLContext:
        """A context presenting the expired certificate of ``owner`` (``expired_station``)."""
        if self.target.ca_bundle is None or owner.expired_certificate is None:
            raise ValueError(f"charger {owner.id} has no expired_certificate under a ca_bundle")
        return _station_context(
            self.target.ca_bundle, owner.expired_certificate, owner.expired_private_key
        )

    def redacted(self) -> dict[str, Any]:
        """The profile's content (not its location) as JSON data, with secrets replaced.

        Reports may show this and hash it; nothing in it lets a reader recover a secret.
        Decimals are normalised so ``"10.00"`` and ``10`` describe the same tariff.
        """
        document: dict[str, Any] = {
            "csms": {
                "name": self.target.name,
                "ocpp_url": self.target.ocpp_url,
                "versions": list(self.target.versions),
                "security_profile": self.target.security_profile,
                "local_id_tag": self.target.local_id_tag,
                "ca_bundle": _file_name(self.target.ca_bundle),
            },
            "chargers": [
                {
                    "id": c.id,
                    "password": None if c.password is None else _REDACTED,
                    "evses": c.evses,
                    "certificate": _file_name(c.certificate),
                    "private_key": None if c.private_key is None else _REDACTED,
                    "expired_certificate": _file_name(c.expired_certificate),
                    "expired_private_key": None if c.expired_private_key is None else _REDACTED,
                }
                for c in self.chargers
            ],
            "bank": None
            if self.bank is None
            else {
                "webhook_url": self.bank.url,
                "secret": _REDACTED,
                "signature_header": self.bank.signature_header,
                "merchant_vpa": self.bank.merchant_vpa,
                "payee_name": self.bank.payee_name,
                **(
                    {"freshness_s": float(self.bank.freshness_s)}
                    if self.bank.freshness_s != BankWebhook.freshness_s
                    else {}
                ),
            },
            "static_qr": {
                "link_url_template": self.static_qr.link_url_template,
                "reference_template": self.static_qr.reference_template,
                "image_url_template": self.static_qr.image_url_template,
            },
            "tariff": None
            if self.tariff is None
            else {
                "price_per_kwh": _canonical_decimal(self.tariff.price_per_kwh),
                "tax_rate": _canonical_decimal(self.tariff.tax_rate),
                "currency": self.tariff.currency,
            },
            "timeouts": {
                "connect": float(self.timeouts.connect),
                "response": float(self.timeouts.response),
                "remote_start": float(self.timeouts.remote_start),
                "quiet_window": float(self.timeouts.quiet_window),
                "settlement": float(self.timeouts.settlement),
                **(
                    {"boot_pending": float(self.timeouts.boot_pending)}
                    if self.timeouts.boot_pending != Timeouts.boot_pending
                    else {}
                ),
            },
            "limits": {
                "vendor_id": self.limits.vendor_id,
                "message_id": self.limits.message_id,
                "transaction_id_field": self.limits.transaction_id_field,
                "max_energy_field": self.limits.max_energy_field,
                "custom_data_field": self.limits.custom_data_field,
            },
            "psp": None
            if self.psp is None
            else {
                "listen": self.psp.listen,
                "key_id": self.psp.key_id,
                "key_secret": _REDACTED,
                "webhook_secret": _REDACTED,
                "webhook_url": self.psp.webhook_url,
                "profile": self.psp.profile,
            },
            "pay_page": None
            if self.pay_page is None
            else {
                "url_template": self.pay_page.url_template,
                "amount_field": self.pay_page.amount_field,
                "submit": self.pay_page.submit,
                "intent_link": self.pay_page.intent_link,
                "return_url_template": self.pay_page.return_url_template,
            },
        }
        if self.hooks is not NO_HOOKS:  # absent, not null: older profiles keep their digest
            document["hooks"] = _redacted_hooks(self.hooks)
        return document

    def secrets(self) -> list[str]:
        """Every secret value the profile holds (for redaction in reports)."""
        values = [c.password for c in self.chargers if c.password is not None]
        if self.bank is not None:
            values.append(self.bank.secret)
        if self.psp is not None:
            values += [self.psp.key_secret, self.psp.webhook_secret]
        for per_version in self.hooks.templates.values():
            for template in per_version.values():
                values += [
                    value
                    for name, value in template.headers.items()
                    if any(word in name.lower() for word in _CREDENTIAL_HEADER_WORDS)
                ]
        return values

    @property
    def digest(self) -> str:
        """SHA-256 of the redacted content: ties a report to a profile without leaking secrets."""
        canonical = json.dumps(
            self.redacted(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class ProfileError(OcppUpiError):
    """A profile the harness cannot use; ``str()`` is one line a vendor can act on."""

    def __init__(self, source: str, problem: str) -> None:
        self.source = source
        self.problem = " ".join(problem.splitlines())
        super().__init__(self.source, self.problem)

    def __str__(self) -> str:
        return f"profile {self.source}: {self.problem}"


def load_profile(path: str | Path) -> Profile:
    """Read, validate and convert a profile file; raise ProfileError on the first problem."""
    source = str(path)
    return profile_from_document(_read_toml(Path(path), source), source)


def profile_from_document(document: Mapping[str, Any], source: str) -> Profile:
    """Validate already-parsed profile data; shared by files and the reference profile."""
    _check_schema(document, source)
    return _build(document, source)


def reference_profile(
    endpoints: Mapping[str, str],
    *,
    secret: str,
    password: str | None,
    price_per_kwh: Decimal,
    tax_rate: Decimal,
    psp: Mapping[str, str] | None = None,
    tls: Mapping[str, str] | None = None,
) -> Profile:
    """Describe an in-process reference CSMS, checked by the same rules as a vendor's file.

    ``endpoints`` is what the CSMS says it serves (``ReferenceCsms.endpoints()``: ocpp_url,
    bank_webhook_url, static_qr_url_template, static_qr_image_url_template, trigger_url and,
    with payments on, psp_webhook_url, pay_page_url_template, pay_page_return_url_template);
    no route is spelt here. ``psp`` is the mock PSP account the CSMS was configured with
    (listen, key_id, key_secret, webhook_secret); when given, the PSP webhook and the pay page
    of the CSMS are named too.
    ``tls`` (security profiles 2 and 3) names ``ca_bundle`` and, for profile 3, the stations'
    ``certificate`` and ``private_key`` (and, optionally, ``expired_certificate`` and
    ``expired_private_key``).
    """
    charger: dict[str, Any] = {"id": ANY_IDENTITY, "evses": 2}
    if password is not None:
        charger["password"] = password
    security_profile = 1 if password is not None else 0
    if tls is not None:
        security_profile = 3 if "certificate" in tls else TLS_PROFILE
        charger.update({k: tls[k] for k in _STATION_TLS_FILES if k in tls})
    document: dict[str, Any] = {
        "csms": {
            "name": "ocpp-upi reference CSMS",
            "ocpp_url": endpoints["ocpp_url"],
            "versions": list(VERSIONS),
            "security_profile": security_profile,
            "local_id_tag": REFERENCE_LOCAL_ID_TAG,
            **({"ca_bundle": tls["ca_bundle"]} if tls is not None else {}),
        },
        "chargers": [charger],
        "bank": {"webhook_url": endpoints["bank_webhook_url"], "secret": secret},
        "static_qr": {
            "link_url_template": endpoints["static_qr_url_template"],
            "image_url_template": endpoints["static_qr_image_url_template"],
        },
        "tariff": {"price_per_kwh": format(price_per_kwh, "f"), "tax_rate": format(tax_rate, "f")},
        # The reference CSMS serves the tzi-OCTT trigger server on its HTTP port.
        "hooks": {"preset": TZI_OCTT, "trigger_url": endpoints["trigger_url"]},
        # Loopback and in-process: short deadlines make a broken step fail fast. The reference
        # CSMS starts a paid EVSE within milliseconds; 2 s keeps a CSMS that never starts
        # anything to a few minutes for the whole suite.
        "timeouts": {
            "connect": 2.0,
            "response": 5.0,
            "remote_start": 2.0,
            "quiet_window": 0.5,
            "settlement": 8.0,
        },
    }
    if psp is not None:
        document["psp"] = {**psp, "webhook_url": endpoints["psp_webhook_url"]}
        document["pay_page"] = {
            "url_template": endpoints["pay_page_url_template"],
            "return_url_template": endpoints["pay_page_return_url_template"],
        }
    return profile_from_document(document, REFERENCE_SOURCE)


def profile_template() -> str:
    """The commented example profile (``examples/profile.example.toml`` holds the same text)."""
    return _TEMPLATE


# --- reading -------------------------------------------------------------------------------


def _read_toml(path: Path, source: str) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ProfileError(source, "file not found") from None
    except IsADirectoryError:
        raise ProfileError(source, "is a directory, not a file") from None
    except PermissionError:
        raise ProfileError(source, "permission denied") from None
    except OSError as exc:
        raise ProfileError(source, f"cannot read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")  # tolerate the BOM some Windows editors add
    except UnicodeDecodeError as exc:
        raise ProfileError(source, f"not valid TOML: not UTF-8 (byte {exc.start})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(source, _toml_problem(str(exc))) from None


def _toml_problem(message: str) -> str:
    """Python 3.11's tomllib only puts the position in the text: "... (at line 3, column 7)"."""
    detail, sep, where = message.rpartition(" (at ")
    if not sep:
        return f"not valid TOML: {message}"
    where = where.rstrip(")")
    if where == "end of document":
        where = "end of file"
    return f"not valid TOML ({where}): {detail}"


# --- schema validation ---------------------------------------------------------------------


@cache
def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(PROFILE_SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(_schema())


def _check_schema(document: Mapping[str, Any], source: str) -> None:
    """Report the first error in schema order: tables in file order, typos before omissions.

    The schema lists ``additionalProperties`` before ``required`` on purpose: a misspelt key
    also makes the real key "missing", and the misspelling is the more useful message.
    """
    error = next(iter(_validator().iter_errors(document)), None)
    if error is not None:
        raise ProfileError(source, _explain(error))


def _explain(error: ValidationError) -> str:
    path: list[str | int] = list(error.absolute_path)
    kind, limit, value = error.validator, error.validator_value, error.instance
    if kind == "required":
        missing = next(key for key in limit if key not in value)
        return f"{_location([*path, missing])}: missing"
    if kind == "additionalProperties":
        return _unknown_key(path, value, list(error.schema.get("properties", {})))
    where, shown = _location(path), _show(path, value)
    custom = error.schema.get("errorMessage")
    if custom:
        return f"{where}: {custom}, got {shown}"
    if kind == "type":
        return f"{where}: must be {_type_name(error.schema)}, got {_kind_of(value)}"
    if kind == "minItems":
        return f"{where}: must not be empty" if limit == 1 else f"{where}: needs {limit} entries"
    if kind == "uniqueItems":
        duplicate = next(item for i, item in enumerate(value) if item in value[:i])
        return f"{where}: lists {_show(path, duplicate)} more than once"
    if kind == "minLength":
        return f"{where}: must not be empty"
    if kind in _BOUND_WORDS:
        return f"{where}: must be {_BOUND_WORDS[kind]} {limit}, got {shown}"
    if kind == "enum":
        return f"{where}: must be one of {', '.join(json.dumps(v) for v in limit)}, got {shown}"
    return f"{where}: {error.message}"


_BOUND_WORDS = {
    "minimum": "at least",
    "maximum": "at most",
    "exclusiveMinimum": "greater than",
    "exclusiveMaximum": "less than",
}


def _unknown_key(path: list[str | int], table: Mapping[str, Any], known: list[str]) -> str:
    """Name the stray key and, when it looks like a typo, the key that was probably meant."""
    extra = next(key for key in table if key not in known)
    close = difflib.get_close_matches(extra, known, n=1)
    if path:
        hint = f'did you mean "{close[0]}"?' if close else f"expected {', '.join(known)}"
        return f"{_location([*path, extra])}: unknown key ({hint})"
    if isinstance(table[extra], Mapping | list):
        hint = f"did you mean [{close[0]}]?" if close else f"expected {', '.join(known)}"
        return f"[{extra}]: unknown table ({hint})"
    return f"{extra}: unknown top-level key (keys belong in a table: {', '.join(known)})"


def _location(path: Sequence[str | int]) -> str:
    """TOML-shaped place: ``[bank] secret``, ``[[chargers]] #2 password``, ``[csms] versions[1]``.

    Vendors read their file, not JSON pointers, so errors name places the way TOML writes them.
    """
    if not path:
        return "(top level)"
    head, *rest = path
    is_array = _schema()["properties"].get(head, {}).get("type") == "array"
    text = f"[[{head}]]" if is_array else f"[{head}]"
    if is_array and rest and isinstance(index := rest[0], int):
        rest.pop(0)
        text += f" #{index + 1}"
    keys = ""
    for part in rest:
        if isinstance(part, int):
            keys += f"[{part}]"
        else:
            keys += f".{part}" if keys else str(part)
    return f"{text} {keys}" if keys else text


def _show(path: Sequence[str | int], value: Any) -> str:
    """Quote a bad value for the message, but never echo a secret into a CI log."""
    if any(part in _SECRET_KEYS for part in path):
        return "(hidden)"
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def _type_name(schema: Mapping[str, Any]) -> str:
    wanted = schema.get("type")
    if wanted == "object":
        return "a table"
    if wanted == "array":
        items = schema.get("items", {})
        return "an array of tables" if items.get("type") == "object" else "an array"
    names = {"string": "a string", "integer": "an integer", "number": "a number"}
    return names.get(str(wanted), str(wanted))


def _kind_of(value: Any) -> str:
    """Name TOML types as the vendor wrote them, not as Python holds them."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, Mapping):
        return "table"
    if isinstance(value, date | time):
        return "date/time"
    return type(value).__name__


# --- rules the schema cannot express, and conversion ---------------------------------------
# Each builder gets a table the schema has already accepted, so keys and types are known good.


def _fail(source: str, where: Sequence[str | int], problem: str) -> ProfileError:
    return ProfileError(source, f"{_location(where)}: {problem}")


def _build(doc: Mapping[str, Any], source: str) -> Profile:
    target = _target(doc["csms"], source)
    if target.security_profile >= TLS_PROFILE and not target.ocpp_url.startswith("wss://"):
        problem = f"must be a wss:// URL under security_profile = {target.security_profile} (TLS)"
        raise _fail(source, ["csms", "ocpp_url"], problem)
    if target.security_profile >= TLS_PROFILE and target.ca_bundle is None:
        problem = f"missing (required by [csms] security_profile = {target.security_profile})"
        raise _fail(source, ["csms", "ca_bundle"], problem)
    return Profile(
        source=source,
        target=target,
        chargers=_chargers(doc["chargers"], target.security_profile, source),
        bank=_bank(doc["bank"], source) if "bank" in doc else None,
        static_qr=_static_qr(doc.get("static_qr", {}), source),
        tariff=_tariff(doc["tariff"], source) if "tariff" in doc else None,
        timeouts=_timeouts(doc.get("timeouts", {}), source),
        psp=_psp(doc["psp"], source) if "psp" in doc else None,
        pay_page=_pay_page(doc["pay_page"], source) if "pay_page" in doc else None,
        limits=LimitEncoding(**doc.get("limits", {})),
        hooks=_hooks(doc["hooks"], target.versions, source) if "hooks" in doc else NO_HOOKS,
    )


_TEMPLATE_KEYS = ("method", "url", "headers", "body", "expect_status", "result_pointer")


def _hooks(table: Mapping[str, Any], versions: tuple[str, ...], source: str) -> OperatorHooks:
    mode = table.get("mode", "http")
    if mode == MANUAL_MODE:
        return OperatorHooks(mode=MANUAL_MODE, source="manual")
    templates: dict[str, dict[str, HookTemplate]] = {}
    declared = []
    if table.get("preset") == TZI_OCTT:
        if "trigger_url" not in table:
            raise _fail(source, ["hooks", "trigger_url"], 'missing (required by preset "tzi-octt")')
        _check_url(table["trigger_url"], ("http", "https"), ["hooks", "trigger_url"], source)
        templates.update(tzi_octt(table["trigger_url"], versions))
        declared.append(f"preset {TZI_OCTT} at {table['trigger_url']}")
    elif "trigger_url" in table:
        raise _fail(source, ["hooks", "trigger_url"], 'only used with preset = "tzi-octt"')
    for action in HOOK_ACTIONS:
        if action in table:
            templates[action] = _hook_templates(table[action], action, versions, source)
            declared.append(f"[hooks.{action}]")
    if not templates:
        raise _fail(source, ["hooks"], "declares no action: set preset, mode or a hook table")
    return OperatorHooks(templates=templates, source=", ".join(declared))


def _hook_templates(
    table: Mapping[str, Any], action: str, versions: tuple[str, ...], source: str
) -> dict[str, HookTemplate]:
    overrides = table.get("by_version", {})
    for version in overrides:
        if version not in versions:
            problem = f"OCPP {version} is not in [csms] versions"
            raise _fail(source, ["hooks", action, "by_version", version], problem)
    result = {}
    for version in versions:
        merged = {k: table[k] for k in _TEMPLATE_KEYS if k in table}
        merged.update(overrides.get(version, {}))
        where: list[str | int] = ["hooks", action]
        if "url" not in merged:
            raise _fail(source, [*where, "url"], f"missing (no url for OCPP {version})")
        if "expect_status" in merged:
            merged["expect_status"] = tuple(merged["expect_status"])
        template = HookTemplate(**merged)
        try:
            template.check()
        except TemplateProblem as exc:
            raise _fail(source, where, str(exc)) from None
        sample = template.render({"charger_id": "X", "evse": 1, "version": version}).url
        _check_url(sample, ("http", "https"), [*where, "url"], source)
        result[version] = template
    return result


def _redacted_hooks(hooks: OperatorHooks) -> dict[str, Any] | None:
    """Header values may carry tokens: reports show their names only."""
    if hooks is NO_HOOKS:
        return None
    return {
        "mode": hooks.mode,
        "declared": hooks.source,
        "actions": {
            action: {
                version: {
                    "method": t.method,
                    "url": t.url,
                    "headers": sorted(t.headers),
                    "body": t.body,
                    "expect_status": list(t.expect_status),
                    "result_pointer": t.result_pointer,
                }
                for version, t in per_version.items()
            }
            for action, per_version in hooks.templates.items()
        },
    }


def _psp(table: Mapping[str, Any], source: str) -> PspAccount:
    _check_url(table["webhook_url"], ("http", "https"), ["psp", "webhook_url"], source)
    return PspAccount(**{key: table[key] for key in table})


def _pay_page(table: Mapping[str, Any], source: str) -> PayPage:
    _check_template(table["url_template"], ["pay_page", "url_template"], source)
    if "return_url_template" in table:
        sample = table["return_url_template"].format(order_id="order_X", payment_id="pay_X")
        _check_url(sample, ("http", "https"), ["pay_page", "return_url_template"], source)
    sample = table["url_template"].format(charger_id="X", evse=1)
    _check_url(sample, ("http", "https"), ["pay_page", "url_template"], source)
    return PayPage(**{key: table[key] for key in table})


def _target(table: Mapping[str, Any], source: str) -> CsmsTarget:
    _check_url(table["ocpp_url"], ("ws", "wss"), ["csms", "ocpp_url"], source)
    listed = table["versions"]
    if not listed or any(v not in VERSIONS for v in listed):
        problem = f"must be a non-empty subset of {', '.join(VERSIONS)}"
        raise _fail(source, ["csms", "versions"], problem)
    return CsmsTarget(
        name=table["name"],
        ocpp_url=table["ocpp_url"],
        # Canonical order, so reports and the digest do not depend on how the list was written.
        versions=tuple(v for v in VERSIONS if v in listed),
        security_profile=table["security_profile"],
        local_id_tag=table.get("local_id_tag"),
        ca_bundle=_file(table["ca_bundle"], source) if "ca_bundle" in table else None,
    )


def _chargers(
    entries: Sequence[Mapping[str, Any]], security_profile: int, source: str
) -> tuple[ChargerIdentity, ...]:
    chargers = tuple(
        ChargerIdentity(
            id=c["id"],
            password=c.get("password"),
            evses=c.get("evses", 1),
            certificate=_file(c["certificate"], source) if "certificate" in c else None,
            private_key=_file(c["private_key"], source) if "private_key" in c else None,
            expired_certificate=_optional_file(c.get("expired_certificate"), source),
            expired_private_key=_optional_file(c.get("expired_private_key"), source),
        )
        for c in entries
    )
    first_seen: dict[str, int] = {}
    for index, charger in enumerate(chargers):
        where: list[str | int] = ["chargers", index]
        if charger.id in first_seen:
            problem = f"{json.dumps(charger.id)} duplicates #{first_seen[charger.id] + 1}"
            raise _fail(source, [*where, "id"], problem)
        first_seen[charger.id] = index
        if charger.id == ANY_IDENTITY and len(chargers) > 1:
            raise _fail(source, [*where, "id"], '"*" (any identity) must be the only charger')
        needed = f"missing (required by [csms] security_profile = {security_profile})"
        if security_profile in (1, 2) and charger.password is None:
            raise _fail(source, [*where, "password"], needed)
        if security_profile == 3 and charger.certificate is None:
            raise _fail(source, [*where, "certificate"], needed)
        if security_profile == 3 and charger.private_key is None:
            raise _fail(source, [*where, "private_key"], needed)
        for given, other in (_EXPIRED_PAIR, _EXPIRED_PAIR[::-1]):
            if getattr(charger, given) is not None and getattr(charger, other) is None:
                raise _fail(source, [*where, other], f"missing (needed with {given})")
    return chargers


@cache
def _station_context(
    ca_bundle: str, certificate: str | None, private_key: str | None
) -> ssl.SSLContext:
    # One context per set of files: loading a CA bundle and a key costs milliseconds, and a
    # context is never changed once built.
    return charger_tls_context(ca_bundle, certificate, private_key)


def _file_name(path: str | None) -> str | None:
    """A file the profile names, as reports show it: its name, not where it lies here."""
    return None if path is None else Path(path).name


def _optional_file(value: str | None, source: str) -> str | None:
    return None if value is None else _file(value, source)


def _file(value: str, source: str) -> str:
    """A path the profile names: relative ones are read from the profile file's folder."""
    path = Path(value).expanduser()
    if not path.is_absolute():
        folder = Path(source).parent if Path(source).is_file() else Path.cwd()
        path = folder / path
    return str(path)


def _bank(table: Mapping[str, Any], source: str) -> BankWebhook:
    _check_url(table["webhook_url"], ("http", "https"), ["bank", "webhook_url"], source)
    optional = ("signature_header", "merchant_vpa", "payee_name", "freshness_s")
    return BankWebhook(
        url=table["webhook_url"],
        secret=table["secret"],
        **{key: table[key] for key in optional if key in table},
    )


def _static_qr(table: Mapping[str, Any], source: str) -> StaticQr:
    for key in ("link_url_template", "reference_template", "image_url_template"):
        if key in table:
            _check_template(table[key], ["static_qr", key], source)
    for key in ("link_url_template", "image_url_template"):
        if key in table:
            sample = table[key].format(charger_id="X", evse=1)
            _check_url(sample, ("http", "https"), ["static_qr", key], source)
    return StaticQr(
        link_url_template=table.get("link_url_template"),
        image_url_template=table.get("image_url_template"),
        **(
            {"reference_template": table["reference_template"]}
            if "reference_template" in table
            else {}
        ),
    )


def _tariff(table: Mapping[str, Any], source: str) -> Tariff:
    price = _decimal(table["price_per_kwh"], ["tariff", "price_per_kwh"], source)
    tax = _decimal(table["tax_rate"], ["tariff", "tax_rate"], source)
    if price <= 0:
        raise _fail(source, ["tariff", "price_per_kwh"], f"must be greater than 0, got {price}")
    if not 0 <= tax <= 1:
        problem = f"must be between 0 and 1 (0.18 means 18 %), got {tax}"
        raise _fail(source, ["tariff", "tax_rate"], problem)
    return Tariff(price_per_kwh=price, tax_rate=tax, currency=table.get("currency", "INR"))


def _timeouts(table: Mapping[str, Any], source: str) -> Timeouts:
    for key, value in table.items():
        if not math.isfinite(value):
            raise _fail(source, ["timeouts", key], f"must be a finite number, got {value}")
    return Timeouts(**{key: float(value) for key, value in table.items()})


def _check_url(url: str, schemes: tuple[str, ...], where: list[str | int], source: str) -> None:
    """The schema pattern checks the shape; only a URL parser catches e.g. a bad port."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - parsing the port is the check
    except ValueError as exc:
        raise _fail(source, where, f"not a valid URL ({exc}), got {json.dumps(url)}") from None
    if parts.scheme not in schemes or not parts.hostname:
        wanted = " or ".join(f"{scheme}://" for scheme in schemes)
        raise _fail(source, where, f"must be a {wanted} URL with a host, got {json.dumps(url)}")


def _check_template(template: str, where: list[str | int], source: str) -> None:
    """Templates are filled with str.format; a bad one must fail here, not mid-scenario."""
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
        unknown = [name for name in names if name not in TEMPLATE_FIELDS]
        if not unknown:
            template.format(charger_id="X", evse=1)
    except (ValueError, IndexError, KeyError) as exc:
        raise _fail(source, where, f"not a valid template ({exc})") from None
    if unknown:
        problem = f"unknown placeholder {{{unknown[0]}}} (use {{charger_id}} and {{evse}})"
        raise _fail(source, where, problem)


def _decimal(value: Any, where: list[str | int], source: str) -> Decimal:
    """Via str(): a TOML float 0.18 must become Decimal("0.18"), not its binary expansion."""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise _fail(source, where, f"not a decimal number, got {json.dumps(value)}") from None
    if not amount.is_finite():
        raise _fail(source, where, f"must be a finite amount, got {value}")
    return amount


def _canonical_decimal(amount: Decimal) -> str:
    """One text per value: "10.00", "10" and 10 all become "10"."""
    normal = amount.normalize()
    return format(normal if normal != 0 else Decimal(0), "f")


_TEMPLATE = """\
# CSMS integration profile for the ocpp-upi conformance harness.
#
# Run the suite against your CSMS with:   ocpp-upi run --profile this-file.toml
# Every key is documented in schemas/harness/profile.schema.json. Unknown keys are rejected,
# so a typo is reported instead of silently ignored. Only the csms table and the chargers are
# required: leave out a table your CSMS has no use for and the scenarios that need it are
# reported NOT APPLICABLE with that reason (an OCPP-only CSMS keeps just those two).

[csms]
# Shown in reports.
name = "Acme CSMS"
# OCPP-J WebSocket endpoint (ws:// or wss://). The harness appends "/<charger id>".
ocpp_url = "ws://127.0.0.1:9000/ocpp"
# OCPP versions your CSMS supports; narrow a run with: ocpp-upi run --ocpp 2.0.1
versions = ["1.6", "2.0.1", "2.1"]
# 0 = no authentication, 1 = HTTP Basic (each charger below then needs a password),
# 2 = TLS (wss://) and HTTP Basic, 3 = TLS with a client certificate per charger (no password).
# Under 2 and 3 also name the CA that signs your CSMS's certificate: ca_bundle = "pki/ca.pem";
# under 3 each charger names certificate = "..." and private_key = "..." (PEM files), and
# may name expired_certificate and expired_private_key (one your CA signed, now expired).
security_profile = 1
# An idTag your CSMS authorizes (a local RFID card): the payment-free OCPP core scenarios
# start a local session with it. Leave it out and those scenarios are NOT APPLICABLE.
local_id_tag = "OCPPUPI-LOCAL-01"

# Charging station identities provisioned in your CSMS for the harness (at least one).
# id = "*" means your CSMS accepts any identity; the harness then invents one per scenario.
[[chargers]]
id = "UPI-TEST-01"
password = "a-long-basic-auth-password"
# EVSEs (connectors) 1..evses; default 1.
evses = 2

# Static-QR payments (optional table): without it, every scenario paid by a bank credit is
# NOT APPLICABLE.
[bank]
# Where your CSMS receives UPI credit notifications from the bank / acquirer.
webhook_url = "http://127.0.0.1:9001/webhooks/bank"
# Shared HMAC-SHA256 secret for those notifications; never printed in reports.
secret = "replace-with-the-webhook-secret-configured-in-your-csms"
signature_header = "X-UPI-Signature"
# The CPO's UPI address (payee) and name that your CSMS puts in its QR codes.
merchant_vpa = "cpo123@hdfcbank"
payee_name = "CPO-Name"
# A credit made longer ago than this, or this far in the future, must start nothing (seconds).
freshness_s = 300.0

# Static QR stickers on each EVSE. Delete this table if your CSMS has none:
# the sticker scenario is then NOT APPLICABLE.
[static_qr]
# HTTP GET returns the sticker's upi:// link as text/plain.
link_url_template = "http://127.0.0.1:9001/static-qr/{charger_id}/{evse}"
# The payment reference (UPI "tr") printed on the sticker.
reference_template = "{charger_id}-{evse}"
# Optional: HTTP GET returns the sticker as an image (PNG, JPEG or SVG) with its QR code; the
# harness decodes the code and checks the link in it, as a driver's phone would read it.
image_url_template = "http://127.0.0.1:9001/static-qr-image/{charger_id}/{evse}"

# Your tariff (optional table): the harness prices limits and refunds with it; without it
# those scenarios are NOT APPLICABLE.
[tariff]
# Strings keep money exact. Price per kWh before tax, in rupees.
price_per_kwh = "10.00"
# Tax as a fraction: "0.18" is 18 % GST.
tax_rate = "0.18"
currency = "INR"

# Deadlines in seconds for awaited events (optional table; these are the defaults).
[timeouts]
connect = 5.0
response = 10.0
remote_start = 10.0
# How long to watch for something that must NOT happen.
quiet_window = 1.0
# How long to wait for a refund at the PSP after a session ends or fails to start.
settlement = 30.0
# How long the CSMS may keep a charger's boot Pending (it boots again at the CSMS's interval).
boot_pending = 30.0

# The mock PSP your CSMS uses for the webpage-redirect QR flow and refunds (Razorpay API).
# Configure your CSMS with base URL http://127.0.0.1:9100/v1, these keys, this webhook
# secret. Delete this table (and [pay_page]) if your CSMS has no PSP payments.
[psp]
listen = "127.0.0.1:9100"
key_id = "rzp_test_ocppupi"
key_secret = "replace-with-the-key-secret-configured-in-your-csms"
webhook_secret = "replace-with-the-psp-webhook-secret-configured-in-your-csms"
# Where your CSMS receives the PSP's webhooks (X-Razorpay-Signature).
webhook_url = "http://127.0.0.1:9001/webhooks/psp"
profile = "razorpay"

# The pay page the webpage-redirect QR opens. The CSS selectors tell the mock driver where
# the amount, the submit control and the resulting upi:// intent link are.
[pay_page]
url_template = "http://127.0.0.1:9001/pay?charger_id={charger_id}&evse={evse}"
amount_field = "input[name=amount]"
submit = "button[type=submit]"
intent_link = "a[href^='upi:']"
# Optional: the success URL the browser returns to after paying ({order_id}, {payment_id}).
# The harness opens it without any webhook to check that the CSMS does not trust it.
return_url_template = "http://127.0.0.1:9001/pay/return?order_id={order_id}&payment_id={payment_id}"

# How your CSMS spells the prepaid limit on OCPP 1.6 (a DataTransfer) and 2.0.1 (customData of
# the answer to the Started TransactionEvent); 2.1 has its own field. Optional: these are the
# defaults, the harness's own encoding. Put your CSMS's vendorId and names here.
[limits]
vendor_id = "ocpp-upi.prepaid"
message_id = "TransactionLimit"
transaction_id_field = "transactionId"
max_energy_field = "maxEnergy"
custom_data_field = "transactionLimit"

# Operator actions (optional table): how the harness makes your CSMS act as its operator would
# (the OCPP core scenario "remote start and remote stop"). Without it that scenario is NOT
# APPLICABLE. A CSMS serving the tzi-OCTT trigger server
# (POST {trigger_url}/api/octt/{version}/{charger_id}/{action}) needs only its address:
[hooks]
preset = "tzi-octt"
trigger_url = "http://127.0.0.1:9001"
# Or your own HTTP request per action, overriding the preset. Placeholders: {charger_id},
# {evse}, {id_tag}, {version}, {transaction_id}, {remote_start_id}; a string that is exactly
# one placeholder keeps its type ("{evse}" is the number 1). by_version overrides any key.
# [hooks.remote_start]
# method = "POST"
# url = "http://127.0.0.1:9001/ops/{charger_id}/start"
# headers = { Authorization = "Bearer replace-me" }
# body = { evse = "{evse}", idTag = "{id_tag}" }
# expect_status = [200]
# result_pointer = "/status"
# [hooks.remote_stop]
# url = "http://127.0.0.1:9001/ops/{charger_id}/stop/{transaction_id}"
# Or mode = "manual": the harness prints each action and waits for Enter (refused in CI).
"""
