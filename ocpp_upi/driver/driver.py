"""The mock driver's journey: open the pay page, choose an amount, submit, read the intent.

Every HTTP exchange is kept, so a failing scenario can show what the page answered; the
driver never decides a verdict itself, it reports what it saw.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

import httpx

from ocpp_upi.config import PayPage
from ocpp_upi.driver.page import PageError, fill_amount, find_intent_link
from ocpp_upi.tls import client_tls_context


@dataclass
class PageVisit:
    """One request the driver's browser made and what came back."""

    method: str
    url: str
    status: int | None
    body: str = ""
    error: str | None = None

    def describe(self) -> str:
        head = f"{self.method} {self.url} -> "
        head += f"HTTP {self.status}" if self.status is not None else f"no answer: {self.error}"
        return f"{head}\n{self.body[:4000]}"


@dataclass
class Checkout:
    """The outcome of a pay-page visit: the intent link, or why there is none."""

    visits: list[PageVisit] = field(default_factory=list)
    intent_link: str | None = None
    problem: str | None = None
    needs_javascript: bool = False  # the page's controls are not in its HTML, only its scripts


class MockDriver:
    """A phone's browser on loopback: follows redirects, submits forms, keeps every visit."""

    def __init__(self, pay_page: PayPage, timeout: float) -> None:
        self.pay_page = pay_page
        self.timeout = timeout

    async def _request(
        self, client: httpx.AsyncClient, method: str, url: str, **kwargs: object
    ) -> PageVisit:
        try:
            response = await client.request(method, url, **kwargs)  # type: ignore[arg-type]
        except httpx.HTTPError as exc:
            return PageVisit(method, url, None, error=f"{type(exc).__name__}: {exc}")
        return PageVisit(method, str(response.url), response.status_code, response.text)

    async def open(self, url: str) -> PageVisit:
        """Open a URL (e.g. a QR's ``url`` or a browser return URL) and keep what came back."""
        async with httpx.AsyncClient(
            timeout=self.timeout, follow_redirects=True, verify=client_tls_context()
        ) as client:
            return await self._request(client, "GET", url)

    async def checkout(self, charger_id: str, evse: int, amount: Decimal) -> Checkout:
        """Open the EVSE's pay page, choose ``amount``, submit, and read the intent link."""
        result = Checkout()
        url = self.pay_page.url(charger_id, evse)
        async with httpx.AsyncClient(
            timeout=self.timeout, follow_redirects=True, verify=client_tls_context()
        ) as client:
            page = await self._request(client, "GET", url)
            result.visits.append(page)
            if page.status != 200:
                result.problem = f"the pay page {url} answered {page.status or page.error}"
                return result
            try:
                form = fill_amount(
                    page.body, page.url, amount, self.pay_page.amount_field, self.pay_page.submit
                )
            except PageError as exc:
                result.problem = f"cannot choose {amount:.2f} INR on {url}: {exc}"
                result.needs_javascript = "<script" in page.body.lower()
                return result
            if form.method == "POST":
                # Encoded by hand: a form may repeat a name, which httpx's dict ``data`` cannot.
                body = urlencode(form.fields).encode()
                headers = {"Content-Type": "application/x-www-form-urlencoded"}
                answer = await self._request(
                    client, "POST", form.url, content=body, headers=headers
                )
            else:
                answer = await self._request(client, "GET", form.url, params=form.fields)
            result.visits.append(answer)
            if answer.status != 200:
                result.problem = f"submitting the pay form answered {answer.status or answer.error}"
                return result
            try:
                result.intent_link = find_intent_link(answer.body, self.pay_page.intent_link)
            except PageError as exc:
                result.problem = str(exc)
        return result
