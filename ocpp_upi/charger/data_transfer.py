"""DataTransfer from the CSMS, routed by (vendorId, messageId).

OCPP 1.6 and 2.0.1 carry the white paper's backports (prepaid limits, NotifyWebPaymentStarted)
in DataTransfer. Several station features need it at once, so each registers its own
(vendorId, messageId) here instead of owning the one DataTransfer handler.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from ocpp_upi.ocpp.session import Reply

DataTransferHandler = Callable[[dict[str, Any]], Awaitable[Reply]]


@dataclass
class DataTransferRouter:
    handlers: dict[tuple[str, str | None], DataTransferHandler] = field(default_factory=dict)

    def on(self, vendor_id: str, message_id: str | None, handler: DataTransferHandler) -> None:
        self.handlers[(vendor_id, message_id)] = handler

    async def dispatch(self, payload: dict[str, Any]) -> Reply:
        """The registered handler's answer; else UnknownVendorId / UnknownMessageId as OCPP says."""
        vendor = payload.get("vendorId", "")
        handler = self.handlers.get((vendor, payload.get("messageId")))
        if handler is not None:
            return await handler(payload)
        if any(v == vendor for v, _ in self.handlers):
            return Reply({"status": "UnknownMessageId"})
        return Reply({"status": "UnknownVendorId"})
