"""No secret reaches a report: the registry, the exceptions, the frame trace, the charger."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from ocpp_upi.charger.web_payments import SHARED_SECRET, ConfigurationRecord, WebPaymentsController
from ocpp_upi.ocpp.trace import FrameTrace
from ocpp_upi.ocpp.versions import Role
from ocpp_upi.redaction import SECRETS, SecretRegistry, fingerprint
from ocpp_upi.verdicts import ConformanceFailure, HarnessError

SHARED = "a-32-character-shared-secret-012"


@pytest.fixture(autouse=True)
def clean_registry() -> Iterator[None]:
    SECRETS.clear()
    yield
    SECRETS.clear()


def test_a_secret_becomes_its_length_and_a_short_digest() -> None:
    registry = SecretRegistry()
    registry.add(SHARED)
    shown = registry.redact(f"SharedSecret={SHARED!r} was Rejected")
    assert SHARED not in shown
    assert fingerprint(SHARED) in shown and "32 chars" in shown
    assert fingerprint(SHARED) != fingerprint(SHARED[::-1])


def test_short_values_and_json_escaped_forms() -> None:
    registry = SecretRegistry()
    registry.add("abc")  # too short to tell from ordinary text
    quoted = 'pa"ss\\word-01'
    registry.add(quoted)
    assert registry.redact("abc") == "abc"
    frame = json.dumps([2, "1", "SetVariables", {"value": quoted}])
    escaped = json.dumps(quoted)[1:-1]
    assert escaped in frame  # the secret as it travels inside a frame
    shown = registry.redact(frame)
    assert escaped not in shown and fingerprint(quoted) in shown


def test_basic_auth_token_is_redacted_with_its_password() -> None:
    registry = SecretRegistry()
    registry.add_basic_auth("CP1", "a-long-password")
    assert "Q1AxOmEtbG9uZy1wYXNzd29yZA==" not in registry.redact(
        "Authorization: Basic Q1AxOmEtbG9uZy1wYXNzd29yZA=="
    )


def test_failures_and_harness_errors_never_carry_a_registered_secret() -> None:
    SECRETS.add(SHARED)
    failure = ConformanceFailure(f"bad {SHARED}", expected="x", arrived=f"value {SHARED}")
    assert SHARED not in str(failure) and SHARED not in failure.headline
    assert SHARED not in str(HarnessError(f"cannot use {SHARED}"))


def test_the_charger_registers_the_shared_secret_the_csms_sets_and_the_trace_hides_it() -> None:
    trace = FrameTrace("t", "2.1")
    frame = json.dumps([2, "m1", "SetVariables", {"setVariableData": [{"attributeValue": SHARED}]}])
    trace.record(Role.CSMS, frame, None, "SetVariables", ())
    WebPaymentsController().record(
        ConfigurationRecord("SetVariables", 1, SHARED_SECRET, SHARED, "Accepted")
    )
    assert SHARED not in trace.render()
    assert SHARED not in trace.to_json()
    assert fingerprint(SHARED) in trace.render()
