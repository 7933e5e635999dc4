"""The mock bank's webhook sender, and the record of one delivery for the report.

A conformance verdict must rest on what actually crossed the wire, so every delivery returns a
WebhookExchange (exact headers and body sent, status and body received, or the network error)
instead of raising: "the CSMS refused the connection" is a finding to report, not a crash.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal

import httpx

from ocpp_upi.bank.notification import CreditNotification
from ocpp_upi.bank.signing import SIGNATURE_HEADER, sign
from ocpp_upi.tls import client_tls_context

SignatureMode = Literal["valid", "forged", "missing"]

# The forged signature is a real HMAC under a key the CSMS cannot know, so it has the right
# shape (64 lowercase hex digits) and only the key is wrong: a CSMS that merely checks the
# format of the header is caught.
_FORGERY_KEY = "not-the-shared-secret"


@dataclass
class WebhookExchange:
    """One POST to a CSMS webhook: what was sent and what came back (or why nothing did)."""

    url: str
    request_headers: dict[str, str]
    request_body: bytes
    status: int | None = None
    response_body: str = ""
    error: str | None = None
    elapsed_s: float = 0.0
    response_headers: dict[str, str] = field(default_factory=dict)

    @property
    def delivered(self) -> bool:
        """True when the CSMS answered with any HTTP status at all."""
        return self.status is not None

    def describe(self) -> str:
        """Multi-line human text for a report attachment."""
        lines = [f"POST {self.url}"]
        lines += [f"{name}: {value}" for name, value in self.request_headers.items()]
        lines += ["", self.request_body.decode("utf-8", "replace"), ""]
        if self.status is None:
            lines.append(f"-> no response after {self.elapsed_s:.3f} s: {self.error}")
        else:
            lines.append(f"-> HTTP {self.status} after {self.elapsed_s:.3f} s")
            lines += [f"{name}: {value}" for name, value in self.response_headers.items()]
            lines += ["", self.response_body]
        return "\n".join(lines)


class BankNotifier:
    """Delivers credit notifications to one CSMS webhook URL, signed with the shared secret."""

    def __init__(
        self,
        webhook_url: str,
        secret: str,
        signature_header: str = SIGNATURE_HEADER,
        timeout: float = 5.0,
    ) -> None:
        self.webhook_url = webhook_url
        self.secret = secret
        self.signature_header = signature_header
        self.timeout = timeout
        self._client = httpx.AsyncClient(timeout=timeout, verify=client_tls_context())

    async def __aenter__(self) -> BankNotifier:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    def headers_for(self, body: bytes, signature: SignatureMode) -> dict[str, str]:
        """Request headers for ``body`` with a valid, forged or missing signature."""
        headers = {"Content-Type": "application/json"}
        if signature == "valid":
            headers[self.signature_header] = sign(body, self.secret)
        elif signature == "forged":
            headers[self.signature_header] = sign(body, _FORGERY_KEY)
        elif signature != "missing":
            raise ValueError(f"signature must be valid, forged or missing, got {signature!r}")
        return headers

    async def deliver(
        self,
        notification: CreditNotification,
        signature: SignatureMode = "valid",
        body: bytes | None = None,
    ) -> WebhookExchange:
        """POST ``notification`` (or the raw ``body`` override, for malformed-body tests).

        Never raises on network trouble; the error text lands in ``WebhookExchange.error``.
        """
        payload = notification.to_json() if body is None else body
        headers = self.headers_for(payload, signature)
        return await post_webhook(self._client, self.webhook_url, payload, headers, self.timeout)


async def post_webhook(
    client: httpx.AsyncClient, url: str, body: bytes, headers: dict[str, str], timeout: float
) -> WebhookExchange:
    """POST exactly ``body`` with exactly ``headers`` and keep both sides of the exchange.

    Shared by every webhook the harness sends (bank credits, crafted PSP events). Never raises
    on network trouble: the reason lands in ``WebhookExchange.error``.
    """
    exchange = WebhookExchange(url, dict(headers), body)
    started = time.perf_counter()
    try:
        response = await client.post(url, content=body, headers=headers)
    except httpx.ConnectError as exc:
        exchange.error = f"connection refused or unreachable: {exc or type(exc).__name__}"
    except httpx.TimeoutException as exc:
        exchange.error = f"timeout after {timeout} s: {exc or type(exc).__name__}"
    except httpx.HTTPError as exc:
        exchange.error = f"HTTP transport error: {type(exc).__name__}: {exc}"
    else:
        exchange.status = response.status_code
        exchange.response_body = response.text
        exchange.response_headers = dict(response.headers)
    exchange.elapsed_s = time.perf_counter() - started
    return exchange
