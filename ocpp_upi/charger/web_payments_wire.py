"""How a CSMS reaches the mock station's WebPaymentsCtrlr in each OCPP version.

2.x: SetVariables / GetVariables on component ``WebPaymentsCtrlr`` (``component.evse.id`` picks
the EVSE; without it the station-wide instance). 1.6: ChangeConfiguration / GetConfiguration
with keys ``WebPaymentsCtrlr.<connectorId>.<Variable>``. NotifyWebPaymentStarted is a native
CALL in 2.1; 1.6 and 2.0.1 get the white paper's DataTransfer backport (vendorId
``cloud.charging.open``), which 2.1 also accepts because it costs nothing and a CSMS serving
mixed fleets may use one spelling for all.

The answers are what a strict station gives, and every attempt is recorded in the controller,
so a scenario can judge what the CSMS configured from the station's side.
"""

from __future__ import annotations

import json
import re
from functools import partial
from typing import TYPE_CHECKING, Any, TypeGuard

from ocpp_upi.charger.web_payments import (
    ACCEPTED,
    COMPONENT,
    READ_ONLY,
    REJECTED,
    STATION_WIDE,
    UNKNOWN_VARIABLE,
    VARIABLES,
    WRITE_ONLY,
    ConfigurationRecord,
)
from ocpp_upi.ocpp.session import OcppSession, Reply

if TYPE_CHECKING:
    from ocpp_upi.charger.station import MockCharger

BACKPORT_VENDOR_ID = "cloud.charging.open"
NOTIFY_WEB_PAYMENT_STARTED = "NotifyWebPaymentStarted"
UNKNOWN_COMPONENT = "UnknownComponent"
NOT_SUPPORTED_ATTRIBUTE = "NotSupportedAttributeType"
_VARIABLE_BY_LOWER = {name.lower(): name for name in VARIABLES}
_KEY = re.compile(r"webpaymentsctrlr\.([0-9]{1,4})\.([A-Za-z]+)", re.IGNORECASE)


def register_web_payments(station: MockCharger, session: OcppSession, version: str) -> None:
    """Install this version's WebPaymentsCtrlr handlers on ``session`` (called per connect)."""
    station.web_payments.station_id = station.identity
    station.data_transfers.on(
        BACKPORT_VENDOR_ID, NOTIFY_WEB_PAYMENT_STARTED, partial(on_notify_data_transfer, station)
    )
    if version == "1.6":
        session.on("ChangeConfiguration", partial(on_change_configuration, station))
        session.on("GetConfiguration", partial(on_get_configuration, station))
        return
    session.on("SetVariables", partial(on_set_variables, station))
    session.on("GetVariables", partial(on_get_variables, station))
    if version == "2.1":
        session.on(NOTIFY_WEB_PAYMENT_STARTED, partial(on_notify_web_payment_started, station))


# --- 2.x device model --------------------------------------------------------------------------


def _instance(station: MockCharger, component: dict[str, Any]) -> int | None:
    """The controller instance a 2.x component addresses, or None if not ours."""
    if str(component.get("name", "")).lower() != COMPONENT.lower() or "instance" in component:
        return None
    evse = component.get("evse")
    if evse is None:
        return STATION_WIDE
    evse_id = evse.get("id")
    if "connectorId" in evse or not isinstance(evse_id, int):
        return None  # the controller exists per EVSE, not per connector
    return evse_id if 1 <= evse_id <= station.behaviour.evses else None


def _variable(variable: dict[str, Any]) -> str | None:
    if "instance" in variable:
        return None
    return _VARIABLE_BY_LOWER.get(str(variable.get("name", "")).lower())


def _status_info(reason: str | None, status: str) -> dict[str, str] | None:
    if status == ACCEPTED or reason is None:
        return None
    code = {"read-only": "ReadOnly", "write-only": "WriteOnly"}.get(reason, "InvalidValue")
    return {"reasonCode": code, "additionalInfo": reason[:200]}


def _resolve(
    station: MockCharger, item: dict[str, Any]
) -> tuple[int | None, str | None, str | None]:
    """(controller instance, variable, refusal status) of one Set/GetVariables item: the
    refusal is the status a real station answers when it cannot address the item at all."""
    instance = _instance(station, item["component"])
    name = _variable(item["variable"])
    if instance is None:
        return instance, name, UNKNOWN_COMPONENT
    if name is None:
        return instance, name, UNKNOWN_VARIABLE
    if item.get("attributeType", "Actual") != "Actual":
        return instance, name, NOT_SUPPORTED_ATTRIBUTE
    return instance, name, None


def _echo(item: dict[str, Any], status: str) -> dict[str, Any]:
    """The part of a Set/GetVariables result that repeats what the item asked for."""
    result: dict[str, Any] = {
        "attributeStatus": status,
        "component": item["component"],
        "variable": item["variable"],
    }
    if "attributeType" in item:
        result["attributeType"] = item["attributeType"]
    return result


async def on_set_variables(station: MockCharger, payload: dict[str, Any]) -> Reply:
    results = []
    for item in payload.get("setVariableData", []):
        component, variable = item["component"], item["variable"]
        value = item["attributeValue"]
        instance, name, refusal = _resolve(station, item)
        reason: str | None = None
        if refusal is None and instance is not None and name is not None:
            status, reason = station.web_payments.set_value(instance, name, value)
        else:
            status = refusal or UNKNOWN_COMPONENT
        if instance is not None or str(component.get("name", "")).lower() == COMPONENT.lower():
            evse_id = (component.get("evse") or {}).get("id", STATION_WIDE)
            station.web_payments.record(
                ConfigurationRecord(
                    "SetVariables", evse_id, name or variable.get("name", ""), value, status
                )
            )
        result = _echo(item, status)
        info = _status_info(reason, status)
        if info is not None:
            result["attributeStatusInfo"] = info
        results.append(result)
    return Reply({"setVariableResult": results})


async def on_get_variables(station: MockCharger, payload: dict[str, Any]) -> Reply:
    results = []
    for item in payload.get("getVariableData", []):
        instance, name, refusal = _resolve(station, item)
        value: str | None = None
        if refusal is None and instance is not None and name is not None:
            status, value = station.web_payments.get_value(instance, name)
        else:
            status = refusal or UNKNOWN_COMPONENT
        result = _echo(item, status)
        if status == ACCEPTED and value is not None:
            result["attributeValue"] = value
        elif name in WRITE_ONLY:
            result["attributeStatusInfo"] = {"reasonCode": "WriteOnly"}
        results.append(result)
    return Reply({"getVariableResult": results})


# --- 1.6 configuration keys --------------------------------------------------------------------


def _parse_key(key: str) -> tuple[int, str] | None:
    """(connector, variable as written) of a ``WebPaymentsCtrlr.<connectorId>.<Variable>``."""
    match = _KEY.fullmatch(key)
    return (int(match.group(1)), match.group(2)) if match else None


def _key(station: MockCharger, key: str) -> tuple[int, str] | None:
    """(connector, variable) of a key this station has: a known variable, connector 0..n."""
    parsed = _parse_key(key)
    if parsed is None:
        return None
    connector, name = parsed[0], _VARIABLE_BY_LOWER.get(parsed[1].lower())
    if name is None or not 0 <= connector <= station.behaviour.evses:
        return None
    return connector, name


async def on_change_configuration(station: MockCharger, payload: dict[str, Any]) -> Reply:
    key, value = payload["key"], payload["value"]
    target = _key(station, key)
    if target is None:
        status = "NotSupported"
    else:
        verdict, _ = station.web_payments.set_value(*target, value)
        status = {ACCEPTED: "Accepted", UNKNOWN_VARIABLE: "NotSupported"}.get(verdict, REJECTED)
    parsed = _parse_key(key)
    if parsed is not None:
        name = target[1] if target else parsed[1]
        station.web_payments.record(
            ConfigurationRecord("ChangeConfiguration", parsed[0], name, value, status)
        )
    return Reply({"status": status})


def _configuration_entry(station: MockCharger, connector: int, name: str) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "key": f"{COMPONENT}.{connector}.{name}",
        "readonly": name in READ_ONLY,
    }
    if name not in WRITE_ONLY:
        entry["value"] = station.web_payments.effective(connector, name) or ""
    return entry


async def on_get_configuration(station: MockCharger, payload: dict[str, Any]) -> Reply:
    """All WebPaymentsCtrlr keys of every connector, or the ones asked for (the secret's key is
    listed, never its value)."""
    keys = payload.get("key")
    if not keys:
        entries = [
            _configuration_entry(station, connector, name)
            for connector in range(1, station.behaviour.evses + 1)
            for name in VARIABLES
        ]
        return Reply({"configurationKey": entries})
    found, unknown = [], []
    for key in keys:
        target = _key(station, key)
        if target is None:
            unknown.append(key)
        else:
            found.append(_configuration_entry(station, *target))
    answer: dict[str, Any] = {"configurationKey": found}
    if unknown:
        answer["unknownKey"] = unknown
    return Reply(answer)


# --- NotifyWebPaymentStarted -------------------------------------------------------------------


def _hold(station: MockCharger, evse_id: int, timeout_s: int, via: str) -> None:
    marker = station.last_transactions.get(evse_id)
    station.web_payments.web_payment_started(evse_id, timeout_s, via, marker)


async def on_notify_web_payment_started(station: MockCharger, payload: dict[str, Any]) -> Reply:
    """2.1 native CALL: hold the EVSE for the web payer; the response is empty by schema."""
    _hold(station, payload["evseId"], payload["timeout"], NOTIFY_WEB_PAYMENT_STARTED)
    return Reply({})


async def on_notify_data_transfer(station: MockCharger, payload: dict[str, Any]) -> Reply:
    """1.6/2.0.1 backport: ``data`` is ``{"evseId": n, "timeout": s}`` as a JSON string (2.0.1
    allows any JSON value, so an object is taken as well). Anything else is Rejected."""
    data = payload.get("data")
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError:
            return Reply({"status": REJECTED})
    if not isinstance(data, dict):
        return Reply({"status": REJECTED})
    evse_id, timeout_s = data.get("evseId"), data.get("timeout")
    if not _is_int(evse_id) or not _is_int(timeout_s) or evse_id < 0:
        return Reply({"status": REJECTED})
    _hold(station, evse_id, timeout_s, "DataTransfer")
    return Reply({"status": ACCEPTED})


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)
