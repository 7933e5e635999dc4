"""Behaviour shared by the OCPP 2.0.1 and 2.1 handlers.

The two versions name their messages and fields alike; what differs is the module of payload
classes (``self._call`` / ``self._call_result``, set by each ``ocpp`` ChargePoint), the idToken
type a payment-triggered start may use, and whether a prepaid limit has a standard field.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ocpp.routing import after, on
from ocpp.v201.enums import Action

from ocpp_upi.csms.clock import utc_now
from ocpp_upi.csms.handlers.base import HandlerBase
from ocpp_upi.csms.ledger import TransactionRecord
from ocpp_upi.csms.meter import energy_readings_wh

STARTED, UPDATED, ENDED = "Started", "Updated", "Ended"


class V2Handlers(HandlerBase):
    """Routes for 2.x; mixed in before ``ocpp.v201.ChargePoint`` or ``ocpp.v21.ChargePoint``."""

    # The idToken type used for a remote start paid by UPI.
    ID_TOKEN_TYPE: ClassVar[str]
    _call: Any
    _call_result: Any

    async def request_remote_start(
        self, evse_id: int, id_token: str, remote_start_id: int, *, paid: bool = True
    ) -> str:
        """``paid``: a payment's start carries the version's payment token type (2.1
        DirectPayment); an operator's start nobody paid for is ``Central``."""
        token_type = self.ID_TOKEN_TYPE if paid else "Central"
        request = self._call.RequestStartTransaction(
            id_token={"id_token": id_token, "type": token_type},
            remote_start_id=remote_start_id,
            evse_id=evse_id,
        )
        response = await self.call(request, suppress=False)  # type: ignore[attr-defined]
        return str(response.status)

    def transaction_event_response(
        self, event_type: str, id_token: dict[str, Any] | None, record: TransactionRecord
    ) -> Any:
        """idTokenInfo whenever the request carried an idToken (the schema requires it then)."""
        status = "Accepted" if self.session_authorized(record) else "Invalid"
        id_token_info = {"status": status} if id_token else None
        return self._call_result.TransactionEvent(id_token_info=id_token_info)

    @on(Action.boot_notification)
    async def on_boot_notification(self, **_: Any) -> Any:
        return self._call_result.BootNotification(
            current_time=utc_now(),
            interval=self.csms.settings.heartbeat_interval,
            status="Accepted",
        )

    @on(Action.heartbeat)
    async def on_heartbeat(self, **_: Any) -> Any:
        return self._call_result.Heartbeat(current_time=utc_now())

    @on(Action.status_notification)
    async def on_status_notification(self, evse_id: int, **_: Any) -> Any:
        await self.note_evse(evse_id)
        return self._call_result.StatusNotification()

    @on(Action.authorize)
    async def on_authorize(self, **_: Any) -> Any:
        return self._call_result.Authorize(id_token_info={"status": "Accepted"})

    @on(Action.meter_values)
    async def on_meter_values(self, **_: Any) -> Any:
        return self._call_result.MeterValues()

    @on(Action.data_transfer)
    async def on_data_transfer(self, **_: Any) -> Any:
        return self._call_result.DataTransfer(status="UnknownVendorId")

    @on(Action.transaction_event)
    async def on_transaction_event(
        self,
        event_type: str,
        timestamp: str,
        transaction_info: dict[str, Any],
        evse: dict[str, Any] | None = None,
        id_token: dict[str, Any] | None = None,
        meter_value: list[dict[str, Any]] | None = None,
        custom_data: dict[str, Any] | None = None,
        **_: Any,
    ) -> Any:
        record = self.record_transaction_event(
            event_type, timestamp, transaction_info, evse, id_token, meter_value
        )
        if record.payment_id is not None:
            # Any event of a paid transaction proves its session began (a charger that was
            # offline may send Updated or Ended first).
            self.csms.session_started(record.payment_id)
        if event_type == ENDED:
            self.csms.transaction_ended(self.id, str(transaction_info["transaction_id"]))
        response = self.transaction_event_response(event_type, id_token, record)
        self.apply_limit(event_type, record, custom_data, response)
        return response

    def apply_limit(
        self,
        event_type: str,
        record: TransactionRecord,
        custom_data: dict[str, Any] | None,
        response: Any,
    ) -> None:
        """Prepaid limit (seed 3.3, csms/limits.py): sent in the answer to Started of a paid,
        authorized session, which the CSMS meters from then on until Ended."""
        transaction_id = str(record.transaction_id)
        payment_id = record.payment_id
        if event_type == STARTED and payment_id is not None and self.session_authorized(record):
            computes_cost = self.csms.station_computes_cost(custom_data)
            limit = self.csms.transaction_limit(payment_id, computes_cost)
            if limit is not None:
                self.attach_transaction_limit(response, limit)
            self.csms.watch_limit(
                self.id, transaction_id, payment_id, station_enforces=limit is not None
            )
        elif event_type == ENDED:
            self.csms.limit_ended(self.id, transaction_id)

    @after(Action.transaction_event)
    def after_transaction_event(
        self, event_type: str, transaction_info: dict[str, Any], **_: Any
    ) -> None:
        """Meter an Updated reading against the prepaid limit; a stop goes after this reply."""
        if event_type == UPDATED:
            transaction_id = str(transaction_info.get("transaction_id"))
            self.csms.run_limit_hook(self.csms.limit_metered, self, self.id, transaction_id, None)

    def attach_transaction_limit(self, response: Any, limit: dict[str, Any]) -> None:
        """2.0.1 has no transactionLimit: the limit travels in the response's customData."""
        response.custom_data = self.csms.limit_custom_data(limit)

    async def request_remote_stop(self, transaction_id: str) -> str:
        """RequestStopTransaction (the CSMS's own prepaid metering); the station's status."""
        request = self._call.RequestStopTransaction(transaction_id=transaction_id)
        response = await self.call(request, suppress=False)  # type: ignore[attr-defined]
        return str(response.status)

    def session_authorized(self, record: TransactionRecord) -> bool:
        """False when the paying PSP payment was refunded before its session began."""
        return record.payment_id is None or self.csms.payment_authorizes_session(record.payment_id)

    def record_transaction_event(
        self,
        event_type: str,
        timestamp: str,
        transaction_info: dict[str, Any],
        evse: dict[str, Any] | None,
        id_token: dict[str, Any] | None,
        meter_value: list[dict[str, Any]] | None,
    ) -> TransactionRecord:
        """Upsert the ledger row; link the payment by remoteStartId, else by idToken."""
        ledger = self.csms.ledger
        transaction_id = str(transaction_info["transaction_id"])
        record = ledger.ensure_transaction(self.id, transaction_id)
        token = id_token.get("id_token") if id_token else None
        payment_id = record.payment_id
        remote_start_id = transaction_info.get("remote_start_id")
        if payment_id is None and remote_start_id is not None:
            payment_id = ledger.payment_for_remote_start(int(remote_start_id), self.id)
        if payment_id is None and token:
            payment_id = ledger.payment_for_token(self.id, token)
        readings = energy_readings_wh(meter_value)
        first = readings[0] if readings else None
        last = readings[-1] if readings else None
        # Energy = last register reading minus the first one seen for the transaction. A lone
        # reading in an Ended event is the end, never also the start (that would read as 0 Wh
        # used and refund the whole prepayment).
        starts = record.meter_start_wh is None and (event_type != ENDED or len(readings) > 1)
        ledger.update_transaction(
            self.id,
            transaction_id,
            evse_id=evse.get("id") if evse else None,
            id_token=token,
            payment_id=payment_id,
            started_at=timestamp if event_type == STARTED else None,
            meter_start_wh=first if starts else None,
            ended_at=timestamp if event_type == ENDED else None,
            meter_stop_wh=last if event_type != STARTED else None,
        )
        updated = ledger.transaction(self.id, transaction_id)
        assert updated is not None
        return updated
