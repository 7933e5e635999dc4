"""What a load run measured: counters, latency series with percentiles, broken rules.

Kept apart from the flows so the fleet, the Locust user and the report read one object. A
latency series keeps every sample with the moment it was taken: the report plots latency over
time, and a percentile of a few thousand floats costs nothing next to the run that made them.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

# The latencies of a paid session, in the order a driver lives them.
BOOT = "boot"
NOTICE_TO_START = "payment notice -> remote start"
START_TO_METER = "start -> first meter value"
END_TO_REFUND = "session end -> refund"
SERIES = (BOOT, NOTICE_TO_START, START_TO_METER, END_TO_REFUND)

# The rules fleet mode checks, named as the suite's scenarios name them.
ONE_START = "one remote start per payment"
LIMIT = "prepaid limit"
ONE_REFUND = "one refund of the unused amount, to the paisa"
SCHEMA = "OCPP frames valid against the OCA schemas"
FLOW = "the paid session ran to its end"


def percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile (``share`` 0.99 for p99), or None without samples."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class RuleViolation:
    """One broken rule, with what a CPO needs to find it: the charger and the payment."""

    rule: str
    charger: str
    payment: str
    detail: str
    at: float  # seconds since the run began

    def describe(self) -> str:
        return f"{self.rule}: charger {self.charger}, payment {self.payment}: {self.detail}"

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "charger": self.charger,
            "payment": self.payment,
            "detail": self.detail,
            "at_s": round(self.at, 3),
        }


@dataclass
class LoadMetrics:
    """Counters, latency samples ``(seconds since start, latency seconds)`` and violations."""

    started_at: float = field(default_factory=time.monotonic)
    counts: Counter[str] = field(default_factory=Counter)
    samples: dict[str, list[tuple[float, float]]] = field(
        default_factory=lambda: {name: [] for name in SERIES}
    )
    violations: list[RuleViolation] = field(default_factory=list)

    def now(self) -> float:
        return time.monotonic() - self.started_at

    def count(self, what: str, n: int = 1) -> None:
        self.counts[what] += n

    def latency(self, series: str, seconds: float) -> None:
        self.samples[series].append((self.now(), seconds))

    def broke(self, rule: str, charger: str, payment: str, detail: str) -> RuleViolation:
        violation = RuleViolation(rule, charger, payment, detail, self.now())
        self.violations.append(violation)
        return violation

    def summary(self, series: str) -> dict[str, float | int | None]:
        """Count and p50/p95/p99 of one series, in milliseconds."""
        values = [latency for _, latency in self.samples[series]]

        def ms(share: float) -> float | None:
            found = percentile(values, share)
            return None if found is None else round(found * 1000, 1)

        return {"count": len(values), "p50_ms": ms(0.50), "p95_ms": ms(0.95), "p99_ms": ms(0.99)}

    def live_line(self) -> str:
        """One line for the console while the run goes on."""
        c = self.counts
        p99 = self.summary(NOTICE_TO_START)["p99_ms"]
        return (
            f"{self.now():7.1f}s  connected {c['connected']:>6}  sessions started "
            f"{c['sessions started']:>5} completed {c['sessions completed']:>5} refunded "
            f"{c['refunds']:>5}  violations {len(self.violations):>3}  p99 notice->start "
            f"{'-' if p99 is None else f'{p99:.0f} ms'}"
        )
