"""The mock station's WebPaymentsCtrlr: validation, the QR URL, and web-payment holds.

Handlers are called directly (no socket), but every request and answer goes through the
harness's FrameValidator, so an answer that breaks its version's schema fails the test.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from ocpp_upi.charger.station import MockCharger
from ocpp_upi.charger.web_payments import STATION_WIDE, WebPaymentsController
from ocpp_upi.charger.web_payments_wire import register_web_payments
from ocpp_upi.ocpp.codec import Call, CallResult
from ocpp_upi.ocpp.session import Reply
from ocpp_upi.ocpp.trace import FrameTrace
from ocpp_upi.ocpp.validator import FrameValidator
from ocpp_upi.ocpp.versions import Role
from ocpp_upi.upi.totp import totp_v1

NOW = 1716423785.0
SECRET = "a-station-secret-of-24ch"
TEMPLATE = "https://csms.example/qr/{chargingStationId}/{evse}/{totp}/{version}"
V2 = ["2.0.1", "2.1"]


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Wire:
    """One station with its handlers, spoken to as a schema-checked CSMS would."""

    def __init__(self, version: str, evses: int = 2) -> None:
        self.version = version
        self.clock = Clock(NOW)
        self.station = MockCharger(
            identity="CP 1",
            version=version,
            ocpp_url="ws://127.0.0.1:9/ocpp",
            trace=FrameTrace("unit", version),
        )
        self.station.behaviour.evses = evses
        self.station.web_payments.clock = self.clock
        self.handlers: dict[str, Callable[[dict[str, Any]], Awaitable[Any]]] = {}
        register_web_payments(self.station, self, version)  # type: ignore[arg-type]
        self._validator = FrameValidator(version)
        self._ids = itertools.count()

    @property
    def controller(self) -> WebPaymentsController:
        return self.station.web_payments

    def on(self, action: str, handler: Callable[[dict[str, Any]], Awaitable[Any]]) -> None:
        self.handlers[action] = handler

    def call(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        message_id = f"m{next(self._ids)}"
        checked = self._validator.check_frame(Call(message_id, action, payload), Role.CSMS)
        assert checked.ok, checked.violations
        if action == "DataTransfer":
            handler = self.station.data_transfers.dispatch
        else:
            handler = self.handlers[action]
        reply = asyncio.run(handler(payload))
        assert isinstance(reply, Reply)
        answer = CallResult(message_id, reply.payload)
        checked = self._validator.check_frame(answer, Role.CHARGER)
        assert checked.ok, checked.violations
        return reply.payload

    def set_variables(self, *items: tuple[int | None, str, str]) -> list[str]:
        data = [_set_item(evse, name, value) for evse, name, value in items]
        answer = self.call("SetVariables", {"setVariableData": data})
        return [result["attributeStatus"] for result in answer["setVariableResult"]]

    def configure_v2(self, evse: int | None = 1, **overrides: str) -> list[str]:
        values = {
            "URLTemplate": TEMPLATE,
            "TOTPVersion": "v1",
            "ValidityTime": "30",
            "Length": "12",
            "SharedSecret": SECRET,
            "Enabled": "true",
        }
        values.update(overrides)
        return self.set_variables(*((evse, name, value) for name, value in values.items()))


def _component(evse: int | None) -> dict[str, Any]:
    component: dict[str, Any] = {"name": "WebPaymentsCtrlr"}
    if evse is not None:
        component["evse"] = {"id": evse}
    return component


def _set_item(evse: int | None, name: str, value: str) -> dict[str, Any]:
    return {
        "attributeType": "Actual",
        "attributeValue": value,
        "component": _component(evse),
        "variable": {"name": name},
    }


# --- 2.x SetVariables / GetVariables ----------------------------------------------------------


@pytest.mark.parametrize("version", V2)
def test_valid_configuration_is_accepted_recorded_and_renders_the_qr_url(version: str) -> None:
    wire = Wire(version)
    assert wire.configure_v2(1) == ["Accepted"] * 6
    records = wire.controller.configurations
    assert len(records) == 6
    first = records[0]
    assert (first.action, first.evse_id, first.variable, first.status) == (
        "SetVariables",
        1,
        "URLTemplate",
        "Accepted",
    )
    assert {r.variable: r.value for r in records}["SharedSecret"] == SECRET
    code = totp_v1(SECRET, NOW, 30, 12)
    assert wire.controller.current_url(1) == f"https://csms.example/qr/CP%201/1/{code}/v1"
    later = NOW + 30
    assert wire.controller.current_url(1, now=later) == (
        f"https://csms.example/qr/CP%201/1/{totp_v1(SECRET, later, 30, 12)}/v1"
    )
    assert wire.controller.current_url(2) is None  # EVSE 2 was never enabled


INVALID = [
    ("ValidityTime", "5"),
    ("ValidityTime", "3601"),
    ("ValidityTime", "30s"),
    ("ValidityTime", "-30"),
    ("Length", "5"),
    ("Length", "twelve"),
    ("SharedSecret", "sixteen-chars-16"),  # exactly 16: the white paper wants more
    ("TOTPVersion", "v2"),
    ("Enabled", "yes"),
    ("Enabled", "True"),
    ("URLTemplate", "https://x/{stationId}/{totp}"),
    ("URLTemplate", "ftp://x/{totp}"),
    ("URLParameters", "maxTime"),  # read-only
]


@pytest.mark.parametrize("version", V2)
@pytest.mark.parametrize(("name", "value"), INVALID)
def test_invalid_values_are_rejected_and_not_applied(version: str, name: str, value: str) -> None:
    wire = Wire(version)
    assert wire.configure_v2(1) == ["Accepted"] * 6
    url_before = wire.controller.current_url(1)
    answer = wire.call("SetVariables", {"setVariableData": [_set_item(1, name, value)]})
    result = answer["setVariableResult"][0]
    assert result["attributeStatus"] == "Rejected"
    assert result["attributeStatusInfo"]["reasonCode"] in ("InvalidValue", "ReadOnly")
    assert wire.controller.configurations[-1].status == "Rejected"
    assert wire.controller.current_url(1) == url_before


@pytest.mark.parametrize("version", V2)
def test_boundaries_are_accepted(version: str) -> None:
    wire = Wire(version)
    statuses = wire.set_variables(
        (1, "ValidityTime", "6"),
        (1, "ValidityTime", "3600"),
        (1, "Length", "6"),
        (1, "SharedSecret", "x" * 17),
        (1, "Enabled", "false"),
    )
    assert statuses == ["Accepted"] * 5


@pytest.mark.parametrize("version", V2)
def test_addressing_errors(version: str) -> None:
    wire = Wire(version, evses=2)
    data = [
        _set_item(1, "Colour", "red"),
        _set_item(3, "Enabled", "true"),  # no EVSE 3
        {**_set_item(1, "Enabled", "true"), "component": {"name": "TxCtrlr"}},
        {**_set_item(1, "Enabled", "true"), "attributeType": "Target"},
        {**_set_item(1, "Enabled", "true"), "variable": {"name": "enabled"}},  # case-insensitive
    ]
    answer = wire.call("SetVariables", {"setVariableData": data})
    assert [r["attributeStatus"] for r in answer["setVariableResult"]] == [
        "UnknownVariable",
        "UnknownComponent",
        "UnknownComponent",
        "NotSupportedAttributeType",
        "Accepted",
    ]


@pytest.mark.parametrize("version", V2)
def test_station_wide_values_apply_unless_an_evse_overrides_them(version: str) -> None:
    wire = Wire(version)
    assert wire.configure_v2(None) == ["Accepted"] * 6
    assert wire.set_variables((2, "Length", "8")) == ["Accepted"]
    assert wire.controller.current_url(1) is not None
    url_2 = wire.controller.current_url(2)
    assert url_2 is not None and url_2.split("/")[-2] == totp_v1(SECRET, NOW, 30, 8)
    assert wire.controller.configurations[0].evse_id == STATION_WIDE


@pytest.mark.parametrize("version", V2)
def test_get_variables_reads_values_but_never_the_secret(version: str) -> None:
    wire = Wire(version)
    wire.configure_v2(1)
    names = ["Enabled", "URLTemplate", "ValidityTime", "Length", "TOTPVersion", "SharedSecret"]
    names += ["URLParameters", "Colour"]
    data = [{"component": _component(1), "variable": {"name": name}} for name in names]
    answer = wire.call("GetVariables", {"getVariableData": data})
    by_name = {r["variable"]["name"]: r for r in answer["getVariableResult"]}
    assert by_name["Enabled"]["attributeValue"] == "true"
    assert by_name["URLTemplate"]["attributeValue"] == TEMPLATE
    assert by_name["ValidityTime"]["attributeValue"] == "30"
    assert by_name["URLParameters"]["attributeValue"] == ""
    assert by_name["SharedSecret"]["attributeStatus"] == "Rejected"
    assert "attributeValue" not in by_name["SharedSecret"]
    assert by_name["Colour"]["attributeStatus"] == "UnknownVariable"


@pytest.mark.parametrize("version", V2)
def test_no_url_while_disabled_or_incomplete(version: str) -> None:
    wire = Wire(version)
    assert wire.controller.current_url(1) is None  # factory state
    wire.set_variables((1, "URLTemplate", TEMPLATE), (1, "Enabled", "true"))
    assert wire.controller.current_url(1) is None  # no secret yet
    wire.set_variables((1, "SharedSecret", SECRET))
    assert wire.controller.current_url(1) is not None
    wire.set_variables((1, "Enabled", "false"))
    assert wire.controller.current_url(1) is None


# --- 1.6 ChangeConfiguration / GetConfiguration -----------------------------------------------


def test_v16_change_configuration_keys() -> None:
    wire = Wire("1.6", evses=2)

    def change(key: str, value: str) -> str:
        return str(wire.call("ChangeConfiguration", {"key": key, "value": value})["status"])

    assert change("WebPaymentsCtrlr.1.URLTemplate", TEMPLATE) == "Accepted"
    assert change("WebPaymentsCtrlr.1.SharedSecret", SECRET) == "Accepted"
    assert change("WebPaymentsCtrlr.1.ValidityTime", "60") == "Accepted"
    assert change("WebPaymentsCtrlr.1.Length", "8") == "Accepted"
    assert change("WebPaymentsCtrlr.1.TOTPVersion", "v1") == "Accepted"
    assert wire.controller.current_url(1) is None
    assert change("WebPaymentsCtrlr.1.Enabled", "true") == "Accepted"
    assert wire.controller.current_url(1) == (
        f"https://csms.example/qr/CP%201/1/{totp_v1(SECRET, NOW, 60, 8)}/v1"
    )
    assert change("WebPaymentsCtrlr.1.ValidityTime", "3") == "Rejected"
    assert change("WebPaymentsCtrlr.1.SharedSecret", "short") == "Rejected"
    assert change("WebPaymentsCtrlr.1.URLParameters", "maxTime") == "Rejected"
    assert change("WebPaymentsCtrlr.1.Colour", "red") == "NotSupported"
    assert change("WebPaymentsCtrlr.3.Enabled", "true") == "NotSupported"  # no connector 3
    assert change("HeartbeatInterval", "60") == "NotSupported"
    recorded = [(r.evse_id, r.variable, r.status) for r in wire.controller.configurations]
    assert recorded[-1] == (3, "Enabled", "NotSupported")
    assert (1, "ValidityTime", "Rejected") in recorded


def test_v16_get_configuration_lists_keys_without_the_secret() -> None:
    wire = Wire("1.6", evses=2)
    wire.call("ChangeConfiguration", {"key": "WebPaymentsCtrlr.2.SharedSecret", "value": SECRET})
    everything = wire.call("GetConfiguration", {})["configurationKey"]
    assert len(everything) == 2 * 7
    secret = next(k for k in everything if k["key"] == "WebPaymentsCtrlr.2.SharedSecret")
    assert secret == {"key": "WebPaymentsCtrlr.2.SharedSecret", "readonly": False}
    keys = ["WebPaymentsCtrlr.1.ValidityTime", "WebPaymentsCtrlr.1.URLParameters", "Nope"]
    answer = wire.call("GetConfiguration", {"key": keys})
    assert answer["configurationKey"] == [
        {"key": "WebPaymentsCtrlr.1.ValidityTime", "readonly": False, "value": "30"},
        {"key": "WebPaymentsCtrlr.1.URLParameters", "readonly": True, "value": ""},
    ]
    assert answer["unknownKey"] == ["Nope"]


# --- NotifyWebPaymentStarted ------------------------------------------------------------------


def test_v21_notify_blocks_local_starts_until_the_timeout() -> None:
    wire = Wire("2.1")
    assert not wire.station.local_start_blocked(1)
    assert wire.call("NotifyWebPaymentStarted", {"evseId": 1, "timeout": 300}) == {}
    assert wire.controller.blocked_until(1) == NOW + 300
    assert wire.station.local_start_blocked(1)
    assert not wire.station.local_start_blocked(2)
    wire.clock.now = NOW + 299.9
    assert wire.station.local_start_blocked(1)
    wire.clock.now = NOW + 300
    assert not wire.station.local_start_blocked(1)
    assert wire.controller.blocked_until(1) is None
    (note,) = wire.controller.notifications
    assert (note.evse_id, note.timeout_s, note.via) == (1, 300, "NotifyWebPaymentStarted")


def test_v21_timeout_zero_revokes_and_a_resend_extends() -> None:
    wire = Wire("2.1")
    wire.call("NotifyWebPaymentStarted", {"evseId": 1, "timeout": 60})
    wire.clock.now = NOW + 50
    wire.call("NotifyWebPaymentStarted", {"evseId": 1, "timeout": 60})
    assert wire.controller.blocked_until(1) == NOW + 110
    wire.call("NotifyWebPaymentStarted", {"evseId": 1, "timeout": 0})
    assert not wire.station.local_start_blocked(1)
    assert len(wire.controller.notifications) == 3


def test_a_remote_start_ends_the_hold() -> None:
    wire = Wire("2.1")
    wire.call("NotifyWebPaymentStarted", {"evseId": 1, "timeout": 300})

    async def begin() -> None:
        wire.station.begin(1, "pay_123", "DirectPayment", remote_start_id=1)

    asyncio.run(begin())
    assert not wire.station.local_start_blocked(1)
    assert wire.controller.blocked_until(1) == NOW + 300  # the timeout itself is unchanged


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
def test_data_transfer_backport(version: str) -> None:
    wire = Wire(version)
    assert "NotifyWebPaymentStarted" not in wire.handlers

    def transfer(data: str, message_id: str = "NotifyWebPaymentStarted") -> str:
        payload = {"vendorId": "cloud.charging.open", "messageId": message_id, "data": data}
        return str(wire.call("DataTransfer", payload)["status"])

    assert transfer(json.dumps({"evseId": 2, "timeout": 120})) == "Accepted"
    assert wire.station.local_start_blocked(2)
    assert wire.controller.blocked_until(2) == NOW + 120
    assert wire.controller.notifications[-1].via == "DataTransfer"
    assert transfer("not json") == "Rejected"
    assert transfer(json.dumps({"evseId": "2", "timeout": 120})) == "Rejected"
    assert transfer(json.dumps({"evseId": 2})) == "Rejected"
    assert transfer(json.dumps([2, 120])) == "Rejected"
    assert transfer("{}", message_id="NotifyWebPaymentFailed") == "UnknownMessageId"
    assert len(wire.controller.notifications) == 1


def test_v201_accepts_an_object_as_data() -> None:
    wire = Wire("2.0.1")
    payload = {
        "vendorId": "cloud.charging.open",
        "messageId": "NotifyWebPaymentStarted",
        "data": {"evseId": 1, "timeout": 30},
    }
    assert wire.call("DataTransfer", payload)["status"] == "Accepted"
    assert wire.controller.blocked_until(1) == NOW + 30
