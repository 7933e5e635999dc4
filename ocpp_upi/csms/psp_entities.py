"""Razorpay entities (order, payment, refund) as the CSMS reads them, from API or webhook JSON.

One parser for both sources: a webhook's ``payload.payment.entity`` and the body of
``GET /v1/payments/:id`` are the same object, so the rules that judge a payment (amount,
currency, order) see the same typed value wherever the payment came from. Amounts stay int
paise; a float or a bool where an amount belongs is rejected rather than coerced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class EntityError(ValueError):
    """A PSP entity lacks a field the CSMS relies on, or has it with the wrong type."""


def _text(entity: dict[str, Any], key: str, *, optional: bool = False) -> str | None:
    value = entity.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value:
        raise EntityError(f"{key}: expected a non-empty string, got {value!r}")
    return value


def _paise(entity: dict[str, Any], key: str, *, default: int | None = None) -> int:
    value = entity.get(key, default)
    # bool is an int subclass; True paise is not an amount.
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise EntityError(f"{key}: expected a non-negative integer amount in paise, got {value!r}")
    return value


def _require_object(data: object, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise EntityError(f"{what}: expected a JSON object, got {type(data).__name__}")
    return data


@dataclass(frozen=True)
class PspOrder:
    """``order_…``: what the pay page asked the driver to pay."""

    id: str
    amount: int
    currency: str
    status: str
    receipt: str | None = None
    amount_paid: int = 0
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_entity(cls, data: object) -> PspOrder:
        entity = _require_object(data, "order")
        return cls(
            id=str(_text(entity, "id")),
            amount=_paise(entity, "amount"),
            currency=str(_text(entity, "currency")),
            status=str(_text(entity, "status")),
            receipt=_text(entity, "receipt", optional=True),
            amount_paid=_paise(entity, "amount_paid", default=0),
            raw=entity,
        )


@dataclass(frozen=True)
class PspPayment:
    """``pay_…``: money the driver sent; ``status`` ``captured`` means it is ours."""

    id: str
    amount: int
    currency: str
    status: str
    order_id: str | None = None
    method: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_entity(cls, data: object) -> PspPayment:
        entity = _require_object(data, "payment")
        return cls(
            id=str(_text(entity, "id")),
            amount=_paise(entity, "amount"),
            currency=str(_text(entity, "currency")),
            status=str(_text(entity, "status")),
            order_id=_text(entity, "order_id", optional=True),
            method=_text(entity, "method", optional=True),
            raw=entity,
        )


@dataclass(frozen=True)
class PspRefund:
    """``rfnd_…``: ``pending`` until the PSP reports ``processed`` or ``failed``."""

    id: str
    payment_id: str
    amount: int
    status: str
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_entity(cls, data: object) -> PspRefund:
        entity = _require_object(data, "refund")
        return cls(
            id=str(_text(entity, "id")),
            payment_id=str(_text(entity, "payment_id")),
            amount=_paise(entity, "amount"),
            status=str(_text(entity, "status")),
            raw=entity,
        )


@dataclass(frozen=True)
class UpiIntent:
    """The S2S UPI intent: the payment the PSP opened and the ``upi://`` link for the app."""

    payment_id: str
    link: str

    @classmethod
    def from_response(cls, data: object) -> UpiIntent:
        body = _require_object(data, "UPI intent")
        return cls(
            payment_id=str(_text(body, "razorpay_payment_id")), link=str(_text(body, "link"))
        )
