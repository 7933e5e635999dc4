"""The ledger's PSP side: orders, webhook events and refunds (webpage-redirect flow, seed 2.1.2).

As for static QR, every "at most once" rule is a constraint, not a check-then-act in Python:

* ``psp_events.event_id UNIQUE``: a redelivered webhook is recognised (Razorpay delivers at
  least once and retries for 24 h).
* ``orders.payment_id UNIQUE`` set only while NULL: one order, one admitted payment, one start.
* ``refunds.psp_payment_id UNIQUE``: one refund per PSP payment, whatever triggers it (start
  rejected, deadline passed, session ended, or all three racing).

A captured PSP payment is also a row of ``payments`` (source ``psp``, ``utr`` = the PSP payment
id, ``reference`` = the order id), so remote starts, transactions and the 2.1 energy limit link
to it exactly as they link to a static-QR credit; a transaction reaches its order through
``transactions.payment_id = orders.payment_id``.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from ocpp_upi.csms.clock import utc_now

PSP_SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    id             INTEGER PRIMARY KEY,
    order_id       TEXT    UNIQUE,
    receipt        TEXT    UNIQUE,
    amount_paise   INTEGER NOT NULL CHECK (amount_paise > 0),
    charger_id     TEXT    NOT NULL,
    evse_id        INTEGER NOT NULL,
    status         TEXT    NOT NULL,
    psp_payment_id TEXT,
    payment_id     INTEGER UNIQUE REFERENCES payments (id),
    energy_wh      INTEGER,
    cost_paise     INTEGER,
    created_at     TEXT    NOT NULL,
    updated_at     TEXT    NOT NULL
);
CREATE TABLE IF NOT EXISTS psp_events (
    id          INTEGER PRIMARY KEY,
    event_id    TEXT    NOT NULL UNIQUE,
    event       TEXT    NOT NULL,
    outcome     TEXT,
    received_at TEXT    NOT NULL
);
CREATE TABLE IF NOT EXISTS refunds (
    id              INTEGER PRIMARY KEY,
    psp_payment_id  TEXT    NOT NULL UNIQUE,
    payment_id      INTEGER REFERENCES payments (id),
    order_id        TEXT,
    amount_paise    INTEGER NOT NULL CHECK (amount_paise > 0),
    reason          TEXT    NOT NULL,
    idempotency_key TEXT    NOT NULL,
    psp_refund_id   TEXT    UNIQUE,
    status          TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    detail          TEXT,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);
"""

# Order statuses, in the order they normally happen.
ORDER_DRAFT = "draft"  # row exists, the PSP has not answered yet
ORDER_CREATE_FAILED = "create_failed"
ORDER_CREATED = "created"
ORDER_INTENT_FAILED = "intent_failed"
ORDER_PAYMENT_FAILED = "payment_failed"
ORDER_AMOUNT_MISMATCH = "amount_mismatch"
ORDER_PAID = "paid"
ORDER_NOT_STARTED = "not_started"  # paid, but no session began: refunded in full
ORDER_SETTLED = "settled"

# Refund statuses: ours until the PSP answers, then the PSP's own words.
REFUND_REQUESTING = "requesting"
REFUND_FAILED = "failed"


@dataclass(frozen=True)
class OrderRecord:
    id: int
    order_id: str | None
    receipt: str | None
    amount_paise: int
    charger_id: str
    evse_id: int
    status: str
    psp_payment_id: str | None
    payment_id: int | None
    energy_wh: int | None
    cost_paise: int | None
    created_at: str
    updated_at: str


@dataclass(frozen=True)
class RefundRecord:
    id: int
    psp_payment_id: str
    payment_id: int | None
    order_id: str | None
    amount_paise: int
    reason: str
    idempotency_key: str
    psp_refund_id: str | None
    status: str
    attempts: int
    detail: str | None
    created_at: str
    updated_at: str


class PspLedger:
    """Mixin of Ledger: the PSP tables. All methods are short statements on the loop thread."""

    _db: sqlite3.Connection

    # orders ---------------------------------------------------------------------------------

    def draft_order(self, amount_paise: int, charger_id: str, evse_id: int) -> int:
        """Record an order before asking the PSP, so even a failed attempt leaves a trace and
        the row id can number the receipt."""
        now = utc_now()
        cursor = self._db.execute(
            "INSERT INTO orders (amount_paise, charger_id, evse_id, status, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?)",
            (amount_paise, charger_id, evse_id, ORDER_DRAFT, now, now),
        )
        return _rowid(cursor)

    def update_order(self, row_id: int, **fields: object) -> None:
        """Set the given columns (None values are left unchanged)."""
        allowed = {"order_id", "receipt", "status", "psp_payment_id", "energy_wh", "cost_paise"}
        changes = {name: value for name, value in fields.items() if value is not None}
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"unknown order columns: {sorted(unknown)}")
        changes["updated_at"] = utc_now()
        assignments = ", ".join(f"{name} = ?" for name in changes)
        self._db.execute(
            f"UPDATE orders SET {assignments} WHERE id = ?", (*changes.values(), row_id)
        )

    def order(self, order_id: str) -> OrderRecord | None:
        row = self._db.execute("SELECT * FROM orders WHERE order_id = ?", (order_id,)).fetchone()
        return OrderRecord(**row) if row else None

    def order_for_payment(self, payment_id: int) -> OrderRecord | None:
        """The order a ``payments`` row paid (None for a static-QR credit)."""
        row = self._db.execute(
            "SELECT * FROM orders WHERE payment_id = ?", (payment_id,)
        ).fetchone()
        return OrderRecord(**row) if row else None

    def order_for_transaction(self, charger_id: str, transaction_id: str) -> OrderRecord | None:
        row = self._db.execute(
            "SELECT orders.* FROM orders JOIN transactions"
            " ON transactions.payment_id = orders.payment_id"
            " WHERE transactions.charger_id = ? AND transactions.transaction_id = ?",
            (charger_id, transaction_id),
        ).fetchone()
        return OrderRecord(**row) if row else None

    def orders(self) -> list[OrderRecord]:
        rows = self._db.execute("SELECT * FROM orders ORDER BY id").fetchall()
        return [OrderRecord(**row) for row in rows]

    def admit_psp_payment(
        self, order_id: str, psp_payment_id: str, amount_paise: int
    ) -> int | None:
        """Bind a captured payment to its order and record it as a ``payments`` row.

        Returns the new payments id, or None when the order already has a payment (the same
        capture redelivered as another event, or a second payment on a paid order): one order
        can start one session. Both writes commit together or not at all.
        """
        order = self.order(order_id)
        if order is None or order.payment_id is not None:
            return None
        now = utc_now()
        try:
            with self._db:
                self._db.execute("BEGIN")
                cursor = self._db.execute(
                    "INSERT INTO payments (source, utr, reference, charger_id, evse_id,"
                    " amount_paise, status, received_at) VALUES ('psp', ?, ?, ?, ?, ?, ?, ?)",
                    (
                        psp_payment_id,
                        order_id,
                        order.charger_id,
                        order.evse_id,
                        amount_paise,
                        "captured",
                        now,
                    ),
                )
                payment_id = _rowid(cursor)
                claimed = self._db.execute(
                    "UPDATE orders SET payment_id = ?, psp_payment_id = ?, status = ?,"
                    " updated_at = ? WHERE order_id = ? AND payment_id IS NULL",
                    (payment_id, psp_payment_id, ORDER_PAID, now, order_id),
                )
                if claimed.rowcount != 1:
                    raise _AlreadyPaid
        except (_AlreadyPaid, sqlite3.IntegrityError):
            return None
        return payment_id

    def set_payment_status(self, payment_id: int, status: str) -> None:
        self._db.execute("UPDATE payments SET status = ? WHERE id = ?", (status, payment_id))

    # webhook events -------------------------------------------------------------------------

    def record_psp_event(self, event_id: str, event: str) -> bool:
        """True for a new event id, False for a redelivery."""
        try:
            self._db.execute(
                "INSERT INTO psp_events (event_id, event, received_at) VALUES (?, ?, ?)",
                (event_id, event, utc_now()),
            )
        except sqlite3.IntegrityError:
            return False
        return True

    def set_psp_event_outcome(self, event_id: str, outcome: str) -> None:
        self._db.execute(
            "UPDATE psp_events SET outcome = ? WHERE event_id = ?", (outcome, event_id)
        )

    def forget_psp_event(self, event_id: str) -> None:
        """Undo ``record_psp_event`` when handling failed, so the PSP's retry is not a
        "duplicate" of an event that was never acted on."""
        self._db.execute("DELETE FROM psp_events WHERE event_id = ?", (event_id,))

    def psp_event_ids(self) -> list[str]:
        rows = self._db.execute("SELECT event_id FROM psp_events ORDER BY id").fetchall()
        return [row[0] for row in rows]

    # refunds --------------------------------------------------------------------------------

    def claim_refund(
        self,
        *,
        psp_payment_id: str,
        payment_id: int | None,
        order_id: str | None,
        amount_paise: int,
        reason: str,
        idempotency_key: str,
    ) -> int | None:
        """Reserve the one refund of a PSP payment; None if it was already claimed."""
        now = utc_now()
        try:
            cursor = self._db.execute(
                "INSERT INTO refunds (psp_payment_id, payment_id, order_id, amount_paise, reason,"
                " idempotency_key, status, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    psp_payment_id,
                    payment_id,
                    order_id,
                    amount_paise,
                    reason,
                    idempotency_key,
                    REFUND_REQUESTING,
                    now,
                    now,
                ),
            )
        except sqlite3.IntegrityError as exc:
            if "refunds.psp_payment_id" in str(exc):
                return None
            raise
        return _rowid(cursor)

    def update_refund(self, row_id: int, **fields: object) -> None:
        """Set the given columns (None values are left unchanged)."""
        allowed = {"psp_refund_id", "status", "attempts", "detail"}
        changes = {name: value for name, value in fields.items() if value is not None}
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"unknown refund columns: {sorted(unknown)}")
        changes["updated_at"] = utc_now()
        assignments = ", ".join(f"{name} = ?" for name in changes)
        self._db.execute(
            f"UPDATE refunds SET {assignments} WHERE id = ?", (*changes.values(), row_id)
        )

    def note_refund_status(self, psp_refund_id: str, psp_payment_id: str, status: str) -> bool:
        """Apply a refund webhook; matched by refund id, else by payment (the refund call's
        answer may have been lost while the PSP still made the refund). False if unknown."""
        now = utc_now()
        cursor = self._db.execute(
            "UPDATE refunds SET status = ?, updated_at = ? WHERE psp_refund_id = ?",
            (status, now, psp_refund_id),
        )
        if cursor.rowcount:
            return True
        cursor = self._db.execute(
            "UPDATE refunds SET status = ?, psp_refund_id = ?, updated_at = ?"
            " WHERE psp_payment_id = ? AND psp_refund_id IS NULL",
            (status, psp_refund_id, now, psp_payment_id),
        )
        return cursor.rowcount > 0

    def refund_for(self, psp_payment_id: str) -> RefundRecord | None:
        row = self._db.execute(
            "SELECT * FROM refunds WHERE psp_payment_id = ?", (psp_payment_id,)
        ).fetchone()
        return RefundRecord(**row) if row else None

    def refunds(self) -> list[RefundRecord]:
        rows = self._db.execute("SELECT * FROM refunds ORDER BY id").fetchall()
        return [RefundRecord(**row) for row in rows]


class _AlreadyPaid(Exception):
    """Rolls back the payments insert when the order was claimed meanwhile."""


def _rowid(cursor: sqlite3.Cursor) -> int:
    if cursor.lastrowid is None:
        raise RuntimeError("SQLite returned no row id for an INSERT")
    return cursor.lastrowid
