"""A real browser as the driver's phone: for pay pages that need JavaScript.

Many CPO pay pages build their form or their UPI intent with JavaScript, which the HTTP driver
(an HTTP client and an HTML parser) cannot run. This driver does the same checkout in the
system's Chromium through Playwright (never a browser download: the executable is the one the
machine has, ``/usr/bin/chromium`` unless the profile names another), with the same CSS
selectors from the profile and the same records of every page it saw.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

from ocpp_upi.config import PayPage
from ocpp_upi.driver.driver import Checkout, PageVisit
from ocpp_upi.driver.page import amount_text, same_amount
from ocpp_upi.errors import OcppUpiError

DEFAULT_CHROMIUM = "/usr/bin/chromium"
# Headless, offline, and nothing that phones home: the harness talks to loopback only.
CHROMIUM_ARGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


class BrowserCheckoutError(OcppUpiError):
    """The page does not offer what the driver wants to choose."""


class BrowserUnavailable(OcppUpiError, RuntimeError):
    """No Chromium or no Playwright on this machine: the profile asks for the browser driver."""


def chromium_path(configured: str | None = None) -> str:
    path = configured or os.environ.get("OCPP_UPI_CHROMIUM") or DEFAULT_CHROMIUM
    if not os.access(path, os.X_OK):
        raise BrowserUnavailable(
            f"the browser driver needs Chromium at {path} (Debian: apt-get install chromium; "
            "or set [pay_page] browser_path / OCPP_UPI_CHROMIUM)"
        )
    return path


class BrowserDriver:
    """The driver's phone with JavaScript: same interface as ``MockDriver``."""

    def __init__(self, pay_page: PayPage, timeout: float) -> None:
        self.pay_page = pay_page
        self.timeout = timeout

    @asynccontextmanager
    async def _page(self) -> AsyncIterator[Any]:
        try:
            from playwright.async_api import async_playwright
        except ImportError as exc:  # pinned in pyproject; absent only in a broken install
            raise BrowserUnavailable(f"the browser driver needs Playwright ({exc})") from exc
        executable = chromium_path(self.pay_page.browser_path)
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=executable, args=list(CHROMIUM_ARGS)
            )
            try:
                page = await browser.new_page()
                page.set_default_timeout(self.timeout * 1000)
                yield page
            finally:
                await browser.close()

    async def _goto(self, page: Any, url: str) -> PageVisit:
        from playwright.async_api import Error as PlaywrightError

        try:
            response = await page.goto(url, wait_until="load")
        except PlaywrightError as exc:
            return PageVisit("GET", url, None, error=str(exc).splitlines()[0])
        status = response.status if response is not None else None
        return PageVisit("GET", page.url, status, await page.content())

    async def _choose(self, page: Any, amount: Decimal) -> None:
        """Tick the radio button of ``amount`` (preset amounts) or type it into the field."""
        controls = await page.query_selector_all(self.pay_page.amount_field)
        if not controls:
            await page.wait_for_selector(self.pay_page.amount_field)  # raises at the deadline
            controls = await page.query_selector_all(self.pay_page.amount_field)
        radios = [c for c in controls if (await c.get_attribute("type") or "").lower() == "radio"]
        if not radios:
            await controls[0].fill(amount_text(amount))
            return
        for radio in radios:
            if same_amount(await radio.get_attribute("value") or "", amount):
                await radio.check()
                return
        offered = [await r.get_attribute("value") for r in radios]
        raise BrowserCheckoutError(f"the page offers no amount {amount_text(amount)} ({offered})")

    async def open(self, url: str) -> PageVisit:
        async with self._page() as page:
            return await self._goto(page, url)

    async def checkout(self, charger_id: str, evse: int, amount: Decimal) -> Checkout:
        """Open the EVSE's pay page, let its scripts run, choose ``amount``, submit, and read
        the intent link from the page the browser ends on."""
        from playwright.async_api import Error as PlaywrightError

        result = Checkout()
        url = self.pay_page.url(charger_id, evse)
        async with self._page() as page:
            first = await self._goto(page, url)
            result.visits.append(first)
            if first.status != 200:
                result.problem = f"the pay page {url} answered {first.status or first.error}"
                return result
            try:
                await self._choose(page, amount)
                async with page.expect_navigation(wait_until="load"):
                    await page.click(self.pay_page.submit)
                await page.wait_for_selector(self.pay_page.intent_link, state="attached")
                link = await page.get_attribute(self.pay_page.intent_link, "href")
            except (PlaywrightError, BrowserCheckoutError) as exc:
                result.visits.append(PageVisit("FORM", page.url, None, await page.content()))
                result.problem = f"checkout in the browser failed: {str(exc).splitlines()[0]}"
                return result
            result.visits.append(PageVisit("FORM", page.url, 200, await page.content()))
            result.intent_link = link
        return result
