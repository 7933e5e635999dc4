"""BankNotifier: signs what it sends, and reports network failures instead of raising."""

import asyncio
import socket

import httpx
import respx

from ocpp_upi.bank.notification import credit
from ocpp_upi.bank.notifier import BankNotifier, SignatureMode, WebhookExchange
from ocpp_upi.bank.signing import SIGNATURE_HEADER, sign, verify

URL = "http://csms.test/webhooks/bank"
SECRET = "s3cret"


def _deliver(
    signature: SignatureMode, route_response: httpx.Response | Exception
) -> WebhookExchange:
    async def scenario() -> WebhookExchange:
        async with BankNotifier(URL, SECRET) as notifier:
            return await notifier.deliver(credit("EVSE1234-1"), signature=signature)

    with respx.mock(assert_all_called=True) as mock:
        route = mock.post(URL)
        if isinstance(route_response, Exception):
            route.side_effect = route_response
        else:
            route.return_value = route_response
        exchange = asyncio.run(scenario())
        if not isinstance(route_response, Exception):
            sent = route.calls.last.request
            assert sent.content == exchange.request_body
            assert dict(sent.headers).get(SIGNATURE_HEADER.lower()) == exchange.request_headers.get(
                SIGNATURE_HEADER
            )
    return exchange


def test_valid_signature_is_hmac_of_the_sent_body() -> None:
    exchange = _deliver("valid", httpx.Response(200, json={"result": "started"}))
    assert exchange.status == 200
    assert exchange.error is None
    assert verify(exchange.request_body, exchange.request_headers[SIGNATURE_HEADER], SECRET)
    assert exchange.request_headers["Content-Type"] == "application/json"
    assert '"started"' in exchange.response_body


def test_forged_signature_has_the_right_shape_but_the_wrong_key() -> None:
    exchange = _deliver("forged", httpx.Response(401, json={"error": "invalid_signature"}))
    forged = exchange.request_headers[SIGNATURE_HEADER]
    assert len(forged) == 64
    assert not verify(exchange.request_body, forged, SECRET)
    assert exchange.status == 401


def test_missing_signature_sends_no_header() -> None:
    exchange = _deliver("missing", httpx.Response(401))
    assert SIGNATURE_HEADER not in exchange.request_headers


def test_body_override_is_signed_as_sent() -> None:
    async def scenario() -> WebhookExchange:
        async with BankNotifier(URL, SECRET) as notifier:
            return await notifier.deliver(credit("X-1"), body=b"{broken")

    with respx.mock:
        respx.post(URL).return_value = httpx.Response(400)
        exchange = asyncio.run(scenario())
    assert exchange.request_body == b"{broken"
    assert exchange.request_headers[SIGNATURE_HEADER] == sign(b"{broken", SECRET)


def test_connection_error_is_reported_not_raised() -> None:
    exchange = _deliver("valid", httpx.ConnectError("[Errno 111] Connection refused"))
    assert exchange.status is None
    assert exchange.error is not None and exchange.error.startswith("connection refused")
    assert "no response" in exchange.describe()


def test_timeout_is_reported_not_raised() -> None:
    exchange = _deliver("valid", httpx.ReadTimeout("read timed out"))
    assert exchange.status is None
    assert exchange.error is not None and exchange.error.startswith("timeout")


def test_real_refused_port_is_reported() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    async def scenario() -> WebhookExchange:
        async with BankNotifier(f"http://127.0.0.1:{port}/webhooks/bank", SECRET, timeout=2) as n:
            return await n.deliver(credit("EVSE1234-1"))

    exchange = asyncio.run(scenario())
    assert exchange.status is None
    assert exchange.error is not None and "connection refused" in exchange.error


def test_describe_shows_request_and_response() -> None:
    exchange = _deliver("valid", httpx.Response(200, text='{"result":"duplicate"}'))
    text = exchange.describe()
    assert text.startswith(f"POST {URL}\n")
    assert f"{SIGNATURE_HEADER}: " in text
    assert "-> HTTP 200" in text
    assert '{"result":"duplicate"}' in text
