"""Operator hooks: templates, the tzi-OCTT preset, the [hooks] table, carrying them out."""

from __future__ import annotations

import asyncio
import json
import tomllib
from typing import Any

import httpx
import pytest
import respx

from ocpp_upi.config import ProfileError, profile_from_document, profile_template
from ocpp_upi.hooks import HookFailed, HookTemplate, OperatorHooks, invoke_hook
from ocpp_upi.hooks.model import TemplateProblem
from ocpp_upi.hooks.presets import tzi_octt
from ocpp_upi.hooks.runner import manual_refusal, resolve_pointer
from ocpp_upi.suite.fixtures.applicability import missing_capability

VALUES = {"charger_id": "CP 1/a", "evse": 2, "id_tag": "TAG", "version": "2.0.1"}


def _document(hooks: dict[str, Any] | None) -> dict[str, Any]:
    document = tomllib.loads(profile_template())
    if hooks is None:
        document.pop("hooks", None)
    else:
        document["hooks"] = hooks
    return document


def _profile(hooks: dict[str, Any] | None):
    return profile_from_document(_document(hooks), "p.toml")


def _problem(hooks: dict[str, Any]) -> str:
    with pytest.raises(ProfileError) as caught:
        _profile(hooks)
    return str(caught.value)


# --- templates ---------------------------------------------------------------------------------


def test_a_lone_placeholder_keeps_its_type_and_urls_are_escaped() -> None:
    template = HookTemplate(
        url="http://h/api/{version}/{charger_id}/start",
        headers={"X-Station": "{charger_id}"},
        body={"evseId": "{evse}", "idToken": {"idToken": "{id_tag}"}, "note": "EVSE {evse}"},
    )
    request = template.render(VALUES)
    assert request.url == "http://h/api/2.0.1/CP%201%2Fa/start"
    assert request.headers == {"X-Station": "CP 1/a"}
    assert request.body == {"evseId": 2, "idToken": {"idToken": "TAG"}, "note": "EVSE 2"}
    assert json.loads(request.content() or b"") == request.body


def test_a_value_the_scenario_has_not_got_renders_visibly() -> None:
    request = HookTemplate(url="http://h/{transaction_id}").render(VALUES)
    assert request.url == "http://h/<no transaction_id>"


def test_an_unknown_placeholder_is_a_template_problem() -> None:
    with pytest.raises(TemplateProblem, match=r"unknown placeholder \{evse_id\}"):
        HookTemplate(url="http://h/", body={"a": ["{evse_id}"]}).check()


def test_the_tzi_octt_preset_follows_the_trigger_server_convention() -> None:
    templates = tzi_octt("http://csms:5001/", ("1.6", "2.1"))
    start16 = templates["remote_start"]["1.6"].render({**VALUES, "version": "1.6"})
    assert start16.url == "http://csms:5001/api/octt/1.6/CP%201%2Fa/remote-start-transaction"
    assert start16.body == {"connectorId": 2, "idTag": "TAG"}
    start21 = templates["remote_start"]["2.1"].render({**VALUES, "remote_start_id": 7})
    assert start21.url.endswith("/api/octt/2.1/CP%201%2Fa/request-start-transaction")
    assert start21.body == {
        "evseId": 2,
        "idToken": {"idToken": "TAG", "type": "Central"},
        "remoteStartId": 7,
    }
    stop16 = templates["remote_stop"]["1.6"].render({"charger_id": "A", "transaction_id": 42})
    assert stop16.body == {"transactionId": 42}
    assert stop16.url.endswith("/remote-stop-transaction")
    assert "2.0.1" not in templates["remote_start"]


def test_resolve_pointer_follows_rfc_6901() -> None:
    document = {"a/b": {"m~n": [10, 20]}}
    assert resolve_pointer(document, "/a~1b/m~0n/1") == 20
    assert resolve_pointer(document, "") == document
    with pytest.raises(KeyError):
        resolve_pointer(document, "/a~1b/x")


# --- the profile ---------------------------------------------------------------------------


def test_without_hooks_the_operator_scenarios_are_not_applicable() -> None:
    profile = _profile(None)
    assert not profile.hooks.declared("remote_start")
    reason = missing_capability(frozenset({"needs:remote_start_hook"}), profile)
    assert reason is not None and "[hooks] remote_start" in reason
    assert "hooks" not in profile.redacted()


def test_the_preset_declares_both_actions_for_every_version() -> None:
    profile = _profile({"preset": "tzi-octt", "trigger_url": "http://127.0.0.1:5001"})
    for version in profile.target.versions:
        assert profile.hooks.declared("remote_start", version)
        assert profile.hooks.declared("remote_stop", version)
    assert missing_capability(frozenset({"needs:remote_stop_hook"}), profile) is None


def test_a_table_overrides_the_preset_and_by_version_overrides_the_table() -> None:
    profile = _profile(
        {
            "preset": "tzi-octt",
            "trigger_url": "http://127.0.0.1:5001",
            "remote_stop": {
                "url": "http://127.0.0.1:8080/stop/{transaction_id}",
                "method": "PUT",
                "headers": {"Authorization": "Bearer sekrit"},
                "expect_status": [202],
                "by_version": {"1.6": {"url": "http://127.0.0.1:8080/v16/stop"}},
            },
        }
    )
    stop21 = profile.hooks.template("remote_stop", "2.1")
    assert stop21 is not None and stop21.method == "PUT" and stop21.expect_status == (202,)
    stop16 = profile.hooks.template("remote_stop", "1.6")
    assert stop16 is not None and stop16.url == "http://127.0.0.1:8080/v16/stop"
    start = profile.hooks.template("remote_start", "1.6")
    assert start is not None and "/api/octt/1.6/" in start.url
    shown = json.dumps(profile.redacted())
    assert "sekrit" not in shown and "Authorization" in shown


@pytest.mark.parametrize(
    ("hooks", "expected"),
    [
        ({"remote_start": {"url": "http://h/{chargerid}"}}, "unknown placeholder {chargerid}"),
        ({"preset": "tzi-octt"}, 'trigger_url: missing (required by preset "tzi-octt")'),
        ({"trigger_url": "http://h"}, 'only used with preset = "tzi-octt"'),
        ({}, "declares no action"),
        ({"remote_start": {"url": "ftp://h/"}}, "remote_start.url"),
        ({"remote_start": {"url": "http://h/", "expect_status": [99]}}, "expect_status"),
        ({"remote_start": {"url": "http://h/", "result_pointer": "status"}}, "JSON pointer"),
        ({"remote_stop": {"method": "POST"}}, "url"),
        ({"mode": "robot"}, "mode"),
    ],
)
def test_a_broken_hooks_table_is_one_line_naming_the_key(
    hooks: dict[str, Any], expected: str
) -> None:
    problem = _problem(hooks)
    assert expected in problem and "\n" not in problem


def test_by_version_must_name_a_declared_version() -> None:
    document = _document({"remote_start": {"url": "http://h/", "by_version": {"2.1": {}}}})
    document["csms"]["versions"] = ["1.6"]
    with pytest.raises(ProfileError, match=r"OCPP 2\.1 is not in"):
        profile_from_document(document, "p.toml")


def test_manual_mode_declares_every_action() -> None:
    profile = _profile({"mode": "manual"})
    assert profile.hooks.declared("remote_start", "2.1") and profile.hooks.declared("remote_stop")


# --- carrying a hook out -------------------------------------------------------------------


def _hooks(**template: Any) -> OperatorHooks:
    return OperatorHooks(
        templates={
            "remote_start": {"2.0.1": HookTemplate(url="http://csms.test/start", **template)}
        }
    )


@respx.mock
def test_a_hook_sends_its_request_and_reads_the_declared_value() -> None:
    route = respx.post("http://csms.test/start").mock(
        return_value=httpx.Response(200, json={"result": {"status": "Accepted"}})
    )
    hooks = _hooks(body={"evseId": "{evse}"}, result_pointer="/result/status")
    outcome = asyncio.run(invoke_hook(hooks, "remote_start", "2.0.1", VALUES, 5.0))
    assert outcome.status == 200 and outcome.result == "Accepted"
    sent = route.calls.last.request
    assert json.loads(sent.content) == {"evseId": 2}
    assert sent.headers["Content-Type"] == "application/json"


@respx.mock
def test_an_unexpected_status_is_an_error_naming_the_request_and_the_answer() -> None:
    respx.post("http://csms.test/start").mock(return_value=httpx.Response(403, text="no token"))
    with pytest.raises(HookFailed) as caught:
        asyncio.run(invoke_hook(_hooks(), "remote_start", "2.0.1", VALUES, 5.0))
    text = str(caught.value)
    assert "POST http://csms.test/start answered HTTP 403" in text and "no token" in text


@respx.mock
def test_a_missing_declared_value_is_an_error() -> None:
    respx.post("http://csms.test/start").mock(return_value=httpx.Response(200, json={}))
    with pytest.raises(HookFailed, match="no value at '/id'"):
        asyncio.run(invoke_hook(_hooks(result_pointer="/id"), "remote_start", "2.0.1", VALUES, 5))


@respx.mock
def test_no_answer_is_an_error() -> None:
    respx.post("http://csms.test/start").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(HookFailed, match="got no answer"):
        asyncio.run(invoke_hook(_hooks(), "remote_start", "2.0.1", VALUES, 5.0))


def test_a_version_without_a_template_is_an_error() -> None:
    with pytest.raises(HookFailed, match=r"no remote_start hook for OCPP 1\.6"):
        asyncio.run(invoke_hook(_hooks(), "remote_start", "1.6", VALUES, 5.0))


def test_manual_hooks_are_refused_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    assert manual_refusal() == "manual hooks need a person at a terminal, and CI is set"
    with pytest.raises(HookFailed, match="CI is set"):
        asyncio.run(invoke_hook(OperatorHooks(mode="manual"), "remote_start", "2.1", VALUES, 1))
