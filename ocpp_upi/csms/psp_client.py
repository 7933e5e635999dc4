"""An async client for the Razorpay-style PSP API the webpage-redirect flow relies on.

Only the calls the CSMS makes: create an order and its S2S UPI intent (pay page), read
payments and orders back (reconciliation), and refund (settlement). Failures come in two kinds
because the caller must treat them differently: ``PspRefusal`` is the PSP's considered "no"
(its error envelope; retrying the same request cannot help), ``PspUnavailable`` is "no answer"
(network error, 5xx, unusable body; retrying may help, and for a refund is safe because every
attempt carries the same ``X-Refund-Idempotency`` key).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from ocpp_upi.csms.psp_entities import EntityError, PspOrder, PspPayment, PspRefund, UpiIntent
from ocpp_upi.tls import client_tls_context

T = TypeVar("T")
IDEMPOTENCY_HEADER = "X-Refund-Idempotency"
CURRENCY = "INR"


class PspRefusal(Exception):
    """The PSP refused the request (4xx with Razorpay's ``{"error": {...}}`` envelope)."""

    def __init__(self, status: int, code: str, description: str, reason: str | None = None):
        super().__init__(f"PSP answered HTTP {status} {code}: {description} (reason {reason})")
        self.status = status
        self.code = code
        self.description = description
        self.reason = reason

    @property
    def retryable(self) -> bool:
        """409: a request with this idempotency key is still running; 429: rate limited.
        Both say "not yet", not "no", so the same request may be sent again later."""
        return self.status in (409, 429)


class PspUnavailable(Exception):
    """No usable answer from the PSP: network failure, timeout, 5xx, or a malformed body."""

    def __init__(self, detail: str, status: int | None = None):
        super().__init__(detail)
        self.status = status


class PspClient:
    """``async with PspClient(base_url, key_id, key_secret) as psp:``; base_url without /v1."""

    def __init__(
        self,
        base_url: str,
        key_id: str,
        key_secret: str,
        *,
        timeout: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/") + "/v1",
            auth=httpx.BasicAuth(key_id, key_secret),
            timeout=timeout,
            transport=transport,
            verify=client_tls_context(),
            headers={"Accept": "application/json"},
        )

    async def __aenter__(self) -> PspClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # API ------------------------------------------------------------------------------------

    async def create_order(
        self, amount_paise: int, receipt: str, notes: dict[str, str] | None = None
    ) -> PspOrder:
        """``POST /v1/orders``; the receipt (<= 40 characters) is the CSMS's own reference."""
        body: dict[str, Any] = {"amount": amount_paise, "currency": CURRENCY, "receipt": receipt}
        if notes:
            body["notes"] = notes
        return self._parse(PspOrder.from_entity, await self._request("POST", "/orders", body))

    async def create_upi_intent(
        self,
        order_id: str,
        amount_paise: int,
        description: str,
        *,
        email: str,
        contact: str,
        notes: dict[str, str] | None = None,
    ) -> UpiIntent:
        """``POST /v1/payments/create/upi`` with ``upi.flow = intent``: the PSP opens a
        payment for the order and returns the ``upi://`` link a UPI app can pay."""
        body: dict[str, Any] = {
            "amount": amount_paise,
            "currency": CURRENCY,
            "order_id": order_id,
            "method": "upi",
            "upi": {"flow": "intent"},
            "email": email,
            "contact": contact,
            "description": description,
            "notes": notes or {},
        }
        data = await self._request("POST", "/payments/create/upi", body)
        return self._parse(UpiIntent.from_response, data)

    async def fetch_payment(self, payment_id: str) -> PspPayment:
        data = await self._request("GET", f"/payments/{_segment(payment_id)}")
        return self._parse(PspPayment.from_entity, data)

    async def fetch_order(self, order_id: str) -> PspOrder:
        data = await self._request("GET", f"/orders/{_segment(order_id)}")
        return self._parse(PspOrder.from_entity, data)

    async def order_payments(self, order_id: str) -> list[PspPayment]:
        """``GET /v1/orders/:id/payments``: a collection ``{"count", "items": [...]}``."""
        data = await self._request("GET", f"/orders/{_segment(order_id)}/payments")
        items = data.get("items")
        if not isinstance(items, list):
            raise PspUnavailable(f"order payments: no items list in {data!r}")
        return [self._parse(PspPayment.from_entity, item) for item in items]

    async def refund(
        self,
        payment_id: str,
        amount_paise: int,
        idempotency_key: str,
        notes: dict[str, str] | None = None,
    ) -> PspRefund:
        """``POST /v1/payments/:id/refund``. The same key and body always name one refund at the
        PSP, so a retry after a lost answer cannot pay the driver twice."""
        body: dict[str, Any] = {"amount": amount_paise}
        if notes:
            body["notes"] = notes
        data = await self._request(
            "POST",
            f"/payments/{_segment(payment_id)}/refund",
            body,
            headers={IDEMPOTENCY_HEADER: idempotency_key},
        )
        return self._parse(PspRefund.from_entity, data)

    async def fetch_refund(self, refund_id: str) -> PspRefund:
        data = await self._request("GET", f"/refunds/{_segment(refund_id)}")
        return self._parse(PspRefund.from_entity, data)

    # plumbing -------------------------------------------------------------------------------

    async def _request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        try:
            response = await self._http.request(method, path, json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise PspUnavailable(f"{method} {path}: {type(exc).__name__}: {exc}") from exc
        if response.status_code >= 500:
            raise PspUnavailable(
                f"{method} {path}: HTTP {response.status_code}", response.status_code
            )
        data = _json_object(response)
        if response.status_code >= 400 or data is None:
            if response.status_code < 400:
                raise PspUnavailable(f"{method} {path}: body is not a JSON object")
            raise _error_from(response.status_code, data)
        return data

    @staticmethod
    def _parse(parse: Callable[[object], T], data: object) -> T:
        try:
            return parse(data)
        except EntityError as exc:
            raise PspUnavailable(f"unusable PSP response: {exc}") from exc


def _segment(identifier: str) -> str:
    """An id as one path segment: ``pay_123`` stays, a ``/`` or ``?`` cannot redirect the call."""
    return quote(identifier, safe="")


def _json_object(response: httpx.Response) -> dict[str, Any] | None:
    try:
        data = json.loads(response.content)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _error_from(status: int, data: dict[str, Any] | None) -> PspRefusal:
    """Razorpay's envelope ``{"error": {"code", "description", "reason", ...}}``; anything
    else still becomes a PspRefusal carrying the HTTP status, so the caller never guesses."""
    error = (data or {}).get("error")
    if not isinstance(error, dict):
        return PspRefusal(status, "UNKNOWN_ERROR", f"HTTP {status} without an error envelope")
    reason = error.get("reason")
    return PspRefusal(
        status,
        str(error.get("code") or "UNKNOWN_ERROR"),
        str(error.get("description") or ""),
        str(reason) if reason not in (None, "NA") else None,
    )
