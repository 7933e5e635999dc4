"""The harness's public Python API: validate OCPP-J frames and recordings offline.

The same validator (framing, official OCA JSON schemas, RPC rules) as a live conformance run,
for tools that record their own traffic::

    >>> from ocpp_upi.api import validate_frame
    >>> validate_frame("2.0.1", "charger", '[2, "1", "Heartbeat", {}]')
    []
    >>> validate_frame("1.6", "csms", '[3, "1", {"currentTime": 5}]', answers_action="Heartbeat")
    ["CSMS -> charger Heartbeat.conf (1.6): /currentTime: 5 is not of type 'string'"]

    >>> from ocpp_upi.api import check_recording
    >>> result = check_recording("session.jsonl", "2.0.1")  # doctest: +SKIP
    >>> result.exit_status, result.counts  # doctest: +SKIP
    (1, {'framing': 0, 'schema': 1, 'rpc': 0, 'unanswered': 0})

Nothing else in the package is a stable interface.
"""

from ocpp_upi.ocpp.validator import validate_frame_once
from ocpp_upi.ocpp.versions import Role, check_version
from ocpp_upi.offline.checker import Finding, TraceCheckResult, check_recording
from ocpp_upi.offline.records import TraceInputError, parse_sender

__all__ = [
    "Finding",
    "Role",
    "TraceCheckResult",
    "TraceInputError",
    "check_recording",
    "validate_frame",
]


def validate_frame(
    version: str,
    sender: str | Role,
    frame_text: str,
    answers_action: str | None = None,
) -> list[str]:
    """The violations of one frame, worded as a conformance report words them; [] if valid.

    ``version`` is ``"1.6"``, ``"2.0.1"`` or ``"2.1"``. ``sender`` is a ``Role`` or
    ``"charger"``/``"csms"`` (or ``"cs->csms"``/``"csms->cs"``). The frame is judged without
    connection history: a CALLRESULT or CALLERROR is taken to answer an outstanding CALL of
    ``answers_action`` with the same message id, so its payload is checked against that
    action's response schema; without ``answers_action`` only its framing (and error code) can
    be judged. ``answers_action`` is ignored for a CALL or SEND. Raises ValueError for an
    unknown version or sender.

    >>> validate_frame("2.1", "charger", '{"not": "an array"}')
    ['charger -> CSMS frame (2.1): frame is a JSON object, not an array']
    """
    role = parse_sender(sender)
    checked = validate_frame_once(frame_text, check_version(version), role, answers_action)
    return [str(violation) for violation in checked.violations]
