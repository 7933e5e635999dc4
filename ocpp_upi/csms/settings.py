"""Configuration of the bundled reference CSMS.

Defaults match the seed's example sticker (``pa=cpo123@hdfcbank``, ``pn=CPO-Name``,
``tr=EVSE1234-1``) and its tariff example (10 INR per kWh), so the white paper's numbers can be
replayed as they are written. Ports default to 0 so parallel test runs never collide.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ocpp_upi.ocpp.versions import VERSIONS


@dataclass
class CsmsSettings:
    """Everything the reference CSMS needs to know; a harness profile points at the same values."""

    host: str = "127.0.0.1"
    ocpp_port: int = 0
    http_port: int = 0
    db_path: str = ":memory:"
    bank_webhook_secret: str = "reference-bank-secret"
    merchant_vpa: str = "cpo123@hdfcbank"
    payee_name: str = "CPO-Name"
    charger_password: str | None = None
    heartbeat_interval: int = 300
    price_per_kwh: Decimal = Decimal("10")
    tax_rate: Decimal = Decimal("0")
    reference_template: str = "{charger_id}-{evse}"
    # Kept below BankNotifier's default 5 s delivery timeout, so a bank waiting on the webhook
    # always gets the start outcome rather than timing out first.
    remote_start_timeout: float = 4.0
    ocpp_versions: tuple[str, ...] = VERSIONS
    # Set the OCPP 2.1 transactionLimit.maxEnergy in the Started response of a paid session
    # (seed section 3.3); 1.6 and 2.0.1 have no standard field for it.
    send_transaction_limit: bool = True
