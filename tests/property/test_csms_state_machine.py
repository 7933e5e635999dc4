"""The reference CSMS's money rules hold under any interleaving of payments and charger events.

Scenario tests check one story at a time; the bugs that lose or double money live in the
orders nobody wrote down: a capture redelivered after its session began, a charger dropping
between payment and start, a stop racing the start deadline. Hypothesis drives random
interleavings of bank credits, PSP captures (genuine, wrong amount, forged, unknown order),
duplicate and late webhooks, disconnects, reconnects, rejected starts, session begins, stops
and expiring start deadlines, and after every step checks the invariants:

* no remote start without a captured payment (a genuine capture of the order's amount, or a
  validly signed bank credit on a real EVSE's reference);
* at most one remote start per payment;
* no session delivers more energy than its payment buys;
* a settled session refunds exactly what was paid minus its cost, and never more than paid;
* in the end every PSP payment is either started and settled, or refunded in full.

It calls the CSMS's webhook handlers directly (the HTTP layer is a thin shim tested by the
conformance suite) with a fake charger registry entry and a fake PSP client, on a private event
loop. Time is the one thing faked: the start deadline expires when a rule says so, never after
a sleep, so every run is deterministic and fast.
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from ocpp_upi.bank.notification import credit
from ocpp_upi.bank.signing import sign as bank_sign
from ocpp_upi.csms import ledger_psp
from ocpp_upi.csms.psp_entities import PspRefund
from ocpp_upi.csms.psp_webhook import PSP_SOURCE
from ocpp_upi.csms.registry import ConnectedCharger
from ocpp_upi.csms.server import ReferenceCsms
from ocpp_upi.csms.settings import CsmsSettings
from ocpp_upi.limits import prepaid_limit_wh
from ocpp_upi.psp.crafted import captured_event, new_event_id, new_payment_id
from ocpp_upi.psp.signing import hmac_hex

BANK_SECRET = "property-bank-secret"
PSP_SECRET = "property-psp-webhook-secret"
PRICE = Decimal("10")
TAX = Decimal("0.18")
CHARGER = "PROP-01"
EVSES = (1, 2)
AMOUNTS = (10000, 20000, 50000)
SETTLE_TIMEOUT_S = 5.0

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


class FakePsp:
    """Stands in for the PSP API client: every refund call is recorded and succeeds."""

    def __init__(self) -> None:
        self.refunds: list[tuple[str, int, str]] = []

    async def refund(
        self,
        payment_id: str,
        amount_paise: int,
        idempotency_key: str,
        notes: dict[str, str] | None = None,
    ) -> PspRefund:
        self.refunds.append((payment_id, amount_paise, idempotency_key))
        return PspRefund(f"rfnd_{len(self.refunds)}", payment_id, amount_paise, "processed")

    async def aclose(self) -> None:
        return None


@dataclass
class StartRequest:
    evse_id: int
    id_token: str
    remote_start_id: int


@dataclass
class FakeStation:
    """The charger side of a remote start: accepts or rejects as the machine decides."""

    accepting: bool = True
    requests: list[StartRequest] = field(default_factory=list)
    pending: list[StartRequest] = field(default_factory=list)

    async def request_remote_start(self, evse_id: int, id_token: str, remote_start_id: int) -> str:
        request = StartRequest(evse_id, id_token, remote_start_id)
        self.requests.append(request)
        if not self.accepting:
            return "Rejected"
        self.pending.append(request)
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

    @initialize()
    def connect_first(self) -> None:
        self.reconnect()

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
        row = self.csms.ledger.draft_order(amount, CHARGER, evse)
        order_id = f"order_{row:014d}"
        self.csms.ledger.update_order(row, order_id=order_id, status=ledger_psp.ORDER_CREATED)
        return order_id, amount

    def _psp_webhook(self, body: bytes, event_id: str, signature: str | None = None) -> Any:
        header = hmac_hex(body, PSP_SECRET) if signature is None else signature
        return self.run(self.csms.handle_psp_webhook(body, header, event_id))

    @rule(target=captures, order=orders, exact=st.booleans())
    def psp_capture(self, order: tuple[str, int], exact: bool) -> tuple[bytes, str]:
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

    # sessions ---------------------------------------------------------------------------------

    @precondition(lambda self: bool(self.station.pending) and self.connection is not None)
    @rule(data=st.data())
    def session_begins(self, data: st.DataObject) -> None:
        """The station reports the transaction the CSMS asked for (TransactionEvent Started)."""
        request = data.draw(st.sampled_from(self.station.pending))
        self.station.pending.remove(request)
        ledger = self.csms.ledger
        payment_id = ledger.payment_for_remote_start(request.remote_start_id, CHARGER)
        self.tx_counter += 1
        tx = f"tx-{self.tx_counter}"
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
        self.sessions[tx] = Session(tx, payment_id, limit)
        self.loop.run_until_complete(self.csms.settle())

    @precondition(lambda self: bool(self.sessions))
    @rule(data=st.data(), wanted_wh=st.integers(0, 60000))
    def session_stops(self, data: st.DataObject, wanted_wh: int) -> None:
        """The station stops, having enforced the limit the CSMS sent."""
        tx = data.draw(st.sampled_from(sorted(self.sessions)))
        session = self.sessions.pop(tx)
        self._end(tx, session, min(wanted_wh, session.limit_wh))

    def _end(self, tx: str, session: Session, energy_wh: int) -> None:
        self.csms.ledger.update_transaction(
            CHARGER, tx, meter_stop_wh=energy_wh, ended_at="2025-01-01T01:00:00Z"
        )
        self.energy[tx] = energy_wh
        self.ended[tx] = session
        self.run(_call(self.csms.transaction_ended, CHARGER, tx))

    @precondition(lambda self: bool(self.csms.expiries))
    @rule()
    def start_deadline_passes(self) -> None:
        for expiry in list(self.csms.expiries):
            expiry.set()
        self.loop.run_until_complete(self.csms.settle())

    # invariants -------------------------------------------------------------------------------

    def _payments(self) -> dict[int, Any]:
        return {p.id: p for p in self.csms.ledger.payments()}

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
        payments = self._payments()
        for tx, session in self.ended.items():
            paid = payments[session.payment_id].amount_paise
            assert self.energy[tx] <= prepaid_limit_wh(paid, PRICE, TAX)
            assert cost_paise(self.energy[tx]) <= paid

    @invariant()
    def refunds_once_and_never_more_than_paid(self) -> None:
        refunded = Counter(payment for payment, _, _ in self.psp.refunds)
        assert all(n == 1 for n in refunded.values()), self.psp.refunds
        paid = {p.utr: p.amount_paise for p in self._payments().values()}
        for payment, amount, _ in self.psp.refunds:
            assert 0 < amount <= paid.get(payment, max(AMOUNTS)), (payment, amount)

    @invariant()
    def settled_refund_is_paid_minus_cost(self) -> None:
        payments = self._payments()
        refunds = {payment: amount for payment, amount, _ in self.psp.refunds}
        for tx, session in self.ended.items():
            payment = payments[session.payment_id]
            if payment.source != PSP_SOURCE or payment.status == "not_started":
                continue
            expected = payment.amount_paise - min(cost_paise(self.energy[tx]), payment.amount_paise)
            assert refunds.get(payment.utr, 0) == expected, (tx, payment, refunds)

    def teardown(self) -> None:
        """Let everything finish (stop sessions, expire deadlines), then every PSP payment must
        have ended started-and-settled or refunded in full."""
        try:
            for tx in sorted(self.sessions):
                session = self.sessions.pop(tx)
                self._end(tx, session, session.limit_wh // 2)
            while self.csms.expiries:
                self.start_deadline_passes()
            refunds = {payment: amount for payment, amount, _ in self.psp.refunds}
            settled = {s.payment_id for s in self.ended.values()}
            for payment in self._payments().values():
                if payment.source != PSP_SOURCE:
                    continue
                full = refunds.get(payment.utr) == payment.amount_paise
                assert payment.id in settled or full, (
                    f"payment neither settled nor refunded: {payment}"
                )
            self.settled_refund_is_paid_minus_cost()
            self.refunds_once_and_never_more_than_paid()
        finally:
            self.loop.run_until_complete(self.csms.stop())
            self.loop.close()


CsmsMoneyMachine.TestCase.settings = SETTINGS
TestCsmsMoney = CsmsMoneyMachine.TestCase
