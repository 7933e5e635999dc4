"""Steps of the webpage-redirect flow: the driver's pay page visit and payment at the PSP."""

from __future__ import annotations

import json
from decimal import Decimal

from pytest_bdd import parsers, then, when

from ocpp_upi.suite.fixtures.world import World
from ocpp_upi.suite.steps.amounts import paise, rupees
from ocpp_upi.suite.steps.endpoints import MISSING_STATUSES, notice_sent_to
from ocpp_upi.suite.steps.limit_steps import check_energy_limit
from ocpp_upi.suite.steps.psp_view import order_of
from ocpp_upi.upi.link import UpiLinkError, parse, validate
from ocpp_upi.verdicts import ConformanceFailure, EndpointMissing, HarnessError

# A payment in one of these states has been announced to the CSMS by webhook (a pending one not).
NOTIFIED_STATUSES = ("authorized", "captured", "failed")


def _psp_webhook(world: World) -> str:
    """Where the PSP tells the CSMS about this scenario's payment."""
    account = world.profile.psp
    if account is None:
        raise HarnessError("the profile has no [psp] table")
    return account.webhook_url


@when(parsers.parse("the driver opens the pay page for EVSE {evse:d} and chooses {amount} INR"))
def driver_checks_out(evse: int, amount: str, world: World) -> None:
    check_out(evse, amount, world)


def check_out(evse: int, amount: str, world: World) -> None:
    driver = world.require_driver()
    world.require_psp()
    # From here on nothing may start until the PSP confirms a payment: a start caused by the
    # page visit or the order itself must count against the CSMS.
    world.state.mark = len(world.trace.entries)
    world.state.quiet_since = world.state.mark
    world.state.paid_evse = evse
    notice_sent_to(world, _psp_webhook(world))
    checkout = world.run(
        driver.checkout(world.charger.identity, evse, Decimal(amount)),
        timeout=world.profile.timeouts.response * 3,
    )
    world.state.page_visits.extend(checkout.visits)
    world.state.amount_paise = paise(amount)
    first = checkout.visits[0] if checkout.visits else None
    if checkout.intent_link is None and (first is None or first.status in MISSING_STATUSES):
        answer = first.describe().splitlines()[0] if first else "no request was answered"
        raise EndpointMissing("pay page", driver.pay_page.url_template, answer)
    if checkout.needs_javascript:
        raise HarnessError(
            "the pay page needs the browser driver: its form is built by JavaScript, which the "
            'HTTP driver cannot run (set [pay_page] driver = "browser")'
        )
    if checkout.intent_link is None:
        raise ConformanceFailure(
            "the pay page did not hand the driver a UPI intent link",
            expected=f"a page with a upi:// intent for {amount} INR after submitting the form",
            arrived=checkout.problem,
        )
    world.state.intent_link = checkout.intent_link


def pay(world: World, payer_vpa: str, amount_paise: int | None = None) -> None:
    psp = world.require_psp()
    if world.state.intent_link is None:
        raise HarnessError("no intent link to pay: the pay-page step did not run")
    world.state.mark = len(world.trace.entries)
    world.state.remote_start = None  # a new payment: its own remote start is awaited
    notice_sent_to(world, _psp_webhook(world))
    world.state.payment = world.run(
        psp.pay_link(world.state.intent_link, payer_vpa, amount_paise),
        timeout=world.profile.timeouts.response,
    )
    payment = world.state.payment or {}
    if payment.get("status") in NOTIFIED_STATUSES:
        _check_psp_notice(world, str(payment.get("id", "")))


def _check_psp_notice(world: World, payment_id: str) -> None:
    """The PSP's webhook about this payment must reach a route that exists: if it does not,
    the scenario ends here, as ERROR "endpoint missing", not at a remote start that never
    comes. A payment with no webhook (pending) has nothing to check."""
    psp = world.require_psp()
    url = _psp_webhook(world)
    timeout = world.profile.timeouts.response
    needle = payment_id.encode()
    delivery = world.run(
        psp.wait_for_delivery(lambda d: d.url == url and needle in d.body, timeout),
        timeout=timeout + 1.0,
    )
    if delivery is not None and (delivery.status is None or delivery.status in MISSING_STATUSES):
        answer = f"HTTP {delivery.status}" if delivery.status else f"no answer ({delivery.error})"
        raise EndpointMissing(
            "PSP webhook", url, f"answered the {delivery.event} webhook: {answer}"
        )


@when(parsers.re(r'the driver pays the UPI intent from "(?P<vpa>[^"]+)"$'))
def driver_pays(vpa: str, world: World) -> None:
    pay(world, vpa)


@when(
    parsers.re(
        r'the driver pays the UPI intent from "(?P<vpa>[^"]+)" with (?P<amount>[\d.]+) INR instead'
    )
)
def driver_pays_other_amount(vpa: str, amount: str, world: World) -> None:
    pay(world, vpa, paise(amount))


@when("the PSP's capture of the payment fails")
def psp_capture_fails(world: World) -> None:
    """The held-back capture fails: the authorization is void and no money is the CPO's."""
    psp = world.require_psp()
    payment = world.state.payment or {}
    if payment.get("status") != "authorized":
        raise HarnessError(f"no authorized payment to void (status {payment.get('status')!r})")
    world.state.payment = world.run(
        psp.settle_late(str(payment["id"]), "failed"), timeout=world.profile.timeouts.response
    )


@when("the PSP captures the payment")
def psp_captures(world: World) -> None:
    """The held-back capture of an authorized payment (the mock PSP's delayed-capture payer):
    from here the money is the CPO's, and the CSMS may start."""
    psp = world.require_psp()
    payment = world.state.payment or {}
    if payment.get("status") != "authorized":
        raise HarnessError(f"no authorized payment to capture (status {payment.get('status')!r})")
    world.state.mark = len(world.trace.entries)
    world.state.remote_start = None
    world.state.payment = world.run(
        psp.settle_late(str(payment["id"]), "captured"), timeout=world.profile.timeouts.response
    )
    _check_psp_notice(world, str(payment["id"]))


@when("the driver abandons the payment")
def driver_abandons(world: World) -> None:
    """The driver closes the UPI app: nothing reaches the PSP. The mark stays where the pay
    page visit set it, so the quiet window also judges what the order alone set off."""


@when("the driver's browser returns to the CSMS's success URL")
def browser_returns(world: World) -> None:
    driver = world.require_driver()
    payment = world.state.payment or {}
    url = driver.pay_page.return_url(str(payment.get("order_id")), str(payment.get("id")))
    if url is None:
        import pytest

        pytest.skip("NOT APPLICABLE: the profile names no [pay_page] return_url_template")
    visit = world.run(driver.open(url), timeout=world.profile.timeouts.response)
    world.state.page_visits.append(visit)


@when(parsers.parse("the driver pays {amount} INR for EVSE {evse:d} through the pay page"))
def driver_pays_through_page(amount: str, evse: int, world: World) -> None:
    check_out(evse, amount, world)
    pay(world, "success@razorpay")
    status = (world.state.payment or {}).get("status")
    if status != "captured":
        raise HarnessError(f"the mock PSP did not capture the driver's payment: {status}")


@then(parsers.parse("the intent link is a valid dynamic UPI link for {amount} INR"))
def intent_link_valid(amount: str, world: World) -> None:
    link = world.state.intent_link or ""
    try:
        parsed = validate(link, dynamic=True)
    except UpiLinkError as exc:
        raise ConformanceFailure(
            "the pay page's intent is not a valid dynamic UPI link",
            expected="upi://pay with pa, pn, tr (<= 35 chars), am and cu=INR",
            arrived="; ".join(exc.problems),
        ) from exc
    if parsed.amount != Decimal(amount):
        raise ConformanceFailure(
            "the intent link asks for another amount than the driver chose",
            expected=f"am={Decimal(amount):.2f}",
            arrived=f"am={parsed.get('am')}",
        )


@then(parsers.parse("the intent link names the order the CSMS created at the PSP for {amount} INR"))
def intent_link_names_order(amount: str, world: World) -> None:
    psp = world.require_psp()
    reference = parse(world.state.intent_link or "").reference
    order = order_of(psp, reference or "")
    if order is None or order.get("amount") != paise(amount):
        raise ConformanceFailure(
            "the intent link does not name an order the CSMS created at the PSP",
            expected=f"tr = the id of an order for {paise(amount)} paise",
            arrived=f"tr={reference!r}, order={order}",
        )


@then("the CSMS limits the transaction to the energy the prepaid amount buys")
def limit_matches_prepaid(world: World) -> None:
    """The redirect flow's limit is judged exactly as the limit feature judges it, for the
    amount the driver chose on the pay page."""
    check_energy_limit(rupees(world.state.amount_paise or 0), world)


@then("the remote start's idToken is the PSP's payment reference of type DirectPayment")
def remote_start_names_the_payment(world: World) -> None:
    """OCPP 2.1 C25: a start paid at a PSP carries idToken {pspRef, DirectPayment}, so the
    transaction and its settlement name the payment. 2.0.1's IdTokenEnumType has no
    DirectPayment (the scenario is tagged for 2.1 only; on 2.0.1 any type is accepted)."""
    entry = world.state.remote_start
    if entry is None:
        raise HarnessError("no remote start was awaited in this scenario")
    payment = world.state.payment or {}
    references = {str(v) for v in (payment.get("id"), payment.get("order_id")) if v}
    token = entry.payload.get("idToken") or {}
    if token.get("type") != "DirectPayment" or str(token.get("idToken")) not in references:
        raise ConformanceFailure(
            "the remote start of a PSP-paid session does not name the payment as DirectPayment",
            expected=f"idToken {{idToken: one of {sorted(references)}, type: DirectPayment}}",
            arrived=f"idToken {json.dumps(token)}",
        )
