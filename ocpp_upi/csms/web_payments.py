"""OCPP 2.1 C25 dynamic QR codes in the reference CSMS, one overridable method per rule.

After a charger boots, the CSMS configures ``WebPaymentsCtrlr`` on each EVSE it reports (1.6
and 2.0.1 through the white paper's backports), so the station's display shows
``<http_base_url>/qr/<station>/<evse>/<totp>/v1``, a URL that changes every ``ValidityTime``.
A driver opening it gets the pay page only if the TOTP is one of the previous, current or next
interval's codes for that station and EVSE (C25.FR.07); anything else is a 403 with no order,
no PSP call and no start (C25.FR.08/.09), so a photographed or pasted-over code leads nowhere.

Secrets: one random master per charger, kept in memory; each EVSE's SharedSecret is derived
from it (HMAC), so a code shown on EVSE 1 does not open EVSE 2's page when someone edits the
URL. The TOTP clock is ``totp_clock`` (an attribute, not freezegun) so tests can move time
without stalling asyncio's loop clock.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from weakref import WeakKeyDictionary

from ocpp.exceptions import OCPPError
from websockets.exceptions import ConnectionClosed

from ocpp_upi.csms.c25_messages import send_web_payment_config, send_web_payment_started
from ocpp_upi.csms.pay_pages import message_page
from ocpp_upi.csms.totp import VERSION_V1, Clock, totp_accepted
from ocpp_upi.csms.web_pay import PageReply, WebPayRules

LOGGER = logging.getLogger("ocpp_upi.csms.web_payments")

QR_PATH = "/qr/{charger_id}/{evse}/{totp}/{version}"
QR_TEMPLATE_PATH = "/qr/{chargingStationId}/{evse}/{totp}/{version}"
SECRET_CHARS = 32  # above the white paper's "more than 16"; fits every version's value field
_CALL_FAILURES = (OCPPError, TimeoutError, ConnectionClosed)


@dataclass(frozen=True)
class WebPaymentConfig:
    """What the CSMS sets on one EVSE's WebPaymentsCtrlr."""

    url_template: str
    shared_secret: str
    validity_s: int
    length: int
    totp_version: str = VERSION_V1
    enabled: bool = True

    def variables(self) -> list[tuple[str, str]]:
        """In sending order: Enabled last, so a station never shows a half-configured code."""
        return [
            ("URLTemplate", self.url_template),
            ("TOTPVersion", self.totp_version),
            ("ValidityTime", str(self.validity_s)),
            ("Length", str(self.length)),
            ("SharedSecret", self.shared_secret),
            ("Enabled", "true" if self.enabled else "false"),
        ]


@dataclass
class WebPaymentState:
    """In-memory C25 state; public for assertions (the secrets are never sent anywhere else)."""

    masters: dict[str, str] = field(default_factory=dict)
    configs: dict[tuple[str, int], WebPaymentConfig] = field(default_factory=dict)
    # (charger, evse) -> variable -> the station's answer ("failed: ..." when the CALL failed)
    results: dict[tuple[str, int], dict[str, str]] = field(default_factory=dict)
    # (charger, evse, outcome) of every NotifyWebPaymentStarted sent
    notifications: list[tuple[str, int, str]] = field(default_factory=list)
    # per connection (its handler): EVSEs configured so far; absent until the charger booted
    configured: WeakKeyDictionary[Any, set[int]] = field(default_factory=WeakKeyDictionary)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)


class WebPaymentRules(WebPayRules):
    """Mixin of ReferenceCsms: WebPaymentsCtrlr configuration, the /qr route, notifications."""

    totp_clock: Clock
    web_payment_state: WebPaymentState

    # events from the OCPP handlers ------------------------------------------------------------

    def web_payments_booted(self, handler: Any) -> None:
        """A charger's BootNotification was answered: configure the EVSEs known so far, and
        every EVSE it reports later (``web_payments_evse_reported``)."""
        if not self.settings.web_payments:
            return
        self.web_payment_state.configured[handler] = set()
        for evse in sorted(handler.entry.evses):
            self.web_payments_evse_reported(handler, evse)

    def web_payments_evse_reported(self, handler: Any, evse: int) -> None:
        """Configure ``evse`` in the background, once per connection (after boot only)."""
        done = self.web_payment_state.configured.get(handler)
        if done is None or evse < 1 or evse in done:
            return
        done.add(evse)
        self.spawn(
            self._configure_evse(handler, handler.id, handler.entry.version, evse),
            name=f"c25-configure-{handler.id}-{evse}",
        )

    async def _configure_evse(self, handler: Any, charger_id: str, version: str, evse: int) -> None:
        config = self.web_payment_settings(charger_id, evse)
        if config is None:
            return
        self.web_payment_state.configs[(charger_id, evse)] = config
        try:
            results = await send_web_payment_config(handler, version, evse, config.variables())
        except _CALL_FAILURES as exc:
            LOGGER.warning("WebPaymentsCtrlr on %s EVSE %d: %r", charger_id, evse, exc)
            results = {"*": f"failed: {type(exc).__name__}"}
        else:
            LOGGER.info("WebPaymentsCtrlr on %s EVSE %d: %s", charger_id, evse, results)
        state = self.web_payment_state
        state.results[(charger_id, evse)] = results
        async with state.changed:
            state.changed.notify_all()

    async def wait_web_payments_configured(self, charger_id: str, evses: Iterable[int]) -> None:
        """Until the configuration of each of ``evses`` was answered (or failed). Unbounded:
        callers put the deadline around it, as with the charger registry's waits."""
        keys = [(charger_id, evse) for evse in evses]
        state = self.web_payment_state
        async with state.changed:
            await state.changed.wait_for(lambda: all(key in state.results for key in keys))

    # rules ------------------------------------------------------------------------------------

    def web_payment_secret(self, charger_id: str, evse: int) -> str:
        """Rule: per charger a random master (kept in memory); per EVSE a secret derived from
        it, so one EVSE's code is worthless on another's URL."""
        master = self.web_payment_state.masters.setdefault(charger_id, secrets.token_urlsafe(24))
        digest = hmac.new(
            master.encode("utf-8"), f"WebPaymentsCtrlr/{evse}".encode(), hashlib.sha256
        ).digest()
        return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")[:SECRET_CHARS]

    def web_payment_settings(self, charger_id: str, evse: int) -> WebPaymentConfig | None:
        """What to configure on ``evse`` of ``charger_id``; None configures nothing."""
        return WebPaymentConfig(
            url_template=self.http_base_url + QR_TEMPLATE_PATH,
            shared_secret=self.web_payment_secret(charger_id, evse),
            validity_s=self.settings.totp_validity_s,
            length=self.settings.totp_length,
        )

    def totp_ok(self, charger_id: str, evse: int, totp: str, now: float) -> bool:
        """Rule (C25.FR.07): the code of the previous, current or next interval, computed with
        the secret and parameters configured on THAT charger's THAT EVSE; nothing else."""
        config = self.web_payment_state.configs.get((charger_id, evse))
        if config is None:
            return False
        return totp_accepted(totp, config.shared_secret, now, config.validity_s, config.length)

    async def notify_web_payment_started(self, charger_id: str, evse: int) -> None:
        """Rule: tell the station to hold ``evse`` for this payer for
        ``settings.web_payment_timeout_s`` (2.1 native, else the DataTransfer backport)."""
        entry = self.chargers.get(charger_id)
        if entry is None:
            return
        handler: Any = entry.handler  # an ocpp ChargePoint; the registry types it narrowly
        timeout_s = self.settings.web_payment_timeout_s
        try:
            outcome = await send_web_payment_started(handler, entry.version, evse, timeout_s)
        except _CALL_FAILURES as exc:
            LOGGER.warning("NotifyWebPaymentStarted to %s EVSE %d: %r", charger_id, evse, exc)
            outcome = f"failed: {type(exc).__name__}"
        self.web_payment_state.notifications.append((charger_id, evse, outcome))

    # route ------------------------------------------------------------------------------------

    async def handle_qr_page(
        self, charger_id: str, evse_text: str, totp: str, version: str, query: Mapping[str, str]
    ) -> PageReply:
        """``GET /qr/<charger>/<evse>/<totp>/<version>``: the pay page for a valid code, else
        403 before anything else happens. Driver limits in the query (``maxenergy`` ...) are
        accepted and not used: the pay page offers the CSMS's own amounts."""
        if not (self.settings.payments_enabled and self.settings.web_payments):
            return PageReply(404, message_page("Not found", "Web payments are not enabled."))
        target = self.resolve_pay_target(charger_id, evse_text)
        now = self.totp_clock()
        if (
            target is None
            or version != VERSION_V1
            or not self.totp_ok(target[0], target[1], totp, now)
        ):
            return _qr_refused()
        self.spawn(
            self.notify_web_payment_started(*target), name=f"c25-notify-{target[0]}-{target[1]}"
        )
        return await self.handle_pay_page({"charger_id": target[0], "evse": str(target[1])})


def _qr_refused() -> PageReply:
    return PageReply(
        403,
        message_page(
            "QR code not valid",
            "This QR code has expired or is not valid. Scan the code on the charger's display "
            "again.",
        ),
    )
