"""A driver's paid session on one fleet charger, with the suite's rules checked on the way.

The same journey serves ``ocpp-upi fleet`` (thousands of stations on one loop) and the Locust
user (one station per user). Every wait has a deadline from the profile's [timeouts]; the checks
that something does NOT happen again (a second start, a second refund) wait one quiet window on
an event, never a fixed sleep. A broken rule is recorded with the charger and the payment; a
flow that could not run (a refused notice, no start, no end) is counted as such, so a broken
precondition is not reported as a broken rule it cannot prove.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from decimal import Decimal

from ocpp_upi.bank.notification import credit
from ocpp_upi.bank.notifier import BankNotifier
from ocpp_upi.config import Profile
from ocpp_upi.driver.driver import MockDriver
from ocpp_upi.limits import prepaid_limit_wh
from ocpp_upi.load.metrics import (
    END_TO_REFUND,
    FLOW,
    LIMIT,
    NOTICE_TO_START,
    ONE_REFUND,
    ONE_START,
    START_TO_METER,
    LoadMetrics,
)
from ocpp_upi.load.psp_side import PspSide
from ocpp_upi.load.station import FleetStation, PaymentWindow

EVSE = 1
PAYER_VPA = "fleet.driver@okhdfc"
# The driver of a redirect session stops at this share of the energy paid for, so every such
# session leaves money to refund (the rule "one refund of the unused amount" then has work).
DRIVER_STOPS_AT = Decimal("0.6")


@dataclass(frozen=True)
class SessionOutcome:
    """How one journey ended: completed (ran and settled), or the step it could not pass."""

    flow: str
    charger: str
    payment: str
    completed: bool
    problem: str | None = None
    latencies: dict[str, float] = field(default_factory=dict)  # seconds, by series


class Journey:
    """The paid-session flows of one profile, sharing the mock bank, PSP and driver."""

    def __init__(
        self,
        profile: Profile,
        metrics: LoadMetrics,
        *,
        bank: BankNotifier | None,
        psp: PspSide | None,
        driver: MockDriver | None,
        amount_inr: Decimal = Decimal("100.00"),
    ) -> None:
        self.profile = profile
        self.metrics = metrics
        self.bank = bank
        self.psp = psp
        self.driver = driver
        self.amount = amount_inr
        self.timeouts = profile.timeouts

    @property
    def flows(self) -> tuple[str, ...]:
        """The flows this profile declares: a [bank] gives static QR, [psp] + [pay_page] the
        webpage redirect. A flow the profile does not declare is not run (nor judged)."""
        found = []
        if self.bank is not None and self.profile.bank is not None:
            found.append("static QR")
        if self.psp is not None and self.driver is not None:
            found.append("redirect")
        return tuple(found)

    def _paise(self) -> int:
        return int((self.amount * 100).to_integral_value())

    def _expected_limit_wh(self) -> int | None:
        tariff = self.profile.tariff
        if tariff is None:
            return None
        return prepaid_limit_wh(self._paise(), tariff.price_per_kwh, tariff.tax_rate)

    def _cost_paise(self, energy_wh: Decimal) -> int | None:
        """The session's cost at the profile's tariff, never more than was paid (as the
        suite's refund scenarios price it)."""
        tariff = self.profile.tariff
        return None if tariff is None else min(tariff.cost_paise(energy_wh), self._paise())

    # --- the flows ---------------------------------------------------------------------------

    async def run(self, station: FleetStation, flow: str, *, duplicate: bool) -> SessionOutcome:
        """One paid session of ``flow`` on ``station``; the station is idle again after."""
        try:
            if flow == "static QR":
                return await self._static_qr(station, duplicate=duplicate)
            return await self._redirect(station)
        finally:
            station.window = None

    async def _static_qr(self, station: FleetStation, *, duplicate: bool) -> SessionOutcome:
        """The bank credits the sticker's reference; ``duplicate`` delivers the same notice
        twice at once (a bank retry racing its original): still one start."""
        assert self.bank is not None and self.profile.bank is not None
        charger = station.charger
        charger.behaviour.stop_after_wh = None  # charges to the limit the payment bought
        reference = self.profile.static_qr.reference(charger.identity, EVSE)
        notice = credit(reference, amount=self.amount, payee_vpa=self.profile.bank.merchant_vpa)
        window = self._open(station, "static QR", notice.utr)
        copies = 2 if duplicate else 1
        exchanges = await asyncio.gather(*(self.bank.deliver(notice) for _ in range(copies)))
        self.metrics.count("duplicate notices" if duplicate else "notices")
        if not any(e.status is not None and 200 <= e.status < 300 for e in exchanges):
            answers = ", ".join(str(e.status) for e in exchanges)
            return self._stopped(station, window, f"the bank notice was answered HTTP {answers}")
        return await self._session(station, window, refund=False)

    async def _redirect(self, station: FleetStation) -> SessionOutcome:
        """The driver pays through the pay page and the PSP; the unused money is refunded."""
        assert self.psp is not None and self.driver is not None
        charger = station.charger
        limit = self._expected_limit_wh()
        if limit is not None:
            charger.behaviour.stop_after_wh = float(
                (Decimal(limit) * DRIVER_STOPS_AT).to_integral_value()
            )
        checkout = await self.driver.checkout(charger.identity, EVSE, self.amount)
        if checkout.intent_link is None:
            window = self._open(station, "redirect", "(no payment)")
            return self._stopped(station, window, f"no intent link: {checkout.problem}")
        window = self._open(station, "redirect", "(paying)")
        payment = await self.psp.pay_link(checkout.intent_link, PAYER_VPA)
        window.payment = str(payment.get("id", "?"))
        self.metrics.count("notices")
        return await self._session(station, window, refund=True)

    def _open(self, station: FleetStation, flow: str, payment: str) -> PaymentWindow:
        # A new payment: the charger forgets which transaction it last ran on the EVSE, so
        # the waits below see this payment's session, not the previous one.
        station.charger.last_transactions.pop(EVSE, None)
        window = PaymentWindow(flow=flow, payment=payment, noticed_at=time.time())
        station.window = window
        return window

    def _stopped(self, station: FleetStation, window: PaymentWindow, why: str) -> SessionOutcome:
        self.metrics.count("sessions not run")
        self.metrics.broke(FLOW, station.identity, window.payment, why)
        return SessionOutcome(
            window.flow, station.identity, window.payment, False, why, window.latencies
        )

    def _latency(self, window: PaymentWindow, series: str, seconds: float) -> None:
        window.latencies[series] = seconds
        self.metrics.latency(series, seconds)

    async def _session(
        self, station: FleetStation, window: PaymentWindow, *, refund: bool
    ) -> SessionOutcome:
        charger = station.charger
        t = self.timeouts
        tx = await charger.wait_started(EVSE, t.remote_start + t.response)
        if window.remote_starts:
            self._latency(window, NOTICE_TO_START, window.remote_starts[0] - window.noticed_at)
        if tx is None:
            return self._stopped(
                station, window, f"no transaction began within {t.remote_start + t.response:g} s"
            )
        self.metrics.count("sessions started")
        ended = await charger.wait_ended(EVSE, t.settlement)
        ended_at = window.ended_at or time.time()
        if window.started_at is not None and window.first_meter_at is not None:
            self._latency(window, START_TO_METER, window.first_meter_at - window.started_at)
        if ended is None:
            return self._stopped(
                station, window, f"the session did not end within {t.settlement:g} s"
            )
        energy = Decimal(int(ended.energy_wh))
        self._check_limit(station, window, ended.limit_wh, energy)
        if refund:
            await self._check_refund(station, window, energy, ended_at)
        # One quiet window for a late second start of the same payment (a duplicate notice
        # or a webhook retry acted on twice).
        if len(window.remote_starts) < 2:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(window.another_start.wait(), t.quiet_window)
        if len(window.remote_starts) > 1:
            self.metrics.broke(
                ONE_START,
                station.identity,
                window.payment,
                f"{len(window.remote_starts)} remote starts for one {window.flow} payment",
            )
        self.metrics.count("sessions completed")
        return SessionOutcome(
            window.flow, station.identity, window.payment, True, latencies=window.latencies
        )

    def _check_limit(
        self, station: FleetStation, window: PaymentWindow, sent: float | None, energy: Decimal
    ) -> None:
        expected = self._expected_limit_wh()
        if expected is None:
            return
        if sent is not None and int(sent) != expected:
            self.metrics.broke(
                LIMIT,
                station.identity,
                window.payment,
                f"limit {sent:g} Wh sent, {self._paise()} paise buy {expected} Wh",
            )
        elif energy > expected:
            self.metrics.broke(
                LIMIT,
                station.identity,
                window.payment,
                f"{energy} Wh delivered, {self._paise()} paise buy {expected} Wh",
            )

    async def _check_refund(
        self, station: FleetStation, window: PaymentWindow, energy: Decimal, ended_at: float
    ) -> None:
        assert self.psp is not None
        cost = self._cost_paise(energy)
        payment_id = window.payment
        t = self.timeouts
        first = await self.psp.refunds(payment_id, after=0, wait=t.settlement)
        if not first.call_times:
            self.metrics.broke(
                ONE_REFUND, station.identity, payment_id, f"no refund within {t.settlement:g} s"
            )
            return
        self.metrics.count("refunds")
        self._latency(window, END_TO_REFUND, max(0.0, first.call_times[0] - ended_at))
        # A second refund (another idempotency key) may come late: one quiet window for it.
        seen = await self.psp.refunds(payment_id, after=1, wait=t.quiet_window)
        refunded = seen.refunded_paise
        if len(seen.call_times) > 1 or len(seen.refunds) > 1:
            self.metrics.broke(
                ONE_REFUND,
                station.identity,
                payment_id,
                f"{len(seen.refunds)} refunds ({refunded} paise)",
            )
        elif cost is not None and refunded != self._paise() - cost:
            self.metrics.broke(
                ONE_REFUND,
                station.identity,
                payment_id,
                f"refunded {refunded} paise; paid {self._paise()} minus the cost of "
                f"{energy} Wh ({cost} paise) is {self._paise() - cost}",
            )
