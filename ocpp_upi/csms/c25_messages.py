"""The reference CSMS's C25 CALLs to a station, spelled for each OCPP version.

2.x configures ``WebPaymentsCtrlr`` with one SetVariables per EVSE (``component.evse.id``); 1.6
has no device model, so each variable is a ChangeConfiguration of key
``WebPaymentsCtrlr.<connectorId>.<Variable>`` (the white paper's backport). NotifyWebPaymentStarted
is a native CALL only in 2.1; 1.6 and 2.0.1 carry it in DataTransfer (vendorId
``cloud.charging.open``, data a JSON string). Built on the ``ocpp`` package's payload classes,
like the rest of the reference CSMS, so its own schema validation checks every frame we send.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Protocol

from ocpp.v16 import call as v16_call
from ocpp.v21 import call as v21_call
from ocpp.v201 import call as v201_call

COMPONENT = "WebPaymentsCtrlr"
BACKPORT_VENDOR_ID = "cloud.charging.open"
NOTIFY_WEB_PAYMENT_STARTED = "NotifyWebPaymentStarted"


class OcppCaller(Protocol):
    """What is needed of a connected charger's handler: the ``ocpp`` ChargePoint's call()."""

    async def call(self, payload: Any, suppress: bool = ...) -> Any: ...


def _v2_module(version: str) -> Any:
    return v21_call if version == "2.1" else v201_call


async def send_web_payment_config(
    handler: OcppCaller, version: str, evse: int, variables: Sequence[tuple[str, str]]
) -> dict[str, str]:
    """Set ``variables`` (in order) on ``evse``; the station's status for each variable.

    Raises what ``call`` raises (OCPPError on CALLERROR, TimeoutError, ConnectionClosed).
    """
    results: dict[str, str] = {}
    if version == "1.6":
        for name, value in variables:
            request = v16_call.ChangeConfiguration(key=f"{COMPONENT}.{evse}.{name}", value=value)
            response = await handler.call(request, suppress=False)
            results[name] = str(response.status)
        return results
    data = [
        {
            "component": {"name": COMPONENT, "evse": {"id": evse}},
            "variable": {"name": name},
            "attribute_value": value,
            "attribute_type": "Actual",
        }
        for name, value in variables
    ]
    response = await handler.call(
        _v2_module(version).SetVariables(set_variable_data=data), suppress=False
    )
    for result in response.set_variable_result:
        results[str(result["variable"]["name"])] = str(result["attribute_status"])
    return results


async def send_web_payment_started(
    handler: OcppCaller, version: str, evse: int, timeout_s: int
) -> str:
    """Tell the station a web payment began on ``evse``; returns how the station answered
    (2.1's response has no status, so ``Answered``; the backport's DataTransfer status)."""
    if version == "2.1":
        request = v21_call.NotifyWebPaymentStarted(evse_id=evse, timeout=timeout_s)
        await handler.call(request, suppress=False)
        return "Answered"
    data = json.dumps({"evseId": evse, "timeout": timeout_s}, separators=(",", ":"))
    module = v16_call if version == "1.6" else v201_call
    response = await handler.call(
        module.DataTransfer(
            vendor_id=BACKPORT_VENDOR_ID, message_id=NOTIFY_WEB_PAYMENT_STARTED, data=data
        ),
        suppress=False,
    )
    return str(response.status)
