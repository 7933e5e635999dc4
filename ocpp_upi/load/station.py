"""One charger of a fleet: the suite's mock charger, watched frame by frame.

Each frame still passes the same validator as in a conformance run; instead of keeping the
whole trace (10,000 chargers would hold every frame of the run in memory), the fleet's trace
hands each entry to an observer and keeps a short tail for the failure messages. The observer
attributes every remote start to the payment the charger is serving, so a second start of one
payment, or a start no payment asked for, is seen the moment its frame arrives.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ocpp_upi.charger.station import MockCharger
from ocpp_upi.ocpp.codec import Call
from ocpp_upi.ocpp.trace import FrameTrace, TraceEntry
from ocpp_upi.ocpp.versions import Role
from ocpp_upi.ocpp.vocabulary import Vocabulary, vocabulary

# Entries kept per charger for failure messages; the rest is counted, not stored.
TRACE_TAIL = 24


@dataclass
class ObservedTrace(FrameTrace):
    """A frame trace that shows each entry to ``observer`` and keeps only a short tail.

    Entries' ``seq`` numbers restart their count after a trim: fleet mode waits on events of
    the charger, never on trace positions."""

    observer: Callable[[TraceEntry], None] | None = None

    def _append(self, entry: TraceEntry) -> TraceEntry:
        if self.observer is not None:
            self.observer(entry)
        super()._append(entry)
        if len(self.entries) > 2 * TRACE_TAIL:
            del self.entries[:-TRACE_TAIL]
        return entry


@dataclass
class PaymentWindow:
    """The payment a charger is serving, from its notice to the end of its settlement."""

    flow: str  # "static QR" or "redirect"
    payment: str  # the UTR of a bank credit, the PSP's payment id of a redirect payment
    noticed_at: float  # time.time() when the notice (credit, or the payer's payment) was sent
    remote_starts: list[float] = field(default_factory=list)
    started_at: float | None = None  # the charger's transaction start went on the wire
    first_meter_at: float | None = None
    ended_at: float | None = None  # the charger's transaction end went on the wire
    another_start: asyncio.Event = field(default_factory=asyncio.Event)
    latencies: dict[str, float] = field(default_factory=dict)  # this session's, by series


@dataclass
class FleetStation:
    """A connected mock charger and the payment it serves (None while idle)."""

    charger: MockCharger
    window: PaymentWindow | None = None
    # Remote starts that arrived while no payment was being served (each a violation).
    on_stray_start: Callable[[FleetStation, TraceEntry], None] | None = None
    on_violation: Callable[[FleetStation, TraceEntry], None] | None = None

    def __post_init__(self) -> None:
        self.names: Vocabulary = vocabulary(self.charger.version)  # read on every frame

    @property
    def identity(self) -> str:
        return self.charger.identity

    def observe(self, entry: TraceEntry) -> None:
        """Attribute one frame: schema violations, remote starts, the session's first frames."""
        if entry.violations and self.on_violation is not None:
            self.on_violation(self, entry)
        frame = entry.frame
        if not isinstance(frame, Call):
            return
        names = self.names
        window = self.window
        if entry.sender is Role.CSMS and frame.action == names.remote_start:
            if window is None:
                if self.on_stray_start is not None:
                    self.on_stray_start(self, entry)
                return
            window.remote_starts.append(time.time())
            if len(window.remote_starts) > 1:
                window.another_start.set()
            return
        if entry.sender is not Role.CHARGER or window is None:
            return
        # 1.6 StartTransaction / StopTransaction / MeterValues; 2.x TransactionEvent Started /
        # Ended / Updated.
        updated = None if names.started_event is None else "Updated"
        if window.started_at is None and _is(frame, names.transaction_start, names.started_event):
            window.started_at = time.time()
        elif window.ended_at is None and _is(frame, names.transaction_stop, names.ended_event):
            window.ended_at = time.time()
        elif (
            window.started_at is not None
            and window.first_meter_at is None
            and _is(frame, names.meter_values, updated)
        ):
            window.first_meter_at = time.time()


def _is(frame: Call, action: str, event_type: str | None) -> bool:
    """``frame`` is ``action`` (and, on 2.x, a TransactionEvent of ``event_type``)."""
    return frame.action == action and (
        event_type is None or frame.payload.get("eventType") == event_type
    )
