"""Fleet mode on Locust: each Locust user is one paying charger, for runs beyond one machine.

Run it with Locust's own command, e.g. a master and workers on several machines::

    locust -f ocpp_upi/load/locust.py --master --ocpp-upi-profile my-csms.toml
    locust -f ocpp_upi/load/locust.py --worker --master-host <master>   # on each machine

Each user boots one mock charger (the suite's, every frame validated) and takes paid sessions
through the flows the profile declares, in turn: static QR from the profile's bank (a share of
the credits delivered twice at once) and, when the profile has [psp] and [pay_page], the webpage
redirect with its refund. Locust's statistics get one row per flow and one per latency of the
flow ("payment notice -> remote start", ...); every broken rule (one start per payment, the
prepaid limit, one refund to the paisa, schema violations) is a Locust failure whose message
names the rule, the charger and the payment.

The redirect flow needs the one mock PSP the CSMS is configured with, shared by every worker:
run ``ocpp-upi mock-psp --profile my-csms.toml`` (it listens on the profile's [psp] listen) and
each worker pays and audits refunds through its control API.

Locust runs on gevent and patches the standard library, so the harness's background event loop
(``ocpp_upi.runtime.LoopThread``) runs in a greenlet: a user waits for its journey cooperatively,
and the other users of the worker go on meanwhile.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import threading
import time
from dataclasses import dataclass
from typing import Any

from locust import User, constant_pacing, events, task
from locust.env import Environment

from ocpp_upi.config import ChargerIdentity, Profile, load_profile
from ocpp_upi.driver.driver import MockDriver
from ocpp_upi.load.fleet import Fleet, FleetPlan, bank_for, identities
from ocpp_upi.load.journey import Journey
from ocpp_upi.load.metrics import BOOT, LoadMetrics, RuleViolation
from ocpp_upi.load.psp_side import RemotePsp
from ocpp_upi.load.station import FleetStation
from ocpp_upi.runtime import LoopThread
from ocpp_upi.verdicts import ConformanceFailure, HarnessError

REQUEST_TYPE = "UPI"
PROFILE_ENV = "OCPP_UPI_PROFILE"
# Identities one Locust process invents (when the profile's CSMS accepts any).
USERS_PER_PROCESS = 10_000


class RuleBroken(ConformanceFailure):
    """A rule the CSMS broke, as a Locust failure: its text names rule, charger and payment."""


@events.init_command_line_parser.add_listener
def _options(parser: Any) -> None:
    group = parser.add_argument_group("ocpp-upi")
    group.add_argument(
        "--ocpp-upi-profile",
        default=os.environ.get(PROFILE_ENV, ""),
        help=f"TOML integration profile of the CSMS (or ${PROFILE_ENV})",
    )
    group.add_argument("--ocpp-upi-version", default="2.0.1", help="OCPP version of the chargers")
    group.add_argument(
        "--ocpp-upi-duplicate-share",
        type=float,
        default=0.25,
        help="share of bank credits delivered twice at once",
    )


@dataclass
class _Worker:
    """What the users of one Locust process share: the loop, the profile, the mock bank."""

    loop: LoopThread
    profile: Profile
    fleet: Fleet
    journey: Journey
    metrics: LoadMetrics
    duplicate_share: float
    identities: list[ChargerIdentity]
    numbers: itertools.count[int]
    turns: itertools.count[int]  # which flow the next session takes


_worker: _Worker | None = None
# Locust's users start concurrently (greenlets: starting the loop yields to the others), and the
# first one creates what they all share: the others wait for it on this (gevent-patched) lock.
_creating = threading.Lock()


def _shared(environment: Environment) -> _Worker:
    with _creating:
        return _create_once(environment)


def _create_once(environment: Environment) -> _Worker:
    global _worker
    if _worker is None:
        options = environment.parsed_options
        path = getattr(options, "ocpp_upi_profile", "") or os.environ.get(PROFILE_ENV, "")
        if not path:
            raise HarnessError(f"no profile: pass --ocpp-upi-profile FILE or set ${PROFILE_ENV}")
        profile = load_profile(path)
        version = getattr(options, "ocpp_upi_version", "2.0.1")
        share = float(getattr(options, "ocpp_upi_duplicate_share", 0.25))
        # The fleet spells the stations (TLS, limit encoding, observers) as ocpp-upi fleet
        # does; this process's users take identities of its own (its pid in the prefix), so
        # the workers of one run never share a charger id.
        fleet = Fleet(FleetPlan(chargers=1, duration_s=1, rate=1, version=version), profile, None)
        pool = identities(profile, version, USERS_PER_PROCESS, prefix=f"LOCUST{os.getpid()}-")
        loop = LoopThread()
        notifier = bank_for(profile)
        psp: RemotePsp | None = None
        driver: MockDriver | None = None
        if profile.psp is not None and profile.pay_page is not None:
            psp = RemotePsp(f"http://{profile.psp.listen}", profile.timeouts.response)
            driver = MockDriver(profile.pay_page, profile.timeouts.response)
        journey = Journey(profile, fleet.metrics, bank=notifier, psp=psp, driver=driver)
        if not journey.flows:
            raise HarnessError(
                "the profile declares no payment flow ([bank], or [psp] + [pay_page])"
            )
        _worker = _Worker(
            loop,
            profile,
            fleet,
            journey,
            fleet.metrics,
            share,
            pool,
            itertools.count(),
            itertools.count(),
        )
    return _worker


class UpiChargerUser(User):
    """One charger and its drivers: boots, then a paid session every two seconds."""

    wait_time = constant_pacing(2.0)

    def on_start(self) -> None:
        shared = _shared(self.environment)
        self.shared = shared
        identity = shared.identities[next(shared.numbers) % len(shared.identities)]
        self.station: FleetStation = shared.fleet.station_for(identity)
        started = time.monotonic()
        t = shared.profile.timeouts
        booted = shared.loop.run(self._boot(), timeout=t.connect + t.boot_pending + t.response)
        problem = None if booted else RuleBroken(" ".join(shared.fleet.problems[-1:]) or "no boot")
        self._fire(BOOT, time.monotonic() - started, problem)

    async def _boot(self) -> bool:
        return await self.shared.fleet.boot(self.station, asyncio.Semaphore(1))

    @task
    def paid_session(self) -> None:
        shared = self.shared
        before = len(shared.metrics.violations)
        flows = shared.journey.flows
        flow = flows[next(shared.turns) % len(flows)]
        duplicate = flow == "static QR" and random.random() < shared.duplicate_share
        t = shared.profile.timeouts
        # Every deadline a session may wait out, in turn (pay page, start, end, refund, quiet).
        bound = 4 * t.response + t.remote_start + 2 * t.settlement + 2 * t.quiet_window + 10
        started = time.monotonic()
        outcome = shared.loop.run(
            shared.journey.run(self.station, flow, duplicate=duplicate), timeout=bound
        )
        mine = [v for v in shared.metrics.violations[before:] if v.charger == self.station.identity]
        problem = _first(mine) or (
            None if outcome.completed else RuleBroken(outcome.problem or "not completed")
        )
        self._fire(f"{flow} session", time.monotonic() - started, problem)
        for name, latency in outcome.latencies.items():
            self._fire(name, latency, None)

    def on_stop(self) -> None:
        station: FleetStation | None = getattr(self, "station", None)
        if station is not None:
            self.shared.loop.run(station.charger.close(), timeout=10.0)

    def _fire(self, name: str, seconds: float, exception: Exception | None) -> None:
        self.environment.events.request.fire(
            request_type=REQUEST_TYPE,
            name=name,
            response_time=seconds * 1000,
            response_length=0,
            exception=exception,
            context={"charger": self.station.identity},
        )


def _first(violations: list[RuleViolation]) -> RuleBroken | None:
    return RuleBroken(violations[0].describe()) if violations else None
