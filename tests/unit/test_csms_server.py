"""The reference CSMS end to end on loopback: raw OCPP-J frames in, bank webhooks in.

The charger here is deliberately raw JSON over ``websockets`` (not the harness's mock charger,
not the ``ocpp`` package), so these tests pin the CSMS's wire behaviour directly. "Nothing was
sent" is proven with a barrier, not a wait: after the webhook has answered, the charger sends a
Heartbeat, and the very next frame must be its CALLRESULT (the CSMS answers the webhook only
after any remote start it decided on has been sent, so a stray CALL would arrive first).
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Subprotocol

from ocpp_upi.bank.notification import credit
from ocpp_upi.bank.notifier import BankNotifier, SignatureMode, WebhookExchange
from ocpp_upi.csms import CsmsSettings, ReferenceCsms, serve_forever
from ocpp_upi.ocpp.versions import SUBPROTOCOLS

T = TypeVar("T")
FRAME_TIMEOUT = 5.0
NOW = "2025-10-01T10:00:00.000Z"


def run(coro: Awaitable[T]) -> T:
    """Every test is bounded: a hang fails fast instead of stalling the suite."""

    async def bounded() -> T:
        return await asyncio.wait_for(coro, 15)

    return asyncio.run(bounded())


class RawCharger:
    """Just enough of a charging station, spoken as raw OCPP-J frames."""

    def __init__(self, ws: ClientConnection, version: str) -> None:
        self.ws = ws
        self.version = version
        self._next_id = 0

    async def recv(self) -> list[Any]:
        return json.loads(await asyncio.wait_for(self.ws.recv(), FRAME_TIMEOUT))

    async def call(self, action: str, payload: dict[str, Any]) -> list[Any]:
        self._next_id += 1
        unique_id = f"c{self._next_id}"
        await self.ws.send(json.dumps([2, unique_id, action, payload]))
        frame = await self.recv()
        while frame[0] == 2 and frame[2] == "DataTransfer":
            # Like a charger that knows no vendor extension (the CSMS's 1.6 prepaid-limit offer).
            await self.answer(frame, {"status": "UnknownVendorId"})
            frame = await self.recv()
        assert frame[0] in (3, 4) and frame[1] == unique_id, f"expected reply, got {frame}"
        return frame

    async def answer(self, frame: list[Any], payload: dict[str, Any]) -> None:
        await self.ws.send(json.dumps([3, frame[1], payload]))

    async def barrier(self) -> None:
        """Raises if any CALL from the CSMS is already queued ahead of this Heartbeat's reply."""
        reply = await self.call("Heartbeat", {})
        assert reply[0] == 3 and "currentTime" in reply[2]

    async def boot(self, evses: int = 1) -> None:
        if self.version == "1.6":
            boot = {"chargePointVendor": "Harness", "chargePointModel": "Raw"}
        else:
            boot = {
                "chargingStation": {"model": "Raw", "vendorName": "Harness"},
                "reason": "PowerUp",
            }
        reply = await self.call("BootNotification", boot)
        assert reply[0] == 3 and reply[2]["status"] == "Accepted", reply
        assert reply[2]["interval"] == 300
        for evse in range(1, evses + 1):
            if self.version == "1.6":
                status = {"connectorId": evse, "errorCode": "NoError", "status": "Available"}
            else:
                status = {
                    "timestamp": NOW,
                    "connectorStatus": "Available",
                    "evseId": evse,
                    "connectorId": 1,
                }
            assert (await self.call("StatusNotification", status))[0] == 3


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@asynccontextmanager
async def charger_session(
    csms: ReferenceCsms,
    version: str,
    charger_id: str = "CP1",
    headers: dict[str, str] | None = None,
    evses: int = 1,
) -> AsyncIterator[RawCharger]:
    async with connect(
        f"{csms.ocpp_url}/{charger_id}",
        subprotocols=[Subprotocol(SUBPROTOCOLS[version])],
        additional_headers=headers,
    ) as ws:
        assert ws.subprotocol == SUBPROTOCOLS[version]
        charger = RawCharger(ws, version)
        await charger.boot(evses)
        yield charger


@asynccontextmanager
async def running(
    settings: CsmsSettings | None = None,
) -> AsyncIterator[tuple[ReferenceCsms, BankNotifier]]:
    async with ReferenceCsms(settings) as csms:
        async with BankNotifier(csms.bank_webhook_url, csms.settings.bank_webhook_secret) as bank:
            yield csms, bank


def result_of(exchange: WebhookExchange) -> str:
    body = json.loads(exchange.response_body)
    return str(body.get("result") or body["error"])


EXPECTED_START = {
    "1.6": ("RemoteStartTransaction", None),
    "2.0.1": ("RequestStartTransaction", "Central"),
    "2.1": ("RequestStartTransaction", "DirectPayment"),
}


@pytest.mark.parametrize("version", ["1.6", "2.0.1", "2.1"])
def test_signed_credit_remote_starts_the_referenced_evse(version: str) -> None:
    async def scenario() -> None:
        async with running() as (csms, bank), charger_session(csms, version, evses=2) as charger:
            notification = credit("CP1-2")
            delivery = asyncio.create_task(bank.deliver(notification))
            frame = await charger.recv()
            action, token_type = EXPECTED_START[version]
            assert frame[0] == 2 and frame[2] == action
            payload = frame[3]
            if version == "1.6":
                assert payload == {"connectorId": 2, "idTag": notification.utr}
            else:
                assert payload["evseId"] == 2
                assert payload["idToken"] == {"idToken": notification.utr, "type": token_type}
                assert isinstance(payload["remoteStartId"], int)
            await charger.answer(frame, {"status": "Accepted"})
            exchange = await delivery
            assert exchange.status == 200, exchange.describe()
            body = json.loads(exchange.response_body)
            assert body["result"] == "started" and body["evse_id"] == 2

            [payment] = csms.ledger.payments()
            assert (payment.utr, payment.amount_paise, payment.evse_id) == (
                notification.utr,
                20000,
                2,
            )
            [start] = csms.ledger.remote_starts()
            assert (start.status, start.payment_id) == ("started", payment.id)

            await start_and_stop_session(charger, notification.utr, payload)
            [tx] = csms.ledger.transactions()
            assert tx.payment_id == payment.id
            assert tx.energy_wh == 20000

    run(scenario())


async def start_and_stop_session(charger: RawCharger, utr: str, request: dict[str, Any]) -> None:
    if charger.version == "1.6":
        reply = await charger.call(
            "StartTransaction",
            {"connectorId": 2, "idTag": utr, "meterStart": 1000, "timestamp": NOW},
        )
        assert reply[2]["idTagInfo"] == {"status": "Accepted"}
        transaction_id = reply[2]["transactionId"]
        assert isinstance(transaction_id, int)
        reply = await charger.call(
            "StopTransaction",
            {"transactionId": transaction_id, "meterStop": 21000, "timestamp": NOW},
        )
        assert reply[0] == 3
        return
    started = {
        "eventType": "Started",
        "timestamp": NOW,
        "triggerReason": "RemoteStart",
        "seqNo": 0,
        "transactionInfo": {"transactionId": "tx-1", "remoteStartId": request["remoteStartId"]},
        "idToken": request["idToken"],
        "evse": {"id": 2, "connectorId": 1},
        "meterValue": [{"timestamp": NOW, "sampledValue": [{"value": 1000}]}],
    }
    reply = await charger.call("TransactionEvent", started)
    assert reply[0] == 3, reply
    assert reply[2]["idTokenInfo"] == {"status": "Accepted"}
    if charger.version == "2.1":
        # 200 INR at the default 10 INR/kWh plus 18 % GST: floor(200 / 11.8 kWh) = 16,949 Wh
        assert reply[2]["transactionLimit"] == {"maxEnergy": 16949}
    else:
        assert "transactionLimit" not in reply[2]
    ended = {
        "eventType": "Ended",
        "timestamp": NOW,
        "triggerReason": "EnergyLimitReached",
        "seqNo": 1,
        "transactionInfo": {"transactionId": "tx-1", "stoppedReason": "EnergyLimitReached"},
        "meterValue": [{"timestamp": NOW, "sampledValue": [{"value": 21000}]}],
    }
    reply = await charger.call("TransactionEvent", ended)
    assert reply[0] == 3 and "idTokenInfo" not in reply[2]


@pytest.mark.parametrize("version", ["1.6", "2.1"])
def test_forged_or_missing_signature_gets_401_and_starts_nothing(version: str) -> None:
    async def scenario() -> None:
        async with running() as (csms, bank), charger_session(csms, version) as charger:
            modes: tuple[SignatureMode, ...] = ("forged", "missing")
            for mode in modes:
                exchange = await bank.deliver(credit("CP1-1"), signature=mode)
                assert exchange.status == 401, exchange.describe()
                assert result_of(exchange) == "invalid_signature"
            await charger.barrier()
            assert csms.ledger.payments() == [] and csms.ledger.remote_starts() == []

    run(scenario())


def test_duplicate_utr_starts_once() -> None:
    async def scenario() -> None:
        async with running() as (csms, bank), charger_session(csms, "2.1") as charger:
            notification = credit("CP1-1")
            delivery = asyncio.create_task(bank.deliver(notification))
            await charger.answer(await charger.recv(), {"status": "Accepted"})
            assert result_of(await delivery) == "started"
            again = await bank.deliver(notification)
            assert (again.status, result_of(again)) == (200, "duplicate")
            await charger.barrier()
            assert len(csms.ledger.remote_starts()) == 1

    run(scenario())


def test_credits_that_must_not_start_anything() -> None:
    async def scenario() -> None:
        async with running() as (csms, bank), charger_session(csms, "1.6") as charger:
            cases = {
                "acknowledged": credit("CP1-1", status="FAILURE"),
                "wrong_payee": credit("CP1-1", payee_vpa="someone@icici"),
            }
            for reference in ("CP1-9", "CP2-1", "garbage", "CP1-0"):
                cases[f"unknown_reference {reference}"] = credit(reference)
            for expected, notification in cases.items():
                exchange = await bank.deliver(notification)
                assert exchange.status == 200, exchange.describe()
                assert result_of(exchange) == expected.split()[0]
            malformed = await bank.deliver(credit("CP1-1"), body=b'{"utr": "1"}')
            assert malformed.status == 400 and result_of(malformed) == "malformed_notification"
            await charger.barrier()
            assert csms.ledger.payments() == [] and csms.ledger.remote_starts() == []

    run(scenario())


def test_rejected_and_unanswered_starts_are_reported() -> None:
    async def scenario() -> None:
        settings = CsmsSettings(remote_start_timeout=0.5)
        async with running(settings) as (csms, bank), charger_session(csms, "2.0.1") as charger:
            delivery = asyncio.create_task(bank.deliver(credit("CP1-1")))
            await charger.answer(await charger.recv(), {"status": "Rejected"})
            assert result_of(await delivery) == "start_rejected"

            unanswered = await bank.deliver(credit("CP1-1"))
            assert result_of(unanswered) == "start_failed"
            assert (await charger.recv())[2] == "RequestStartTransaction"
            statuses = [start.status for start in csms.ledger.remote_starts()]
            assert statuses == ["start_rejected", "start_failed"]

    run(scenario())


def test_charger_disconnecting_mid_start_fails_fast_and_is_forgotten() -> None:
    async def scenario() -> None:
        async with running() as (csms, bank):
            async with charger_session(csms, "1.6") as charger:
                delivery = asyncio.create_task(bank.deliver(credit("CP1-1")))
                assert (await charger.recv())[2] == "RemoteStartTransaction"
            exchange = await delivery
            assert result_of(exchange) == "start_failed"
            assert exchange.elapsed_s < csms.settings.remote_start_timeout
            assert "CP1" not in csms.chargers
            late = await bank.deliver(credit("CP1-1"))
            assert result_of(late) == "unknown_reference"

    run(scenario())


def test_basic_auth_at_the_handshake() -> None:
    async def scenario() -> None:
        async with running(CsmsSettings(charger_password="s3cret-pass")) as (csms, _):
            async with charger_session(csms, "1.6", headers=basic("CP1", "s3cret-pass")) as c:
                await c.barrier()
            for headers in (basic("CP1", "wrong"), basic("CP2", "s3cret-pass"), None):
                with pytest.raises(InvalidStatus) as refused:
                    async with connect(
                        f"{csms.ocpp_url}/CP1",
                        subprotocols=[Subprotocol("ocpp1.6")],
                        additional_headers=headers,
                    ):
                        pass
                assert refused.value.response.status_code == 401

    run(scenario())


def test_handshake_needs_a_known_subprotocol_and_a_charger_id() -> None:
    async def scenario() -> None:
        async with running() as (csms, _):
            with pytest.raises(InvalidStatus) as refused:
                async with connect(csms.ocpp_url, subprotocols=[Subprotocol("ocpp1.6")]):
                    pass
            assert refused.value.response.status_code == 404
            # OCPP-J 3.1.2: no subprotocol agreed -> handshake without one, then closed.
            for offered in ([Subprotocol("ocpp1.5")], None):
                async with connect(f"{csms.ocpp_url}/CP1", subprotocols=offered) as ws:
                    assert ws.subprotocol is None
                    with pytest.raises(ConnectionClosed) as closed:
                        await asyncio.wait_for(ws.recv(), 5)
                    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1002
            async with connect(
                f"{csms.ocpp_url}/CP1",
                subprotocols=[Subprotocol("ocpp2.1"), Subprotocol("ocpp1.6")],
            ) as ws:
                assert ws.subprotocol == "ocpp2.1"

    run(scenario())


@pytest.mark.parametrize("version", ["1.6", "2.1"])
def test_garbage_and_unknown_actions_do_not_break_the_connection(version: str) -> None:
    async def scenario() -> None:
        async with running() as (csms, _), charger_session(csms, version) as charger:
            await charger.ws.send("this is not OCPP")
            await charger.ws.send(json.dumps({"not": "a list"}))
            # OCPP-J: not known by the receiver -> NotImplemented; known, not supported ->
            # NotSupported (the ``ocpp`` package swaps the two; the reference CSMS does not).
            reply = await charger.call("NoSuchAction", {})
            assert reply[0] == 4 and reply[2] == "NotImplemented"
            reply = await charger.call("LogStatusNotification", {"status": "Idle"})
            assert reply[0] == 4 and reply[2] == "NotSupported"
            reply = await charger.call("DataTransfer", {"vendorId": "acme"})
            assert reply[2] == {"status": "UnknownVendorId"}
            reply = await charger.call("Authorize", authorize_payload(version))
            assert reply[0] == 3
            await charger.barrier()
            assert "CP1" in csms.chargers

    run(scenario())


def authorize_payload(version: str) -> dict[str, Any]:
    if version == "1.6":
        return {"idTag": "TAG1"}
    return {"idToken": {"idToken": "TAG1", "type": "ISO14443"}}


def test_static_qr_sticker_and_health() -> None:
    async def scenario() -> None:
        async with running() as (csms, _), httpx.AsyncClient() as client:
            url = csms.static_qr_url_template.format(charger_id="EVSE1234", evse=1)
            response = await client.get(url)
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/plain")
            assert response.text == "upi://pay?pa=cpo123@hdfcbank&pn=CPO-Name&tr=EVSE1234-1&cu=INR"
            bad = await client.get(csms.static_qr_url_template.format(charger_id="X", evse=0))
            assert bad.status_code == 400
            health = await client.get(csms.http_base_url + "/healthz")
            assert health.status_code == 200

    run(scenario())


def test_serve_forever_reports_ready_and_stops_on_event() -> None:
    async def scenario() -> None:
        stop = asyncio.Event()
        seen: list[ReferenceCsms] = []

        def ready(csms: ReferenceCsms) -> None:
            seen.append(csms)
            stop.set()

        await serve_forever(CsmsSettings(), ready=ready, stop_event=stop)
        assert seen and seen[0].bank_webhook_url.endswith("/webhooks/bank")
        assert seen[0].ocpp_url.startswith("ws://127.0.0.1:") and seen[0].ocpp_url.endswith("/ocpp")
        await seen[0].stop()  # idempotent

    run(scenario())


def test_reconnecting_charger_replaces_the_old_connection() -> None:
    async def scenario() -> None:
        async with running() as (csms, bank):
            async with (
                charger_session(csms, "2.1") as first,
                charger_session(csms, "2.1") as second,
            ):
                with pytest.raises(ConnectionClosed):
                    await first.recv()
                delivery = asyncio.create_task(bank.deliver(credit("CP1-1")))
                await second.answer(await second.recv(), {"status": "Accepted"})
                assert result_of(await delivery) == "started"
                assert csms.chargers.get("CP1") is not None

    run(scenario())


class SkipsSignatureCheck(ReferenceCsms):
    """A fault variant in miniature: breaks exactly one rule by overriding one hook."""

    def signature_ok(self, body: bytes, header: str | None) -> bool:
        return True


def test_barrier_catches_a_variant_that_starts_on_a_forged_credit() -> None:
    async def scenario() -> None:
        async with SkipsSignatureCheck(CsmsSettings(remote_start_timeout=0.2)) as csms:
            async with (
                BankNotifier(csms.bank_webhook_url, "wrong") as bank,
                charger_session(csms, "1.6") as charger,
            ):
                exchange = await bank.deliver(credit("CP1-1"), signature="forged")
                assert exchange.status == 200
                with pytest.raises(AssertionError, match="RemoteStartTransaction"):
                    await charger.barrier()

    run(scenario())


def test_stop_during_a_pending_remote_start_is_prompt() -> None:
    async def scenario() -> None:
        csms = ReferenceCsms(CsmsSettings(remote_start_timeout=10))
        await csms.start()
        async with (
            BankNotifier(csms.bank_webhook_url, csms.settings.bank_webhook_secret) as bank,
            charger_session(csms, "2.1") as charger,
        ):
            delivery = asyncio.create_task(bank.deliver(credit("CP1-1")))
            assert (await charger.recv())[2] == "RequestStartTransaction"
            async with asyncio.timeout(3):
                await csms.stop()
                exchange = await delivery
            assert result_of(exchange) == "start_failed"

    run(scenario())


def test_every_endpoint_it_names_is_a_route_it_serves() -> None:
    """endpoints() is the one description of the CSMS's addresses (the embedded profile, the
    command line's ready file): each must be a route of its own HTTP app."""

    async def scenario() -> None:
        settings = CsmsSettings(psp_base_url="http://127.0.0.1:9", web_payments=True)
        async with ReferenceCsms(settings) as csms:
            served = csms.endpoints()
            routes = {resource.canonical for resource in csms.http_app().router.resources()}
            base = csms.http_base_url
            assert served["ocpp_url"] == csms.ocpp_url and served["trigger_url"] == base
            http = {k: v for k, v in served.items() if k not in ("ocpp_url", "trigger_url")}
            assert len(http) == 8, sorted(http)  # payments on: the PSP webhook and pay pages too
            for name, url in http.items():
                assert url.startswith(base), (name, url)
                path = url.removeprefix(base).split("?")[0] or "/"
                assert path == "/" or path in routes, (name, path, sorted(routes))

    asyncio.run(asyncio.wait_for(scenario(), 10))
