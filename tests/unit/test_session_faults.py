"""OcppSession turns a CSMS's broken answer into a named failure at once, not a timeout.

A fake connection stands in for the WebSocket: whatever the test's ``answer`` function returns
for a sent frame is what the session reads next, so each rule is checked without a server.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import pytest

from ocpp_upi.ocpp.codec import CallError
from ocpp_upi.ocpp.session import MAX_REASONABLE_FRAME_BYTES, OcppSession
from ocpp_upi.ocpp.trace import FrameTrace
from ocpp_upi.ocpp.validator import FrameValidator
from ocpp_upi.ocpp.versions import Role
from ocpp_upi.verdicts import ConformanceFailure

Answer = Callable[[list], str | None]
DEADLINE_S = 5.0  # never reached when the session fails fast, as these tests require


class FakeConnection:
    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.inbox: asyncio.Queue[str] = asyncio.Queue()

    async def send(self, message: str) -> None:
        reply = self.answer(json.loads(message))
        if reply is not None:
            self.inbox.put_nowait(reply)

    async def recv(self) -> str:
        return await self.inbox.get()

    async def close(self, code: int = 1000, reason: str = "") -> None:
        return None


async def _exchange(answer: Answer, action: str = "Heartbeat", unknown: bool = False):
    trace = FrameTrace(label="unit", version="2.0.1")
    session = OcppSession(
        FakeConnection(answer), "2.0.1", Role.CHARGER, trace, FrameValidator("2.0.1")
    )
    serving = asyncio.ensure_future(session.serve())
    loop = asyncio.get_running_loop()
    started = loop.time()
    try:
        if unknown:
            result = await session.call_raw_expecting_error(action, {}, DEADLINE_S)
        else:
            result = await session.call(action, {}, DEADLINE_S)
        return result, trace, loop.time() - started
    finally:
        serving.cancel()


def _fails(answer: Answer) -> tuple[ConformanceFailure, float]:
    async def run() -> tuple[ConformanceFailure, float]:
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(ConformanceFailure) as caught:
            await _exchange(answer)
        return caught.value, loop.time() - started

    return asyncio.run(run())


def test_a_non_json_answer_fails_the_call_at_once_naming_it() -> None:
    failure, seconds = _fails(lambda frame: "<html>oops</html>")
    assert "not valid JSON" in str(failure) and seconds < DEADLINE_S / 2


def test_an_unknown_message_type_id_fails_the_call_at_once() -> None:
    failure, seconds = _fails(lambda frame: json.dumps([7, frame[1], {}]))
    assert "message type id 7" in str(failure) and seconds < DEADLINE_S / 2


def test_an_answer_under_the_wrong_message_id_fails_the_call_at_once() -> None:
    failure, seconds = _fails(lambda frame: json.dumps([3, "someone-else", {}]))
    assert "wrong message id 'someone-else'" in str(failure) and seconds < DEADLINE_S / 2


def test_an_oversized_frame_fails_the_call_and_stays_in_the_trace() -> None:
    padding = "x" * (MAX_REASONABLE_FRAME_BYTES + 1)
    failure, _ = _fails(lambda frame: json.dumps([3, frame[1], {"currentTime": padding}]))
    assert "oversized frame" in str(failure)


def test_an_intended_unknown_action_is_not_a_violation_but_a_note() -> None:
    def answer(frame: list) -> str:
        return json.dumps([4, frame[1], "NotImplemented", "", {}])

    result, trace, _ = asyncio.run(_exchange(answer, "UpiPaymentReceived", unknown=True))
    assert isinstance(result, CallError) and result.error_code == "NotImplemented"
    assert trace.violations == []
    assert any(e.event and "intended" in e.event for e in trace.entries)
