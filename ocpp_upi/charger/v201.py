"""OCPP 2.0.1 spelling of the station: RequestStartTransaction and TransactionEvent."""

from __future__ import annotations

import uuid
from typing import Any

from ocpp_upi.charger.adapter import ProtocolAdapter
from ocpp_upi.charger.limits import ENERGY_LIMIT_REACHED, cost_capability, read_started_limit
from ocpp_upi.charger.station import Transaction, utc_now
from ocpp_upi.charger.web_payments_wire import register_web_payments
from ocpp_upi.ocpp.session import OcppSession, Reply
from ocpp_upi.ocpp.vocabulary import OCPP2
from ocpp_upi.verdicts import ConformanceFailure

# 2.x reports connector status, not the 1.6 charge-point status vocabulary the station speaks.
CONNECTOR_STATUS = {
    "Available": "Available",
    "Preparing": "Occupied",
    "Charging": "Occupied",
    "Finishing": "Occupied",
    "Unavailable": "Unavailable",
    "Faulted": "Faulted",
}

STOP_TRIGGER = {
    "Remote": "RemoteStop",
    "Local": "StopAuthorized",
    # In both 2.0.1's and 2.1's TriggerReasonEnumType (and ReasonEnumType, the stoppedReason).
    ENERGY_LIMIT_REACHED: "EnergyLimitReached",
}


class Ocpp201Adapter(ProtocolAdapter):
    version = "2.0.1"

    def boot_request(self) -> tuple[str, dict[str, Any]]:
        b = self.station.behaviour
        return "BootNotification", {
            "chargingStation": {
                "model": b.model,
                "vendorName": b.vendor,
                "firmwareVersion": b.firmware,
            },
            "reason": "PowerUp",
        }

    def status_request(self, evse_id: int, status: str) -> tuple[str, dict[str, Any]]:
        return "StatusNotification", {
            "timestamp": utc_now(),
            "connectorStatus": CONNECTOR_STATUS[status],
            "evseId": evse_id,
            "connectorId": 1,
        }

    @staticmethod
    def remote_start_actions() -> frozenset[str]:
        return frozenset({OCPP2.remote_start})

    LOCAL_ID_TOKEN_TYPE = "ISO14443"  # an RFID card

    def authorize_request(self, id_token: str) -> tuple[str, dict[str, Any]]:
        return "Authorize", {"idToken": {"idToken": id_token, "type": self.LOCAL_ID_TOKEN_TYPE}}

    @staticmethod
    def authorization_status(answer: dict[str, Any]) -> str | None:
        return answer.get("idTokenInfo", {}).get("status")

    def register_handlers(self, session: OcppSession) -> None:
        session.on(OCPP2.remote_start, self._on_request_start)
        session.on(OCPP2.remote_stop, self._on_request_stop)
        session.on("DataTransfer", self._on_data_transfer)
        register_web_payments(self.station, session, self.version)

    async def _on_request_start(self, payload: dict[str, Any]) -> Reply:
        evse_id = payload.get("evseId", 1)
        if not self.station.accepts_remote_start(evse_id):
            return Reply({"status": "Rejected"})
        id_token = payload.get("idToken", {})
        tx = self.station.begin(
            evse_id,
            id_token.get("idToken", ""),
            id_token.get("type"),
            remote_start_id=payload.get("remoteStartId"),
        )
        tx.transaction_id = uuid.uuid4().hex[:36]

        async def start() -> None:
            # The station, not this connection, owns the transaction: it must outlive a
            # dropped WebSocket (a reconnect closes the session and cancels its tasks).
            self.station.start_in_background(tx)

        return Reply({"status": "Accepted"}, after=start)

    async def _on_request_stop(self, payload: dict[str, Any]) -> Reply:
        tx = self.station.find_transaction(payload.get("transactionId", ""))
        if tx is None:
            return Reply({"status": "Rejected"})
        if not tx.stop_requested.is_set():  # already stopping (at its limit): keep that reason
            tx.stop_reason = "Remote"
        tx.stop_requested.set()
        return Reply({"status": "Accepted"})

    async def _on_data_transfer(self, payload: dict[str, Any]) -> Reply:
        return await self.station.data_transfers.dispatch(payload)

    def _meter_value(self, tx: Transaction, context: str) -> list[dict[str, Any]]:
        return [
            {
                "timestamp": utc_now(),
                "sampledValue": [
                    {
                        "value": tx.meter_now_wh,
                        "context": context,
                        "measurand": "Energy.Active.Import.Register",
                        "unitOfMeasure": {"unit": "Wh"},
                    }
                ],
            }
        ]

    def _transaction_event(
        self, tx: Transaction, event_type: str, trigger: str, info: dict[str, Any], context: str
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "eventType": event_type,
            "timestamp": utc_now(),
            "triggerReason": trigger,
            "seqNo": tx.next_seq(),
            "transactionInfo": {"transactionId": tx.transaction_id, **info},
            "meterValue": self._meter_value(tx, context),
        }
        return payload

    async def start_transaction(self, tx: Transaction) -> None:
        info: dict[str, Any] = {"chargingState": "Charging"}
        if tx.remote_start_id is not None:
            info["remoteStartId"] = tx.remote_start_id
        if tx.transaction_id is None:  # a local session: the station names its transaction
            tx.transaction_id = uuid.uuid4().hex[:36]
        trigger = "Authorized" if tx.local else "RemoteStart"
        payload = self._transaction_event(tx, "Started", trigger, info, "Transaction.Begin")
        payload["evse"] = {"id": tx.evse_id, "connectorId": 1}
        token: dict[str, Any] = {"idToken": tx.id_token}
        if tx.id_token_type is not None:
            token["type"] = tx.id_token_type
        payload["idToken"] = token
        capability = cost_capability(self.station)
        if capability is not None:
            payload["customData"] = capability
        await self.station.report_status(tx.evse_id, "Charging")
        answer = await self.station.call(OCPP2.transaction_start, payload)
        self.on_started_response(tx, answer)

    def on_started_response(self, tx: Transaction, answer: dict[str, Any]) -> None:
        status = self.authorization_status(answer)
        if status is not None and status != "Accepted":
            raise ConformanceFailure(
                f"the CSMS did not accept the idToken {tx.origin}",
                expected="TransactionEventResponse idTokenInfo.status Accepted",
                arrived=f"status {status!r}",
            )
        read_started_limit(self.station, tx, answer)

    async def send_meter_values(self, tx: Transaction) -> None:
        payload = self._transaction_event(
            tx, "Updated", "MeterValuePeriodic", {"chargingState": "Charging"}, "Sample.Periodic"
        )
        await self.station.call(OCPP2.transaction_start, payload)

    async def stop_transaction(self, tx: Transaction, reason: str) -> None:
        trigger = STOP_TRIGGER.get(reason, "AbnormalCondition")
        info = {"chargingState": "Idle", "stoppedReason": reason}
        payload = self._transaction_event(tx, "Ended", trigger, info, "Transaction.End")
        await self.station.call(OCPP2.transaction_start, payload)
        await self.station.report_status(tx.evse_id, "Available")
