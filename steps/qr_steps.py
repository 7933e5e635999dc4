"""Steps that read and judge the static UPI QR configured for an EVSE."""

from __future__ import annotations

import httpx
from pytest_bdd import parsers, then, when

from ocpp_upi.suite.fixtures.world import World
from ocpp_upi.suite.steps.bank_steps import evse_reference
from ocpp_upi.suite.steps.endpoints import MISSING_STATUSES
from ocpp_upi.tls import client_tls_context
from ocpp_upi.upi.link import UpiLinkError, parse, validate
from ocpp_upi.upi.qr_image import QrImageError, decode_image
from ocpp_upi.verdicts import ConformanceFailure, EndpointMissing, HarnessError


async def _fetch(url: str, timeout: float) -> httpx.Response:
    async with httpx.AsyncClient(timeout=timeout, verify=client_tls_context()) as client:
        return await client.get(url)


def _get_sticker(world: World, template: str | None, key: str, evse: int) -> httpx.Response:
    """GET one EVSE's sticker (its link or its image) from the URL the profile names: a route
    that is not there is ERROR "endpoint missing", any other answer but 200 a FAIL."""
    if template is None:
        raise HarnessError(f"the profile names no [static_qr] {key} (see its @needs: tag)")
    url = template.format(charger_id=world.charger.identity, evse=evse)
    timeout = world.profile.timeouts.response
    try:
        response = world.run(_fetch(url, timeout), timeout=timeout)
    except httpx.HTTPError as exc:
        raise HarnessError(f"cannot read the sticker of EVSE {evse} at {url}: {exc}") from exc
    if response.status_code in MISSING_STATUSES:
        raise EndpointMissing("sticker", url, f"answered HTTP {response.status_code}")
    if response.status_code != 200:
        raise ConformanceFailure(
            f"the CSMS serves no sticker for EVSE {evse}",
            expected=f"HTTP 200 at {url}",
            arrived=f"HTTP {response.status_code}",
        )
    return response


@when(parsers.parse("the harness reads the static QR link configured for EVSE {evse:d}"))
def read_static_qr(evse: int, world: World) -> None:
    template = world.profile.static_qr.link_url_template
    response = _get_sticker(world, template, "link_url_template", evse)
    world.state.static_qr_link = response.text.strip()


@when(parsers.parse("the driver's phone scans the static QR sticker image of EVSE {evse:d}"))
def scan_sticker_image(evse: int, world: World) -> None:
    """Read the code in the image, not a text the CSMS says is in it: a sticker whose image and
    link disagree sends the driver's money elsewhere."""
    template = world.profile.static_qr.image_url_template
    response = _get_sticker(world, template, "image_url_template", evse)
    try:
        codes = decode_image(response.content, response.headers.get("content-type"))
    except QrImageError as exc:
        raise ConformanceFailure(
            f"the sticker image of EVSE {evse} holds no QR code a phone can read",
            expected="an image with one QR code (PNG, JPEG, SVG)",
            arrived=f"{exc}; {response.headers.get('content-type')}, {len(response.content)} bytes",
        ) from exc
    if len(codes) != 1:
        raise ConformanceFailure(
            f"the sticker image of EVSE {evse} holds {len(codes)} QR codes",
            expected="exactly one QR code: a driver must not have to guess which to scan",
            arrived="; ".join(codes)[:300],
        )
    world.state.static_qr_link = codes[0]


@then("it is a valid UPI payment link")
def link_is_valid(world: World) -> None:
    link = world.state.static_qr_link or ""
    try:
        validate(link)
    except UpiLinkError as exc:
        raise ConformanceFailure(
            "the static QR is not a valid UPI payment link",
            expected="upi://pay with pa, pn, tr and cu=INR per the NPCI linking rules",
            arrived="; ".join(exc.problems),
        ) from exc


@then(parsers.parse("its payee is the merchant VPA and its reference names EVSE {evse:d}"))
def link_names_evse(evse: int, world: World) -> None:
    link = parse(world.state.static_qr_link or "")
    merchant = world.bank_account.merchant_vpa
    expected_ref = evse_reference(world, evse)
    if link.payee_vpa != merchant or link.reference != expected_ref:
        raise ConformanceFailure(
            "the static QR does not route the payment to this EVSE",
            expected=f"pa={merchant} tr={expected_ref}",
            arrived=f"pa={link.payee_vpa} tr={link.reference}",
        )


@then("its currency is INR")
def link_currency_inr(world: World) -> None:
    link = parse(world.state.static_qr_link or "")
    if link.get("cu") != "INR":
        raise ConformanceFailure(
            "the static QR does not name the currency INR",
            expected="cu=INR",
            arrived=f"cu={link.get('cu')}",
        )
