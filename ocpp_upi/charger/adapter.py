"""The contract every protocol adapter fulfils, and the choice of adapter by version."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ocpp_upi.charger.station import MockCharger, Transaction
    from ocpp_upi.ocpp.session import OcppSession


class ProtocolAdapter(ABC):
    """Spells the station's decisions in one OCPP version's messages."""

    version: str
    # The idToken type of a driver's card presented at the station (None: 1.6 has no types).
    LOCAL_ID_TOKEN_TYPE: str | None = None

    def __init__(self, station: MockCharger) -> None:
        self.station = station

    @abstractmethod
    def boot_request(self) -> tuple[str, dict[str, Any]]: ...

    @abstractmethod
    def status_request(self, evse_id: int, status: str) -> tuple[str, dict[str, Any]]:
        """``status`` is the 1.6 vocabulary (Available, Preparing, Charging, Finishing)."""

    @abstractmethod
    def authorize_request(self, id_token: str) -> tuple[str, dict[str, Any]]:
        """The Authorize CALL for a driver's card presented at the station."""

    @staticmethod
    @abstractmethod
    def authorization_status(answer: dict[str, Any]) -> str | None:
        """The status in an Authorize (or transaction start) answer's idTag/idToken info."""

    @abstractmethod
    def register_handlers(self, session: OcppSession) -> None: ...

    @abstractmethod
    async def start_transaction(self, tx: Transaction) -> None: ...

    @abstractmethod
    async def send_meter_values(self, tx: Transaction) -> None: ...

    @abstractmethod
    async def stop_transaction(self, tx: Transaction, reason: str) -> None: ...

    @staticmethod
    @abstractmethod
    def remote_start_actions() -> frozenset[str]:
        """The CALL actions by which a CSMS remotely starts a transaction in this version."""


def adapter_for(station: MockCharger) -> ProtocolAdapter:
    from ocpp_upi.charger.v16 import Ocpp16Adapter
    from ocpp_upi.charger.v21 import Ocpp21Adapter
    from ocpp_upi.charger.v201 import Ocpp201Adapter

    adapters: dict[str, type[ProtocolAdapter]] = {
        "1.6": Ocpp16Adapter,
        "2.0.1": Ocpp201Adapter,
        "2.1": Ocpp21Adapter,
    }
    return adapters[station.version](station)
