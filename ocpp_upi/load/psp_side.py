"""The payer's and the auditor's side of the mock PSP, wherever the PSP runs.

``ocpp-upi fleet`` holds the mock PSP on its own loop (``LocalPsp``); Locust workers are many
processes on many machines while the CSMS knows one PSP base URL, so they reach the one mock
PSP (``ocpp-upi mock-psp``) through its control API (``RemotePsp``). Both pay a UPI intent link
as the driver's app would, and wait on the PSP's event (a refund call for a payment) with a
deadline, never a poll.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from ocpp_upi.psp import MockPsp


@dataclass(frozen=True)
class Refunds:
    """A payment's refund calls answered 2xx (unix time each arrived) and the refunds made."""

    call_times: list[float]
    refunds: list[dict[str, Any]]

    @property
    def refunded_paise(self) -> int:
        return sum(int(r.get("amount", 0)) for r in self.refunds)


class PspSide(Protocol):
    async def pay_link(self, link: str, payer_vpa: str) -> dict[str, Any]: ...

    async def refunds(self, payment_id: str, *, after: int, wait: float) -> Refunds: ...


class LocalPsp:
    """The mock PSP on this process's loop."""

    def __init__(self, psp: MockPsp) -> None:
        self.psp = psp

    async def pay_link(self, link: str, payer_vpa: str) -> dict[str, Any]:
        return await self.psp.pay_link(link, payer_vpa)

    async def refunds(self, payment_id: str, *, after: int, wait: float) -> Refunds:
        calls, refunds = await self.psp.refunds_of(payment_id, after, wait)
        return Refunds([c.at for c in calls], refunds)


class RemotePsp:
    """A mock PSP in another process, through its control API (``/_control/``)."""

    def __init__(self, base_url: str, timeout: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._client = httpx.AsyncClient(base_url=self.base_url, timeout=timeout)

    async def pay_link(self, link: str, payer_vpa: str) -> dict[str, Any]:
        answer = await self._client.post(
            "/_control/pay", json={"link": link, "payer_vpa": payer_vpa}
        )
        answer.raise_for_status()
        paid: dict[str, Any] = answer.json()
        return paid

    async def refunds(self, payment_id: str, *, after: int, wait: float) -> Refunds:
        answer = await self._client.get(
            f"/_control/payments/{payment_id}/refunds",
            params={"after": after, "wait": wait},
            timeout=self.timeout + wait,
        )
        answer.raise_for_status()
        data = answer.json()
        return Refunds([float(c["at"]) for c in data["calls"]], list(data["refunds"]))

    async def aclose(self) -> None:
        await self._client.aclose()
