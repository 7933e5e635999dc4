"""The reference CSMS's trigger server (the tzi-OCTT convention).

``POST /api/octt/{version}/{charger_id}/{action}`` with the OCPP CALL payload as JSON body:
``remote-start-transaction`` / ``remote-stop-transaction`` (1.6) and
``request-start-transaction`` / ``request-stop-transaction`` (2.0.1, 2.1). The answer is the
station's ``{"status": ...}``; 404 for a station that is not connected or an action the
reference CSMS does not offer, 400 for a payload it cannot use, 504 when the station did not
answer.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from ocpp_upi.csms.server import ReferenceCsms

TRIGGER_PATH = "/api/octt/{version}/{charger_id}/{action}"
START_ACTIONS = {"remote-start-transaction": "1.6", "request-start-transaction": "2.x"}
STOP_ACTIONS = {"remote-stop-transaction": "1.6", "request-stop-transaction": "2.x"}


def _error(status: int, error: str) -> web.Response:
    return web.json_response({"error": error}, status=status)


def _start_args(payload: dict[str, Any], family: str) -> tuple[int, str]:
    """(EVSE, idTag) from the CALL payload; KeyError/TypeError when it has neither."""
    if family == "1.6":
        return int(payload.get("connectorId", 1)), str(payload["idTag"])
    return int(payload.get("evseId", 1)), str(payload["idToken"]["idToken"])


def add_trigger_routes(app: web.Application, csms: ReferenceCsms) -> None:
    async def trigger(request: web.Request) -> web.Response:
        charger_id = request.match_info["charger_id"]
        action = request.match_info["action"]
        charger = csms.chargers.get(charger_id)
        if action not in START_ACTIONS and action not in STOP_ACTIONS:
            return _error(404, f"unknown action {action!r}")
        if charger is None:
            return _error(404, f"station {charger_id!r} is not connected")
        if request.match_info["version"] != charger.version:
            return _error(400, f"station {charger_id!r} speaks OCPP {charger.version}")
        try:
            payload = json.loads(await request.read() or b"{}")
            if action in START_ACTIONS:
                evse, id_tag = _start_args(payload, START_ACTIONS[action])
                status = await csms.operator_remote_start(charger_id, evse, id_tag)
            else:
                status = await csms.operator_remote_stop(charger_id, str(payload["transactionId"]))
        except (ValueError, KeyError, TypeError) as exc:
            return _error(400, f"unusable payload: {exc!r}")
        if not status:
            return _error(504, "the station did not answer")
        return web.json_response({"status": status})

    app.router.add_post(TRIGGER_PATH, trigger)
