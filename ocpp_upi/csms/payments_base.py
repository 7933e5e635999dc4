"""What the payment mixins share: the PSP client, background work owned by the CSMS, and stop.

A PSP webhook must be answered within seconds, but what it triggers (a remote start, waiting for
the session, a refund with retries) may take much longer; so that work runs as tasks the CSMS
owns. ``stop()`` cancels them, and every wait inside them is an event wait with a deadline, so
shutting down never waits out a backoff or a start deadline.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from ocpp_upi.csms.ledger import Ledger
from ocpp_upi.csms.psp_client import PspClient
from ocpp_upi.csms.references import ReferenceFormat
from ocpp_upi.csms.registry import ChargerRegistry
from ocpp_upi.csms.settings import CsmsSettings

if TYPE_CHECKING:
    from ocpp_upi.csms.ledger_psp import RefundRecord

LOGGER = logging.getLogger("ocpp_upi.csms.payments")


class PaymentsBase:
    """State and helpers of ReferenceCsms used by the pay-page, webhook and refund rules."""

    settings: CsmsSettings
    ledger: Ledger
    chargers: ChargerRegistry
    references: ReferenceFormat
    _background: set[asyncio.Task[None]]
    _stopping: asyncio.Event
    _psp: PspClient | None

    if TYPE_CHECKING:
        # Provided by the other mixins and the server; declared so each mixin type-checks alone.
        @property
        def http_base_url(self) -> str: ...

        async def remote_start(
            self, charger_id: str, evse_id: int, id_token: str, payment_id: int | None
        ) -> str: ...

        async def refund_payment(
            self,
            *,
            psp_payment_id: str,
            payment_id: int | None,
            order_id: str | None,
            amount_paise: int,
            reason: str,
        ) -> RefundRecord | None: ...

    @property
    def psp(self) -> PspClient:
        """The PSP API client; only exists while a CSMS with ``psp_base_url`` is running."""
        if self._psp is None:
            raise RuntimeError("no PSP client: psp_base_url is unset or the CSMS is not running")
        return self._psp

    def make_psp_client(self) -> PspClient:
        """Built at start(); a variant or test may point it elsewhere."""
        base_url = self.settings.psp_base_url
        if base_url is None:
            raise RuntimeError("psp_base_url is not set")
        return PspClient(
            base_url,
            self.settings.psp_key_id,
            self.settings.psp_key_secret,
            timeout=self.settings.psp_timeout_s,
        )

    def spawn(self, work: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        """Run ``work`` as a task owned by the CSMS: kept referenced, logged if it fails,
        cancelled by stop()."""
        task = asyncio.create_task(self._logged(work, name), name=name)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    @staticmethod
    async def _logged(work: Coroutine[Any, Any, None], name: str) -> None:
        try:
            await work
        except asyncio.CancelledError:
            raise
        except Exception:
            LOGGER.exception("background task %s failed", name)

    async def wait_idle(self) -> None:
        """Return once no background work is pending (work spawned meanwhile included).

        For tests and the harness's in-process CSMS; callers bound it with their own deadline.
        """
        while self._background:
            await asyncio.wait(set(self._background))

    async def pause(self, seconds: float) -> bool:
        """Wait ``seconds`` unless the CSMS is stopping; True if stop() interrupted the wait.
        An event wait with a deadline, never a bare sleep, so shutdown is immediate."""
        try:
            async with asyncio.timeout(seconds):
                await self._stopping.wait()
        except TimeoutError:
            return False
        return True
