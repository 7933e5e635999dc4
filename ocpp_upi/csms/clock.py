"""Timestamps the CSMS writes into OCPP responses and its ledger.

One function so every record carries the same RFC 3339 UTC spelling that all three OCPP
versions' ``date-time`` fields accept.
"""

from datetime import UTC, datetime


def utc_now() -> str:
    """Now as RFC 3339 UTC with milliseconds, e.g. ``2025-10-01T10:00:00.000Z``."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
