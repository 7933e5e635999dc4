"""Reading the mock PSP's ledger and API log: what the CSMS actually did at the PSP."""

from __future__ import annotations

import re
from typing import Any

from ocpp_upi.psp import MockPsp

REFUND_PATH = re.compile(r"^/v1/payments/(?P<payment>[^/]+)/refund$")


def order_of(psp: MockPsp, order_id: str) -> dict[str, Any] | None:
    return psp.ledger.copy_of("orders", order_id)


def refunds_of(psp: MockPsp, payment_id: str) -> list[dict[str, Any]]:
    return psp.ledger.copies_where("refunds", "payment_id", payment_id)


def refunded_payment(call: Any) -> str | None:
    """The payment id a refund request names, or None for any other API call."""
    match = REFUND_PATH.match(getattr(call, "path", ""))
    return match["payment"] if match and getattr(call, "method", "") == "POST" else None


def refund_calls(psp: MockPsp, since: int = 0, payment_id: str | None = None) -> list[Any]:
    """Every refund request the CSMS sent (answered or not), oldest first."""
    calls = []
    for call in psp.api_calls[since:]:
        match = REFUND_PATH.match(call.path)
        if call.method == "POST" and match:
            if payment_id is None or match["payment"] == payment_id:
                calls.append(call)
    return calls
