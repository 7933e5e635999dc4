"""The mock station's ``WebPaymentsCtrlr`` (OCPP 2.1 C25): dynamic QR codes with a TOTP.

The CSMS configures the controller (per EVSE, or station-wide as a fallback); the station then
shows ``current_url(evse)`` as a QR code, which changes every ``ValidityTime`` seconds. Values
are validated the way a careful station would, so a CSMS that configures nonsense (a 3-second
validity, an 8-character secret) is answered Rejected and the scenario can see it. Every
configuration attempt and every NotifyWebPaymentStarted is recorded for the scenario to check.

How the values travel (SetVariables, ChangeConfiguration, DataTransfer) is ``web_payments_wire``'s
job; this module knows only variables, codes and holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ocpp_upi.redaction import SECRETS
from ocpp_upi.upi.qr_image import render_png
from ocpp_upi.upi.totp import TOTP_VERSION_V1, Clock, totp_v1, wall_clock
from ocpp_upi.upi.url_template import fill_url_template, template_placeholders

COMPONENT = "WebPaymentsCtrlr"
STATION_WIDE = 0  # the instance addressed without an EVSE (1.6: connector 0)

ENABLED = "Enabled"
URL_TEMPLATE = "URLTemplate"
TOTP_VERSION = "TOTPVersion"
VALIDITY_TIME = "ValidityTime"
SHARED_SECRET = "SharedSecret"
LENGTH = "Length"
URL_PARAMETERS = "URLParameters"
VARIABLES = (
    ENABLED,
    URL_TEMPLATE,
    TOTP_VERSION,
    VALIDITY_TIME,
    SHARED_SECRET,
    LENGTH,
    URL_PARAMETERS,
)
READ_ONLY = frozenset({URL_PARAMETERS})
# Write-only as in the RHIEM station simulator (B06.FR.09): a secret read back is a leak.
WRITE_ONLY = frozenset({SHARED_SECRET})

# What an unconfigured station reports (WWCP_OCPP's defaults); no template, no secret, so no QR.
# URLParameters empty: this station lets the driver choose no limit on its display.
DEFAULTS = {
    ENABLED: "false",
    TOTP_VERSION: TOTP_VERSION_V1,
    VALIDITY_TIME: "30",
    LENGTH: "12",
    URL_PARAMETERS: "",
}

VALIDITY_RANGE_S = (6, 3600)  # white paper and EVT
LENGTH_RANGE = (6, 255)  # EVT/WWCP minimum 6 (the white paper's ">16" reads as a draft error)
SECRET_MIN_CHARS = 17  # white paper: "more than 16 characters"
URL_TEMPLATE_MAX_CHARS = 500  # the smallest carrier: a 1.6 configuration value

ACCEPTED, REJECTED, UNKNOWN_VARIABLE = "Accepted", "Rejected", "UnknownVariable"
_INTEGER = re.compile(r"[0-9]{1,9}")


def value_problem(name: str, value: str) -> str | None:
    """Why ``value`` is not acceptable for writable variable ``name``, or None if it is."""
    if name == ENABLED:
        return None if value in ("true", "false") else "must be true or false"
    if name == TOTP_VERSION:
        return None if value == TOTP_VERSION_V1 else "only v1 is supported"
    if name == VALIDITY_TIME:
        return _range_problem(value, VALIDITY_RANGE_S)
    if name == LENGTH:
        return _range_problem(value, LENGTH_RANGE)
    if name == SHARED_SECRET:
        return None if len(value) >= SECRET_MIN_CHARS else "must be more than 16 characters"
    if name == URL_TEMPLATE:
        return _template_problem(value)
    return "unknown variable"


def _range_problem(value: str, bounds: tuple[int, int]) -> str | None:
    low, high = bounds
    if _INTEGER.fullmatch(value) and low <= int(value) <= high:
        return None
    return f"must be an integer {low}..{high}"


def _template_problem(value: str) -> str | None:
    if not value.lower().startswith(("http://", "https://")):
        return "must be an http(s) URL"
    if len(value) > URL_TEMPLATE_MAX_CHARS:
        return f"longer than {URL_TEMPLATE_MAX_CHARS} characters"
    try:
        template_placeholders(value)
    except ValueError as exc:
        return str(exc)
    return None


@dataclass(frozen=True)
class ConfigurationRecord:
    """One variable the CSMS tried to set, and what the station answered on the wire."""

    action: str  # SetVariables or ChangeConfiguration
    evse_id: int  # STATION_WIDE for the station-wide instance
    variable: str
    value: str
    status: str


@dataclass(frozen=True)
class WebPaymentNotification:
    """One NotifyWebPaymentStarted as received (``via`` the native CALL or DataTransfer)."""

    evse_id: int
    timeout_s: int
    via: str
    received_at: float


@dataclass(frozen=True)
class _Hold:
    until: float
    # The EVSE's latest transaction when the hold began: once another one begins, the remote
    # start the web payment was waiting for has arrived and the hold is over.
    transaction_marker: object | None


@dataclass
class WebPaymentsController:
    """Variables per instance (``STATION_WIDE`` or an EVSE id), the QR URL, and local holds."""

    station_id: str = ""
    clock: Clock = field(default=wall_clock)
    configurations: list[ConfigurationRecord] = field(default_factory=list)
    notifications: list[WebPaymentNotification] = field(default_factory=list)
    _values: dict[int, dict[str, str]] = field(default_factory=dict)
    _holds: dict[int, _Hold] = field(default_factory=dict)

    # variables --------------------------------------------------------------------------------

    def set_value(self, evse_id: int, name: str, value: str) -> tuple[str, str | None]:
        """(status, reason): Accepted, Rejected (read-only or invalid) or UnknownVariable."""
        if name not in VARIABLES:
            return UNKNOWN_VARIABLE, None
        if name in READ_ONLY:
            return REJECTED, "read-only"
        problem = value_problem(name, value)
        if problem is not None:
            return REJECTED, problem
        self._values.setdefault(evse_id, {})[name] = value
        return ACCEPTED, None

    def get_value(self, evse_id: int, name: str) -> tuple[str, str | None]:
        """(status, value) as GetVariables reports it; the secret is never read back."""
        if name not in VARIABLES:
            return UNKNOWN_VARIABLE, None
        if name in WRITE_ONLY:
            return REJECTED, None
        return ACCEPTED, self.effective(evse_id, name) or ""

    def effective(self, evse_id: int, name: str) -> str | None:
        """The EVSE's own value, else the station-wide one, else the default."""
        for instance in (evse_id, STATION_WIDE):
            value = self._values.get(instance, {}).get(name)
            if value is not None:
                return value
        return DEFAULTS.get(name)

    def record(self, record: ConfigurationRecord) -> None:
        if record.variable == SHARED_SECRET:
            SECRETS.add(record.value)  # from now on every report shows it redacted
        self.configurations.append(record)

    # the QR code ------------------------------------------------------------------------------

    def display_png(self, evse_id: int, now: float | None = None) -> bytes | None:
        """What the station's display shows: the current URL as a QR code image (PNG)."""
        url = self.current_url(evse_id, now)
        return None if url is None else render_png(url)

    def current_url(self, evse_id: int, now: float | None = None) -> str | None:
        """The URL the display shows now, or None while disabled or not fully configured."""
        template = self.effective(evse_id, URL_TEMPLATE)
        secret = self.effective(evse_id, SHARED_SECRET)
        version = self.effective(evse_id, TOTP_VERSION)
        if self.effective(evse_id, ENABLED) != "true" or not template or not secret:
            return None
        if version != TOTP_VERSION_V1:
            return None
        validity = int(self.effective(evse_id, VALIDITY_TIME) or DEFAULTS[VALIDITY_TIME])
        length = int(self.effective(evse_id, LENGTH) or DEFAULTS[LENGTH])
        moment = self.clock() if now is None else now
        values = {
            "chargingStationId": self.station_id,
            "evse": evse_id,
            "totp": totp_v1(secret, moment, validity, length),
            "version": version,
        }
        return fill_url_template(template, values)

    # NotifyWebPaymentStarted ------------------------------------------------------------------

    def web_payment_started(
        self, evse_id: int, timeout_s: int, via: str, transaction_marker: object | None
    ) -> None:
        """Record the notification; hold local starts for ``timeout_s`` (0 revokes the hold)."""
        now = self.clock()
        self.notifications.append(WebPaymentNotification(evse_id, timeout_s, via, now))
        if timeout_s <= 0:
            self._holds.pop(evse_id, None)
        else:
            self._holds[evse_id] = _Hold(now + timeout_s, transaction_marker)

    def blocked_until(self, evse_id: int) -> float | None:
        """Unix time the web-payment hold on ``evse_id`` lapses, or None if there is none now."""
        hold = self._holds.get(evse_id)
        if hold is None or self.clock() >= hold.until:
            return None
        return hold.until

    def blocks_local_start(self, evse_id: int, latest_transaction: object | None) -> bool:
        """True while a web payment holds the EVSE: not timed out, and no remote start since."""
        hold = self._holds.get(evse_id)
        if hold is None or self.blocked_until(evse_id) is None:
            return False
        return latest_transaction is hold.transaction_marker
