"""Predicates over the frame trace, shared by the step modules.

Steps assert on the wire (what the charger saw), never on what a CSMS's API or log claims.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ocpp_upi.ocpp.codec import Call
from ocpp_upi.ocpp.trace import FrameTrace, TraceEntry
from ocpp_upi.ocpp.versions import Role
from ocpp_upi.ocpp.vocabulary import vocabulary
from ocpp_upi.verdicts import ConformanceFailure


def is_csms_call(action: str) -> Callable[[TraceEntry], bool]:
    """Predicate: a CALL of ``action`` that the CSMS sent."""

    def predicate(entry: TraceEntry) -> bool:
        return (
            entry.sender is Role.CSMS
            and isinstance(entry.frame, Call)
            and entry.frame.action == action
        )

    return predicate


def is_remote_start(version: str) -> Callable[[TraceEntry], bool]:
    return is_csms_call(vocabulary(version).remote_start)


def is_remote_stop(version: str) -> Callable[[TraceEntry], bool]:
    return is_csms_call(vocabulary(version).remote_stop)


def remote_start_evse(version: str, payload: dict[str, Any]) -> Any:
    """The EVSE a remote start names: 1.6 ``connectorId``, 2.x ``evseId``."""
    return payload.get("connectorId" if version == "1.6" else "evseId")


def summarise(entries: list[TraceEntry], limit: int = 5) -> str:
    if not entries:
        return "nothing"
    shown = [f"#{e.seq} {e.raw[:300]}" for e in entries[:limit]]
    more = f" (+{len(entries) - limit} more)" if len(entries) > limit else ""
    return "; ".join(shown) + more


# The validator's wording when an error code is another OCPP version's spelling of a valid one
# (1.6 "FormationViolation" in 2.0.1): a quirk many stacks share, not a broken rule.
SPELLING_ONLY = " spells it "


def assert_conforming(trace: FrameTrace, on_quirk: Callable[[str], None] | None = None) -> None:
    """Fail on any framing or schema violation recorded so far, naming each one.

    With ``on_quirk``, an error code spelt as another OCPP version spells it is handed there as
    a quirk instead (PASS with quirks); without it, it fails like any violation."""
    violations = trace.violations
    if on_quirk is not None:
        for violation in violations:
            if SPELLING_ONLY in violation.message:
                on_quirk(f"error code spelt as another OCPP version spells it: {violation}")
        violations = [v for v in violations if SPELLING_ONLY not in v.message]
    if violations:
        listed = "\n  ".join(str(v) for v in violations[:10])
        more = f"\n  ... and {len(violations) - 10} more" if len(violations) > 10 else ""
        raise ConformanceFailure(
            f"{len(violations)} OCPP frame violation(s) in the exchange:\n  {listed}{more}"
        )
