"""``ocpp-upi check-profile``: every item holds against a correctly configured reference CSMS,
and each broken item is named on its own line with a fix hint."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ocpp_upi import cli
from ocpp_upi.config import profile_from_document
from ocpp_upi.csms import CsmsSettings, ReferenceCsms
from ocpp_upi.profile_check import CheckItem, check_profile, reachability_items

SETTINGS = CsmsSettings(
    charger_password="check-password-0001",
    bank_webhook_secret="check-bank-secret",
    psp_base_url="http://127.0.0.1:9/v1",  # never called: the probes name no order
    psp_webhook_secret="check-psp-webhook-secret",
)


def _document(csms: ReferenceCsms) -> dict[str, Any]:
    base = csms.http_base_url
    return {
        "csms": {
            "name": "reference",
            "ocpp_url": csms.ocpp_url,
            "versions": ["1.6", "2.0.1", "2.1"],
            "security_profile": 1,
        },
        "chargers": [{"id": "CHECK-01", "password": "check-password-0001"}],
        "bank": {"webhook_url": f"{base}/webhooks/bank", "secret": "check-bank-secret"},
        "static_qr": {"link_url_template": base + "/static-qr/{charger_id}/{evse}"},
        "psp": {
            "listen": "127.0.0.1:9",
            "key_id": "rzp_test_check",
            "key_secret": "check-key-secret",
            "webhook_secret": "check-psp-webhook-secret",
            "webhook_url": f"{base}/webhooks/psp",
        },
        "pay_page": {"url_template": base + "/pay?charger_id={charger_id}&evse={evse}"},
        "hooks": {"preset": "tzi-octt", "trigger_url": base},
    }


def _check(change: Callable[[dict[str, Any]], None] | None = None) -> list[CheckItem]:
    async def scenario() -> list[CheckItem]:
        async with ReferenceCsms(SETTINGS) as csms:
            document = _document(csms)
            if change is not None:
                change(document)
            return await check_profile(profile_from_document(document, "test"))

    return asyncio.run(scenario())


def test_every_item_holds_against_a_correctly_configured_csms() -> None:
    items = _check()
    assert [i.line() for i in items if not i.ok] == []
    names = [i.name for i in items]
    assert sum(n.startswith("OCPP ") for n in names) == 3
    assert {"pay page of EVSE 1", "static-QR link of EVSE 1"} <= set(names)
    assert any(n.startswith("bank webhook route") for n in names)
    assert any(n.startswith("PSP webhook route") for n in names)
    # one dry run per distinct request: 2 actions x 3 version paths
    assert sum("hook (OCPP" in n for n in names) == 6


def _failed(change: Callable[[dict[str, Any]], None]) -> list[CheckItem]:
    return [i for i in _check(change) if not i.ok]


def _set(table: str, key: str, value: str) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        document[table][key] = value

    return change


def test_a_wrong_password_is_named_for_each_version() -> None:
    def wrong(document: dict[str, Any]) -> None:
        document["chargers"][0]["password"] = "not-the-password-000"

    failed = _failed(wrong)
    handshakes = [i for i in failed if i.name.startswith("OCPP ")]
    assert [i.name.split(" handshake")[0] for i in handshakes] == [
        "OCPP 1.6",
        "OCPP 2.0.1",
        "OCPP 2.1",
    ]
    assert all("HTTP 401" in i.detail and "password" in i.hint for i in handshakes)


@pytest.mark.parametrize(
    ("change", "item", "hint"),
    [
        (_set("bank", "webhook_url", "http://HOST/webhooks/nope"), "bank webhook", "no such route"),
        (_set("bank", "secret", "not-the-secret"), "bank webhook", "secret"),
        (_set("psp", "webhook_secret", "not-the-secret"), "PSP webhook", "secret"),
        (
            _set("pay_page", "url_template", "http://HOST/nope/{charger_id}/{evse}"),
            "pay page",
            "200",
        ),
        (
            _set("static_qr", "link_url_template", "http://HOST/nope/{charger_id}/{evse}"),
            "static-QR",
            "200",
        ),
    ],
    ids=["bank-route", "bank-secret", "psp-secret", "pay-page", "static-qr"],
)
def test_each_broken_item_gets_its_own_line(
    change: Callable[[dict[str, Any]], None], item: str, hint: str
) -> None:
    def with_host(document: dict[str, Any]) -> None:
        host = document["bank"]["webhook_url"].split("/webhooks/")[0].removeprefix("http://")
        change(document)
        for table in ("bank", "static_qr", "pay_page", "psp"):
            for key, value in document[table].items():
                if isinstance(value, str):
                    document[table][key] = value.replace("HOST", host)

    failed = _failed(with_host)
    assert len(failed) == 1, [i.line() for i in failed]
    assert item in failed[0].name and hint in failed[0].hint, failed[0].line()


def test_the_command_prints_one_line_per_item_and_exits_by_the_result(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async def serve(stop: asyncio.Event, ready: asyncio.Event, box: dict[str, Any]) -> None:
        async with ReferenceCsms(SETTINGS) as csms:
            box["document"] = _document(csms)
            ready.set()
            await stop.wait()

    import threading

    box: dict[str, Any] = {}
    loop = asyncio.new_event_loop()
    stop, ready = asyncio.Event(), asyncio.Event()
    thread = threading.Thread(target=loop.run_until_complete, args=(serve(stop, ready, box),))
    thread.start()
    try:
        asyncio.run_coroutine_threadsafe(asyncio.wait_for(ready.wait(), 10), loop).result(15)
        path = tmp_path / "p.toml"
        path.write_text(_toml(box["document"]), encoding="utf-8")
        assert cli.main(["check-profile", str(path)]) == 0
        out = capsys.readouterr().out
        assert out.splitlines()[-1] == "13 of 13 checks hold"
        path.write_text(_toml(box["document"]).replace("check-bank-secret", "x"), encoding="utf-8")
        assert cli.main(["check-profile", str(path)]) == 1
        out = capsys.readouterr().out
        assert "FAIL bank webhook route" in out and out.splitlines()[-1].endswith("1 to fix")
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(15)


def _toml(document: dict[str, Any]) -> str:
    lines = []
    for table, values in document.items():
        if table == "chargers":
            for charger in values:
                lines.append("[[chargers]]")
                lines += [f'{k} = "{v}"' for k, v in charger.items()]
            continue
        lines.append(f"[{table}]")
        for key, value in values.items():
            if isinstance(value, list):
                lines.append(f"{key} = [{', '.join(f'{chr(34)}{v}{chr(34)}' for v in value)}]")
            elif isinstance(value, int):
                lines.append(f"{key} = {value}")
            else:
                lines.append(f'{key} = "{value}"')
    return "\n".join(lines) + "\n"


def test_a_hook_route_the_csms_does_not_serve_is_one_failed_line_per_request() -> None:
    def elsewhere(document: dict[str, Any]) -> None:
        document["hooks"]["trigger_url"] = document["hooks"]["trigger_url"] + "/wrong"

    failed = _failed(elsewhere)
    assert len(failed) == 6 and all("hook (OCPP" in i.name for i in failed)
    assert all("HTTP 404" in i.detail and "correct [hooks]" in i.hint for i in failed)


def test_manual_hooks_fail_the_check_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")

    def manual(document: dict[str, Any]) -> None:
        document["hooks"] = {"mode": "manual"}

    async def preflight() -> list[CheckItem]:
        async with ReferenceCsms(SETTINGS) as csms:
            document = _document(csms)
            manual(document)
            return reachability_items(profile_from_document(document, "test"))

    for items in (_check(manual), asyncio.run(preflight())):
        failed = [i for i in items if not i.ok]
        assert [i.name for i in failed] == ["manual operator hooks"]
        assert "CI is set" in failed[0].detail
