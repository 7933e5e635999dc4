"""The two ways a scenario can go wrong, kept apart as reviewers need them kept apart.

``ConformanceFailure`` is a FAIL: the CSMS did something the rule forbids, or failed to do
something it requires. It is an ``AssertionError`` so pytest reports it as a plain failure, and
its message says what was expected and what arrived.

``HarnessError`` is an ERROR: the check could not run (the CSMS is unreachable, the profile is
broken). It is not a verdict on the CSMS's conformance.
"""

from __future__ import annotations


class ConformanceFailure(AssertionError):
    """The CSMS broke a rule. The message names the rule, the expectation and what arrived."""

    def __init__(self, message: str, *, expected: str | None = None, arrived: str | None = None):
        parts = [message]
        if expected is not None:
            parts.append(f"expected: {expected}")
        if arrived is not None:
            parts.append(f"arrived:  {arrived}")
        super().__init__("\n".join(parts))
        self.headline = message


class HarnessError(RuntimeError):
    """The check could not run; says why in one line."""
