"""Steps that attack the CSMS's two payment webhooks: the bank's (static QR) and the PSP's.

Each hostile delivery is built byte by byte (``ocpp_upi.psp.crafted``) so the scenario controls
exactly what was signed and what was sent. A hostile delivery always names a real target (the
EVSE's reference, the order the driver just created, for its exact amount), because a CSMS
that skips a check would then really start something, and the suite must see that on the wire.
After a refusal the genuine payment must still start the EVSE: a CSMS that records a UTR,
event id or order claim before it has verified the delivery would lose the real one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from pytest_bdd import parsers, then, when

from ocpp_upi.bank.notification import CreditNotification, credit
from ocpp_upi.bank.notifier import WebhookExchange
from ocpp_upi.psp.crafted import (
    SignatureMode,
    captured_event,
    new_event_id,
    post_raw,
    razorpay_headers,
)
from ocpp_upi.suite.fixtures.world import World
from ocpp_upi.suite.steps.amounts import paise
from ocpp_upi.suite.steps.bank_steps import deliver_credit, evse_reference
from ocpp_upi.suite.steps.endpoints import check_answered, notice_sent_to, rests_on
from ocpp_upi.suite.steps.payment_steps import pay
from ocpp_upi.suite.steps.preconditions import await_remote_start
from ocpp_upi.suite.steps.remote_start_steps import check_transaction_begins
from ocpp_upi.upi.link import parse
from ocpp_upi.verdicts import ConformanceFailure, HarnessError

Flow = Literal["bank", "PSP"]
# What made a delivery hostile, as the failure message names it.
CASES = {
    "a forged signature": "with a forged signature",
    "a missing signature": "without a signature",
    "a tampered amount": "whose body was changed after it was signed",
    "a malformed body": "whose validly signed body is not JSON",
    "an oversized body": "with an oversized (2 MiB) validly signed body",
    "replay": "that replays an event it already processed",
    "unknown target": "that names nothing the CSMS issued",
}
OVERSIZED_BYTES = 2 * 1024 * 1024
_CASE_PATTERN = r"(?P<case>a forged signature|a missing signature|a tampered amount|" + (
    r"a malformed body|an oversized body)"
)


@dataclass
class Crafted:
    """The hostile delivery of this scenario and the genuine payment that must still work."""

    flow: Flow
    case: str
    genuine: CreditNotification | None = None  # bank: the credit to deliver properly later

    @property
    def description(self) -> str:
        return f"{self.flow} webhook {CASES[self.case]}"


def _record(world: World, exchange: WebhookExchange, flow: Flow, allow_drop: bool = False) -> None:
    """Keep the exchange for the report; a 2 MiB body is cut so the report stays readable.

    ``allow_drop``: a server (or its proxy) may cut an oversized upload short instead of
    answering 413; that is a refusal too, not a harness error."""
    if len(exchange.request_body) > 4096:
        size = len(exchange.request_body)
        exchange = replace(
            exchange, request_body=exchange.request_body[:2048] + f"... ({size} bytes)".encode()
        )
    world.state.exchanges.append(exchange)
    notice_sent_to(world, exchange.url)
    if not (allow_drop and _dropped(exchange)):
        check_answered(exchange, f"{flow} webhook", genuine=False)


def _dropped(exchange: WebhookExchange) -> bool:
    """The server closed the connection without an answer (not a timeout: hanging on a huge
    body is no refusal)."""
    return exchange.status is None and not (exchange.error or "").startswith("timeout")


def _send(world: World, flow: Flow, url: str, body: bytes, headers: dict[str, str]) -> None:
    world.state.mark = len(world.trace.entries)
    timeout = world.profile.timeouts.response
    exchange = world.run(post_raw(url, body, headers, timeout), timeout=timeout + 1.0)
    _record(world, exchange, flow, allow_drop=len(body) >= OVERSIZED_BYTES)


def _signature_mode(case: str) -> SignatureMode:
    """Only the two signature cases sign wrongly; every other hostile body is validly signed,
    so the CSMS's signature check cannot be what refuses it."""
    if case == "a forged signature":
        return "forged"
    if case == "a missing signature":
        return "missing"
    return "valid"


def _hostile_body(genuine: bytes, case: str) -> tuple[bytes, bytes]:
    """(body sent, body signed) for a hostile variant of the ``genuine`` body."""
    if case == "a malformed body":
        body = b'{"event": "payment.captured", "payload": {'  # cut off: not JSON
        return body, body
    if case == "an oversized body":
        # Valid JSON (trailing whitespace is allowed), so only the size makes it hostile.
        body = genuine + b" " * (OVERSIZED_BYTES - len(genuine))
        return body, body
    return genuine, genuine


# --- the bank's webhook --------------------------------------------------------------------


def _bank_send(world: World, notification: CreditNotification, case: str) -> None:
    bank = world.bank
    genuine = notification.to_json()
    if case == "a tampered amount":
        # Signed over a 1.00 INR credit, sent as the 200.00 INR one: only the signature differs.
        signed = replace(notification, amount="1.00").to_json()
        body = genuine
    else:
        body, signed = _hostile_body(genuine, case)
    mode = _signature_mode(case)
    headers = bank.headers_for(signed, mode)
    _send(world, "bank", bank.webhook_url, body, headers)


@when(
    parsers.re(
        r"the bank sends a (?P<amount>[\d.]+) INR credit on the reference of EVSE (?P<evse>\d+) "
        r"with " + _CASE_PATTERN
    )
)
def bank_sends_hostile(amount: str, evse: str, case: str, world: World) -> None:
    notification = credit(
        evse_reference(world, int(evse)), amount=amount, payee_vpa=world.bank_account.merchant_vpa
    )
    world.state.webhook = Crafted("bank", case, genuine=notification)
    _bank_send(world, notification, case)


@when(
    parsers.re(
        r"the bank sends a validly signed (?P<amount>[\d.]+) INR credit on an unknown "
        r"reference"
    )
)
def bank_sends_unknown_reference(amount: str, world: World) -> None:
    notification = credit(
        f"NOPE-{world.charger.identity}-99",
        amount=amount,
        payee_vpa=world.bank_account.merchant_vpa,
    )
    world.state.webhook = Crafted("bank", "unknown target")
    _bank_send(world, notification, "valid")


@when("the bank replays the very same signed credit")
def bank_replays(world: World) -> None:
    notification = world.state.notification
    if notification is None:
        raise HarnessError("no credit was delivered before the replay step")
    world.state.webhook = Crafted("bank", "replay")
    _bank_send(world, notification, "valid")


# --- the PSP's webhook ---------------------------------------------------------------------


def _driver_order(world: World) -> tuple[str, int]:
    """The order the pay page created (the intent link's ``tr``) and its amount in paise."""
    if world.state.intent_link is None or world.state.amount_paise is None:
        raise HarnessError("no order to name: the pay-page step did not run")
    order_id = parse(world.state.intent_link).reference
    if not order_id:
        raise HarnessError(f"the intent link names no order: {world.state.intent_link}")
    return order_id, world.state.amount_paise


def _psp_send(world: World, body: bytes, signed: bytes, mode: SignatureMode, event_id: str) -> None:
    world.require_psp()
    account = world.profile.psp
    if account is None:
        raise HarnessError("the profile has no [psp] table")
    headers = razorpay_headers(signed, account.webhook_secret, event_id, mode)
    _send(world, "PSP", account.webhook_url, body, headers)


@when(parsers.re(r"a PSP webhook reports the driver's order captured with " + _CASE_PATTERN))
def psp_sends_hostile(case: str, world: World) -> None:
    world.require_psp()
    order_id, amount = _driver_order(world)
    genuine = captured_event(order_id, amount)
    if case == "a tampered amount":
        # Signed over a 1.00 INR capture, sent as a capture of the order's full amount.
        body, signed = genuine, genuine.replace(f'"amount":{amount},'.encode(), b'"amount":100,')
    else:
        body, signed = _hostile_body(genuine, case)
    mode = _signature_mode(case)
    world.state.webhook = Crafted("PSP", case)
    _psp_send(world, body, signed, mode, new_event_id())


@when(
    parsers.re(
        r"a validly signed PSP webhook reports a (?P<amount>[\d.]+) INR capture for an order the "
        r"CSMS never created"
    )
)
def psp_sends_unknown_order(amount: str, world: World) -> None:
    world.require_psp()
    body = captured_event("order_" + new_event_id()[4:], paise(amount))
    world.state.webhook = Crafted("PSP", "unknown target")
    _psp_send(world, body, body, "valid", new_event_id())


@when("the PSP's payment.captured webhook is replayed with the same body, signature and event id")
def psp_replays(world: World) -> None:
    psp = world.require_psp()
    payment_id = (world.state.payment or {}).get("id")
    timeout = world.profile.timeouts.response
    delivered = world.run(
        psp.wait_for_delivery(
            lambda d: d.event == "payment.captured" and d.ok and payment_id in d.body.decode(),
            timeout,
        ),
        timeout=timeout + 1.0,
    )
    if delivered is None:
        raise HarnessError(f"the mock PSP delivered no payment.captured for {payment_id}")
    world.state.webhook = Crafted("PSP", "replay")
    _send(world, "PSP", delivered.url, delivered.body, dict(delivered.headers))


# --- verdicts ------------------------------------------------------------------------------


def _crafted(world: World) -> Crafted:
    crafted = world.state.webhook
    if not isinstance(crafted, Crafted):
        raise HarnessError("no hostile webhook was sent in this scenario")
    return crafted


@then("the CSMS refuses the webhook with a 4xx status")
def csms_refuses_webhook(world: World) -> None:
    crafted = _crafted(world)
    exchange = world.state.last_exchange
    rests_on(world, exchange.url)
    if crafted.case == "an oversized body" and _dropped(exchange):
        return  # the upload was cut off: refused without an answer, which is allowed here
    if exchange.status is None or not 400 <= exchange.status < 500:
        raise ConformanceFailure(
            f"the CSMS accepted a {crafted.description}",
            expected="HTTP 4xx and nothing started",
            arrived=f"HTTP {exchange.status}: {exchange.response_body[:300]}",
        )


@then("the CSMS answers the webhook with a 2xx acknowledgement or a 4xx refusal")
def csms_acknowledges_or_refuses(world: World) -> None:
    crafted = _crafted(world)
    exchange = world.state.last_exchange
    rests_on(world, exchange.url)
    status = exchange.status
    if status is None or not (200 <= status < 300 or 400 <= status < 500):
        raise ConformanceFailure(
            f"the CSMS failed on a {crafted.description}",
            expected="HTTP 2xx (acknowledged, nothing done) or 4xx (refused), never 5xx",
            arrived=f"HTTP {status}: {exchange.response_body[:300]}",
        )


@then("a valid webhook afterwards still works (nothing lost)")
def valid_webhook_still_works(world: World) -> None:
    """The genuine payment after the hostile one: the same credit (same UTR) properly signed,
    or the driver's real payment of the same order, must start EVSE 1."""
    crafted = _crafted(world)
    if crafted.flow == "bank":
        notification = crafted.genuine or credit(
            evse_reference(world, 1), amount="200.00", payee_vpa=world.bank_account.merchant_vpa
        )
        deliver_credit(world, notification, genuine=True)
    else:
        if world.state.intent_link is None:
            raise HarnessError("no pay-page order to pay for the valid webhook")
        pay(world, "success@razorpay")
        status = (world.state.payment or {}).get("status")
        if status != "captured":
            raise HarnessError(f"the mock PSP did not capture the driver's payment: {status}")
    await_remote_start(world, 1)
    check_transaction_begins(1, world)
