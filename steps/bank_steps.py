"""Steps in which the mock bank notifies the CSMS of a static-QR credit."""

from __future__ import annotations

from pytest_bdd import parsers, then, when

from fixtures.world import World
from ocpp_upi.bank.notification import credit
from ocpp_upi.bank.notifier import SignatureMode
from ocpp_upi.verdicts import ConformanceFailure, HarnessError


def evse_reference(world: World, evse: int) -> str:
    """The UPI ``tr`` that names ``evse`` of this scenario's charger, per the profile."""
    template = world.profile.static_qr.reference_template
    return template.format(charger_id=world.charger.identity, evse=evse)


def _deliver(world: World, reference: str, amount: str, signature: SignatureMode) -> None:
    notification = credit(reference, amount=amount, payee_vpa=world.profile.bank.merchant_vpa)
    world.state.notification = notification
    world.state.mark = len(world.trace.entries)
    exchange = world.run(
        world.bank.deliver(notification, signature=signature), timeout=world.bank.timeout
    )
    world.state.exchanges.append(exchange)
    if exchange.status is None:
        raise HarnessError(f"the CSMS webhook did not answer: {exchange.error}")


@when(
    parsers.re(
        r"the bank notifies the CSMS of a (?P<amount>[\d.]+) INR credit on the reference of "
        r"EVSE (?P<evse>\d+)(?: with (?:a|an) (?P<signature>forged|missing) signature)?"
    )
)
def bank_credit_for_evse(amount: str, evse: str, signature: str | None, world: World) -> None:
    mode: SignatureMode = "forged" if signature == "forged" else "missing" if signature else "valid"
    _deliver(world, evse_reference(world, int(evse)), amount, mode)


@when(
    parsers.re(
        r"the bank notifies the CSMS of a (?P<amount>[\d.]+) INR credit on the reference "
        r'"(?P<reference>[^"]+)"'
    )
)
def bank_credit_for_reference(amount: str, reference: str, world: World) -> None:
    _deliver(world, reference.replace("<charger>", world.charger.identity), amount, "valid")


@when("the bank delivers the same notification again")
def bank_redelivers(world: World) -> None:
    if world.state.notification is None:
        raise HarnessError("no notification was sent before the redelivery step")
    exchange = world.run(world.bank.deliver(world.state.notification), timeout=world.bank.timeout)
    world.state.exchanges.append(exchange)
    if exchange.status is None:
        raise HarnessError(f"the CSMS webhook did not answer the redelivery: {exchange.error}")


@then("the CSMS accepts the notification")
def csms_accepts(world: World) -> None:
    exchange = world.state.last_exchange
    if exchange.status is None or not 200 <= exchange.status < 300:
        raise ConformanceFailure(
            "the CSMS did not accept a correctly signed credit notification",
            expected="HTTP 2xx",
            arrived=f"HTTP {exchange.status}: {exchange.response_body[:300]}",
        )


@then("the CSMS refuses the notification with a 4xx status")
def csms_refuses(world: World) -> None:
    exchange = world.state.last_exchange
    if exchange.status is None or not 400 <= exchange.status < 500:
        header = world.profile.bank.signature_header
        sent = exchange.request_headers.get(header, "no signature header")
        raise ConformanceFailure(
            "the CSMS accepted a credit notification whose signature is not valid",
            expected="HTTP 4xx and nothing started",
            arrived=f"HTTP {exchange.status}: {exchange.response_body[:300]} ({header}: {sent})",
        )
