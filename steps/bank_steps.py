"""Steps in which the mock bank notifies the CSMS of a static-QR credit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pytest_bdd import parsers, then, when

from ocpp_upi.bank.notification import CreditNotification, credit
from ocpp_upi.bank.notifier import SignatureMode, WebhookExchange
from ocpp_upi.suite.fixtures.world import World
from ocpp_upi.suite.steps.endpoints import check_answered, notice_sent_to, rests_on
from ocpp_upi.suite.steps.preconditions import await_remote_start
from ocpp_upi.verdicts import ConformanceFailure, HarnessError

WHAT = "bank webhook"


def evse_reference(world: World, evse: int) -> str:
    """The UPI ``tr`` that names ``evse`` of this scenario's charger, per the profile."""
    template = world.profile.static_qr.reference_template
    return template.format(charger_id=world.charger.identity, evse=evse)


def require_accepted(exchange: WebhookExchange) -> None:
    """A genuine credit notification must be accepted: anything else ends the scenario here,
    at its root cause, instead of in a later step that waits out its deadline."""
    if exchange.status is None or not 200 <= exchange.status < 300:
        raise ConformanceFailure(
            "the CSMS did not accept a correctly signed credit notification",
            expected="HTTP 2xx",
            arrived=f"HTTP {exchange.status}: {exchange.response_body[:300]}",
        )


def deliver_credit(
    world: World,
    notification: CreditNotification,
    signature: SignatureMode = "valid",
    *,
    genuine: bool,
) -> WebhookExchange:
    """Deliver one credit notification; a genuine one (validly signed, for an EVSE the charger
    has) must be accepted."""
    world.state.notification = notification
    world.state.mark = len(world.trace.entries)
    if genuine:
        world.state.remote_start = None  # a new payment: its own remote start is awaited
    exchange = world.run(
        world.bank.deliver(notification, signature=signature), timeout=world.bank.timeout
    )
    world.state.exchanges.append(exchange)
    notice_sent_to(world, exchange.url)
    check_answered(exchange, WHAT, genuine=genuine)
    if genuine:
        require_accepted(exchange)
    return exchange


def _deliver(
    world: World, reference: str, amount: str, signature: SignatureMode, *, genuine: bool
) -> None:
    notification = credit(reference, amount=amount, payee_vpa=world.bank_account.merchant_vpa)
    deliver_credit(world, notification, signature, genuine=genuine)


@when(
    parsers.re(
        r"the bank notifies the CSMS of a (?P<amount>[\d.]+) INR credit on the reference of "
        r"EVSE (?P<evse>\d+)(?: with (?:a|an) (?P<signature>forged|missing) signature)?"
    )
)
def bank_credit_for_evse(amount: str, evse: str, signature: str | None, world: World) -> None:
    mode: SignatureMode = "forged" if signature == "forged" else "missing" if signature else "valid"
    genuine = mode == "valid" and int(evse) <= world.charger.behaviour.evses
    world.state.paid_evse = int(evse)
    _deliver(world, evse_reference(world, int(evse)), amount, mode, genuine=genuine)


@when(
    parsers.re(
        r"the bank notifies the CSMS of a (?P<amount>[\d.]+) INR credit on the reference "
        r'"(?P<reference>[^"]+)"'
    )
)
def bank_credit_for_reference(amount: str, reference: str, world: World) -> None:
    reference = reference.replace("<charger>", world.charger.identity)
    _deliver(world, reference, amount, "valid", genuine=False)


@when(
    parsers.re(
        r"the bank notifies the CSMS of a (?P<amount>[\d.]+) INR credit on the reference of "
        r"EVSE (?P<evse>\d+) made twice the freshness window (?P<when>ago|in the future)"
    )
)
def bank_credit_out_of_time(amount: str, evse: str, when: str, world: World) -> None:
    """Correctly signed, never seen, for an EVSE the charger has, but made long ago (or dated
    ahead): replay protection must not rest on the UTR table alone."""
    window = world.bank_account.freshness_s
    offset = timedelta(seconds=2 * window)
    made = datetime.now(UTC) + (offset if when == "in the future" else -offset)
    notification = credit(
        evse_reference(world, int(evse)),
        amount=amount,
        payee_vpa=world.bank_account.merchant_vpa,
        now=made,
    )
    world.state.paid_evse = int(evse)
    deliver_credit(world, notification, genuine=False)


@then(parsers.parse("a genuine credit on EVSE {evse:d} afterwards starts EVSE {evse2:d} (control)"))
def genuine_credit_afterwards(evse: int, evse2: int, world: World) -> None:
    """The positive control of a negative check: the same endpoint, given a genuine payment,
    starts the EVSE. Without it a "refused" or "starts nothing" could be a missing route."""
    notification = credit(
        evse_reference(world, evse), amount="200.00", payee_vpa=world.bank_account.merchant_vpa
    )
    deliver_credit(world, notification, genuine=True)
    await_remote_start(world, evse2)


@when("the bank delivers the same notification again")
def bank_redelivers(world: World) -> None:
    if world.state.notification is None:
        raise HarnessError("no notification was sent before the redelivery step")
    exchange = world.run(world.bank.deliver(world.state.notification), timeout=world.bank.timeout)
    world.state.exchanges.append(exchange)
    check_answered(exchange, WHAT, genuine=False)


@then("the CSMS accepts the notification")
def csms_accepts(world: World) -> None:
    require_accepted(world.state.last_exchange)


@then("the CSMS refuses the notification with a 4xx status")
def csms_refuses(world: World) -> None:
    exchange = world.state.last_exchange
    rests_on(world, exchange.url)
    if exchange.status is None or not 400 <= exchange.status < 500:
        header = world.bank_account.signature_header
        sent = exchange.request_headers.get(header, "no signature header")
        raise ConformanceFailure(
            "the CSMS accepted a credit notification whose signature is not valid",
            expected="HTTP 4xx and nothing started",
            arrived=f"HTTP {exchange.status}: {exchange.response_body[:300]} ({header}: {sent})",
        )
