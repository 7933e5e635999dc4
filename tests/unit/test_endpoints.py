"""A missing route is never a refusal: what counts as "endpoint missing", and when a negative
check needs a positive control."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from ocpp_upi.bank.notifier import WebhookExchange
from ocpp_upi.suite.fixtures.endpoints import EndpointLedger
from ocpp_upi.suite.fixtures.scenario import ScenarioState
from ocpp_upi.suite.steps.endpoints import check_answered, require_positive_controls, rests_on
from ocpp_upi.verdicts import EndpointMissing

URL = "http://127.0.0.1:9/webhooks/bank"


def _exchange(status: int | None, body: str = "", error: str | None = None) -> WebhookExchange:
    return WebhookExchange(URL, {}, b"{}", status=status, response_body=body, error=error)


@pytest.mark.parametrize("status", [405, 501, None])
def test_never_a_refusal(status: int | None) -> None:
    for genuine in (True, False):
        with pytest.raises(EndpointMissing, match="endpoint missing: bank webhook"):
            check_answered(
                _exchange(status, error="connection refused"), "bank webhook", genuine=genuine
            )


def test_404_is_missing_for_a_genuine_request_and_undecided_for_a_hostile_one() -> None:
    with pytest.raises(EndpointMissing, match="answered HTTP 404: no route"):
        check_answered(_exchange(404, "no   route"), "bank webhook", genuine=True)
    check_answered(_exchange(404), "bank webhook", genuine=False)  # the control decides


@pytest.mark.parametrize("status", [200, 202, 400, 401, 403, 409, 413, 422, 500])
def test_any_other_answer_is_for_the_steps_to_judge(status: int) -> None:
    check_answered(_exchange(status), "bank webhook", genuine=status < 300)


def _world() -> Any:
    return SimpleNamespace(state=ScenarioState(), endpoints=EndpointLedger())


def test_a_negative_check_on_an_unproven_endpoint_is_an_error() -> None:
    world = _world()
    rests_on(world, URL)
    with pytest.raises(EndpointMissing, match="no positive control for"):
        require_positive_controls(world)
    world.endpoints.prove(URL, "RemoteStartTransaction after a genuine credit")
    require_positive_controls(world)


def test_a_scenario_without_negative_checks_needs_no_control() -> None:
    require_positive_controls(_world())


def test_a_plain_http_server_is_named_by_its_status_line() -> None:
    from ocpp_upi.charger.station import handshake_failure

    try:
        try:
            raise ValueError("unsupported protocol; expected HTTP/1.1: HTTP/1.0 404 File not found")
        except ValueError as inner:
            raise RuntimeError("did not receive a valid HTTP response") from inner
    except RuntimeError as outer:
        why = handshake_failure(outer)
    assert why == "the server answered HTTP/1.0 404 File not found, not a WebSocket upgrade"
    assert handshake_failure(RuntimeError("boom")) == "boom"


def test_another_versions_error_code_spelling_is_a_quirk_not_a_fail() -> None:
    from ocpp_upi.ocpp.trace import FrameTrace
    from ocpp_upi.ocpp.validator import FrameValidator
    from ocpp_upi.ocpp.versions import Role
    from ocpp_upi.suite.steps.wire import assert_conforming
    from ocpp_upi.verdicts import ConformanceFailure

    raw = '[4,"m1","FormationViolation","",{}]'
    trace = FrameTrace(label="t", version="2.0.1")
    validator = FrameValidator("2.0.1")
    assert validator.check('[2,"m1","Heartbeat",{}]', Role.CHARGER).ok
    checked = validator.check(raw, Role.CSMS)
    trace.record(Role.CSMS, raw, checked.frame, checked.action, checked.violations)
    quirks: list[str] = []
    assert_conforming(trace, quirks.append)
    assert len(quirks) == 1 and "spells it 'FormatViolation'" in quirks[0]
    with pytest.raises(ConformanceFailure):  # without a place for quirks: judged strictly
        assert_conforming(trace)
    wrong = '[4,"m3","NoSuchCode","",{}]'
    assert validator.check('[2,"m3","Heartbeat",{}]', Role.CHARGER).ok
    checked = validator.check(wrong, Role.CSMS)
    trace.record(Role.CSMS, wrong, checked.frame, checked.action, checked.violations)
    with pytest.raises(ConformanceFailure, match="NoSuchCode"):
        assert_conforming(trace, quirks.append)
