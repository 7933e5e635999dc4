"""The reference CSMS's SQLite ledger: payments, remote starts and transactions (and, through
``PspLedger``, the webpage-redirect flow's orders, webhook events and refunds).

Why a database and not dicts: the "one payment, at most one start" rule is enforced by the
``UNIQUE`` constraint on the bank's UTR, not by a check-then-insert in Python, so two deliveries
of the same credit can never both win, whatever the interleaving. Money is integer paise.
All calls run on the event loop thread; each statement is short, so none blocks it for long.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from ocpp_upi.csms.clock import utc_now
from ocpp_upi.csms.ledger_psp import PSP_SCHEMA, PspLedger

_SCHEMA = """
CREATE TABLE IF NOT EXISTS payments (
    id           INTEGER PRIMARY KEY,
    source       TEXT    NOT NULL CHECK (source IN ('static_qr', 'psp')),
    utr          TEXT    NOT NULL UNIQUE,
    reference    TEXT    NOT NULL,
    charger_id   TEXT,
    evse_id      INTEGER,
    amount_paise INTEGER NOT NULL CHECK (amount_paise > 0),
    payer_vpa    TEXT,
    status       TEXT    NOT NULL,
    received_at  TEXT    NOT NULL
);
CREATE TABLE IF NOT EXISTS remote_starts (
    id           INTEGER PRIMARY KEY,
    payment_id   INTEGER REFERENCES payments (id),
    charger_id   TEXT    NOT NULL,
    evse_id      INTEGER NOT NULL,
    id_token     TEXT    NOT NULL,
    requested_at TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    completed_at TEXT
);
CREATE TABLE IF NOT EXISTS transactions (
    id             INTEGER PRIMARY KEY,
    transaction_id TEXT,
    charger_id     TEXT    NOT NULL,
    evse_id        INTEGER,
    id_token       TEXT,
    payment_id     INTEGER REFERENCES payments (id),
    meter_start_wh INTEGER,
    meter_stop_wh  INTEGER,
    started_at     TEXT,
    ended_at       TEXT,
    UNIQUE (charger_id, transaction_id)
);
"""


@dataclass(frozen=True)
class PaymentRecord:
    """Money received. ``utr`` is the unique reference of the money: the bank's UTR for a
    static-QR credit, the PSP payment id (``pay_…``) for ``source == "psp"``."""

    id: int
    source: str
    utr: str
    reference: str
    charger_id: str | None
    evse_id: int | None
    amount_paise: int
    payer_vpa: str | None
    status: str
    received_at: str


@dataclass(frozen=True)
class RemoteStartRecord:
    """One remote start request; ``id`` doubles as the 2.x ``remoteStartId``."""

    id: int
    payment_id: int | None
    charger_id: str
    evse_id: int
    id_token: str
    requested_at: str
    status: str
    completed_at: str | None


@dataclass(frozen=True)
class TransactionRecord:
    id: int
    transaction_id: str | None
    charger_id: str
    evse_id: int | None
    id_token: str | None
    payment_id: int | None
    meter_start_wh: int | None
    meter_stop_wh: int | None
    started_at: str | None
    ended_at: str | None

    @property
    def energy_wh(self) -> int | None:
        if self.meter_start_wh is None or self.meter_stop_wh is None:
            return None
        return self.meter_stop_wh - self.meter_start_wh


class Ledger(PspLedger):
    """Typed access to the tables; ``path=":memory:"`` for a throwaway ledger."""

    def __init__(self, path: str = ":memory:") -> None:
        # check_same_thread=False: the CSMS may be built on one thread and served on another
        # (a fixture running the event loop in a background thread); all use is on that loop.
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA foreign_keys = ON")
        self._db.executescript(_SCHEMA + PSP_SCHEMA)

    def close(self) -> None:
        self._db.close()

    # payments -------------------------------------------------------------------------------

    def record_payment(
        self,
        *,
        utr: str,
        reference: str,
        charger_id: str | None,
        evse_id: int | None,
        amount_paise: int,
        payer_vpa: str | None = None,
        status: str = "credited",
        source: str = "static_qr",
        received_at: str | None = None,
    ) -> int | None:
        """Insert a payment and return its id, or None if this UTR was already recorded."""
        try:
            cursor = self._db.execute(
                "INSERT INTO payments (source, utr, reference, charger_id, evse_id, amount_paise,"
                " payer_vpa, status, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    source,
                    utr,
                    reference,
                    charger_id,
                    evse_id,
                    amount_paise,
                    payer_vpa,
                    status,
                    received_at or utc_now(),
                ),
            )
        except sqlite3.IntegrityError as exc:
            if "payments.utr" in str(exc):
                return None
            raise
        return _rowid(cursor)

    def payment(self, payment_id: int) -> PaymentRecord | None:
        row = self._db.execute("SELECT * FROM payments WHERE id = ?", (payment_id,)).fetchone()
        return PaymentRecord(**row) if row else None

    def payment_by_utr(self, utr: str) -> PaymentRecord | None:
        row = self._db.execute("SELECT * FROM payments WHERE utr = ?", (utr,)).fetchone()
        return PaymentRecord(**row) if row else None

    def payments(self) -> list[PaymentRecord]:
        rows = self._db.execute("SELECT * FROM payments ORDER BY id").fetchall()
        return [PaymentRecord(**row) for row in rows]

    def total_paise(self) -> int:
        """Sum of all recorded payments, in paise (an integer sum, never a float)."""
        row = self._db.execute("SELECT COALESCE(SUM(amount_paise), 0) FROM payments").fetchone()
        return int(row[0])

    # remote starts --------------------------------------------------------------------------

    def begin_remote_start(
        self, payment_id: int | None, charger_id: str, evse_id: int, id_token: str
    ) -> int:
        """Record a remote start as ``pending`` before it is sent, so a transaction that starts
        before the charger's answer is processed can already be linked to its payment."""
        cursor = self._db.execute(
            "INSERT INTO remote_starts (payment_id, charger_id, evse_id, id_token, requested_at,"
            " status) VALUES (?, ?, ?, ?, ?, 'pending')",
            (payment_id, charger_id, evse_id, id_token, utc_now()),
        )
        return _rowid(cursor)

    def finish_remote_start(self, remote_start_id: int, status: str) -> None:
        self._db.execute(
            "UPDATE remote_starts SET status = ?, completed_at = ? WHERE id = ?",
            (status, utc_now(), remote_start_id),
        )

    def remote_starts(self) -> list[RemoteStartRecord]:
        rows = self._db.execute("SELECT * FROM remote_starts ORDER BY id").fetchall()
        return [RemoteStartRecord(**row) for row in rows]

    def payment_for_remote_start(self, remote_start_id: int, charger_id: str) -> int | None:
        row = self._db.execute(
            "SELECT payment_id FROM remote_starts WHERE id = ? AND charger_id = ?",
            (remote_start_id, charger_id),
        ).fetchone()
        return row[0] if row else None

    def payment_for_token(self, charger_id: str, id_token: str) -> int | None:
        """The payment whose latest remote start on this charger used ``id_token``."""
        row = self._db.execute(
            "SELECT payment_id FROM remote_starts WHERE charger_id = ? AND id_token = ?"
            " ORDER BY id DESC LIMIT 1",
            (charger_id, id_token),
        ).fetchone()
        return row[0] if row else None

    # transactions ---------------------------------------------------------------------------

    def open_ocpp16_transaction(
        self,
        *,
        charger_id: str,
        evse_id: int,
        id_token: str,
        payment_id: int | None,
        meter_start_wh: int,
        started_at: str,
    ) -> int:
        """Record a 1.6 StartTransaction and return its new integer transactionId."""
        with self._db:
            self._db.execute("BEGIN")
            cursor = self._db.execute(
                "INSERT INTO transactions (charger_id, evse_id, id_token, payment_id,"
                " meter_start_wh, started_at) VALUES (?, ?, ?, ?, ?, ?)",
                (charger_id, evse_id, id_token, payment_id, meter_start_wh, started_at),
            )
            row_id = _rowid(cursor)
            self._db.execute(
                "UPDATE transactions SET transaction_id = CAST(id AS TEXT) WHERE id = ?", (row_id,)
            )
        return row_id

    def ensure_transaction(self, charger_id: str, transaction_id: str) -> TransactionRecord:
        """The 2.x transaction with this id, created empty if this is its first event (a charger
        that was offline may report Updated or Ended without a Started the CSMS saw)."""
        self._db.execute(
            "INSERT OR IGNORE INTO transactions (charger_id, transaction_id) VALUES (?, ?)",
            (charger_id, transaction_id),
        )
        found = self.transaction(charger_id, transaction_id)
        assert found is not None
        return found

    def update_transaction(self, charger_id: str, transaction_id: str, **fields: object) -> None:
        """Set the given columns of a transaction; None values are left unchanged."""
        allowed = {
            "evse_id",
            "id_token",
            "payment_id",
            "meter_start_wh",
            "meter_stop_wh",
            "started_at",
            "ended_at",
        }
        changes = {name: value for name, value in fields.items() if value is not None}
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"unknown transaction columns: {sorted(unknown)}")
        if not changes:
            return
        assignments = ", ".join(f"{name} = ?" for name in changes)
        self._db.execute(
            f"UPDATE transactions SET {assignments} WHERE charger_id = ? AND transaction_id = ?",
            (*changes.values(), charger_id, transaction_id),
        )

    def transaction(self, charger_id: str, transaction_id: str) -> TransactionRecord | None:
        row = self._db.execute(
            "SELECT * FROM transactions WHERE charger_id = ? AND transaction_id = ?",
            (charger_id, transaction_id),
        ).fetchone()
        return TransactionRecord(**row) if row else None

    def transactions(self) -> list[TransactionRecord]:
        rows = self._db.execute("SELECT * FROM transactions ORDER BY id").fetchall()
        return [TransactionRecord(**row) for row in rows]


def _rowid(cursor: sqlite3.Cursor) -> int:
    if cursor.lastrowid is None:
        raise RuntimeError("SQLite returned no row id for an INSERT")
    return cursor.lastrowid
