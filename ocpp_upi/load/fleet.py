"""N paying chargers against one CSMS in one asyncio process (``ocpp-upi fleet``).

Every charger is the suite's mock charger (every frame validated against the OCA schemas),
booted through a bounded number of concurrent handshakes, heartbeating at the CSMS's interval,
and taking paid sessions on a schedule: ``rate`` sessions a second across the fleet, each on an
idle charger picked at random, alternating the flows the profile declares. A share of the bank
credits is delivered twice at once, as a bank's retry racing its original would be.

The run is bounded by count and time: it stops scheduling at ``duration_s`` and waits for the
sessions in flight within the profile's deadlines.
"""

from __future__ import annotations

import asyncio
import math
import random
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from ocpp_upi.bank.notifier import BankNotifier
from ocpp_upi.charger.station import MockCharger
from ocpp_upi.config import ANY_IDENTITY, ChargerIdentity, Profile
from ocpp_upi.driver.driver import MockDriver
from ocpp_upi.errors import OcppUpiError
from ocpp_upi.load.journey import Journey
from ocpp_upi.load.metrics import BOOT, ONE_START, SCHEMA, SERIES, LoadMetrics
from ocpp_upi.load.psp_side import LocalPsp
from ocpp_upi.load.station import FleetStation, ObservedTrace
from ocpp_upi.ocpp.trace import TraceEntry
from ocpp_upi.ocpp.versions import check_version
from ocpp_upi.psp import MockPsp
from ocpp_upi.verdicts import ConformanceFailure, HarnessError

# Handshakes in flight at once: a boot storm of 10,000 stations is spread out instead of
# thrown at the CSMS's accept queue in one go (a real fleet reconnects over minutes). At most
# the listen backlog asyncio servers get by default (100): beyond it a CSMS's accept queue
# overflows and the dropped SYNs come back only after TCP's 1 s, 3 s, 7 s retransmissions
# (200 in flight lost 62 of 10,000 boots to the 5 s connect deadline; 100 lost none).
CONNECT_CONCURRENCY = 100
# Problems kept word for word in the result (the rest are counted).
PROBLEMS_KEPT = 20


class FleetError(OcppUpiError):
    """A fleet run that cannot start: a bad plan, or a profile that cannot carry it."""


@dataclass(frozen=True)
class FleetPlan:
    chargers: int
    duration_s: float
    rate: float  # paid sessions begun per second, across the fleet
    version: str = "2.0.1"
    amount_inr: Decimal = Decimal("100.00")
    duplicate_share: float = 0.25  # bank credits delivered twice at once
    seed: int = 0
    report_every_s: float = 5.0

    def __post_init__(self) -> None:
        if self.chargers < 1:
            raise FleetError(f"--chargers must be at least 1, got {self.chargers}")
        if not (0 < self.duration_s < math.inf and 0 < self.rate < math.inf):
            raise FleetError("--duration and --rate must be positive and finite (a bounded run)")
        if not 0 <= self.duplicate_share <= 1:
            raise FleetError("the duplicate share must be between 0 and 1")
        try:
            check_version(self.version)
        except ValueError as exc:
            raise FleetError(str(exc)) from exc


def _rss_mib() -> float:
    """This process's resident memory now (Linux /proc), in MiB."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Fleet:
    """One fleet run against the CSMS ``profile`` names; ``psp`` is the running mock PSP (None
    when the profile has no [psp])."""

    def __init__(
        self,
        plan: FleetPlan,
        profile: Profile,
        psp: MockPsp | None,
        *,
        say: Callable[[str], None] = print,
    ) -> None:
        if plan.version not in profile.target.versions:
            raise FleetError(
                f"the profile's CSMS does not declare OCPP {plan.version} "
                f"(it declares {', '.join(profile.target.versions)})"
            )
        self.plan = plan
        self.profile = profile
        self.psp = psp
        self.say = say
        self.metrics = LoadMetrics()
        self.problems: list[str] = []
        self.stations: list[FleetStation] = []
        self._rng = random.Random(plan.seed)
        self.identities = identities(profile, plan.version, plan.chargers)

    # --- problems and violations seen on the wire --------------------------------------------

    def _problem(self, text: str) -> None:
        self.metrics.count("problems")
        if len(self.problems) < PROBLEMS_KEPT:
            self.problems.append(text)

    def _on_violation(self, station: FleetStation, entry: TraceEntry) -> None:
        window = station.window
        for violation in entry.violations:
            self.metrics.broke(
                SCHEMA,
                station.identity,
                window.payment if window else "-",
                f"{entry.action or 'frame'}: {violation.message}",
            )

    def _on_stray_start(self, station: FleetStation, entry: TraceEntry) -> None:
        self.metrics.broke(
            ONE_START,
            station.identity,
            "(none)",
            f"{entry.action} with no payment being served: {entry.raw[:200]}",
        )

    # --- boot --------------------------------------------------------------------------------

    def station_for(self, identity: ChargerIdentity) -> FleetStation:
        """A mock charger of ``identity`` whose frames this fleet observes (not connected)."""
        t = self.profile.timeouts
        trace = ObservedTrace(label=identity.id, version=self.plan.version)
        charger = MockCharger(
            identity=identity.id,
            version=self.plan.version,
            ocpp_url=self.profile.target.ocpp_url,
            trace=trace,
            password=identity.password,
            tls=self.profile.station_tls(identity),
            response_timeout=t.response,
            boot_pending_limit=t.boot_pending,
        )
        charger.behaviour.evses = 1
        charger.limit_encoding = self.profile.limits
        station = FleetStation(
            charger, on_stray_start=self._on_stray_start, on_violation=self._on_violation
        )
        trace.observer = station.observe
        return station

    async def boot(self, station: FleetStation, gate: asyncio.Semaphore) -> bool:
        """Connect and boot ``station`` (``gate`` bounds the handshakes in flight); False,
        with the problem kept, when it could not."""
        async with gate:
            started = time.monotonic()
            try:
                await station.charger.connect(self.profile.timeouts.connect)
                await station.charger.boot()
            except (ConformanceFailure, HarnessError) as exc:
                self._problem(f"charger {station.identity} did not boot: {exc}")
                return False
            self.metrics.latency(BOOT, time.monotonic() - started)
            self.metrics.count("connected")
            return True

    # --- the run -----------------------------------------------------------------------------

    async def run(self) -> dict[str, Any]:
        """Boot the fleet, run the schedule, settle, close; the result as a JSON-ready dict."""
        plan = self.plan
        rss_before = _rss_mib()
        notifier, driver = self._parties()
        journey = Journey(
            self.profile,
            self.metrics,
            bank=notifier,
            psp=None if self.psp is None else LocalPsp(self.psp),
            driver=driver,
            amount_inr=plan.amount_inr,
        )
        if not journey.flows:
            raise FleetError(
                "the profile declares no payment flow ([bank], or [psp] with [pay_page])"
            )
        reporter = asyncio.ensure_future(self._report_live())
        try:
            gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
            self.stations = [self.station_for(identity) for identity in self.identities]
            booted = await asyncio.gather(*(self.boot(s, gate) for s in self.stations))
            ready = [s for s, ok in zip(self.stations, booted, strict=True) if ok]
            if not ready:
                first = self.problems[0] if self.problems else "no problem recorded"
                raise FleetError(f"no charger of {plan.chargers} booted; the first: {first}")
            boot_s = self.metrics.now()
            rss_booted = _rss_mib()
            self.say(f"fleet: {len(ready)} of {plan.chargers} chargers booted in {boot_s:.1f} s")
            sessions_s = await self._schedule(journey, ready)
        finally:
            reporter.cancel()
            await asyncio.gather(
                *(s.charger.close() for s in self.stations), return_exceptions=True
            )
            if notifier is not None:
                await notifier.aclose()
        return self._result(boot_s, sessions_s, rss_before, rss_booted, journey.flows)

    def _parties(self) -> tuple[BankNotifier | None, MockDriver | None]:
        t = self.profile.timeouts
        notifier = bank_for(self.profile)
        pay_page = self.profile.pay_page
        driver = None if pay_page is None or self.psp is None else MockDriver(pay_page, t.response)
        return notifier, driver

    async def _schedule(self, journey: Journey, ready: list[FleetStation]) -> float:
        """Begin ``rate`` sessions a second for ``duration_s`` on idle chargers; then wait for
        those in flight. Returns the seconds the sessions took, from the first to the last."""
        plan = self.plan
        loop = asyncio.get_running_loop()
        idle = list(ready)
        flows = journey.flows
        running: set[asyncio.Task[Any]] = set()
        began = loop.time()
        next_at = began
        number = 0
        while ready and loop.time() < began + plan.duration_s:
            await asyncio.sleep(max(0.0, next_at - loop.time()))  # the schedule's pace
            next_at += 1.0 / plan.rate
            if not idle:
                self.metrics.count("sessions skipped (every charger busy)")
                continue
            station = idle.pop(self._rng.randrange(len(idle)))
            flow = flows[number % len(flows)]
            number += 1
            duplicate = flow == "static QR" and self._rng.random() < plan.duplicate_share
            task = asyncio.ensure_future(self._session(journey, station, flow, duplicate))
            running.add(task)
            task.add_done_callback(running.discard)
            task.add_done_callback(partial(_back_to, idle, station))
        if running:
            await asyncio.wait(running)
        return loop.time() - began

    async def _session(
        self, journey: Journey, station: FleetStation, flow: str, duplicate: bool
    ) -> None:
        try:
            await journey.run(station, flow, duplicate=duplicate)
        except (ConformanceFailure, HarnessError, OSError) as exc:
            self._problem(f"charger {station.identity} ({flow}): {exc}")
        except Exception as exc:
            self._problem(f"charger {station.identity} ({flow}): {type(exc).__name__}: {exc}")

    async def _report_live(self) -> None:
        while True:
            await asyncio.sleep(self.plan.report_every_s)  # the console's refresh period
            self.say(self.metrics.live_line())

    def _result(
        self,
        boot_s: float,
        sessions_s: float,
        rss_before: float,
        rss_booted: float,
        flows: tuple[str, ...],
    ) -> dict[str, Any]:
        plan = self.plan
        counts = dict(self.metrics.counts)
        completed = counts.get("sessions completed", 0)
        return {
            "chargers": plan.chargers,
            "booted": counts.get("connected", 0),
            "ocpp_version": plan.version,
            "duration_s": plan.duration_s,
            "rate_per_s": plan.rate,
            "flows": list(flows),
            "boot_s": round(boot_s, 2),
            "sessions_s": round(sessions_s, 2),
            "sessions_per_s": round(completed / sessions_s, 2) if sessions_s else 0.0,
            "counts": counts,
            "latency": {name: self.metrics.summary(name) for name in SERIES},
            "rss_mib": round(_rss_mib(), 1),
            "peak_rss_mib": round(_peak_rss_mib(), 1),
            "rss_per_charger_kib": round((rss_booted - rss_before) * 1024 / plan.chargers, 1),
            "violations": [v.to_json() for v in self.metrics.violations],
            "problems": self.problems,
            "series": {
                name: [[round(t, 3), round(v * 1000, 2)] for t, v in samples]
                for name, samples in self.metrics.samples.items()
            },
        }


def bank_for(profile: Profile) -> BankNotifier | None:
    """The mock bank of the profile's [bank] table, or None when the CSMS takes no credits."""
    account = profile.bank
    if account is None:
        return None
    return BankNotifier(
        account.url,
        account.secret,
        signature_header=account.signature_header,
        timeout=profile.timeouts.response,
    )


def _back_to(idle: list[FleetStation], station: FleetStation, _task: object) -> None:
    idle.append(station)


def identities(
    profile: Profile, version: str, count: int, prefix: str = "FLEET"
) -> list[ChargerIdentity]:
    """``count`` identities: invented (``<prefix><version>-00001`` ...) when the CSMS accepts
    any, else the profile's own, which must be enough."""
    pool = profile.chargers
    if pool[0].id == ANY_IDENTITY:
        tag = version.replace(".", "")
        return [
            ChargerIdentity(id=f"{prefix}{tag}-{n:05d}", password=pool[0].password, evses=1)
            for n in range(1, count + 1)
        ]
    if len(pool) < count:
        raise FleetError(
            f"the profile names {len(pool)} charger(s) and the CSMS accepts no others: fleet "
            f'mode needs one identity per charger ({count}), or id = "*"'
        )
    return list(pool[:count])
