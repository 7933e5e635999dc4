"""What a scenario can set about the simulated station, in one place.

Kept apart from the station itself so a Gherkin step can say "the charger rejects remote
starts" or "the charger draws 22 kW" by changing a value, never by reaching into the protocol.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ChargerBehaviour:
    """Per-scenario knobs of the mock charger.

    ``meter_interval_s`` is real time between MeterValues; ``time_scale`` is how many simulated
    seconds of charging each real second stands for, so a scenario can charge 20 kWh in a
    fraction of a second without waiting for it.
    """

    evses: int = 1
    accept_remote_start: bool = True
    power_w: float = 7400.0
    meter_interval_s: float = 0.05
    # One 0.05 s tick stands for 4 simulated minutes, a common meter interval: 7.4 kW adds
    # ~493 Wh per tick, so a 5 kWh session takes about half a second of real time.
    time_scale: float = 4800.0
    stop_after_wh: float | None = None  # the driver stops charging once this much energy flowed
    start_after_accept: bool = True  # False: accepts a remote start but never begins charging
    # Prepaid limits (seed 3.3, see charger/limits.py): True stops exactly at a limit the CSMS
    # sent; False ignores it (1.6: answers the limit DataTransfer UnknownVendorId), so only
    # the CSMS's own metering can stop the session.
    enforces_limits: bool = True
    # True: the Started TransactionEvent (2.x) says the station can compute cost, inviting
    # maxCost. It only advertises and records maxCost; the energy limit is what it meters to.
    computes_cost: bool = False
    vendor: str = "ocpp-upi"
    model: str = "MockCharger"
    firmware: str = "0.1.0"

    def energy_per_interval_wh(self) -> float:
        """Energy one meter interval adds, in Wh (power times simulated time)."""
        return self.power_w * self.meter_interval_s * self.time_scale / 3600.0
