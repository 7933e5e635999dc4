"""The reference CSMS's trigger server (tzi-OCTT convention) on loopback, raw frames on the wire."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from ocpp_upi.csms import CsmsSettings, ReferenceCsms
from tests.unit.test_csms_server import charger_session, run


async def _post(csms: ReferenceCsms, path: str, body: Any) -> httpx.Response:
    async with httpx.AsyncClient(timeout=5.0, trust_env=False) as client:
        return await client.post(f"{csms.http_base_url}{path}", json=body)


def test_remote_start_and_stop_reach_the_station_and_answer_its_status() -> None:
    async def scenario() -> None:
        async with ReferenceCsms(CsmsSettings(db_path=":memory:")) as csms:
            async with charger_session(csms, "1.6", "CP1") as charger:
                reply = asyncio.ensure_future(
                    _post(
                        csms,
                        "/api/octt/1.6/CP1/remote-start-transaction",
                        {"connectorId": 1, "idTag": "TAG-1"},
                    )
                )
                frame = await charger.recv()
                assert frame[2] == "RemoteStartTransaction"
                assert frame[3] == {"connectorId": 1, "idTag": "TAG-1"}
                await charger.answer(frame, {"status": "Accepted"})
                answer = await reply
                assert answer.status_code == 200 and answer.json() == {"status": "Accepted"}

                reply = asyncio.ensure_future(
                    _post(csms, "/api/octt/1.6/CP1/remote-stop-transaction", {"transactionId": 7})
                )
                frame = await charger.recv()
                assert frame[2:] == ["RemoteStopTransaction", {"transactionId": 7}]
                await charger.answer(frame, {"status": "Rejected"})
                answer = await reply
                assert answer.json() == {"status": "Rejected"}

    run(scenario())


def test_2x_request_start_uses_the_csms_s_own_remote_start_id() -> None:
    async def scenario() -> None:
        async with ReferenceCsms(CsmsSettings(db_path=":memory:")) as csms:
            async with charger_session(csms, "2.0.1", "CP2") as charger:
                reply = asyncio.ensure_future(
                    _post(
                        csms,
                        "/api/octt/2.0.1/CP2/request-start-transaction",
                        {"evseId": 1, "idToken": {"idToken": "T", "type": "Central"}},
                    )
                )
                frame = await charger.recv()
                assert frame[2] == "RequestStartTransaction"
                assert frame[3]["evseId"] == 1 and frame[3]["idToken"]["idToken"] == "T"
                assert isinstance(frame[3]["remoteStartId"], int)
                await charger.answer(frame, {"status": "Accepted"})
                assert (await reply).json() == {"status": "Accepted"}

    run(scenario())


def test_what_the_trigger_server_cannot_do_is_an_http_error_that_says_why() -> None:
    async def scenario() -> None:
        async with ReferenceCsms(CsmsSettings(db_path=":memory:")) as csms:
            async with charger_session(csms, "1.6", "CP3"):
                absent = await _post(csms, "/api/octt/1.6/NOPE/remote-start-transaction", {})
                assert absent.status_code == 404 and "not connected" in absent.text
                unknown = await _post(csms, "/api/octt/1.6/CP3/reset", {"type": "Hard"})
                assert unknown.status_code == 404 and "unknown action" in unknown.text
                version = await _post(
                    csms, "/api/octt/2.1/CP3/request-start-transaction", {"evseId": 1}
                )
                assert version.status_code == 400 and "speaks OCPP 1.6" in version.text
                payload = await _post(csms, "/api/octt/1.6/CP3/remote-start-transaction", {})
                assert payload.status_code == 400 and "idTag" in payload.text
                stop = await _post(csms, "/api/octt/1.6/CP3/remote-stop-transaction", [])
                assert stop.status_code == 400

    run(scenario())
