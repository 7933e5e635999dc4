"""The root of every error the harness raises about its input or its own state.

``ocpp-upi`` turns any of them into one line and exit status 2 (a bad profile, a malformed
trace file, a wrong option); anything else is a bug and keeps its traceback. A verdict is not an
error: ``ConformanceFailure`` (the CSMS broke a rule) stands apart, in ``ocpp_upi.verdicts``.
The reference CSMS has errors of its own: it shares no code with the harness.
"""

from __future__ import annotations


class OcppUpiError(Exception):
    """Something the harness was given, or found, that it cannot work with; says what."""
