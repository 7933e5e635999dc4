"""Steps of the dynamic QR flow (OCPP 2.1 C25): the station's TOTP URL and the CSMS's verdict.

The harness computes the URL exactly as the station would show it, from the WebPaymentsCtrlr
values the CSMS configured on the wire, then opens it as the driver's phone would.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import replace

import pytest
from bs4 import BeautifulSoup
from pytest_bdd import given, parsers, then, when

from ocpp_upi.charger.station import MockCharger
from ocpp_upi.charger.web_payments import (
    ENABLED,
    LENGTH,
    SECRET_MIN_CHARS,
    SHARED_SECRET,
    TOTP_VERSION,
    URL_TEMPLATE,
    VALIDITY_RANGE_S,
    VALIDITY_TIME,
)
from ocpp_upi.config import ANY_IDENTITY
from ocpp_upi.ocpp.trace import FrameTrace
from ocpp_upi.suite.fixtures.world import World
from ocpp_upi.suite.steps.endpoints import notice_sent_to, rests_on
from ocpp_upi.upi.qr_image import decode_png
from ocpp_upi.upi.totp import totp_v1
from ocpp_upi.upi.url_template import fill_url_template
from ocpp_upi.verdicts import ConformanceFailure, HarnessError


def _wait_configured(world: World, station: MockCharger, evse: int) -> str:
    """Wait (on the wire) until the CSMS has made ``evse``'s QR URL renderable.

    Once the station has refused a setting, the CSMS gets a quiet window after each of its
    frames to put it right, not the rest of the deadline: a CSMS that does not react to the
    refusal fails at once with what was refused."""
    controller = station.web_payments
    trace = station.trace
    deadline = world.profile.timeouts.response * 2
    quiet = world.profile.timeouts.quiet_window
    ends = time.monotonic() + deadline

    def configured() -> bool:
        return controller.current_url(evse) is not None

    def refused() -> bool:
        return any(r.status != "Accepted" for r in controller.configurations)

    world.run(trace.wait_for(lambda _e: configured() or refused(), deadline), timeout=deadline)
    while not configured() and refused() and (left := ends - time.monotonic()) > 0:
        window = min(quiet, left)
        since = len(trace.entries)
        if world.run(trace.wait_for(lambda _e: True, window, since), timeout=window) is None:
            break  # nothing more came from the CSMS after the refusal
    url = controller.current_url(evse)
    if url is None:
        tried = [f"{r.variable}={r.value!r}: {r.status}" for r in controller.configurations]
        raise ConformanceFailure(
            f"the CSMS did not configure web payments (WebPaymentsCtrlr) on EVSE {evse}",
            expected="Enabled=true, URLTemplate, TOTPVersion=v1, SharedSecret, ValidityTime",
            arrived="; ".join(tried) or "no configuration at all",
        )
    return url


@given(parsers.parse("the CSMS has configured web payments on EVSE {evse:d}"))
def csms_configured_web_payments(evse: int, world: World) -> None:
    world.require_driver()
    world.require_psp()
    _wait_configured(world, world.charger, evse)


@then(parsers.parse("the web payment settings of EVSE {evse:d} are valid"))
def web_payment_settings_valid(evse: int, world: World) -> None:
    controller = world.charger.web_payments
    problems = [
        f"{r.action} {r.variable}={r.value!r} was {r.status}"
        for r in controller.configurations
        if r.status != "Accepted"
    ]
    value = controller.effective
    validity = value(evse, VALIDITY_TIME) or ""
    low, high = VALIDITY_RANGE_S
    if not (validity.isdigit() and low <= int(validity) <= high):
        problems.append(f"ValidityTime {validity!r} is not {low}..{high} s")
    secret = value(evse, SHARED_SECRET) or ""
    if len(secret) < SECRET_MIN_CHARS:
        problems.append(f"SharedSecret has {len(secret)} characters, needs more than 16")
    if value(evse, TOTP_VERSION) != "v1":
        problems.append(f"TOTPVersion {value(evse, TOTP_VERSION)!r} is not v1")
    if value(evse, ENABLED) != "true":
        problems.append("Enabled is not true")
    template = (value(evse, URL_TEMPLATE) or "").lower()
    if "{totp}" not in template:
        problems.append("URLTemplate has no {totp} placeholder")
    if problems:
        raise ConformanceFailure(
            f"the CSMS configured the station's WebPaymentsCtrlr of EVSE {evse} with bad values",
            expected="ValidityTime 6..3600 s, SharedSecret > 16 characters, TOTPVersion v1, "
            "Enabled, a URLTemplate with {totp}; every value Accepted by the station",
            arrived="; ".join(problems),
        )


def qr_pages(world: World, evse: int) -> str:
    """The endpoint behind an EVSE's dynamic QR, as the positive controls name it."""
    return f"dynamic QR pages {world.charger.web_payments.effective(evse, URL_TEMPLATE)}"


def _open(world: World, url: str, evse: int) -> None:
    driver = world.require_driver()
    notice_sent_to(world, qr_pages(world, evse))
    world.state.mark = len(world.trace.entries)
    world.state.qr_url = url
    visit = world.run(driver.open(url), timeout=world.profile.timeouts.response)
    world.state.page_visits.append(visit)
    world.state.qr_visit = visit


@when(
    parsers.re(
        r"the driver scans the dynamic QR of EVSE (?P<evse>\d+) shown "
        r"(?:now|(?P<ago>\d+) intervals? ago|by a station clock (?P<ahead>\d+) intervals? ahead)"
    )
)
def driver_scans_dynamic_qr(
    evse: str, ago: str | None, world: World, ahead: str | None = None
) -> None:
    scan_dynamic_qr(evse, ago, world, ahead)


def scan_dynamic_qr(evse: str, ago: str | None, world: World, ahead: str | None = None) -> None:
    """Scan the display as it is ``ago`` intervals back (or as a station whose clock runs
    ``ahead`` intervals fast shows it). A TOTP interval may end between the scan and the CSMS's
    check: the code is then one interval older than the scenario says. A refusal across such a
    boundary is scanned once more, so the verdict is about the interval the scenario names (a
    page that opened is never scanned again)."""
    controller = world.charger.web_payments
    validity = int(controller.effective(int(evse), VALIDITY_TIME) or 30)
    for _ in range(2):
        scanned = time.time()
        offset = int(ahead or 0) - int(ago or 0)
        shown = controller.display_png(int(evse), now=scanned + offset * validity)
        if shown is None:
            raise HarnessError(f"EVSE {evse} shows no QR: web payments are not configured")
        # The driver's phone reads the image on the display, as a real scan would.
        (url,) = decode_png(shown)
        _open(world, url, int(evse))
        crossed = int(scanned // validity) != int(time.time() // validity)
        if not crossed or _is_pay_page(world):
            return
        world.trace.note(f"a TOTP interval ended during the scan of EVSE {evse}: scanned again")


def _url_with_totp(world: World, evse: int, totp: str) -> str:
    template = world.charger.web_payments.effective(evse, URL_TEMPLATE)
    if not template:
        raise HarnessError(f"EVSE {evse} has no URLTemplate")
    values = {
        "chargingStationId": world.charger.identity,
        "evse": evse,
        "totp": totp,
        "version": world.charger.web_payments.effective(evse, TOTP_VERSION) or "v1",
    }
    return fill_url_template(template, values)


@when(
    parsers.re(r'the driver opens the QR URL of EVSE (?P<evse>\d+) with the TOTP "(?P<totp>[^"]*)"')
)
def driver_opens_qr_with_totp(evse: str, totp: str, world: World) -> None:
    _open(world, _url_with_totp(world, int(evse), totp), int(evse))


@given("a second charger connected to the CSMS and booted")
def second_charger(world: World) -> None:
    profile = world.profile
    first = profile.chargers[0]
    if first.id == ANY_IDENTITY:
        second = replace(first, id=f"UPI2ND-{uuid.uuid4().hex[:8]}")
    else:
        others = [c for c in profile.chargers if c.id != world.charger.identity]
        if not others:
            pytest.skip("NOT APPLICABLE: the profile names only one charger identity")
        second = others[0]
    identity = second.id
    station = MockCharger(
        identity=identity,
        version=world.version,
        ocpp_url=profile.target.ocpp_url,
        trace=FrameTrace(label=f"second charger {identity}", version=world.version),
        password=second.password,
        tls=profile.station_tls(second),
        response_timeout=profile.timeouts.response,
    )
    world.extra_chargers.append(station)
    world.run(station.connect(profile.timeouts.connect), timeout=profile.timeouts.connect)
    world.run(station.boot(), timeout=profile.timeouts.response * 3)
    _wait_configured(world, station, 1)


@when(parsers.parse("the driver scans a QR of EVSE {evse:d} carrying the second charger's TOTP"))
def driver_scans_foreign_totp(evse: int, world: World) -> None:
    other = world.extra_chargers[-1].web_payments
    secret = other.effective(1, SHARED_SECRET) or ""
    validity = int(other.effective(1, VALIDITY_TIME) or 30)
    length = int(other.effective(1, LENGTH) or 12)
    foreign = totp_v1(secret, time.time(), validity, length)
    _open(world, _url_with_totp(world, evse, foreign), evse)


def _is_pay_page(world: World) -> bool:
    visit = world.state.qr_visit
    if visit is None or visit.status != 200:
        return False
    selector = world.require_driver().pay_page.amount_field
    return bool(BeautifulSoup(visit.body, "html.parser").select(selector))


@then(parsers.parse("the CSMS opens the pay page for EVSE {evse:d}"))
def csms_opens_pay_page(evse: int, world: World) -> None:
    check_pay_page_opens(evse, world)


def check_pay_page_opens(evse: int, world: World) -> None:
    if not _is_pay_page(world):
        visit = world.state.qr_visit
        status, body = (visit.status, visit.body[:300]) if visit else (None, "")
        raise ConformanceFailure(
            "the CSMS refused a valid dynamic QR (TOTP of the current or previous interval)",
            expected=f"the pay page for EVSE {evse} at {world.state.qr_url}",
            arrived=f"HTTP {status}: {body}",
        )
    world.endpoints.prove(qr_pages(world, evse), f"the pay page opened at {world.state.qr_url}")


@then(parsers.parse("the current dynamic QR of EVSE {evse:d} still opens the pay page (control)"))
def current_qr_still_opens(evse: int, world: World) -> None:
    """The positive control of a refusal: the same pages open for a valid TOTP, so the refusal
    was a judgement on the TOTP, not a page that is not there."""
    scan_dynamic_qr(str(evse), None, world)
    check_pay_page_opens(evse, world)


@then("the CSMS refuses the QR without a payment page")
def csms_refuses_qr(world: World) -> None:
    psp = world.require_psp()
    rests_on(world, world.state.notice_endpoint)
    orders = [
        c
        for c in psp.api_calls[world.state.psp_mark :]
        if c.method == "POST" and "/orders" in c.path
    ]
    if _is_pay_page(world) or orders:
        visit = world.state.qr_visit
        raise ConformanceFailure(
            "the CSMS accepted an expired, foreign, malformed or missing TOTP",
            expected="a refusal with no payment page and no order at the PSP (C25.FR.08)",
            arrived=f"HTTP {visit.status if visit else None} at {world.state.qr_url}; "
            f"{len(orders)} order(s) created",
        )
