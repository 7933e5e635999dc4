"""The prepaid energy limit: how many Wh a prepaid amount buys at a tariff (seed section 3.3).

One function, shared by the reference CSMS (the limit it sends and meters) and the harness (the
limit it expects), so the two can never disagree about rounding. It lives outside both packages
because neither side may depend on the other's internals.

The arithmetic is exact: the Decimal inputs are turned into integer ratios and the limit is a
single floor division. A Decimal division rounds its quotient to the context precision, which
could lift a value just below a whole Wh onto it and sell the driver energy they did not pay for.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

PAISE_PER_RUPEE = 100
WH_PER_KWH = 1000

# The white paper's backport of 2.1's transactionLimit to 1.6 and 2.0.1 (seed section 3.3) is a
# vendor extension; both ends of it (reference CSMS, mock charger, harness) spell it from here.
PREPAID_VENDOR_ID = "ocpp-upi.prepaid"
# 1.6 DataTransfer.messageId of the limit; data = '{"transactionId": <int>, "maxEnergy": <Wh>}'.
LIMIT_MESSAGE_ID = "TransactionLimit"
# Key in the Started TransactionEventRequest's customData by which a 2.x station says it can
# compute the session's cost itself, so a CSMS may also send maxCost (seed 3.3: "For a cost
# limit the charger must be able to locally calculate the transaction cost").
COMPUTES_COST_KEY = "computesCost"


@dataclass(frozen=True)
class LimitEncoding:
    """How a CSMS spells the prepaid limit on 1.6 and 2.0.1, where OCPP has no field for it.

    The seed (section 3.3) fixes only the mechanism (2.0.1 customData on the Started response,
    1.6 a DataTransfer); a real CSMS has its own vendorId, messageId and field names. The
    defaults are this project's; a profile's [limits] table names a CSMS's own, and the mock
    charger, the harness's checks and the reference CSMS all read the same object."""

    vendor_id: str = PREPAID_VENDOR_ID  # 1.6 DataTransfer vendorId and 2.0.1 customData vendorId
    message_id: str = LIMIT_MESSAGE_ID  # 1.6 DataTransfer messageId
    transaction_id_field: str = "transactionId"  # in the 1.6 DataTransfer data (a JSON object)
    max_energy_field: str = "maxEnergy"  # in the 1.6 DataTransfer data, in Wh
    custom_data_field: str = "transactionLimit"  # 2.0.1 customData key of the TransactionLimit

    def describe(self) -> str:
        return (
            f"1.6 DataTransfer {self.vendor_id}/{self.message_id} with data "
            f"{{{self.transaction_id_field!r}, {self.max_energy_field!r}}}; 2.0.1 customData "
            f"{{vendorId {self.vendor_id!r}, {self.custom_data_field!r}}}"
        )


DEFAULT_LIMIT_ENCODING = LimitEncoding()


def prepaid_limit_wh(amount_paise: int, price_per_kwh: Decimal, tax_rate: Decimal) -> int:
    """Whole Wh that ``amount_paise`` buys: floor(amount / (1 + tax) / price per kWh x 1000).

    ``price_per_kwh`` is in rupees before tax, ``tax_rate`` a fraction (0.18 for 18 %). Rounded
    down, so the cost of the limit never exceeds the amount, and what is left over is less than
    the price of one more Wh. 200 INR at 10 INR/kWh -> 20000 Wh (not 20: OCPP's maxEnergy is Wh);
    with 18 % tax -> 16949 Wh.
    """
    if amount_paise < 0:
        raise ValueError(f"a prepaid amount cannot be negative, got {amount_paise} paise")
    if not (price_per_kwh.is_finite() and tax_rate.is_finite()):
        raise ValueError("price per kWh and tax rate must be finite numbers")
    price_num, price_den = price_per_kwh.as_integer_ratio()
    tax_num, tax_den = tax_rate.as_integer_ratio()
    # gross price per kWh = price x (1 + tax)
    #                     = price_num x (tax_den + tax_num) / (price_den x tax_den)
    gross_num = price_num * (tax_den + tax_num)
    gross_den = price_den * tax_den
    if gross_num <= 0:
        raise ValueError(
            f"price per kWh including tax must be positive, got {price_per_kwh} x (1 + {tax_rate})"
        )
    # Wh = amount (rupees) / gross price (rupees per kWh) x 1000
    numerator = amount_paise * WH_PER_KWH * gross_den
    denominator = PAISE_PER_RUPEE * gross_num
    return numerator // denominator
