"""The mock PSP's books: every order, payment, refund, QR code and payment link it issued.

Entities are stored as the very dicts the API returns (Razorpay field names, money as integer
paise), so what the harness inspects is exactly what the CSMS was shown. Side indexes hold the
few facts Razorpay keeps but does not expose on the entity.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from ocpp_upi.psp.errors import not_found

Entity = dict[str, Any]


@dataclass
class PspLedger:
    """In-memory dicts keyed by id; one ledger per MockPsp instance."""

    orders: dict[str, Entity] = field(default_factory=dict)
    payments: dict[str, Entity] = field(default_factory=dict)
    refunds: dict[str, Entity] = field(default_factory=dict)
    qr_codes: dict[str, Entity] = field(default_factory=dict)
    payment_links: dict[str, Entity] = field(default_factory=dict)
    # The upi:// link that pays each order, QR code or payment link, keyed by that id (= its tr).
    upi_links: dict[str, str] = field(default_factory=dict)
    # payment id -> the QR code or payment link it paid (orders are on the payment itself).
    payment_targets: dict[str, str] = field(default_factory=dict)
    # order ids whose payments wait for an explicit capture (order created with payment_capture 0).
    manual_capture: set[str] = field(default_factory=set)
    # receipt -> order id, for unique_receipt; payment-link reference_id -> link id.
    receipts: dict[str, str] = field(default_factory=dict)
    link_references: dict[str, str] = field(default_factory=dict)
    # generic profile: payment id -> its reference and optional per-payment webhook URL.
    generic_references: dict[str, str] = field(default_factory=dict)
    generic_callbacks: dict[str, str] = field(default_factory=dict)

    def order(self, order_id: str) -> Entity:
        return _get(self.orders, order_id)

    def payment(self, payment_id: str) -> Entity:
        return _get(self.payments, payment_id)

    def refund(self, refund_id: str) -> Entity:
        return _get(self.refunds, refund_id)

    def qr_code(self, qr_id: str) -> Entity:
        return _get(self.qr_codes, qr_id)

    def payment_link(self, link_id: str) -> Entity:
        return _get(self.payment_links, link_id)

    def payments_of_order(self, order_id: str) -> list[Entity]:
        return [p for p in self.payments.values() if p["order_id"] == order_id]

    def payments_of_target(self, target_id: str) -> list[Entity]:
        return [self.payments[p] for p, t in self.payment_targets.items() if t == target_id]

    def refunds_of_payment(self, payment_id: str) -> list[Entity]:
        return [r for r in self.refunds.values() if r["payment_id"] == payment_id]

    def copy_of(self, table: str, entity_id: str) -> Entity | None:
        """A deep copy of one entity of ``table`` ("orders", "refunds", ...), or None. Safe from
        another thread for the reasons ``snapshot`` gives; a step reading one entity copies
        that one, not the whole ledger (which grows with every scenario of a run)."""
        entity = getattr(self, table).get(entity_id)
        return None if entity is None else copy.deepcopy(entity)

    def copies_where(self, table: str, key: str, value: Any) -> list[Entity]:
        """Deep copies of the entities of ``table`` whose ``key`` is ``value``."""
        entities = list(getattr(self, table).copy().values())
        return [copy.deepcopy(e) for e in entities if e.get(key) == value]

    def ids(self, table: str) -> frozenset[str]:
        """The ids ``table`` holds now."""
        return frozenset(getattr(self, table).copy())

    def snapshot(self) -> dict[str, Any]:
        """A deep copy of everything, JSON-ready, for reports and /_control/ledger.

        Safe to call from another thread while the PSP's loop runs (the harness's synchronous
        steps do): each table is first copied by ``dict.copy()``, which CPython performs under
        the GIL, so a new entity arriving mid-copy cannot break the iteration; entities only
        ever change values of keys they already have.
        """
        tables: dict[str, dict[str, Any]] = {
            "orders": self.orders,
            "payments": self.payments,
            "refunds": self.refunds,
            "qr_codes": self.qr_codes,
            "payment_links": self.payment_links,
            "upi_links": self.upi_links,
        }
        return {name: copy.deepcopy(table.copy()) for name, table in tables.items()}


def _get(table: dict[str, Entity], entity_id: str) -> Entity:
    try:
        return table[entity_id]
    except KeyError:
        raise not_found() from None
