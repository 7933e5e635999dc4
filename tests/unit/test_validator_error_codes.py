"""CALLERROR error codes as each OCPP version spells them, and the quirk contract for the rest.

The tables are the OCPP-J error code tables: OCPP-J 1.6 section 4.2.3 (10 codes, with the
1.6 spellings ``FormationViolation`` and ``OccurenceConstraintViolation``) and OCPP 2.0.1 /
2.1 Part 4 (12 codes, ``FormatViolation`` and ``OccurrenceConstraintViolation``). See
``docs/spec-notes.md``, "OCPP-J error codes per version".
"""

import json

import pytest

from ocpp_upi.ocpp.codec import ERROR_CODES
from ocpp_upi.ocpp.trace import FrameTrace
from ocpp_upi.ocpp.validator import Checked, FrameValidator
from ocpp_upi.ocpp.versions import VERSIONS, Role
from ocpp_upi.suite.steps.wire import SPELLING_ONLY, assert_conforming
from ocpp_upi.verdicts import ConformanceFailure

CHARGER, CSMS = Role.CHARGER, Role.CSMS

SPEC_TABLES: dict[str, frozenset[str]] = {
    "1.6": frozenset(
        {
            "NotImplemented",
            "NotSupported",
            "InternalError",
            "ProtocolError",
            "SecurityError",
            "FormationViolation",
            "PropertyConstraintViolation",
            "OccurenceConstraintViolation",
            "TypeConstraintViolation",
            "GenericError",
        }
    ),
    "2.0.1": frozenset(
        {
            "FormatViolation",
            "GenericError",
            "InternalError",
            "MessageTypeNotSupported",
            "NotImplemented",
            "NotSupported",
            "OccurrenceConstraintViolation",
            "PropertyConstraintViolation",
            "ProtocolError",
            "RpcFrameworkError",
            "SecurityError",
            "TypeConstraintViolation",
        }
    ),
}
SPEC_TABLES["2.1"] = SPEC_TABLES["2.0.1"]


def frame(*items: object) -> str:
    return json.dumps(list(items))


def answer_with(version: str, code: str) -> Checked:
    """The verdict on a CSMS CALLERROR with ``code`` answering the charger's Heartbeat."""
    validator = FrameValidator(version)
    assert validator.check(frame(2, "c1", "Heartbeat", {}), CHARGER).ok
    return validator.check(frame(4, "c1", code, "", {}), CSMS)


@pytest.mark.parametrize("version", VERSIONS)
def test_each_versions_error_code_table_is_the_specs(version: str) -> None:
    assert ERROR_CODES[version] == SPEC_TABLES[version]


@pytest.mark.parametrize(
    ("version", "code"), [(v, c) for v in VERSIONS for c in sorted(SPEC_TABLES[v])]
)
def test_every_code_of_the_versions_table_is_accepted(version: str, code: str) -> None:
    assert answer_with(version, code).ok


@pytest.mark.parametrize("version", ["2.0.1", "2.1"])
def test_2_x_accepts_occurrence_constraint_violation_with_two_rs(version: str) -> None:
    assert answer_with(version, "OccurrenceConstraintViolation").ok


@pytest.mark.parametrize(
    ("version", "wrong", "right"),
    [
        ("1.6", "OccurrenceConstraintViolation", "OccurenceConstraintViolation"),
        ("1.6", "FormatViolation", "FormationViolation"),
        ("2.0.1", "OccurenceConstraintViolation", "OccurrenceConstraintViolation"),
        ("2.0.1", "FormationViolation", "FormatViolation"),
        ("2.1", "OccurenceConstraintViolation", "OccurrenceConstraintViolation"),
        ("2.1", "FormationViolation", "FormatViolation"),
    ],
)
def test_another_versions_spelling_is_a_violation_graded_as_a_quirk(
    version: str, wrong: str, right: str
) -> None:
    checked = answer_with(version, wrong)
    assert [str(v) for v in checked.violations] == [
        f"CSMS -> charger frame ({version}): error code {wrong!r} is not an OCPP {version} "
        f"error code; OCPP {version} spells it {right!r}"
    ]
    assert SPELLING_ONLY in checked.violations[0].message
    trace = FrameTrace(label="t", version=version)
    trace.record(CSMS, "", checked.frame, checked.action, checked.violations)
    quirks: list[str] = []
    assert_conforming(trace, quirks.append)  # PASS with quirks
    assert len(quirks) == 1 and f"spells it {right!r}" in quirks[0]
    with pytest.raises(ConformanceFailure):
        assert_conforming(trace)


@pytest.mark.parametrize(
    ("version", "code"),
    [("1.6", "MessageTypeNotSupported"), ("1.6", "RpcFrameworkError"), ("2.1", "Occurrence")],
)
def test_a_code_no_version_spells_that_way_is_a_plain_violation(version: str, code: str) -> None:
    checked = answer_with(version, code)
    assert [v.message for v in checked.violations] == [
        f"error code {code!r} is not an OCPP {version} error code"
    ]
    assert SPELLING_ONLY not in checked.violations[0].message
