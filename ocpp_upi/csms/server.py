"""The bundled reference CSMS: OCPP-J WebSocket server + HTTP side, correct by construction.

It is the conformance suite's default target, so it must pass every scenario; fault variants
(subclasses outside this package, each breaking exactly one rule) prove the suite notices when
a CSMS does not.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import logging
import secrets
import socket
import ssl
from collections.abc import Callable, Sequence
from http import HTTPStatus
from types import TracebackType

from aiohttp import web
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from ocpp_upi.csms.handlers import HANDLER_CLASSES, HandlerBase
from ocpp_upi.csms.handshake import (
    OCPP_PATH,
    basic_credentials,
    charger_id_from_path,
    choose_subprotocol,
)
from ocpp_upi.csms.http_api import (
    BANK_WEBHOOK_PATH,
    PSP_WEBHOOK_PATH,
    STATIC_QR_IMAGE_PATH,
    build_app,
)
from ocpp_upi.csms.ledger import Ledger
from ocpp_upi.csms.limits import LimitRules, LimitWatch
from ocpp_upi.csms.operator import OperatorRules
from ocpp_upi.csms.psp_client import PspClient
from ocpp_upi.csms.psp_webhook import PspWebhookRules
from ocpp_upi.csms.references import ReferenceFormat
from ocpp_upi.csms.refunds import RefundRules
from ocpp_upi.csms.registry import ChargerRegistry
from ocpp_upi.csms.settings import CsmsSettings
from ocpp_upi.csms.static_qr import StaticQrRules
from ocpp_upi.csms.totp import Clock, wall_clock
from ocpp_upi.csms.web_pay import PAY_PATH, PAY_RETURN_PATH, WebPayRules
from ocpp_upi.csms.web_payments import WebPaymentRules, WebPaymentState
from ocpp_upi.ocpp.versions import VERSION_BY_SUBPROTOCOL
from ocpp_upi.tls import csms_tls_context

LOGGER = logging.getLogger("ocpp_upi.csms")


class ReferenceCsms(
    StaticQrRules,
    WebPaymentRules,
    WebPayRules,
    PspWebhookRules,
    RefundRules,
    LimitRules,
    OperatorRules,
):
    """The reference CSMS. ``async with ReferenceCsms(settings) as csms:`` or start()/stop().

    Overridable hooks, one rule each (fault variants subclass and override exactly one):

    OCPP connection
      * ``handler_class(version) -> type[HandlerBase]``: the ``ocpp`` ChargePoint subclass
        serving a charger of that version (Ocpp16Handler / Ocpp201Handler / Ocpp21Handler).
      * ``select_subprotocol(offered) -> str | None``: None completes the handshake without a
        subprotocol, and the connection is closed at once (OCPP-J 3.1.2).
      * ``authenticate(charger_id, username, password) -> bool``: security profile 1 check,
        only consulted when ``settings.charger_password`` is set; False -> HTTP 401.

    Static-QR payment (``handle_bank_notification`` applies them in this order)
      * ``signature_ok(body, header) -> bool``: HMAC over the raw body; False -> 401.
      * ``parse_notification(body) -> BankCredit``: raises MalformedNotice -> 400.
      * ``credit_succeeded(notification) -> bool``: False -> 200 acknowledged, no start.
      * ``payee_ok(notification) -> bool``: our VPA and INR; False -> 200 wrong_payee.
      * ``resolve_reference(reference) -> (charger_id, evse_id) | None``: None -> 200
        unknown_reference.
      * ``admit_payment(notification, charger_id, evse_id) -> payment_id | None``: ledger
        insert; None (UTR already known) -> 200 duplicate.
      * ``id_token_for(notification) -> str``: the idTag/idToken of the start (the UTR).
      * ``remote_start(charger_id, evse_id, id_token, payment_id) -> str``: sends
        RemoteStartTransaction (1.6) or RequestStartTransaction (2.0.1 Central, 2.1
        DirectPayment); returns started / start_rejected / start_failed.
      * ``static_qr_content(charger_id, evse) -> str``: the sticker's ``upi://pay`` link.

    Webpage-redirect pay page (seed 2.1.2; only when ``settings.psp_base_url`` is set)
      * ``resolve_pay_target(charger_id, evse_text) -> (charger_id, evse) | None``: only an
        EVSE of a connected charger; None -> 404, no PSP call.
      * ``parse_amount_choice(text) -> paise | None``: only an offered amount; None -> 400,
        no PSP call.
      * ``order_receipt(charger_id, evse, number) -> str``: unique, <= 40 characters.
      * ``intent_link_ok(link) -> bool``: only a ``upi:`` link reaches the page; False -> 502.
      * ``handle_pay_return(order_id) -> PageReply``: the browser's return shows "processing"
        and starts nothing (it is not proof of payment).
      * ``redirect_qr_content(charger_id, evse) -> str``: ``upi://pay?pa=..&pn=..&url=<pay page>``.

    Dynamic QR, OCPP 2.1 C25 (only when ``settings.web_payments``; the page also needs a PSP)
      * ``web_payment_settings(charger_id, evse) -> WebPaymentConfig | None``: what is set on
        WebPaymentsCtrlr after boot, for each EVSE the charger reports (Enabled, URLTemplate
        ``<http_base_url>/qr/{chargingStationId}/{evse}/{totp}/{version}``, TOTPVersion v1,
        ValidityTime ``totp_validity_s``, Length ``totp_length``, SharedSecret); None -> none.
      * ``web_payment_secret(charger_id, evse) -> str``: 32 characters derived from a random
        per-charger master kept in memory; differs per EVSE.
      * ``totp_ok(charger_id, evse, totp, now) -> bool``: previous/current/next interval of
        that charger's that EVSE's configuration; ``now`` from ``totp_clock`` (injectable).
      * ``notify_web_payment_started(charger_id, evse)``: after a valid QR, in the background:
        2.1 NotifyWebPaymentStarted {evseId, timeout}, 1.6/2.0.1 DataTransfer
        ``cloud.charging.open``/``NotifyWebPaymentStarted``.
      * ``handle_qr_page(...)``: ``GET /qr/<charger>/<evse>/<totp>/<version>``: unknown
        charger/EVSE, version other than v1 or a failing ``totp_ok`` -> 403, no order, no PSP
        call, no notification; else the ``/pay`` page of that EVSE.

    PSP webhook (``handle_psp_webhook`` applies them in this order)
      * ``psp_signature_ok(body, header) -> bool``: hex HMAC-SHA256 of the raw body with the
        webhook secret, constant time; False -> 401, nothing recorded.
      * ``parse_psp_event(body) -> PspEvent``: raises PspEventError -> 400.
      * (event id already in the ledger -> 200 duplicate; fixed, it is a UNIQUE constraint.)
      * ``payment_captured(payment) -> bool``: only ``captured`` money; False -> 200 ignored.
      * ``order_payment_ok(order, payment) -> bool``: same order, its exact amount, INR; False
        -> 200 amount_mismatch, no start, the payment refunded in full.
      * ``admit_psp_payment(order, payment) -> payment_id | None``: one payment per order;
        None -> 200 duplicate, no second start.
      * ``psp_id_token(psp_payment_id, version) -> str``: the start's idToken (2.1: the
        payment id as DirectPayment pspRef; 1.6/2.0.1: its last 20/36 characters).
      * ``should_refund_on_start_failure(outcome) -> bool``: start_rejected / start_failed ->
        full refund.
      * ``payment_authorizes_session(payment_id) -> bool``: a payment refunded as never
        started pays for no late session (its idToken is answered Invalid).

    Settlement and refunds
      * ``refund_allowed(payment) -> bool``: PSP payments only; never a static-QR credit.
      * ``cost_paise(energy_wh) -> int``: kWh x price x (1 + tax), half-up to the paisa.
      * ``refund_amount_paise(paid, cost) -> int``: paid minus the cost capped at paid.
      * ``refund_idempotency_key(psp_payment_id) -> str``: ``rf-<payment id>``, the same on
        every attempt, so the PSP makes one refund however often it is asked.
      * ``refund_payment(...)``: claims the one refund per payment, retries PspUnavailable /
        5xx / 409 / 429 with backoff ``refund_retry_base_s`` x 2^n, ``refund_max_attempts``.

    Prepaid limits (seed 3.3; ``csms/limits.py``, static-QR and PSP payments alike)
      * ``limit_wh_for(payment) -> int``: the Wh the amount buys, tax included, rounded down
        (``ocpp_upi.limits.prepaid_limit_wh``); also the limit the CSMS meters against.
      * ``transaction_limit_wh(payment_id) -> int | None``: the maxEnergy sent to the station;
        None sends none (1.6 then gets no DataTransfer and is only metered).
      * ``limit_cost_for(payment) -> float``: maxCost, the amount paid in rupees.
      * ``station_computes_cost(custom_data) -> bool``: the Started request's customData
        ``{"vendorId": "ocpp-upi.prepaid", "computesCost": true}`` invites maxCost.
      * ``transaction_limit(payment_id, computes_cost) -> dict | None``: the TransactionLimitType
        (2.1 ``transactionLimit`` of the Started reply).
      * ``limit_custom_data(limit) -> dict``: 2.0.1 ``customData`` of the Started reply.
      * ``limit_data_transfer_data(transaction_id, limit_wh) -> str`` and
        ``send_limit_data_transfer(station, transaction_id, limit_wh) -> bool``: the 1.6
        DataTransfer after StartTransaction.conf; True (Accepted) hands the limit to the station.
      * ``should_stop_for_limit(energy_wh, limit_wh, station_enforces) -> bool``: CSMS-side
        metering on MeterValues / TransactionEvent Updated; ``>=`` for a station that cannot
        enforce, ``>`` (a safety net) for one that was given the limit.
      * ``stop_for_limit(station, transaction_id)``: RemoteStop / RequestStopTransaction, once.

    Operator (``csms/operator.py``; the trigger server ``POST /api/octt/{version}/{id}/{action}``)
      * ``operator_remote_start(charger_id, evse, id_tag) -> str``: a remote start nobody paid
        for; the station's status ("" without an answer).
      * ``operator_remote_stop(charger_id, transaction_id) -> str``: RemoteStop /
        RequestStopTransaction for that transaction; the station's status.

    Background work (remote start after a webhook, start deadline, refunds) belongs to the
    CSMS: ``wait_idle()`` awaits it, ``stop()`` cancels it.

    Public state for assertions: ``settings``, ``ledger``, ``chargers`` (ChargerRegistry).
    """

    def __init__(self, settings: CsmsSettings | None = None) -> None:
        self.settings = settings or CsmsSettings()
        self.references = ReferenceFormat(self.settings.reference_template)
        self.ledger = Ledger(self.settings.db_path)
        self.chargers = ChargerRegistry()
        self._ws_server: Server | None = None
        self._http_runner: web.AppRunner | None = None
        self._ocpp_port: int | None = None
        self._http_port: int | None = None
        self._stopped = False
        self._background: set[asyncio.Task[None]] = set()
        self._stopping = asyncio.Event()
        self._psp: PspClient | None = None
        self._session_started: dict[int, asyncio.Event] = {}
        self._limit_watches: dict[tuple[str, str], LimitWatch] = {}
        self.receipt_tag = secrets.token_hex(3)
        self.totp_clock: Clock = wall_clock
        self.web_payment_state = WebPaymentState()

    # lifecycle ------------------------------------------------------------------------------

    async def __aenter__(self) -> ReferenceCsms:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        """Bind both ports (0 = any free port) and begin serving."""
        if self._ws_server is not None or self._stopped:
            raise RuntimeError("ReferenceCsms can be started once")
        self._ws_server = await self._listen(self.settings.ocpp_port, self._tls_context())
        self._ocpp_port = self._ws_server.sockets[0].getsockname()[1]
        try:
            if self.settings.payments_enabled:
                self._psp = self.make_psp_client()
            await self._start_http()
        except BaseException:
            await self.stop()
            raise
        LOGGER.info("reference CSMS: OCPP %s, HTTP %s", self.ocpp_url, self.http_base_url)

    async def _listen(self, port: int, tls: ssl.SSLContext | None) -> Server:
        """The OCPP WebSocket server on ``port`` (0 = any free port), over TLS if given."""
        return await serve(
            self._serve_charger,
            self.settings.host,
            port,
            ssl=tls,
            process_request=self._check_handshake,
            select_subprotocol=self._negotiate,
            logger=logging.getLogger("ocpp_upi.csms.websocket"),
        )

    async def _start_http(self) -> None:
        # Bind the socket ourselves so the chosen port is known without private attributes.
        family = socket.getaddrinfo(self.settings.host, None, type=socket.SOCK_STREAM)[0][0]
        sock = socket.create_server((self.settings.host, self.settings.http_port), family=family)
        self._http_port = sock.getsockname()[1]
        self._http_runner = web.AppRunner(
            self.http_app(),
            access_log=None,
            shutdown_timeout=self.settings.remote_start_timeout + 1.0,
        )
        await self._http_runner.setup()
        await web.SockSite(self._http_runner, sock).start()

    async def stop(self) -> None:
        """Cancel background work first (so a start failing because of the shutdown does not
        trigger a refund), then close charger connections (a pending static-QR remote start
        then fails at once instead of holding its webhook open), then the HTTP side, the PSP
        client and the ledger. Idempotent."""
        if self._stopped:
            return
        self._stopped = True
        self._stopping.set()
        pending = list(self._background)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        if self._ws_server is not None:
            self._ws_server.close()
            await self._ws_server.wait_closed()
        if self._http_runner is not None:
            await self._http_runner.cleanup()
        if self._psp is not None:
            await self._psp.aclose()
        self.ledger.close()

    def max_webhook_body_bytes(self) -> int:
        """Rule: a webhook body longer than this is refused (413) unread."""
        return self.settings.max_webhook_body_bytes

    def _tls_context(self) -> ssl.SSLContext | None:
        """Security profiles 2 and 3: TLS with the settings' certificate (and client CA)."""
        settings = self.settings
        if settings.tls_certificate is None:
            return None
        if settings.tls_private_key is None:
            raise ValueError("tls_certificate needs tls_private_key")
        return csms_tls_context(
            settings.tls_certificate, settings.tls_private_key, settings.tls_client_ca
        )

    # addresses ------------------------------------------------------------------------------

    @property
    def ocpp_url(self) -> str:
        """``ws://127.0.0.1:<port>/ocpp`` (``wss://`` over TLS); a charger connects to
        ``<ocpp_url>/<chargerId>``."""
        scheme = "ws" if self.settings.tls_certificate is None else "wss"
        return f"{scheme}://{self._url_host()}:{self._require(self._ocpp_port)}{OCPP_PATH}"

    @property
    def http_base_url(self) -> str:
        return f"http://{self._url_host()}:{self._require(self._http_port)}"

    @property
    def bank_webhook_url(self) -> str:
        return self.http_base_url + BANK_WEBHOOK_PATH

    @property
    def static_qr_url_template(self) -> str:
        return self.http_base_url + "/static-qr/{charger_id}/{evse}"

    @property
    def static_qr_image_url_template(self) -> str:
        """Where the sticker is served as the image a driver scans (PNG)."""
        return self.http_base_url + STATIC_QR_IMAGE_PATH

    @property
    def psp_webhook_url(self) -> str:
        """Where the PSP must deliver its webhooks (``payment.captured``, ``refund.*``)."""
        return self.http_base_url + PSP_WEBHOOK_PATH

    @property
    def pay_page_url_template(self) -> str:
        return self.http_base_url + PAY_PATH + "?charger_id={charger_id}&evse={evse}"

    @property
    def redirect_qr_url_template(self) -> str:
        return self.http_base_url + "/redirect-qr/{charger_id}/{evse}"

    @property
    def pay_page_return_url_template(self) -> str:
        return (
            self.http_base_url
            + PAY_RETURN_PATH
            + "?order_id={order_id}&payment_id={payment_id}&status=success"
        )

    def endpoints(self) -> dict[str, str]:
        """Every address the CSMS serves, once: the embedded profile, the command line's ready
        file and announcement, and the fixtures all read this (keys as the profile names them).
        The PSP's webhook and the pay pages are there only when payments are on."""
        served = {
            "ocpp_url": self.ocpp_url,
            "http_base_url": self.http_base_url,
            "bank_webhook_url": self.bank_webhook_url,
            "static_qr_url_template": self.static_qr_url_template,
            "static_qr_image_url_template": self.static_qr_image_url_template,
            "trigger_url": self.http_base_url,  # the tzi-OCTT trigger server (operator hooks)
        }
        if self.settings.payments_enabled:
            served |= {
                "psp_webhook_url": self.psp_webhook_url,
                "pay_page_url_template": self.pay_page_url_template,
                "pay_page_return_url_template": self.pay_page_return_url_template,
                "redirect_qr_url_template": self.redirect_qr_url_template,
            }
        return served

    def _url_host(self) -> str:
        host = self.settings.host
        wildcard = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}
        host = wildcard.get(host, host)
        try:
            is_v6 = ipaddress.ip_address(host).version == 6
        except ValueError:
            is_v6 = False
        return f"[{host}]" if is_v6 else host

    @staticmethod
    def _require(port: int | None) -> int:
        if port is None:
            raise RuntimeError("the reference CSMS is not started")
        return port

    def http_app(self) -> web.Application:
        """The HTTP side: webhooks, pay pages, QR pages. A hook, so a variant can change a
        route without the reference CSMS knowing about it."""
        return build_app(self)

    # OCPP hooks -----------------------------------------------------------------------------

    def handler_class(self, version: str) -> type[HandlerBase]:
        """The handler class serving chargers of ``version``."""
        return HANDLER_CLASSES[version]

    def select_subprotocol(self, offered: Sequence[str]) -> str | None:
        return choose_subprotocol(offered, self.settings.ocpp_versions)

    def authenticate(self, charger_id: str, username: str, password: str) -> bool:
        """Security profile 1: username is the charger id, password the shared one."""
        expected = self.settings.charger_password
        if expected is None:
            return True
        return username == charger_id and hmac.compare_digest(
            password.encode("utf-8"), expected.encode("utf-8")
        )

    # OCPP plumbing --------------------------------------------------------------------------

    def _check_handshake(self, connection: ServerConnection, request: Request) -> Response | None:
        charger_id = charger_id_from_path(request.path)
        if charger_id is None:
            return connection.respond(HTTPStatus.NOT_FOUND, f"connect to {OCPP_PATH}/<chargerId>\n")
        if self.settings.charger_password is None:
            return None
        credentials = basic_credentials(request.headers.get("Authorization"))
        if credentials is None or not self.authenticate(charger_id, *credentials):
            response = connection.respond(HTTPStatus.UNAUTHORIZED, "invalid credentials\n")
            response.headers["WWW-Authenticate"] = 'Basic realm="ocpp", charset="UTF-8"'
            return response
        return None

    def _negotiate(
        self, connection: ServerConnection, offered: Sequence[Subprotocol]
    ) -> Subprotocol | None:
        """OCPP-J 1.6 section 3.1.2 (and 2.x Part 4): agreeing to none of the offered
        subprotocols, the CSMS completes the handshake without Sec-WebSocket-Protocol and then
        closes the connection (``_serve_charger`` does), rather than refusing it with HTTP 400."""
        chosen = self.select_subprotocol(offered)
        return Subprotocol(chosen) if chosen is not None else None

    async def _serve_charger(self, connection: ServerConnection) -> None:
        """One charger's whole connection; anything it does wrong ends only that connection."""
        request = connection.request
        charger_id = charger_id_from_path(request.path) if request else None
        version = VERSION_BY_SUBPROTOCOL.get(connection.subprotocol or "")
        if charger_id is None or version is None:
            await connection.close(1002, "no OCPP subprotocol the CSMS speaks was offered")
            return
        handler = self.handler_class(version)(charger_id, connection, self)
        previous = await self.chargers.add(handler.entry)
        if previous is not None:
            # In the background: a half-open old socket may take close_timeout to give up, and
            # the new connection must be served meanwhile.
            LOGGER.info("charger %s reconnected; closing its previous connection", charger_id)
            closing = asyncio.create_task(previous.handler.disconnect())
            self._background.add(closing)
            closing.add_done_callback(self._background.discard)
        LOGGER.info("charger %s connected with OCPP %s", charger_id, version)
        try:
            await handler.start()
        except ConnectionClosed:
            pass
        except Exception:
            LOGGER.exception("charger %s: connection dropped after an error", charger_id)
            await connection.close(1011, "internal error")
        finally:
            await self.chargers.remove(handler.entry)
            LOGGER.info("charger %s disconnected", charger_id)


async def serve_forever(
    settings: CsmsSettings | None = None,
    ready: Callable[[ReferenceCsms], None] | None = None,
    stop_event: asyncio.Event | None = None,
) -> None:
    """Run a ReferenceCsms until ``stop_event`` is set (forever if None), then stop it cleanly.

    The entry point behind ``ocpp-upi reference-csms``: the caller owns signals and printing,
    this owns the lifecycle. ``ready(csms)`` is called once both ports listen, so a supervisor
    can learn the ports chosen for port 0. A bind failure raises OSError before ``ready``.
    """
    stop_event = stop_event or asyncio.Event()
    async with ReferenceCsms(settings) as csms:
        if ready is not None:
            ready(csms)
        await stop_event.wait()
