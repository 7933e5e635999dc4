"""Prepaid limits on the reference CSMS: tell the station, and meter in case it cannot stop.

Seed section 3.3: a paid session must not use more energy than its amount buys. How the limit
reaches the station depends on the version:

* 2.1: ``transactionLimit.maxEnergy`` (Wh) in the TransactionEventResponse to Started, plus
  ``maxCost`` (rupees, the amount paid) when the station says it can compute cost.
* 2.0.1: the same object inside that response's ``customData``:
  ``{"vendorId": "ocpp-upi.prepaid", "transactionLimit": {"maxEnergy": <Wh>}}`` (2.0.1 has no
  transactionLimit; CustomDataType needs vendorId and allows extra properties).
* 1.6: after StartTransaction.conf is on the wire, a DataTransfer ``ocpp-upi.prepaid`` /
  ``TransactionLimit`` with ``data = '{"transactionId": <id>, "maxEnergy": <Wh>}'``. Only an
  ``Accepted`` answer hands the limit to the station; anything else (UnknownVendorId,
  UnknownMessageId, Rejected, a CALLERROR, no answer) leaves the CSMS metering it.

Capability signal for maxCost (chosen here, since OCPP defines none the CSMS sees in the
transaction itself): the station's Started TransactionEventRequest carries top-level
``customData = {"vendorId": "ocpp-upi.prepaid", "computesCost": true}``. It is schema-valid in
2.0.1 and 2.1, arrives in the very message whose answer carries the limit (no per-connection
state), and is what the mock charger sends when ``behaviour.computes_cost`` is True.

CSMS-side metering (the only way before 2.1, seed 3.3): each MeterValues (1.6) or
TransactionEvent Updated (2.x) gives energy = register - start register (Wh; kWh honoured by
``meter.py``); once it reaches the limit the CSMS sends RemoteStopTransaction (1.6) or
RequestStopTransaction (2.x), once, from a background task. A station trusted to enforce (2.x
that was sent a limit, 1.6 that accepted it) stops exactly at the limit, so for it the stop is a
safety net that fires only once the reading is past the limit: it then never races the
station's own ``EnergyLimitReached`` stop. Either way the overshoot of a station that does not
stop is at most about one meter interval of energy.

Payloads built here are snake_case: the ``ocpp`` package camelCases every key on the way out
and snake_cases every key on the way in (``computesCost`` arrives as ``computes_cost``).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from ocpp_upi.csms.ledger import PaymentRecord
from ocpp_upi.csms.money import PAISE_PER_RUPEE
from ocpp_upi.csms.payments_base import PaymentsBase
from ocpp_upi.limits import prepaid_limit_wh

LOGGER = logging.getLogger("ocpp_upi.csms.limits")


def camel_to_snake_case(name: str) -> str:
    """``transactionLimit`` -> ``transaction_limit``: what the ``ocpp`` package turns back."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


COMPUTES_COST_SNAKE = "computes_cost"  # ``ocpp_upi.limits.COMPUTES_COST_KEY`` once snake_cased


class LimitStation(Protocol):
    """What the limit rules need of a connected charger's OCPP handler."""

    async def request_remote_stop(self, transaction_id: str) -> str: ...


class DataTransferStation(LimitStation, Protocol):
    """A 1.6 handler: can also send a DataTransfer and return its status."""

    async def send_data_transfer(self, vendor_id: str, message_id: str, data: str) -> str: ...


@dataclass
class LimitWatch:
    """One paid transaction the CSMS meters against its limit."""

    limit_wh: int
    station_enforces: bool
    stop_sent: bool = False


class LimitRules(PaymentsBase):
    """Mixin of ReferenceCsms: the prepaid limit of a paid session, sent and metered."""

    _limit_watches: dict[tuple[str, str], LimitWatch]

    # rules (one overridable method each) -----------------------------------------------------

    def limit_wh_for(self, payment: PaymentRecord) -> int:
        """Rule: the Wh the payment buys at the tariff, tax included, rounded down."""
        return prepaid_limit_wh(
            payment.amount_paise, self.settings.price_per_kwh, self.settings.tax_rate
        )

    def transaction_limit_wh(self, payment_id: int) -> int | None:
        """Rule: the maxEnergy (Wh) sent to the station; None sends no limit at all."""
        if not self.settings.send_transaction_limit:
            return None
        payment = self.ledger.payment(payment_id)
        return None if payment is None else self.limit_wh_for(payment)

    def limit_cost_for(self, payment: PaymentRecord) -> float:
        """Rule: maxCost is the amount paid, in rupees (the tariff's currency)."""
        return payment.amount_paise / PAISE_PER_RUPEE

    def station_computes_cost(self, custom_data: dict[str, Any] | None) -> bool:
        """Rule: the Started request's customData says the station computes cost itself."""
        return (
            isinstance(custom_data, dict)
            and custom_data.get("vendor_id") == self.settings.limit_encoding.vendor_id
            and custom_data.get(COMPUTES_COST_SNAKE) is True
        )

    def transaction_limit(self, payment_id: int, computes_cost: bool) -> dict[str, Any] | None:
        """Rule: the TransactionLimitType of a paid session: maxEnergy, and maxCost for a
        station that can compute cost (seed 3.3: cost limits need a station that can)."""
        limit_wh = self.transaction_limit_wh(payment_id)
        if limit_wh is None:
            return None
        limit: dict[str, Any] = {"max_energy": limit_wh}
        payment = self.ledger.payment(payment_id)
        if computes_cost and payment is not None:
            limit["max_cost"] = self.limit_cost_for(payment)
        return limit

    def limit_custom_data(self, limit: dict[str, Any]) -> dict[str, Any]:
        """Rule: 2.0.1 carries the limit as customData of the Started response."""
        encoding = self.settings.limit_encoding
        # The ``ocpp`` package camel-cases every key of the answer, customData's included.
        return {
            "vendor_id": encoding.vendor_id,
            camel_to_snake_case(encoding.custom_data_field): limit,
        }

    def limit_data_transfer_data(self, transaction_id: int, limit_wh: int) -> str:
        """Rule: the 1.6 DataTransfer ``data`` string naming the transaction and its Wh."""
        encoding = self.settings.limit_encoding
        return json.dumps(
            {encoding.transaction_id_field: transaction_id, encoding.max_energy_field: limit_wh}
        )

    async def send_limit_data_transfer(
        self, station: DataTransferStation, transaction_id: int, limit_wh: int
    ) -> bool:
        """Rule: offer a 1.6 station its limit; True only if it answered Accepted."""
        data = self.limit_data_transfer_data(transaction_id, limit_wh)
        try:
            encoding = self.settings.limit_encoding
            status = await station.send_data_transfer(encoding.vendor_id, encoding.message_id, data)
        except Exception as exc:  # CALLERROR, timeout, closed: the station does not enforce
            LOGGER.info("limit DataTransfer for transaction %s failed: %r", transaction_id, exc)
            return False
        LOGGER.info("limit DataTransfer for transaction %s: %s", transaction_id, status)
        return status == "Accepted"

    def should_stop_for_limit(self, energy_wh: int, limit_wh: int, station_enforces: bool) -> bool:
        """Rule: stop at the limit; a station trusted to stop itself only once it is past it."""
        return energy_wh > limit_wh if station_enforces else energy_wh >= limit_wh

    async def stop_for_limit(self, station: LimitStation, transaction_id: str) -> None:
        """Rule: RemoteStopTransaction / RequestStopTransaction, sent once."""
        try:
            status = await station.request_remote_stop(transaction_id)
        except Exception:
            LOGGER.warning("stop of transaction %s at its limit failed", transaction_id)
            return
        LOGGER.info("stop of transaction %s at its limit: %s", transaction_id, status)

    # flow, called by the OCPP handlers -------------------------------------------------------

    def watch_limit(
        self, charger_id: str, transaction_id: str, payment_id: int, *, station_enforces: bool
    ) -> LimitWatch | None:
        """Meter a paid session from now on (a repeated start keeps the first watch)."""
        key = (charger_id, transaction_id)
        watch = self._limit_watches.get(key)
        if watch is None:
            payment = self.ledger.payment(payment_id)
            if payment is None:
                return None
            watch = LimitWatch(self.limit_wh_for(payment), station_enforces)
            self._limit_watches[key] = watch
        return watch

    def offer_limit(
        self, station: DataTransferStation, charger_id: str, transaction_id: int, payment_id: int
    ) -> None:
        """1.6, after StartTransaction.conf was sent: meter the session, and offer the station
        the limit in the background (never inside a handler: its answer must be readable)."""
        watch = self.watch_limit(
            charger_id, str(transaction_id), payment_id, station_enforces=False
        )
        limit_wh = self.transaction_limit_wh(payment_id)
        if watch is None or limit_wh is None:
            return
        self.spawn(
            self._offer_limit(station, watch, transaction_id, limit_wh),
            name=f"limit-offer-{charger_id}-{transaction_id}",
        )

    async def _offer_limit(
        self, station: DataTransferStation, watch: LimitWatch, transaction_id: int, limit_wh: int
    ) -> None:
        if await self.send_limit_data_transfer(station, transaction_id, limit_wh):
            watch.station_enforces = True

    def limit_metered(
        self,
        station: LimitStation,
        charger_id: str,
        transaction_id: str,
        register_wh: int | None,
    ) -> None:
        """A new energy register reading (None: the ledger's latest): stop the session in the
        background once it reached its limit (at most once per transaction)."""
        watch = self._limit_watches.get((charger_id, transaction_id))
        record = self.ledger.transaction(charger_id, transaction_id)
        if watch is None or watch.stop_sent or record is None or record.meter_start_wh is None:
            return
        if register_wh is None:
            register_wh = record.meter_stop_wh
        if register_wh is None:
            return
        energy_wh = register_wh - record.meter_start_wh
        if not self.should_stop_for_limit(energy_wh, watch.limit_wh, watch.station_enforces):
            return
        watch.stop_sent = True
        LOGGER.info(
            "transaction %s/%s used %d Wh of its %d Wh limit: stopping it",
            charger_id,
            transaction_id,
            energy_wh,
            watch.limit_wh,
        )
        self.spawn(
            self.stop_for_limit(station, transaction_id),
            name=f"limit-stop-{charger_id}-{transaction_id}",
        )

    def run_limit_hook(self, hook: Callable[..., None], *args: Any) -> None:
        """Run a limit step from an ``ocpp`` after-hook, logging any failure: the package
        catches only KeyError there, and anything else would end the charger's connection."""
        try:
            hook(*args)
        except Exception:
            LOGGER.exception("prepaid limit step %s failed", getattr(hook, "__name__", hook))

    def limit_ended(self, charger_id: str, transaction_id: str) -> None:
        """The transaction ended: nothing more to meter."""
        self._limit_watches.pop((charger_id, transaction_id), None)

    def limit_watch(self, charger_id: str, transaction_id: str) -> LimitWatch | None:
        """The live watch of a transaction (for tests and reports)."""
        return self._limit_watches.get((charger_id, transaction_id))
