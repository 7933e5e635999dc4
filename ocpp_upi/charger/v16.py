"""OCPP 1.6J spelling of the station: RemoteStartTransaction, StartTransaction, MeterValues."""

from __future__ import annotations

from typing import Any

from ocpp_upi.charger.adapter import ProtocolAdapter
from ocpp_upi.charger.limits import register_limit_transfer, v16_stop_reason
from ocpp_upi.charger.station import Transaction, utc_now
from ocpp_upi.charger.web_payments_wire import register_web_payments
from ocpp_upi.ocpp.session import OcppSession, Reply
from ocpp_upi.ocpp.vocabulary import OCPP16
from ocpp_upi.verdicts import ConformanceFailure


class Ocpp16Adapter(ProtocolAdapter):
    version = "1.6"

    def boot_request(self) -> tuple[str, dict[str, Any]]:
        b = self.station.behaviour
        return "BootNotification", {
            "chargePointVendor": b.vendor,
            "chargePointModel": b.model,
            "firmwareVersion": b.firmware,
        }

    def status_request(self, evse_id: int, status: str) -> tuple[str, dict[str, Any]]:
        return "StatusNotification", {
            "connectorId": evse_id,
            "errorCode": "NoError",
            "status": status,
            "timestamp": utc_now(),
        }

    @staticmethod
    def remote_start_actions() -> frozenset[str]:
        return frozenset({OCPP16.remote_start})

    def authorize_request(self, id_token: str) -> tuple[str, dict[str, Any]]:
        return "Authorize", {"idTag": id_token}

    @staticmethod
    def authorization_status(answer: dict[str, Any]) -> str | None:
        return answer.get("idTagInfo", {}).get("status")

    def register_handlers(self, session: OcppSession) -> None:
        session.on(OCPP16.remote_start, self._on_remote_start)
        session.on(OCPP16.remote_stop, self._on_remote_stop)
        session.on("DataTransfer", self._on_data_transfer)
        register_limit_transfer(self.station)
        register_web_payments(self.station, session, self.version)

    async def _on_remote_start(self, payload: dict[str, Any]) -> Reply:
        evse_id = payload.get("connectorId", 1)
        if not self.station.accepts_remote_start(evse_id):
            return Reply({"status": "Rejected"})
        tx = self.station.begin(evse_id, payload["idTag"], None)

        async def start() -> None:
            # The station, not this connection, owns the transaction: it must outlive a
            # dropped WebSocket (a reconnect closes the session and cancels its tasks).
            self.station.start_in_background(tx)

        return Reply({"status": "Accepted"}, after=start)

    async def _on_remote_stop(self, payload: dict[str, Any]) -> Reply:
        tx = self.station.find_transaction(payload.get("transactionId", -1))
        if tx is None:
            return Reply({"status": "Rejected"})
        if not tx.stop_requested.is_set():  # already stopping (at its limit): keep that reason
            tx.stop_reason = "Remote"
        tx.stop_requested.set()
        return Reply({"status": "Accepted"})

    async def _on_data_transfer(self, payload: dict[str, Any]) -> Reply:
        return await self.station.data_transfers.dispatch(payload)

    async def start_transaction(self, tx: Transaction) -> None:
        await self.station.report_status(tx.evse_id, "Preparing")
        answer = await self.station.call(
            OCPP16.transaction_start,
            {
                "connectorId": tx.evse_id,
                "idTag": tx.id_token,
                "meterStart": tx.meter_start_wh,
                "timestamp": utc_now(),
            },
        )
        status = self.authorization_status(answer)
        tx.transaction_id = answer.get("transactionId")
        if status != "Accepted":
            raise ConformanceFailure(
                f"the CSMS did not accept the idTag {tx.origin}",
                expected="StartTransaction.conf idTagInfo.status Accepted",
                arrived=f"status {status!r}",
            )
        await self.station.report_status(tx.evse_id, "Charging")

    async def send_meter_values(self, tx: Transaction) -> None:
        await self.station.call(
            OCPP16.meter_values,
            {
                "connectorId": tx.evse_id,
                "transactionId": tx.transaction_id,
                "meterValue": [
                    {
                        "timestamp": utc_now(),
                        "sampledValue": [
                            {
                                "value": str(tx.meter_now_wh),
                                "context": "Sample.Periodic",
                                "measurand": "Energy.Active.Import.Register",
                                "unit": "Wh",
                            }
                        ],
                    }
                ],
            },
        )

    async def stop_transaction(self, tx: Transaction, reason: str) -> None:
        await self.station.call(
            OCPP16.transaction_stop,
            {
                "transactionId": tx.transaction_id,
                "meterStop": tx.meter_now_wh,
                "timestamp": utc_now(),
                "reason": v16_stop_reason(self.station, tx, reason),
                "idTag": tx.id_token,
            },
        )
        await self.station.report_status(tx.evse_id, "Available")
