"""The verdicts of a conformance run, and the exceptions that lead to them.

A certifier signs a report only if every outcome means one thing everywhere (console, JUnit,
``summary.json``, Allure). The six verdicts, after open-ocpp-tck's discipline:

- PASS: the CSMS did what the scenario requires (maybe *with quirks*: allowed but unusual
  behaviour, listed in every report, never silently accepted);
- FAIL: the CSMS broke a MUST (spec, schema or seed) -- a ``ConformanceFailure``;
- ERROR: the check could not run -- the setup, an endpoint that is missing or does not answer,
  a profile gap, a harness bug (``HarnessError`` or anything unexpected);
- NOT APPLICABLE: the profile (or the OCPP version) says the scenario does not apply, with why;
- KNOWN FAILURE: a FAIL the vendor declared in advance with a reason;
- UNEXPECTED PASS: a declared known failure that passed (the declaration is stale).
"""

from __future__ import annotations

from enum import StrEnum

from ocpp_upi.errors import OcppUpiError
from ocpp_upi.redaction import redact


class Verdict(StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"
    ERROR = "ERROR"
    NOT_APPLICABLE = "NOT APPLICABLE"
    KNOWN_FAILURE = "KNOWN FAILURE"
    UNEXPECTED_PASS = "UNEXPECTED PASS"

    @property
    def breaks_the_run(self) -> bool:
        """The verdicts that make the run (and CI) red."""
        return self in (Verdict.FAIL, Verdict.ERROR, Verdict.UNEXPECTED_PASS)


# pytest.skip reasons that start with this are NOT APPLICABLE verdicts.
NOT_APPLICABLE_PREFIX = "NOT APPLICABLE: "


class ConformanceFailure(AssertionError):
    """The CSMS broke a rule. The message names the rule, the expectation and what arrived."""

    def __init__(self, message: str, *, expected: str | None = None, arrived: str | None = None):
        parts = [message]
        if expected is not None:
            parts.append(f"expected: {expected}")
        if arrived is not None:
            parts.append(f"arrived:  {arrived}")
        super().__init__(redact("\n".join(parts)))
        self.headline = redact(message)


class HarnessError(OcppUpiError, RuntimeError):
    """The check could not run; says why in one line."""

    def __str__(self) -> str:
        return redact(super().__str__())


class EndpointMissing(HarnessError):
    """An endpoint the profile names is not there (404/405/501, a dropped connection, no
    answer) or has never accepted a genuine request. A negative check against it would pass
    vacuously ("refused", "starts nothing"), so the scenario is ERROR, never PASS."""

    def __init__(self, what: str, url: str, answer: str):
        super().__init__(f"endpoint missing: {what} {url} {answer}")
        self.url = url
