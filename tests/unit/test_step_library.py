"""The step library on hand-built traces: the predicates and readings the steps judge with.

The steps read the wire, never a CSMS's account of itself; these tests build the frames a
charger and a CSMS would exchange, per OCPP version, and check what the library finds in them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from ocpp_upi.ocpp.codec import Call, CallResult
from ocpp_upi.ocpp.trace import FrameTrace
from ocpp_upi.ocpp.versions import VERSIONS, Role
from ocpp_upi.ocpp.vocabulary import vocabulary
from ocpp_upi.suite.steps.settlement import delivered_energy_wh
from ocpp_upi.suite.steps.wire import is_remote_start, is_remote_stop, remote_start_evse


def _call(trace: FrameTrace, sender: Role, action: str, payload: dict[str, Any]) -> None:
    frame = Call(f"m{len(trace.entries)}", action, payload)
    trace.record(sender, "[2]", frame, action, ())


def _session(version: str, meter_start: int, meter_stop: int) -> FrameTrace:
    """A remote start, its transaction start and its end, as the version spells them."""
    trace = FrameTrace("hand-built", version)
    names = vocabulary(version)
    if version == "1.6":
        _call(trace, Role.CSMS, names.remote_start, {"connectorId": 2, "idTag": "UTR1"})
        _call(trace, Role.CHARGER, names.transaction_start, {"meterStart": meter_start})
        _call(trace, Role.CHARGER, names.transaction_stop, {"meterStop": meter_stop})
        return trace
    start = {"evseId": 2, "idToken": {"idToken": "UTR1", "type": "Central"}}
    _call(trace, Role.CSMS, names.remote_start, start)
    for event, wh in (
        ("Started", meter_start),
        ("Updated", meter_start + 1),
        ("Ended", meter_stop),
    ):
        sampled = [{"value": wh, "measurand": "Energy.Active.Import.Register"}]
        payload = {"eventType": event, "meterValue": [{"sampledValue": sampled}]}
        _call(trace, Role.CHARGER, names.transaction_start, payload)
    return trace


@pytest.mark.parametrize("version", VERSIONS)
def test_a_remote_start_is_found_with_its_evse(version: str) -> None:
    trace = _session(version, 1000, 4000)
    starts = [e for e in trace.entries if is_remote_start(version)(e)]
    assert len(starts) == 1 and isinstance(starts[0].frame, Call)
    assert remote_start_evse(version, starts[0].frame.payload) == 2
    assert not any(is_remote_stop(version)(e) for e in trace.entries)


@pytest.mark.parametrize("version", VERSIONS)
def test_the_charger_sending_the_same_action_is_no_remote_start(version: str) -> None:
    trace = FrameTrace("hand-built", version)
    _call(trace, Role.CHARGER, vocabulary(version).remote_start, {})
    trace.record(Role.CSMS, "[3]", CallResult("m0", {}), vocabulary(version).remote_start, ())
    assert not any(is_remote_start(version)(e) for e in trace.entries)


@pytest.mark.parametrize("version", VERSIONS)
def test_delivered_energy_is_read_from_the_transactions_own_meter(version: str) -> None:
    assert delivered_energy_wh(_session(version, 1000, 4000), version) == Decimal(3000)


@pytest.mark.parametrize("version", VERSIONS)
def test_no_finished_transaction_has_delivered_nothing_yet(version: str) -> None:
    trace = _session(version, 1000, 4000)
    del trace.entries[-1]  # the end never came
    assert delivered_energy_wh(trace, version) is None


def test_each_version_names_its_own_actions() -> None:
    assert vocabulary("1.6").remote_start == "RemoteStartTransaction"
    assert vocabulary("2.0.1") == vocabulary("2.1")
    assert vocabulary("2.1").transaction_stop == "TransactionEvent"
    with pytest.raises(ValueError, match="unknown OCPP version"):
        vocabulary("1.5")
