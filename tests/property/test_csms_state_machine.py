"""The reference CSMS's money rules hold under any interleaving of payments and charger events.

Scenario tests check one story at a time; the bugs that lose or double money live in the
orders nobody wrote down: a capture redelivered after its session began, a charger dropping
between payment and start, a stop racing the start deadline, a refund whose answer was lost.
Hypothesis drives random interleavings of bank credits, PSP captures (genuine, wrong amount,
forged, unknown order), duplicate and late webhooks, disconnects, reconnects, rejected starts,
session begins (the station enforcing the prepaid limit itself, or refusing it so that the CSMS
meters the session), meter values, stops, expiring start deadlines and refund calls that fail
(PSP unavailable, rate limited, or the refund made but its answer lost; fewer failures than the
retry budget, or all of it), and after every step checks the invariants:

* no remote start without a captured payment (a genuine capture of the order's amount, or a
  validly signed bank credit on a real EVSE's reference);
* at most one remote start per payment;
* no session whose station enforces the limit (2.1 was sent it, a 1.6 station accepted it)
  delivers more energy than its payment buys;
* once the energy a CSMS-metered station reported reached its limit, the CSMS asked it to stop,
  exactly once; never before, never a station that enforces the limit itself (which stops at it);
* a CSMS-metered session overshoots its limit by less than one meter step, and its charged cost
  is capped at what was paid;
* money moves at most once per payment: one refund at the PSP, never more than paid, whatever
  the retries;
* every attempt of a payment's refund carries the same idempotency key; a failing PSP is retried
  up to ``refund_max_attempts`` times and no more, and the refund is given up (recorded failed,
  never retried by another trigger) only when the PSP failed every allowed attempt;
* a settled session refunds exactly what was paid minus its cost (nothing if it was given up,
  unless the PSP had made it before losing the answer);
* in the end every PSP payment is started and settled, refunded in full, or has its refund
  recorded failed after the PSP failed every attempt.

It calls the CSMS's webhook handlers and OCPP hooks directly (the HTTP and OCPP layers are thin
shims tested by the conformance suite and unit tests) with a fake charger registry entry, a fake
station and a fake PSP client that honours refund idempotency keys as a real PSP does, on a
private event loop. Half the examples begin with paid sessions under way on both EVSEs (the rules
alone rarely get that deep), and at the end a session still charging either stops or charges on
until it is stopped, so the final checks see metered sessions reach their limit, exactly and
past it. Time is the one thing faked: the start deadline expires when a rule says so, never after
a sleep, and refund retries wait zero seconds, so every run is deterministic and fast. Failures
print hypothesis's reproduction blob; with ``CI`` set the run is derandomized.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    MultipleResults,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
)

from ocpp_upi.bank.notification import credit
from ocpp_upi.bank.signing import sign as bank_sign
from ocpp_upi.csms import ledger_psp
from ocpp_upi.csms.psp_client import PspRefusal, PspUnavailable
from ocpp_upi.csms.psp_entities import PspRefund
from ocpp_upi.csms.psp_webhook import PSP_SOURCE
from ocpp_upi.csms.registry import ConnectedCharger
from ocpp_upi.csms.server import ReferenceCsms
from ocpp_upi.csms.settings import CsmsSettings
from ocpp_upi.limits import LIMIT_MESSAGE_ID, PREPAID_VENDOR_ID, prepaid_limit_wh
from ocpp_upi.psp.crafted import captured_event, new_event_id, new_payment_id
from ocpp_upi.psp.idempotency import KEY_PATTERN
from ocpp_upi.psp.signing import hmac_hex

BANK_SECRET = "property-bank-secret"
PSP_SECRET = "property-psp-webhook-secret"
PRICE = Decimal("10")
TAX = Decimal("0.18")
CHARGER = "PROP-01"
EVSES = (1, 2)
AMOUNTS = (10000, 20000, 50000)
SETTLE_TIMEOUT_S = 5.0
# Below the default (5) so "fewer failures than the budget" includes its last attempt succeeding.
REFUND_ATTEMPTS = 3
# How the station learns the prepaid limit (csms/limits.py): in the 2.1 Started reply, or (1.6)
# by a DataTransfer it may accept or refuse. Only a station that got it enforces it; for the
# others the CSMS meters the session and stops it at the limit.
LIMIT_IN_REPLY = "2.1 transactionLimit"
LIMIT_ACCEPTED = "Accepted"
LIMIT_PATHS = (LIMIT_IN_REPLY, LIMIT_ACCEPTED, "UnknownVendorId", "Rejected")


class ChargingOn(Enum):
    """A station charging on reports meter readings (% of its limit) until it stops: itself at
    its limit if it enforces it, else when the CSMS's stop reaches it."""

    PAST_THE_LIMIT = (40, 80, 120)
    ONTO_THE_LIMIT = (50, 100)


if os.environ.get("CI"):
    SETTINGS = settings(
        derandomize=True,
        max_examples=60,
        stateful_step_count=30,
        deadline=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
else:
    SETTINGS = settings(
        max_examples=200,
        stateful_step_count=30,
        deadline=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow],
    )


def cost_paise(energy_wh: int) -> int:
    """The tariff, computed here independently of the CSMS: kWh x price x (1 + tax), half-up."""
    if energy_wh <= 0:
        return 0
    rupees = Decimal(energy_wh) / 1000 * PRICE * (1 + TAX)
    return int((rupees * 100).to_integral_value(rounding=ROUND_HALF_UP))


class PspFault(Enum):
    """How one refund call fails, as the CSMS's PSP client reports it (csms/psp_client.py)."""

    UNAVAILABLE = "503: nothing happened at the PSP"  # PspUnavailable
    RATE_LIMITED = "429: not yet"  # retryable PspRefusal
    LOST_ANSWER = "refund made, answer lost"  # PspUnavailable after the money moved


FAULTS = st.sampled_from(PspFault)
# Each run of refund failures has distinct kinds (``unique=True``), so even a short one tends to
# mix the PSP client's two exceptions; one as long as the whole retry budget must still fit.
assert len(PspFault) >= REFUND_ATTEMPTS


@dataclass(frozen=True)
class RefundCall:
    """One refund call the CSMS made, and the refund it got back (None: the call failed)."""

    payment_id: str
    amount_paise: int
    idempotency_key: str
    refund_id: str | None


class FakePsp:
    """Stands in for the PSP API client, with a real PSP's refund idempotency (the mock PSP's
    psp/idempotency.py): the same key and request return the same refund and move no money
    again; the same key with another request is a 400. ``faults`` fail the next calls, one each.
    """

    def __init__(self) -> None:
        self.calls: list[RefundCall] = []
        self.moved: list[PspRefund] = []  # every refund that moved money, once each
        self.faults: list[PspFault] = []
        self._keys: dict[str, tuple[tuple[str, int, str], PspRefund]] = {}

    async def refund(
        self,
        payment_id: str,
        amount_paise: int,
        idempotency_key: str,
        notes: dict[str, str] | None = None,
    ) -> PspRefund:
        fault = self.faults.pop(0) if self.faults else None
        try:
            refund = self._refund(payment_id, amount_paise, idempotency_key, notes, fault)
        except (PspRefusal, PspUnavailable):
            self.calls.append(RefundCall(payment_id, amount_paise, idempotency_key, None))
            raise
        self.calls.append(RefundCall(payment_id, amount_paise, idempotency_key, refund.id))
        return refund

    def _refund(
        self,
        payment_id: str,
        amount_paise: int,
        key: str,
        notes: dict[str, str] | None,
        fault: PspFault | None,
    ) -> PspRefund:
        path = f"POST /payments/{payment_id}/refund"
        if fault is PspFault.UNAVAILABLE:
            raise PspUnavailable(f"{path}: HTTP 503", 503)
        if fault is PspFault.RATE_LIMITED:
            raise PspRefusal(429, "BAD_REQUEST_ERROR", "Too many requests")
        if not KEY_PATTERN.match(key):
            raise PspRefusal(400, "BAD_REQUEST_ERROR", f"invalid idempotency key {key!r}")
        request = (payment_id, amount_paise, json.dumps(notes or {}, sort_keys=True))
        known = self._keys.get(key)
        if known is None:
            refund = PspRefund(f"rfnd_{len(self.moved) + 1}", payment_id, amount_paise, "processed")
            self.moved.append(refund)
            self._keys[key] = (request, refund)
        elif known[0] != request:
            raise PspRefusal(
                400, "BAD_REQUEST_ERROR", "Different request with the same idempotency key"
            )
        else:
            refund = known[1]
        if fault is PspFault.LOST_ANSWER:
            raise PspUnavailable(f"{path}: ReadTimeout")
        return refund

    def moved_per_payment(self) -> dict[str, int]:
        """Money actually refunded, per PSP payment id."""
        moved: Counter[str] = Counter()
        for refund in self.moved:
            moved[refund.payment_id] += refund.amount
        return dict(moved)

    async def aclose(self) -> None:
        return None


@dataclass
class StartRequest:
    evse_id: int
    id_token: str
    remote_start_id: int


@dataclass
class FakeStation:
    """The charger side: accepts or rejects remote starts as the machine decides, answers the
    1.6 limit DataTransfer with ``limit_answer``, and records the stops the CSMS asks for."""

    accepting: bool = True
    limit_answer: str = LIMIT_ACCEPTED
    requests: list[StartRequest] = field(default_factory=list)
    pending: list[StartRequest] = field(default_factory=list)
    offers: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    stops: list[str] = field(default_factory=list)

    async def request_remote_start(
        self, evse_id: int, id_token: str, remote_start_id: int, *, paid: bool = True
    ) -> str:
        request = StartRequest(evse_id, id_token, remote_start_id)
        self.requests.append(request)
        if not self.accepting:
            return "Rejected"
        self.pending.append(request)
        return "Accepted"

    async def send_data_transfer(self, vendor_id: str, message_id: str, data: str) -> str:
        self.offers.append((vendor_id, message_id, json.loads(data)))
        return self.limit_answer

    async def request_remote_stop(self, transaction_id: str) -> str:
        self.stops.append(transaction_id)
        return "Accepted"

    async def disconnect(self) -> None:
        return None


class SteppedCsms(ReferenceCsms):
    """The reference CSMS with its start deadline driven by the test instead of the clock."""

    def __init__(self, settings: CsmsSettings) -> None:
        super().__init__(settings)
        self.expiries: list[asyncio.Event] = []
        self.blocked = 0
        self.changed: asyncio.Event | None = None

    def spawn(self, work: Any, name: str) -> asyncio.Task[None]:
        task = super().spawn(work, name)
        task.add_done_callback(lambda _: self._note_change())
        return task

    def _note_change(self) -> None:
        if self.changed is not None:
            self.changed.set()

    async def _wait_until(self, event: asyncio.Event, deadline: float) -> bool:  # type: ignore[override]
        """Wait for the session or for the machine to expire this deadline."""
        if event.is_set():
            return True
        expiry = asyncio.Event()
        self.expiries.append(expiry)
        self.blocked += 1
        self._note_change()
        began = asyncio.ensure_future(event.wait())
        expired = asyncio.ensure_future(expiry.wait())
        try:
            await asyncio.wait({began, expired}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            began.cancel()
            expired.cancel()
            self.blocked -= 1
            self.expiries.remove(expiry)
        return event.is_set()

    async def settle(self) -> None:
        """Until every background task is done or waiting on a start deadline."""
        self.changed = asyncio.Event()
        async with asyncio.timeout(SETTLE_TIMEOUT_S):
            while len([t for t in self._background if not t.done()]) > self.blocked:
                self.changed.clear()
                await self.changed.wait()


async def _call(function: Any, *args: Any) -> Any:
    """Run a synchronous CSMS hook on the loop: it may spawn background tasks."""
    return function(*args)


@dataclass
class Session:
    transaction_id: str
    payment_id: int
    limit_wh: int
    station_enforces: bool = True  # False: the station refused the limit, the CSMS meters it
    ocpp16: bool = False  # meter values as 1.6 MeterValues (else 2.x TransactionEvent Updated)
    register_wh: int = 0  # the last energy reading reported (the meter started at 0)
    previous_wh: int = 0  # the reading before it


class CsmsMoneyMachine(RuleBasedStateMachine):
    """Random interleavings against one in-process reference CSMS per example."""

    orders = Bundle("orders")
    captures = Bundle("captures")
    credits = Bundle("credits")

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.csms = SteppedCsms(
            CsmsSettings(
                bank_webhook_secret=BANK_SECRET,
                psp_base_url="http://127.0.0.1:9",  # never called: the fake client answers
                psp_webhook_secret=PSP_SECRET,
                price_per_kwh=PRICE,
                tax_rate=TAX,
                refund_retry_base_s=0.0,
                refund_max_attempts=REFUND_ATTEMPTS,
                remote_start_timeout=2.0,
            )
        )
        self.psp = FakePsp()
        self.csms._psp = self.psp  # type: ignore[assignment]
        self.station = FakeStation()
        self.connection: ConnectedCharger | None = None
        self.genuine: set[str] = set()  # PSP payment ids captured for their order's amount
        self.bank_utrs: set[str] = set()  # UTRs validly credited on a real EVSE's reference
        self.sessions: dict[str, Session] = {}
        self.ended: dict[str, Session] = {}
        self.energy: dict[str, int] = {}
        self.tx_counter = 0

    def run(self, coro: Any) -> Any:
        result = self.loop.run_until_complete(coro)
        self.loop.run_until_complete(self.csms.settle())
        return result

    # connection ------------------------------------------------------------------------------

    @initialize(
        target=captures,
        data=st.data(),
        paid_sessions=st.booleans(),
        amounts=st.tuples(*(st.sampled_from(AMOUNTS) for _ in EVSES)),
        limit_paths=st.tuples(*(st.sampled_from(LIMIT_PATHS) for _ in EVSES)),
    )
    def connect_first(
        self,
        data: st.DataObject,
        paid_sessions: bool,
        amounts: tuple[int, ...],
        limit_paths: tuple[str, ...],
    ) -> MultipleResults[tuple[bytes, str]]:
        """Connect; in half the examples drivers have also paid on every EVSE and the sessions
        begun, since reaching one through the rules alone takes most of an example's steps (and
        metering, stops and settlement with a failing PSP all need one)."""
        self.reconnect()
        if not paid_sessions:
            return multiple()
        paid: list[tuple[bytes, str]] = []
        for evse, amount, limit_path in zip(EVSES, amounts, limit_paths, strict=True):
            paid.append(self._capture(self._order(evse, amount), exact=True))
            assert self.station.pending, f"a genuine capture did not start idle EVSE {evse}"
            self.session_begins(data, limit_path)
        return multiple(*paid)

    @precondition(lambda self: self.connection is None)
    @rule()
    def reconnect(self) -> None:
        connection = ConnectedCharger(CHARGER, "2.1", self.station, set(EVSES))
        self.connection = connection
        self.run(self.csms.chargers.add(connection))

    @precondition(lambda self: self.connection is not None)
    @rule()
    def disconnect(self) -> None:
        connection, self.connection = self.connection, None
        assert connection is not None
        self.station.pending.clear()  # a start not yet begun dies with the connection
        self.run(self.csms.chargers.remove(connection))

    @rule(accepting=st.booleans())
    def station_mood(self, accepting: bool) -> None:
        self.station.accepting = accepting

    # PSP payments -----------------------------------------------------------------------------

    @rule(target=orders, evse=st.sampled_from(EVSES), amount=st.sampled_from(AMOUNTS))
    def create_order(self, evse: int, amount: int) -> tuple[str, int]:
        return self._order(evse, amount)

    def _order(self, evse: int, amount: int) -> tuple[str, int]:
        row = self.csms.ledger.draft_order(amount, CHARGER, evse)
        order_id = f"order_{row:014d}"
        self.csms.ledger.update_order(row, order_id=order_id, status=ledger_psp.ORDER_CREATED)
        return order_id, amount

    def _psp_webhook(self, body: bytes, event_id: str, signature: str | None = None) -> Any:
        header = hmac_hex(body, PSP_SECRET) if signature is None else signature
        return self.run(self.csms.handle_psp_webhook(body, header, event_id))

    @rule(target=captures, order=orders, exact=st.booleans())
    def psp_capture(self, order: tuple[str, int], exact: bool) -> tuple[bytes, str]:
        return self._capture(order, exact)

    def _capture(self, order: tuple[str, int], exact: bool) -> tuple[bytes, str]:
        order_id, amount = order
        payment_id = new_payment_id()
        body = captured_event(order_id, amount if exact else amount - 1, payment_id)
        event_id = new_event_id()
        reply = self._psp_webhook(body, event_id)
        assert reply.status == 200, reply
        if exact:
            self.genuine.add(payment_id)
        return body, event_id

    @rule(capture=captures)
    def psp_duplicate(self, capture: tuple[bytes, str]) -> None:
        """The PSP's at-least-once redelivery: same bytes, same event id."""
        body, event_id = capture
        assert self._psp_webhook(body, event_id).status == 200

    @rule(capture=captures)
    def psp_late_order_paid(self, capture: tuple[bytes, str]) -> None:
        """The same payment as a late ``order.paid`` event (another event id)."""
        body, _ = capture
        late = body.replace(b'"payment.captured"', b'"order.paid"').replace(
            b'"contains":["payment"]', b'"contains":["payment","order"]'
        )
        order = b',"order":{"entity":{"id":"order_x","amount":1,"currency":"INR","status":"paid"}}'
        late = late.replace(b'}}},"created_at"', b"}}" + order + b'},"created_at"', 1)
        assert self._psp_webhook(late, new_event_id()).status in (200, 400)

    @rule(order=orders)
    def psp_forged(self, order: tuple[str, int]) -> None:
        body = captured_event(order[0], order[1])
        assert self._psp_webhook(body, new_event_id(), hmac_hex(body, "wrong")).status == 401

    @rule(amount=st.sampled_from(AMOUNTS))
    def psp_unknown_order(self, amount: int) -> None:
        body = captured_event("order_" + new_event_id()[4:], amount)
        assert self._psp_webhook(body, new_event_id()).status == 200

    # bank credits -----------------------------------------------------------------------------

    @rule(target=credits, evse=st.sampled_from((*EVSES, 7)), forged=st.booleans())
    def bank_credit(self, evse: int, forged: bool) -> tuple[bytes, str, int]:
        notification = credit(f"{CHARGER}-{evse}", amount="200.00")
        body = notification.to_json()
        signature = bank_sign(body, "wrong" if forged else BANK_SECRET)
        reply = self.run(self.csms.handle_bank_notification(body, signature))
        assert (reply.status == 401) == forged, reply
        if not forged:
            self._note_credit(notification.utr, evse)
        return body, notification.utr, evse

    def _note_credit(self, utr: str, evse: int) -> None:
        """A validly signed credit on a real EVSE's reference is money received."""
        if evse in EVSES:
            self.bank_utrs.add(utr)

    @rule(sent=credits)
    def bank_duplicate(self, sent: tuple[bytes, str, int]) -> None:
        """The same credit again, validly signed (a redelivery, or the genuine copy of one
        that was first sent forged)."""
        body, utr, evse = sent
        self._note_credit(utr, evse)
        reply = self.run(self.csms.handle_bank_notification(body, bank_sign(body, BANK_SECRET)))
        assert reply.status == 200, reply

    # PSP refund API ---------------------------------------------------------------------------

    @precondition(lambda self: not self.psp.faults)
    @rule(faults=st.lists(FAULTS, min_size=1, max_size=REFUND_ATTEMPTS - 1, unique=True))
    def psp_refunds_fail_transiently(self, faults: list[PspFault]) -> None:
        """The next refund calls fail, fewer of them than the retry budget: whichever refunds
        they hit must still be made, once. (Armed only when nothing is, so failures never add
        up past the budget.)"""
        self.psp.faults = list(faults)

    @precondition(lambda self: not self.psp.faults)
    @rule(faults=st.lists(FAULTS, min_size=REFUND_ATTEMPTS, max_size=REFUND_ATTEMPTS, unique=True))
    def psp_refunds_down(self, faults: list[PspFault]) -> None:
        """The next ``refund_max_attempts`` refund calls fail: a refund meeting all of them is
        given up and recorded failed (refunds.py), and never refunded twice."""
        self.psp.faults = list(faults)

    # sessions ---------------------------------------------------------------------------------

    @precondition(lambda self: bool(self.station.pending) and self.connection is not None)
    @rule(data=st.data(), limit_path=st.sampled_from(LIMIT_PATHS))
    def session_begins(self, data: st.DataObject, limit_path: str) -> None:
        """The station reports the transaction the CSMS asked for (TransactionEvent Started, or
        StartTransaction and the 1.6 limit DataTransfer the station accepts or refuses)."""
        request = data.draw(st.sampled_from(self.station.pending))
        self.station.pending.remove(request)
        ledger = self.csms.ledger
        payment_id = ledger.payment_for_remote_start(request.remote_start_id, CHARGER)
        self.tx_counter += 1
        tx = str(self.tx_counter)
        ledger.ensure_transaction(CHARGER, tx)
        ledger.update_transaction(
            CHARGER,
            tx,
            evse_id=request.evse_id,
            id_token=request.id_token,
            payment_id=payment_id,
            started_at="2025-01-01T00:00:00Z",
            meter_start_wh=0,
        )
        if payment_id is None:
            return
        if not self.csms.session_started(payment_id):
            self._end(tx, Session(tx, payment_id, 0), 0)  # refused late start: ends at once
            return
        limit = self.csms.transaction_limit_wh(payment_id)
        assert limit is not None
        if limit_path == LIMIT_IN_REPLY:
            # What the 2.x handler does after putting the limit in the Started reply.
            self.csms.watch_limit(CHARGER, tx, payment_id, station_enforces=True)
        else:
            self.station.limit_answer = limit_path
            self.run(_call(self.csms.offer_limit, self.station, CHARGER, int(tx), payment_id))
            offer = {"transactionId": int(tx), "maxEnergy": limit}
            assert self.station.offers[-1] == (PREPAID_VENDOR_ID, LIMIT_MESSAGE_ID, offer)
        self.sessions[tx] = Session(
            tx,
            payment_id,
            limit,
            station_enforces=limit_path in (LIMIT_IN_REPLY, LIMIT_ACCEPTED),
            ocpp16=limit_path != LIMIT_IN_REPLY,
        )
        self.loop.run_until_complete(self.csms.settle())

    def _can_meter(self, session: Session) -> bool:
        """A station enforcing the limit charges up to it; one that does not know it charges on
        until the CSMS's stop reaches it (before its next meter sample)."""
        if session.station_enforces:
            return session.register_wh < session.limit_wh
        return session.transaction_id not in self.station.stops

    @precondition(
        lambda self: (
            self.connection is not None and any(self._can_meter(s) for s in self.sessions.values())
        )
    )
    @rule(data=st.data(), step_pct=st.one_of(st.just(0), st.integers(1, 150)))
    def meter_value(self, data: st.DataObject, step_pct: int) -> None:
        """The station reports its energy register (1.6 MeterValues, 2.x TransactionEvent
        Updated), up ``step_pct`` % of the limit, or (0) exactly up to the limit."""
        metering = sorted(tx for tx, s in self.sessions.items() if self._can_meter(s))
        tx = data.draw(st.sampled_from(metering))
        session = self.sessions[tx]
        to_limit = session.limit_wh - session.register_wh
        step = to_limit if step_pct == 0 and to_limit > 0 else session.limit_wh * step_pct // 100
        register = session.register_wh + max(step, 1)
        if session.station_enforces:
            register = min(register, session.limit_wh)
        session.previous_wh, session.register_wh = session.register_wh, register
        self._report_register(session)

    @precondition(
        lambda self: (
            self.connection is not None and any(s.register_wh > 0 for s in self.sessions.values())
        )
    )
    @rule(data=st.data())
    def meter_value_resent(self, data: st.DataObject) -> None:
        """The same reading again (a MeterValues resent after its answer was lost)."""
        tx = data.draw(
            st.sampled_from(sorted(t for t, s in self.sessions.items() if s.register_wh))
        )
        self._report_register(self.sessions[tx])

    @precondition(
        lambda self: (
            self.connection is not None and any(self._can_meter(s) for s in self.sessions.values())
        )
    )
    @rule(data=st.data(), how=st.sampled_from(ChargingOn))
    def station_charges_on(self, data: st.DataObject, how: ChargingOn) -> None:
        """The station charges on in meter steps until it stops or is asked to."""
        metering = sorted(tx for tx, s in self.sessions.items() if self._can_meter(s))
        self._charge_on(self.sessions[data.draw(st.sampled_from(metering))], how)

    def _charge_on(self, session: Session, how: ChargingOn) -> None:
        limit = session.limit_wh
        for reading in (limit * pct // 100 for pct in how.value):
            if not self._can_meter(session):
                return
            if reading > session.register_wh:
                session.previous_wh = session.register_wh
                session.register_wh = min(reading, limit) if session.station_enforces else reading
                self._report_register(session)

    def _report_register(self, session: Session) -> None:
        """What the OCPP handler does with a reading once its answer is sent (handlers/)."""
        tx, register = session.transaction_id, session.register_wh
        if session.ocpp16:
            # MeterValues: the reading itself is metered.
            self.run(_call(self.csms.limit_metered, self.station, CHARGER, tx, register))
        else:
            # TransactionEvent Updated: recorded in the ledger, whose latest is metered.
            self.csms.ledger.update_transaction(CHARGER, tx, meter_stop_wh=register)
            self.run(_call(self.csms.limit_metered, self.station, CHARGER, tx, None))

    @precondition(lambda self: any(tx in self.station.stops for tx in self.sessions))
    @rule(data=st.data())
    def station_obeys_stop(self, data: st.DataObject) -> None:
        """The station acts on the CSMS's stop: the session ends at its last reading."""
        tx = data.draw(st.sampled_from(sorted(t for t in self.sessions if t in self.station.stops)))
        session = self.sessions.pop(tx)
        self._end(tx, session, session.register_wh)

    @precondition(lambda self: bool(self.sessions))
    @rule(data=st.data(), wanted_wh=st.integers(0, 60000))
    def session_stops(self, data: st.DataObject, wanted_wh: int) -> None:
        """The driver stops, or the station at the limit it enforces; the energy since the last
        reading is never more than the limit leaves."""
        tx = data.draw(st.sampled_from(sorted(self.sessions)))
        session = self.sessions.pop(tx)
        self._end(tx, session, max(session.register_wh, min(wanted_wh, session.limit_wh)))

    def _end(self, tx: str, session: Session, energy_wh: int) -> None:
        self.csms.ledger.update_transaction(
            CHARGER, tx, meter_stop_wh=energy_wh, ended_at="2025-01-01T01:00:00Z"
        )
        self.energy[tx] = energy_wh
        self.ended[tx] = session
        self.run(_call(self.csms.transaction_ended, CHARGER, tx))
        self.csms.limit_ended(CHARGER, tx)

    @precondition(lambda self: bool(self.csms.expiries))
    @rule()
    def start_deadline_passes(self) -> None:
        for expiry in list(self.csms.expiries):
            expiry.set()
        self.loop.run_until_complete(self.csms.settle())

    # invariants -------------------------------------------------------------------------------

    def _payments(self) -> dict[int, Any]:
        return {p.id: p for p in self.csms.ledger.payments()}

    def _given_up(self) -> set[str]:
        """PSP payments whose refund the CSMS recorded failed."""
        refunds = self.csms.ledger.refunds()
        return {r.psp_payment_id for r in refunds if r.status == ledger_psp.REFUND_FAILED}

    @invariant()
    def no_start_without_a_captured_payment(self) -> None:
        payments = self._payments()
        for start in self.csms.ledger.remote_starts():
            assert start.payment_id is not None, f"start without a payment: {start}"
            payment = payments[start.payment_id]
            assert payment.utr in self.genuine | self.bank_utrs, f"unpaid start: {payment}"

    @invariant()
    def at_most_one_start_per_payment(self) -> None:
        counts = Counter(s.payment_id for s in self.csms.ledger.remote_starts())
        assert all(n == 1 for n in counts.values()), counts

    @invariant()
    def energy_never_over_the_limit(self) -> None:
        """Every session whose station enforces the limit (the CSMS-metered ones are bounded
        by ``metered_session_overshoots_less_than_one_step``)."""
        payments = self._payments()
        for tx, session in self.ended.items():
            if not session.station_enforces:
                continue
            paid = payments[session.payment_id].amount_paise
            assert self.energy[tx] <= prepaid_limit_wh(paid, PRICE, TAX)
            assert cost_paise(self.energy[tx]) <= paid

    @invariant()
    def csms_stops_a_metered_session_once_at_its_limit(self) -> None:
        """Against the energy the payment buys, computed here (a station enforcing the limit
        never reports more than it was sent, so it is never stopped)."""
        stops = Counter(self.station.stops)
        sessions = {**self.ended, **self.sessions}
        assert set(stops) <= set(sessions), f"stop of an unknown transaction: {stops}"
        metered = any(not s.station_enforces for s in sessions.values())
        payments = self._payments() if metered else {}
        for tx, session in sessions.items():
            due = False
            if not session.station_enforces:
                paid = payments[session.payment_id].amount_paise
                due = session.register_wh >= prepaid_limit_wh(paid, PRICE, TAX)
            assert stops[tx] == int(due), (
                f"transaction {tx}: {stops[tx]} stop(s) at {session.register_wh} Wh reported "
                f"of its {session.limit_wh} Wh limit ({session})"
            )

    @invariant()
    def metered_session_overshoots_less_than_one_step(self) -> None:
        metered = {tx: s for tx, s in self.ended.items() if not s.station_enforces}
        payments = self._payments() if metered else {}
        for tx, session in metered.items():
            energy, paid = self.energy[tx], payments[session.payment_id].amount_paise
            limit = prepaid_limit_wh(paid, PRICE, TAX)
            assert energy <= limit or session.previous_wh < limit, (
                f"transaction {tx} ran on past its {limit} Wh limit: {session}, ended at "
                f"{energy} Wh"
            )
            order = self.csms.ledger.order_for_payment(session.payment_id)
            if order is not None and order.cost_paise is not None:
                assert order.cost_paise == min(cost_paise(energy), paid), (order, energy)

    @invariant()
    def refunds_once_and_never_more_than_paid(self) -> None:
        """In money terms: at most one refund moved per payment, whatever the retries."""
        moved = Counter(refund.payment_id for refund in self.psp.moved)
        assert all(n == 1 for n in moved.values()), self.psp.moved
        if not moved:
            return
        paid = {p.utr: p.amount_paise for p in self._payments().values()}
        for refund in self.psp.moved:
            assert 0 < refund.amount <= paid.get(refund.payment_id, max(AMOUNTS)), refund

    @invariant()
    def refunds_retry_with_one_key_within_the_budget(self) -> None:
        calls: defaultdict[str, list[RefundCall]] = defaultdict(list)
        for call in self.psp.calls:
            calls[call.payment_id].append(call)
        rows = {row.psp_payment_id: row for row in self.csms.ledger.refunds()}
        assert set(calls) <= set(rows), f"refund called before it was claimed: {calls}"
        for payment_id, row in rows.items():
            attempts = calls.get(payment_id, [])
            assert {(c.idempotency_key, c.amount_paise) for c in attempts} <= {
                (row.idempotency_key, row.amount_paise)
            }, f"{payment_id}: attempts with another key or amount: {attempts}, {row}"
            assert row.attempts == len(attempts) <= REFUND_ATTEMPTS, (row, attempts)
            answered = [c for c in attempts if c.refund_id is not None]
            if row.status == ledger_psp.REFUND_FAILED:
                assert len(attempts) == REFUND_ATTEMPTS and not answered, (
                    f"{payment_id}: refund given up with budget left: {attempts}, {row}"
                )
            else:
                assert attempts and answered == attempts[-1:], (
                    f"{payment_id}: refund not retried to its answer: {attempts}, {row}"
                )
                assert row.psp_refund_id == answered[0].refund_id, (row, answered)

    @invariant()
    def settled_refund_is_paid_minus_cost(self) -> None:
        if not self.ended:
            return
        payments = self._payments()
        moved = self.psp.moved_per_payment()
        given_up = self._given_up()
        for tx, session in self.ended.items():
            payment = payments[session.payment_id]
            if payment.source != PSP_SOURCE or payment.status == "not_started":
                continue
            expected = payment.amount_paise - min(cost_paise(self.energy[tx]), payment.amount_paise)
            refunded = moved.get(payment.utr, 0)
            if payment.utr in given_up:
                # Recorded failed: nothing moved, unless the PSP made it before losing the answer.
                assert refunded in (0, expected), (tx, payment, refunded)
            else:
                assert refunded == expected, (tx, payment, moved)

    def _finish(self, tx: str) -> None:
        """Teardown: a session still charging ends. Odd transactions charge on onto the limit,
        even ones past it (a metered station) or are stopped halfway by the driver (a station
        enforcing its limit); so every metered session still live is stopped by the CSMS, at
        exactly its limit or past it, before the final checks. (Deterministic rather than drawn:
        the two initial sessions are 1 and 2, so every example that has them meets both.)"""
        session = self.sessions.pop(tx)
        stopped = tx in self.station.stops
        if int(tx) % 2 == 0 and session.station_enforces and not stopped:
            self._end(tx, session, max(session.register_wh, session.limit_wh // 2))
            return
        odd = int(tx) % 2 == 1
        self._charge_on(session, ChargingOn.ONTO_THE_LIMIT if odd else ChargingOn.PAST_THE_LIMIT)
        if tx in self.station.stops:
            self._report_register(session)  # retransmitted (its answer lost): no second stop
        self._end(tx, session, session.register_wh)

    def teardown(self) -> None:
        """Let everything finish (stop sessions, expire deadlines), then every PSP payment must
        have ended started-and-settled, refunded in full, or with its refund recorded failed."""
        try:
            for tx in sorted(self.sessions):
                self._finish(tx)
            while self.csms.expiries:
                self.start_deadline_passes()
            moved = self.psp.moved_per_payment()
            given_up = self._given_up()
            settled = {s.payment_id for s in self.ended.values()}
            for payment in self._payments().values():
                if payment.source != PSP_SOURCE:
                    continue
                full = moved.get(payment.utr) == payment.amount_paise
                assert payment.id in settled or full or payment.utr in given_up, (
                    f"payment neither settled nor refunded: {payment}"
                )
            self.settled_refund_is_paid_minus_cost()
            self.refunds_once_and_never_more_than_paid()
            self.refunds_retry_with_one_key_within_the_budget()
            self.energy_never_over_the_limit()
            self.csms_stops_a_metered_session_once_at_its_limit()
            self.metered_session_overshoots_less_than_one_step()
        finally:
            self.loop.run_until_complete(self.csms.stop())
            self.loop.close()


CsmsMoneyMachine.TestCase.settings = SETTINGS
TestCsmsMoney = CsmsMoneyMachine.TestCase
