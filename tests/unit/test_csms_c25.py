"""The reference CSMS's C25 dynamic QR: configuration after boot, the /qr route, notifications.

The charger is the harness's real MockCharger (its WebPaymentsCtrlr answers and records what
the CSMS set) with a FrameTrace, so every frame both ways is schema-checked. The PSP is the
respx fake of test_csms_pay_page. Time is moved with injected clocks on both sides (freezegun
would stall the event loop these tests run on).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from bs4 import BeautifulSoup

from ocpp_upi.charger.station import MockCharger
from ocpp_upi.csms import CsmsSettings, ReferenceCsms
from ocpp_upi.ocpp.codec import Call
from ocpp_upi.ocpp.trace import FrameTrace
from ocpp_upi.ocpp.versions import Role
from tests.unit.test_csms_pay_page import FakeRazorpay, get_page, paying_csms, psp_settings
from tests.unit.test_csms_server import run

VERSIONS = ["1.6", "2.0.1", "2.1"]
T = 1716423785.0
DEADLINE = 5.0


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@asynccontextmanager
async def c25_csms(
    **overrides: Any,
) -> AsyncIterator[tuple[ReferenceCsms, FakeRazorpay, aiohttp.ClientSession]]:
    async with paying_csms(psp_settings(web_payments=True, **overrides)) as context:
        yield context


@asynccontextmanager
async def booted(
    csms: ReferenceCsms, version: str, charger_id: str = "CP1", evses: int = 2
) -> AsyncIterator[MockCharger]:
    """A MockCharger connected, booted, and configured by the CSMS (on every EVSE)."""
    station = MockCharger(
        identity=charger_id,
        version=version,
        ocpp_url=csms.ocpp_url,
        trace=FrameTrace(charger_id, version),
    )
    station.behaviour.evses = evses
    try:
        await station.connect(DEADLINE)
        await station.boot()
        async with asyncio.timeout(DEADLINE):
            await csms.wait_web_payments_configured(charger_id, range(1, evses + 1))
        yield station
    finally:
        await station.close()


def qr_parts(url: str) -> tuple[str, str]:
    """(URL without the TOTP, the TOTP) of ``.../qr/<cs>/<evse>/<totp>/<version>``."""
    head, totp, version = url.rsplit("/", 2)
    return f"{head}/{{totp}}/{version}", totp


def calls_from_csms(station: MockCharger, action: str) -> list[dict[str, Any]]:
    return [
        e.payload
        for e in station.trace.entries
        if e.sender is Role.CSMS and isinstance(e.frame, Call) and e.frame.action == action
    ]


def is_pay_page(html: str) -> bool:
    return BeautifulSoup(html, "html.parser").select_one("form#pay-form") is not None


# --- configuration after boot -----------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_after_boot_every_evse_gets_valid_web_payment_settings(version: str) -> None:
    async def scenario() -> None:
        async with c25_csms() as (csms, _, _), booted(csms, version) as station:
            assert not station.trace.violations
            records = station.web_payments.configurations
            assert {r.status for r in records} == {"Accepted"}
            secrets = {}
            for evse in (1, 2):
                mine = [r for r in records if r.evse_id == evse]
                values = {r.variable: r.value for r in mine}
                assert mine[-1].variable == "Enabled"  # enabled only once complete
                assert values["Enabled"] == "true"
                assert values["URLTemplate"] == (
                    csms.http_base_url + "/qr/{chargingStationId}/{evse}/{totp}/{version}"
                )
                assert (values["TOTPVersion"], values["ValidityTime"], values["Length"]) == (
                    "v1",
                    "30",
                    "12",
                )
                assert len(values["SharedSecret"]) >= 24
                secrets[evse] = values["SharedSecret"]
                url = station.web_payments.current_url(evse)
                assert url is not None and url.startswith(f"{csms.http_base_url}/qr/CP1/{evse}/")
            assert secrets[1] != secrets[2]
            results = csms.web_payment_state.results
            assert set(results[("CP1", 1)].values()) == {"Accepted"}
            if version == "1.6":
                keys = [p["key"] for p in calls_from_csms(station, "ChangeConfiguration")]
                assert "WebPaymentsCtrlr.2.SharedSecret" in keys and len(keys) == 12
            else:
                calls = calls_from_csms(station, "SetVariables")
                assert len(calls) == 2
                evse_ids = {
                    d["component"]["evse"]["id"] for c in calls for d in c["setVariableData"]
                }
                assert evse_ids == {1, 2}

    run(scenario())


def test_settings_reach_the_station_as_configured() -> None:
    async def scenario() -> None:
        async with (
            c25_csms(totp_validity_s=60, totp_length=8) as (csms, _, _),
            booted(csms, "2.1", evses=1) as station,
        ):
            url = station.web_payments.current_url(1)
            assert url is not None and len(qr_parts(url)[1]) == 8
            values = {r.variable: r.value for r in station.web_payments.configurations}
            assert (values["ValidityTime"], values["Length"]) == ("60", "8")

    run(scenario())


def test_off_by_default_nothing_is_sent_and_qr_is_404() -> None:
    async def scenario() -> None:
        async with paying_csms() as (csms, _, session):
            station = MockCharger("CP1", "2.1", csms.ocpp_url, FrameTrace("CP1", "2.1"))
            try:
                await station.connect(DEADLINE)
                await station.boot()
                await station.call("Heartbeat", {})
                await csms.wait_idle()
                assert station.web_payments.configurations == []
                status, _ = await get_page(session, csms.http_base_url + "/qr/CP1/1/abc/v1")
                assert status == 404
            finally:
                await station.close()

    run(scenario())


def test_a_station_without_the_controller_is_recorded_as_failed() -> None:
    async def scenario() -> None:
        async with c25_csms() as (csms, _, _):
            station = MockCharger("CP1", "2.0.1", csms.ocpp_url, FrameTrace("CP1", "2.0.1"))
            try:
                await station.connect(DEADLINE)
                station.require_session().handlers.pop("SetVariables")  # answers NotImplemented
                await station.boot()
                async with asyncio.timeout(DEADLINE):
                    await csms.wait_web_payments_configured("CP1", [1])
                assert csms.web_payment_state.results[("CP1", 1)] == {
                    "*": "failed: NotImplementedError"
                }
                # The connection is still served.
                assert "currentTime" in await station.call("Heartbeat", {})
            finally:
                await station.close()

    run(scenario())


def test_bad_totp_settings_are_refused_at_startup() -> None:
    for options in ({"totp_validity_s": 5}, {"totp_validity_s": 3601}, {"totp_length": 5}):
        with pytest.raises(ValueError):
            CsmsSettings(**options)  # type: ignore[arg-type]


# --- the /qr route ------------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_current_qr_opens_the_pay_page_and_notifies_the_station(version: str) -> None:
    async def scenario() -> None:
        async with c25_csms() as (csms, fake, session), booted(csms, version) as station:
            url = station.web_payments.current_url(2)
            assert url is not None
            status, html = await get_page(session, url + "?maxenergy=20000")
            assert status == 200 and is_pay_page(html)
            soup = BeautifulSoup(html, "html.parser")
            hidden = {
                i["name"]: i["value"] for i in soup.select("form#pay-form input[type=hidden]")
            }
            assert hidden == {"charger_id": "CP1", "evse": "2"}
            assert fake.psp_calls == 0  # only the form's submit creates an order
            async with asyncio.timeout(DEADLINE):
                await csms.wait_idle()
            (note,) = station.web_payments.notifications
            expected_via = "NotifyWebPaymentStarted" if version == "2.1" else "DataTransfer"
            assert (note.evse_id, note.timeout_s, note.via) == (2, 300, expected_via)
            assert station.local_start_blocked(2) and not station.local_start_blocked(1)
            outcome = "Answered" if version == "2.1" else "Accepted"
            assert csms.web_payment_state.notifications == [("CP1", 2, outcome)]
            assert not station.trace.violations

    run(scenario())


@pytest.mark.parametrize(
    ("scanned_after_s", "status"),
    [(0, 200), (24, 200), (25, 200), (54, 200), (55, 403), (600, 403), (-35, 200), (-36, 403)],
)
def test_validation_window_previous_current_next(scanned_after_s: int, status: int) -> None:
    """The code shown 5 s into interval k is scanned ``scanned_after_s`` later: accepted in
    intervals k-1, k, k+1 (offsets -35 .. 54), refused two intervals away either side."""

    async def scenario() -> None:
        async with c25_csms() as (csms, fake, session), booted(csms, "2.1") as station:
            shown_at = T - T % 30 + 5
            url = station.web_payments.current_url(1, now=shown_at)
            assert url is not None
            csms.totp_clock = Clock(shown_at + scanned_after_s)
            got, html = await get_page(session, url)
            assert got == status
            assert is_pay_page(html) is (status == 200)
            async with asyncio.timeout(DEADLINE):
                await csms.wait_idle()
            assert len(station.web_payments.notifications) == (1 if status == 200 else 0)
            assert fake.psp_calls == 0

    run(scenario())


def test_refused_codes_get_403_and_nothing_else() -> None:
    async def scenario() -> None:
        async with (
            c25_csms() as (csms, fake, session),
            booted(csms, "2.1", "CP1") as cp1,
            booted(csms, "2.0.1", "CP2") as cp2,
        ):
            clock = Clock(T)
            csms.totp_clock = clock
            url_1 = cp1.web_payments.current_url(1, now=T)
            url_2 = cp1.web_payments.current_url(2, now=T)
            other = cp2.web_payments.current_url(1, now=T)
            assert url_1 and url_2 and other
            template_1, totp_1 = qr_parts(url_1)
            _, totp_2 = qr_parts(url_2)
            _, totp_other = qr_parts(other)
            base = csms.http_base_url
            refused = {
                "another charger's code": template_1.format(totp=totp_other),
                "another EVSE's code": template_1.format(totp=totp_2),
                "an EVSE the charger lacks": f"{base}/qr/CP1/3/{totp_1}/v1",
                "an unknown charger": f"{base}/qr/CP9/1/{totp_1}/v1",
                "the wrong version": f"{base}/qr/CP1/1/{totp_1}/v2",
                "a malformed EVSE": f"{base}/qr/CP1/x1/{totp_1}/v1",
                "EVSE zero": f"{base}/qr/CP1/0/{totp_1}/v1",
                "a garbage code": f"{base}/qr/CP1/1/{'A' * 12}/v1",
                "a truncated code": f"{base}/qr/CP1/1/{totp_1[:-1]}/v1",
            }
            for why, url in refused.items():
                status, html = await get_page(session, url)
                assert status == 403, why
                assert "expired or is not valid" in html and not is_pay_page(html), why
            for url in (f"{base}/qr/CP1/1/v1", f"{base}/qr/CP1/1/{totp_1}/v1/extra"):
                status, _ = await get_page(session, url)
                assert status == 404
            async with asyncio.timeout(DEADLINE):
                await csms.wait_idle()
            assert fake.psp_calls == 0 and csms.ledger.orders() == []
            assert csms.web_payment_state.notifications == []
            assert cp1.web_payments.notifications == [] and cp2.web_payments.notifications == []
            # The genuine code still works: the refusals were about the codes, not the page.
            status, _ = await get_page(session, url_1)
            assert status == 200

    run(scenario())


def test_qr_payment_starts_with_a_direct_payment_token() -> None:
    """QR -> pay page -> order -> captured webhook -> RequestStartTransaction (2.1)."""
    from tests.unit.test_csms_pay_webhook import captured, deliver

    async def scenario() -> None:
        async with c25_csms() as (csms, fake, session), booted(csms, "2.1") as station:
            url = station.web_payments.current_url(1)
            assert url is not None
            status, _ = await get_page(session, url)
            assert status == 200
            async with asyncio.timeout(DEADLINE):
                await csms.wait_idle()
            assert station.local_start_blocked(1)
            form = {"charger_id": "CP1", "evse": "1", "amount": "200.00"}
            async with session.post(csms.http_base_url + "/pay", data=form) as response:
                assert response.status == 200
            order_id = fake.last_order_id
            payment_id = fake.payment_of_order[order_id]
            status, reply = await deliver(session, csms, captured(payment_id, order_id))
            assert (status, reply["result"]) == (200, "start_scheduled")
            tx = await station.wait_started(1, DEADLINE)
            assert tx is not None
            assert (tx.id_token, tx.id_token_type) == (payment_id, "DirectPayment")
            assert not station.local_start_blocked(1)  # the remote start ended the hold
            assert not station.trace.violations

    run(scenario())
