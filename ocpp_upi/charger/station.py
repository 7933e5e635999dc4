"""The simulated charging station: one behaviour for all three OCPP versions.

The station owns the state a real charger has (EVSEs, transactions, the energy meter, the
heartbeat) and the decisions it makes (accept this remote start? stop now?). How each decision
is spelled on the wire is the job of a protocol adapter (``v16``, ``v201``, ``v21``), so the
Gherkin steps can stay version-neutral.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidHandshake, InvalidStatus, NegotiationError
from websockets.typing import Subprotocol

from ocpp_upi.charger.behaviour import ChargerBehaviour
from ocpp_upi.charger.data_transfer import DataTransferRouter
from ocpp_upi.charger.limits import PendingLimits, advance_meter
from ocpp_upi.charger.web_payments import WebPaymentsController
from ocpp_upi.limits import DEFAULT_LIMIT_ENCODING, LimitEncoding
from ocpp_upi.ocpp.session import OcppSession
from ocpp_upi.ocpp.trace import FrameTrace
from ocpp_upi.ocpp.validator import FrameValidator
from ocpp_upi.ocpp.versions import SUBPROTOCOLS, Role
from ocpp_upi.tls import websocket_tls_option
from ocpp_upi.verdicts import ConformanceFailure, HarnessError

if TYPE_CHECKING:
    from ocpp_upi.charger.adapter import ProtocolAdapter

# A CSMS's oversized frame must reach the trace and be judged, not be cut off by the library.
MAX_FRAME_BYTES = 16 * 1024 * 1024


def utc_now() -> str:
    """RFC 3339 UTC timestamp with milliseconds, the form every OCPP version accepts."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class CsmsCertificateRejected(ConformanceFailure):
    """The CSMS's own TLS certificate failed the station's verification: whatever the station
    offered next (a wrong password, a foreign certificate) was never judged."""


class SubprotocolNotNegotiated(ConformanceFailure):
    """The CSMS completed the upgrade (101) without the subprotocol the station offered."""


def handshake_failure(exc: BaseException) -> str:
    """What the server really answered, from the innermost cause: a plain HTTP server's
    "HTTP/1.0 404 Not Found" says more than websockets' "did not receive a valid HTTP response"."""
    causes: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(causes) < 5:
        causes.append(current)
        current = current.__cause__ or current.__context__
    for cause in reversed(causes):
        text = str(cause)
        if "HTTP/" in text:
            status_line = text[text.rindex("HTTP/") :].strip()
            return f"the server answered {status_line}, not a WebSocket upgrade"
    return "; ".join(str(c) or type(c).__name__ for c in causes)


@dataclass
class Transaction:
    """A charging session on one EVSE, as the station sees it."""

    evse_id: int
    id_token: str
    id_token_type: str | None
    remote_start_id: int | None
    meter_start_wh: int
    energy_wh: float = 0.0
    transaction_id: str | int | None = None
    seq_no: int = 0
    started: asyncio.Event = field(default_factory=asyncio.Event)
    stop_requested: asyncio.Event = field(default_factory=asyncio.Event)
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    stop_reason: str | None = None
    limit_wh: float | None = None  # the prepaid energy limit the CSMS sent (charger/limits.py)
    limit_cost: float | None = None  # its maxCost, if sent (recorded, not metered to)
    local: bool = False  # started by a driver's card at the station, not by the CSMS

    @property
    def origin(self) -> str:
        """How the session was started, as failure messages name it."""
        return "the driver presented at the station" if self.local else "it remotely started with"

    @property
    def meter_now_wh(self) -> int:
        return self.meter_start_wh + int(self.energy_wh)

    def next_seq(self) -> int:
        seq = self.seq_no
        self.seq_no += 1
        return seq


@dataclass
class MockCharger:
    """A charging station that a CSMS under test can talk to over a real WebSocket."""

    identity: str
    version: str
    ocpp_url: str
    trace: FrameTrace
    password: str | None = None
    # Security profiles 2 and 3 (a wss:// URL): the station's TLS context (ocpp_upi.tls).
    tls: ssl.SSLContext | None = None
    behaviour: ChargerBehaviour = field(default_factory=ChargerBehaviour)
    response_timeout: float = 10.0
    boot_pending_limit: float = 30.0  # how long a CSMS may keep the boot Pending
    meter_register_wh: int = 1000
    transactions: dict[int, Transaction] = field(default_factory=dict)
    data_transfers: DataTransferRouter = field(default_factory=DataTransferRouter)
    limits: PendingLimits = field(default_factory=PendingLimits)
    # How the CSMS under test spells a 1.6 / 2.0.1 prepaid limit (the profile's [limits]).
    limit_encoding: LimitEncoding = DEFAULT_LIMIT_ENCODING
    web_payments: WebPaymentsController = field(default_factory=WebPaymentsController)
    last_transactions: dict[int, Transaction] = field(default_factory=dict)
    heartbeat_interval: float | None = None
    boot_answer: dict[str, Any] | None = None  # the CSMS's answer to the last BootNotification
    session: OcppSession | None = None
    _adapter: ProtocolAdapter | None = None
    _background: set[asyncio.Task[Any]] = field(default_factory=set)
    _begun: asyncio.Event = field(default_factory=asyncio.Event)
    # Held by every outgoing CALL and by ``reconnect``: a reconnect waits for the CALL in
    # flight to be answered, and CALLs made meanwhile wait for the new connection, so a
    # transaction keeps metering across the drop instead of failing on the closed socket.
    _link: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def adapter(self) -> ProtocolAdapter:
        if self._adapter is None:
            from ocpp_upi.charger.adapter import adapter_for

            self._adapter = adapter_for(self)
        return self._adapter

    @property
    def url(self) -> str:
        return f"{self.ocpp_url.rstrip('/')}/{self.identity}"

    # --- connection --------------------------------------------------------------------------

    async def connect(self, timeout: float) -> None:
        """Open the WebSocket with this version's subprotocol (and Basic auth if configured)."""
        subprotocol = SUBPROTOCOLS[self.version]
        headers = {}
        if self.password is not None:
            token = base64.b64encode(f"{self.identity}:{self.password}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        try:
            connection: ClientConnection = await connect(
                self.url,
                subprotocols=[Subprotocol(subprotocol)],
                additional_headers=headers,
                open_timeout=timeout,
                max_size=MAX_FRAME_BYTES,
                compression=None,
                ping_interval=None,
                **websocket_tls_option(self.tls),
            )
        except InvalidStatus as exc:
            status = exc.response.status_code
            self.trace.note(f"handshake refused with HTTP {status}")
            raise ConformanceFailure(
                f"the CSMS refused the charger's WebSocket handshake with HTTP {status}",
                expected=f"101 Switching Protocols with subprotocol {subprotocol}",
                arrived=f"HTTP {status}",
            ) from exc
        except NegotiationError as exc:  # e.g. the CSMS chose a subprotocol nobody offered
            self.trace.note(f"handshake negotiation failed: {exc}")
            raise SubprotocolNotNegotiated(
                "the CSMS did not negotiate the OCPP subprotocol the charger offered",
                expected=subprotocol,
                arrived=str(exc),
            ) from exc
        except ssl.SSLCertVerificationError as exc:
            self.trace.note(
                f"TLS: the CSMS's certificate failed verification: {exc.verify_message}"
            )
            raise CsmsCertificateRejected(
                "the CSMS's TLS certificate failed verification",
                expected="a certificate for this host that chains to the profile's ca_bundle",
                arrived=str(exc.verify_message or exc),
            ) from exc
        except ssl.SSLError as exc:
            self.trace.note(f"TLS handshake with {self.url} failed: {exc}")
            raise ConformanceFailure(
                "the CSMS refused the charger's TLS handshake",
                expected="a TLS 1.2+ session with the station's credentials",
                arrived=str(exc),
            ) from exc
        except InvalidHandshake as exc:
            why = handshake_failure(exc)
            if self.tls is not None and "stream ends after 0 bytes" in why:
                # TLS 1.3 ends the handshake before the server has judged the station's
                # certificate: a server that refuses it closes the connection unanswered.
                self.trace.note(f"TLS: {self.url} closed the connection unanswered: {why}")
                raise ConformanceFailure(
                    "the CSMS closed the TLS connection without answering the WebSocket upgrade",
                    expected="101 Switching Protocols over TLS with the station's credentials",
                    arrived=why,
                ) from exc
            self.trace.note(f"handshake with {self.url} failed: {why}")
            raise HarnessError(f"no OCPP WebSocket at {self.url}: {why}") from exc
        except (OSError, TimeoutError) as exc:
            self.trace.note(f"cannot connect to {self.url}: {exc}")
            raise HarnessError(
                f"CSMS unreachable at {self.url}: {exc or type(exc).__name__}"
            ) from exc
        if connection.subprotocol != subprotocol:
            await connection.close()
            self.trace.note(f"CSMS chose subprotocol {connection.subprotocol!r}")
            raise SubprotocolNotNegotiated(
                "the CSMS did not negotiate the OCPP subprotocol the charger offered",
                expected=subprotocol,
                arrived=repr(connection.subprotocol),
            )
        self.trace.note(f"connected to {self.url} with subprotocol {subprotocol}")
        self.session = OcppSession(
            connection=connection,
            version=self.version,
            local_role=Role.CHARGER,
            trace=self.trace,
            validator=FrameValidator(self.version),
        )
        self.adapter.register_handlers(self.session)
        self._spawn(self.session.serve())

    async def connect_with_password(self, password: str | None, timeout: float) -> None:
        """Connect once with other credentials (a wrong-password check), keeping our own."""
        with self._lent(password=password):
            await self.connect(timeout)

    async def connect_with_tls(self, tls: ssl.SSLContext, timeout: float) -> None:
        """Connect once with another TLS context (a foreign-certificate check), keeping ours."""
        with self._lent(tls=tls):
            await self.connect(timeout)

    async def connect_plain(self, timeout: float) -> None:
        """Connect once over plain ws:// to the same host, port and path as our wss:// URL (a
        CSMS of security profile 2 or 3 must open no WebSocket there), with our password."""
        plain = "ws://" + self.ocpp_url.split("://", 1)[1]
        with self._lent(tls=None, ocpp_url=plain):
            await self.connect(timeout)

    @contextlib.contextmanager
    def _lent(self, **credentials: Any) -> Iterator[None]:
        """Other credentials for the duration of one connect; ours again afterwards."""
        own = {name: getattr(self, name) for name in credentials}
        for name, value in credentials.items():
            setattr(self, name, value)
        try:
            yield
        finally:
            for name, value in own.items():
                setattr(self, name, value)

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    def require_session(self) -> OcppSession:
        if self.session is None:
            raise HarnessError("the charger is not connected")
        return self.session

    async def call(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        async with self._link:
            return await self.require_session().call(action, payload, self.response_timeout)

    async def reconnect(self, timeout: float) -> None:
        """Drop the WebSocket and open a new one with the same identity, keeping every
        transaction running. No new BootNotification: OCPP asks for one after a (re)boot,
        not after a lost connection, so a CSMS must recognise the station and its open
        transactions on the new connection without it."""
        async with self._link:
            old = self.require_session()
            self.trace.note("the charger drops its WebSocket and reconnects (no reboot)")
            await old.close()
            await self.connect(timeout)
        if self.heartbeat_interval is not None:
            self._spawn(self._heartbeat_loop())

    # --- station life ------------------------------------------------------------------------

    async def boot(self) -> None:
        """BootNotification until Accepted, then every EVSE Available, then heartbeats at the
        CSMS's interval.

        Pending: the station sends BootNotification again after the interval the CSMS gave
        (OCPP 1.6 4.2, 2.0.1 B02), for at most ``boot_pending_limit`` seconds. Rejected is an
        ERROR, not a FAIL: the CSMS may rightly refuse an identity it was never given, so the
        profile's [[chargers]] is the first suspect."""
        action, payload = self.adapter.boot_request()
        answer = await self._boot_until_decided(action, payload)
        status = answer.get("status")
        if status == "Rejected":
            raise HarnessError(
                f"the CSMS rejected the {action} of charger {self.identity!r} (status Rejected,"
                f" retry interval {answer.get('interval')!r}): is this identity provisioned in"
                " the CSMS as the profile's [[chargers]] says?"
            )
        if status != "Accepted":
            raise ConformanceFailure(
                f"the CSMS did not accept the charger's {action}",
                expected="status Accepted (after Pending, if the CSMS chooses)",
                arrived=f"status {status!r}",
            )
        interval = answer.get("interval")
        if isinstance(interval, int) and interval > 0:
            self.heartbeat_interval = float(interval)
            self._spawn(self._heartbeat_loop())
        for evse_id in range(1, self.behaviour.evses + 1):
            await self.report_status(evse_id, "Available")

    async def _boot_until_decided(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        give_up = loop.time() + self.boot_pending_limit
        while True:
            answer = await self.call(action, payload)
            self.boot_answer = answer
            if answer.get("status") != "Pending":
                return answer
            interval = answer.get("interval")
            wait = float(interval) if isinstance(interval, int) and interval > 0 else 1.0
            if loop.time() + wait > give_up:
                raise HarnessError(
                    f"the CSMS keeps charger {self.identity!r} Pending (retry interval "
                    f"{interval!r} s) beyond the {self.boot_pending_limit:g} s the harness waits "
                    "([timeouts] boot_pending): accept the identity in the CSMS, or raise it"
                )
            self.trace.note(f"boot Pending: sending {action} again in {wait:g} s, as asked")
            session = self.require_session()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(session.closed.wait(), wait)
            if session.closed.is_set():
                raise ConformanceFailure(
                    f"the CSMS closed the connection while the charger's {action} was Pending",
                    expected=f"the charger may send {action} again after the interval",
                    arrived=str(session.close_reason),
                )

    async def report_status(self, evse_id: int, status: str) -> None:
        action, payload = self.adapter.status_request(evse_id, status)
        await self.call(action, payload)

    async def _heartbeat_loop(self) -> None:
        session = self.require_session()
        assert self.heartbeat_interval is not None
        while not session.closed.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(session.closed.wait(), self.heartbeat_interval)
                return
            with contextlib.suppress(ConformanceFailure):
                await self.call("Heartbeat", {})

    # --- transactions ------------------------------------------------------------------------

    def local_start_blocked(self, evse_id: int) -> bool:
        """C25: a NotifyWebPaymentStarted holds the EVSE for the web payer (no local start)
        until its timeout or until a remote start has begun a transaction there."""
        return self.web_payments.blocks_local_start(evse_id, self.last_transactions.get(evse_id))

    def accepts_remote_start(self, evse_id: int | None) -> bool:
        if not self.behaviour.accept_remote_start:
            return False
        if evse_id is not None and not 1 <= evse_id <= self.behaviour.evses:
            return False
        return evse_id not in self.transactions

    def begin(
        self,
        evse_id: int,
        id_token: str,
        id_token_type: str | None,
        remote_start_id: int | None = None,
    ) -> Transaction:
        tx = Transaction(
            evse_id=evse_id,
            id_token=id_token,
            id_token_type=id_token_type,
            remote_start_id=remote_start_id,
            meter_start_wh=self.meter_register_wh,
        )
        self.transactions[evse_id] = tx
        self.last_transactions[evse_id] = tx
        self._begun.set()
        return tx

    async def begin_local(self, evse_id: int, id_token: str) -> Transaction:
        """A driver presents an authorized card at the station: a session no payment started.
        A coroutine, so the session runs on the station's own event loop."""
        tx = self.begin(evse_id, id_token, self.adapter.LOCAL_ID_TOKEN_TYPE)
        tx.local = True
        self.start_in_background(tx)
        return tx

    async def run_transaction(self, tx: Transaction) -> None:
        """Start on the wire, then meter at the scenario's interval until asked to stop.

        The driver's own stop (``stop_after_wh``) ends the session locally at exactly that
        energy, so a refund can be checked to the paisa against a known meter reading; an
        enforced prepaid limit ends it at exactly the limit (``limits.advance_meter``).
        """
        if not self.behaviour.start_after_accept:
            self.trace.note(f"EVSE {tx.evse_id}: accepted the remote start, never starts charging")
            self.transactions.pop(tx.evse_id, None)
            tx.ended.set()
            return
        try:
            await self.adapter.start_transaction(tx)
            tx.started.set()
            interval = self.behaviour.meter_interval_s
            while not tx.stop_requested.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(tx.stop_requested.wait(), interval)
                    break
                reason = advance_meter(self, tx)
                if reason is not None:
                    tx.stop_reason = reason
                    tx.stop_requested.set()
                await self.adapter.send_meter_values(tx)
            await self.adapter.stop_transaction(tx, tx.stop_reason or "Remote")
        except ConformanceFailure as failure:
            self.trace.note(f"transaction on EVSE {tx.evse_id} aborted: {failure.headline}")
        finally:
            self.meter_register_wh = tx.meter_now_wh
            self.transactions.pop(tx.evse_id, None)
            tx.ended.set()

    def start_in_background(self, tx: Transaction) -> None:
        self._spawn(self.run_transaction(tx))

    async def wait_ended(self, evse_id: int, timeout: float) -> Transaction | None:
        """The transaction on ``evse_id`` once it has ended on the wire, or None."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        tx = await self.wait_begun(evse_id, timeout)
        if tx is None:
            return None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(tx.ended.wait(), max(0.0, deadline - loop.time()))
        return tx if tx.ended.is_set() else None

    async def wait_begun(self, evse_id: int, timeout: float) -> Transaction | None:
        """The transaction on ``evse_id`` once a remote start created it, or None."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (tx := self.last_transactions.get(evse_id)) is None:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._begun.wait(), remaining)
            self._begun.clear()
        return tx

    async def wait_started(self, evse_id: int, timeout: float) -> Transaction | None:
        """The transaction on ``evse_id`` once the CSMS accepted its start, or None.

        The remote start may still be on its way (a PSP webhook is asynchronous), so this
        first waits for the transaction to exist, then for the CSMS to accept it.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        tx = await self.wait_begun(evse_id, timeout)
        if tx is None:
            return None
        started = asyncio.ensure_future(tx.started.wait())
        ended = asyncio.ensure_future(tx.ended.wait())
        remaining = max(0.0, deadline - loop.time())
        await asyncio.wait({started, ended}, timeout=remaining, return_when="FIRST_COMPLETED")
        started.cancel()
        ended.cancel()
        return tx if tx.started.is_set() else None

    def find_transaction(self, transaction_id: str | int) -> Transaction | None:
        for tx in self.transactions.values():
            if tx.transaction_id == transaction_id:
                return tx
        return None

    async def close(self) -> None:
        """Stop metering, close the socket, and cancel every background task."""
        for tx in self.transactions.values():
            tx.stop_reason = "Local"
            tx.stop_requested.set()
        if self.session is not None:
            await self.session.close()
        for task in list(self._background):
            task.cancel()
        if self._background:
            await asyncio.wait(list(self._background), timeout=2.0)
