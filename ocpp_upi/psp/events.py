"""Event snapshots: an event name plus deep copies of its entities at this instant.

Several events come out of one state change (authorized, captured, order paid); each must show
the entity as it was at its own step, so the copy is taken when the event is created, not when
the batch is sent.
"""

from __future__ import annotations

import copy

from ocpp_upi.psp.ledger import Entity

Event = tuple[str, dict[str, Entity]]


def event(name: str, **entities: Entity) -> Event:
    """``event("order.paid", payment=p, order=o)``: contains == ["payment", "order"]."""
    return name, copy.deepcopy(entities)
