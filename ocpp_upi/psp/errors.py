"""Razorpay's error envelope, raised as one exception type everywhere in the mock.

Razorpay SDKs pick the exception class from ``error.code`` and integrations are told to match
on ``error.reason``, so every refusal carries the full envelope, not just a status code: a CSMS
that handles real Razorpay errors must handle these the same way.
"""

from __future__ import annotations

from typing import Any

from ocpp_upi.errors import OcppUpiError


class PspError(OcppUpiError):
    """A refusal with an HTTP status and a Razorpay error envelope."""

    def __init__(
        self,
        status: int,
        description: str,
        *,
        code: str = "BAD_REQUEST_ERROR",
        field: str | None = None,
        source: str = "business",
        step: str = "payment_initiation",
        reason: str = "input_validation_failed",
        metadata: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.code = code
        self.field = field
        self.source = source
        self.step = step
        self.reason = reason
        self.metadata = metadata or {}

    def envelope(self) -> dict[str, Any]:
        """The JSON body Razorpay sends with this error."""
        return {
            "error": {
                "code": self.code,
                "description": self.description,
                "source": self.source,
                "step": self.step,
                "reason": self.reason,
                "metadata": self.metadata,
                "field": self.field,
            }
        }


def invalid(description: str, field: str | None = None) -> PspError:
    """400: the request itself is wrong (Razorpay's input_validation_failed)."""
    return PspError(400, description, field=field)


def not_found(field: str = "id") -> PspError:
    """404 for an id this PSP never issued, with Razorpay's wording."""
    return PspError(404, "The id provided does not exist", field=field)


def unauthorized(description: str) -> PspError:
    """401: missing or wrong API key; Razorpay reports NA for source, step and reason."""
    return PspError(401, description, source="NA", step="NA", reason="NA")


def server_fault(status: int) -> PspError:
    """The error an injected fault answers with, shaped like Razorpay's own outages."""
    if status in (502, 503, 504):
        return PspError(
            status,
            "The gateway is temporarily unavailable (mock PSP fault injection)",
            code="GATEWAY_ERROR",
            source="gateway",
            step="NA",
            reason="gateway_technical_error",
        )
    if status >= 500:
        return PspError(
            status,
            "The server encountered an error. The incident has been reported to admins.",
            code="SERVER_ERROR",
            source="NA",
            step="NA",
            reason="server_error",
        )
    if status == 429:
        return PspError(status, "Too many requests", source="NA", step="NA", reason="rate_limited")
    return PspError(status, f"Injected fault: HTTP {status}", source="NA", step="NA", reason="NA")
