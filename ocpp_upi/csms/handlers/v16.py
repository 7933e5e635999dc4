"""OCPP 1.6J side of the reference CSMS.

1.6 has no remoteStartId, so a StartTransaction is tied to its payment through the idTag the
remote start used (the payment's UTR: 12 digits, inside 1.6's 20-character idTag limit; for a
PSP payment the last 20 characters of its id). A session whose PSP payment was already refunded
as never started is answered Invalid, so the charge point stops it.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ocpp.routing import after, on
from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.datatypes import IdTagInfo
from ocpp.v16.enums import (
    Action,
    AuthorizationStatus,
    DataTransferStatus,
    RegistrationStatus,
)

from ocpp_upi.csms.clock import utc_now
from ocpp_upi.csms.handlers.base import HandlerBase
from ocpp_upi.csms.meter import energy_register_wh

_ACCEPTED = IdTagInfo(status=AuthorizationStatus.accepted)
_INVALID = IdTagInfo(status=AuthorizationStatus.invalid)


class Ocpp16Handler(HandlerBase, ChargePoint):
    """Answers a 1.6 charge point and sends it RemoteStartTransaction."""

    ACTIONS: ClassVar = Action
    # (transactionId, payment id) of the paid StartTransaction just answered: its limit is
    # offered by the after-hook, once the conf is on the wire (the ``ocpp`` package handles
    # one incoming CALL at a time, so no other StartTransaction can come in between).
    _limit_offer: tuple[int, int] | None = None

    async def request_remote_stop(self, transaction_id: str) -> str:
        """RemoteStopTransaction (the CSMS's own prepaid metering); the charger's status."""
        request = call.RemoteStopTransaction(transaction_id=int(transaction_id))
        response = await self.call(request, suppress=False)
        return str(response.status)

    async def send_data_transfer(self, vendor_id: str, message_id: str, data: str) -> str:
        """A DataTransfer CALL (the prepaid-limit backport); the charger's status."""
        request = call.DataTransfer(vendor_id=vendor_id, message_id=message_id, data=data)
        response = await self.call(request, suppress=False)
        return str(response.status)

    async def request_remote_start(
        self, evse_id: int, id_token: str, remote_start_id: int, *, paid: bool = True
    ) -> str:
        request = call.RemoteStartTransaction(id_tag=id_token, connector_id=evse_id)
        response = await self.call(request, suppress=False)
        return str(response.status)

    @on(Action.boot_notification)
    async def on_boot_notification(self, **_: Any) -> call_result.BootNotification:
        return call_result.BootNotification(
            current_time=utc_now(),
            interval=self.csms.settings.heartbeat_interval,
            status=RegistrationStatus.accepted,
        )

    @on(Action.heartbeat)
    async def on_heartbeat(self, **_: Any) -> call_result.Heartbeat:
        return call_result.Heartbeat(current_time=utc_now())

    @on(Action.status_notification)
    async def on_status_notification(
        self, connector_id: int, **_: Any
    ) -> call_result.StatusNotification:
        await self.note_evse(connector_id)
        return call_result.StatusNotification()

    @on(Action.authorize)
    async def on_authorize(self, **_: Any) -> call_result.Authorize:
        return call_result.Authorize(id_tag_info=_ACCEPTED)

    @on(Action.start_transaction)
    async def on_start_transaction(
        self, connector_id: int, id_tag: str, meter_start: int, timestamp: str, **_: Any
    ) -> call_result.StartTransaction:
        ledger = self.csms.ledger
        payment_id = ledger.payment_for_token(self.id, id_tag)
        transaction_id = ledger.open_ocpp16_transaction(
            charger_id=self.id,
            evse_id=connector_id,
            id_token=id_tag,
            payment_id=payment_id,
            meter_start_wh=meter_start,
            started_at=timestamp,
        )
        authorized = payment_id is None or self.csms.session_started(payment_id)
        self._limit_offer = None
        if authorized and payment_id is not None:
            self._limit_offer = (transaction_id, payment_id)
        return call_result.StartTransaction(
            transaction_id=transaction_id, id_tag_info=_ACCEPTED if authorized else _INVALID
        )

    @after(Action.start_transaction)
    def after_start_transaction(self, **_: Any) -> None:
        """Offer the prepaid limit of the session just started (seed 3.3, csms/limits.py)."""
        offer, self._limit_offer = self._limit_offer, None
        if offer is not None:
            self.csms.run_limit_hook(self.csms.offer_limit, self, self.id, *offer)

    @on(Action.meter_values)
    async def on_meter_values(self, **_: Any) -> call_result.MeterValues:
        return call_result.MeterValues()

    @after(Action.meter_values)
    def after_meter_values(
        self, meter_value: list[dict[str, Any]], transaction_id: int | None = None, **_: Any
    ) -> None:
        """Meter a paid session against its prepaid limit; a stop goes after this conf."""
        if transaction_id is not None:
            self.csms.run_limit_hook(self._meter_limit, str(transaction_id), meter_value)

    def _meter_limit(self, transaction_id: str, meter_value: list[dict[str, Any]]) -> None:
        register_wh = energy_register_wh(meter_value)
        if register_wh is not None:
            self.csms.limit_metered(self, self.id, transaction_id, register_wh)

    @on(Action.stop_transaction)
    async def on_stop_transaction(
        self,
        transaction_id: int,
        meter_stop: int,
        timestamp: str,
        id_tag: str | None = None,
        **_: Any,
    ) -> call_result.StopTransaction:
        ledger = self.csms.ledger
        ledger.ensure_transaction(self.id, str(transaction_id))
        ledger.update_transaction(
            self.id, str(transaction_id), meter_stop_wh=meter_stop, ended_at=timestamp
        )
        self.csms.transaction_ended(self.id, str(transaction_id))
        self.csms.limit_ended(self.id, str(transaction_id))
        return call_result.StopTransaction(id_tag_info=_ACCEPTED if id_tag else None)

    @on(Action.data_transfer)
    async def on_data_transfer(self, **_: Any) -> call_result.DataTransfer:
        return call_result.DataTransfer(status=DataTransferStatus.unknown_vendor_id)
