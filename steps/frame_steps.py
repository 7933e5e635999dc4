"""Steps about the OCPP-J protocol itself: conformance of every frame, unknown actions, the
security-profile handshakes (Basic auth, station certificates, TLS itself), and a transaction
that survives a charger reconnect.

As everywhere in the suite, every verdict is read from the frame trace, never from the CSMS's
own account of what it did.
"""

from __future__ import annotations

import ssl

from pytest_bdd import parsers, then, when

from ocpp_upi.charger.station import CsmsCertificateRejected, SubprotocolNotNegotiated
from ocpp_upi.ocpp.codec import Call, CallError, CallResult
from ocpp_upi.ocpp.trace import TraceEntry
from ocpp_upi.ocpp.versions import Role
from ocpp_upi.ocpp.vocabulary import vocabulary
from ocpp_upi.suite.fixtures.world import World
from ocpp_upi.suite.steps.wire import assert_conforming, summarise
from ocpp_upi.tls import charger_tls_context
from ocpp_upi.verdicts import ConformanceFailure, HarnessError

WRONG_PASSWORD = "not-the-password-0000"
REFUSED_STATUSES = (401, 403)


def _charger_call(action: str, event_type: str | None = None):
    """Predicate: a CALL the charger sent of ``action`` (2.x: of that ``eventType``)."""

    def predicate(entry: TraceEntry) -> bool:
        frame = entry.frame
        if entry.sender is not Role.CHARGER or not isinstance(frame, Call):
            return False
        if frame.action != action:
            return False
        return event_type is None or frame.payload.get("eventType") == event_type

    return predicate


def _answer_to(entry: TraceEntry, world: World) -> TraceEntry | None:
    """The CSMS's CALLRESULT or CALLERROR carrying ``entry``'s message id, if it came."""
    assert isinstance(entry.frame, Call)
    message_id = entry.frame.message_id
    for later in world.trace.frames(entry.seq + 1):
        frame = later.frame
        if (
            later.sender is Role.CSMS
            and isinstance(frame, CallResult | CallError)
            and frame.message_id == message_id
        ):
            return later
    return None


# --- frame conformance --------------------------------------------------------------------


@when("the charger sends a Heartbeat")
def charger_sends_heartbeat(world: World) -> None:
    deadline = world.profile.timeouts.response
    answer = world.run(world.charger.call("Heartbeat", {}), timeout=deadline + 1.0)
    world.state.heartbeat_answer = answer
    if "currentTime" not in answer:
        raise ConformanceFailure(
            "the CSMS answered Heartbeat without currentTime",
            expected="a Heartbeat answer with currentTime",
            arrived=repr(answer)[:300],
        )


@then("every frame the CSMS sent conforms to the OCPP schemas")
def every_csms_frame_conforms(world: World) -> None:
    """Explicit, although the report hook checks after every step: this scenario's point is
    the verdict on the CSMS's frames, so it states it, and it insists the CSMS said something."""
    sent = [e for e in world.trace.frames() if e.sender is Role.CSMS and e.raw]
    if not sent:
        raise ConformanceFailure("the CSMS sent no frame at all", expected="OCPP frames")
    assert_conforming(world.trace, world.quirk)


# --- unknown action -----------------------------------------------------------------------


@when(
    parsers.parse(
        'the charger sends a CALL with the action "{action}" that the version does not define'
    )
)
def charger_sends_unknown_action(action: str, world: World) -> None:
    deadline = world.profile.timeouts.response
    session = world.charger.require_session()
    answer = world.run(
        session.call_raw_expecting_error(action, {}, deadline), timeout=deadline + 1.0
    )
    world.state.unknown_answer = answer


@then(parsers.parse("the CSMS answers it with a CALLERROR {code}"))
def csms_answers_callerror(code: str, world: World) -> None:
    """OCPP-J 1.6 section 4.2.3 and OCPP 2.0.1 Part 4: NotImplemented is "requested Action is
    not known by receiver", NotSupported "recognized but not supported". NotSupported for an
    action the receiver cannot know is allowed by many stacks but wrong in letter: a quirk."""
    answer = world.state.unknown_answer
    if not isinstance(answer, CallError):
        raise ConformanceFailure(
            "the CSMS answered an action OCPP does not define with a CALLRESULT",
            expected=f"CALLERROR {code}",
            arrived=f"CALLRESULT {answer!r}"[:300],
        )
    if answer.error_code == code:
        return
    if code == "NotImplemented" and answer.error_code == "NotSupported":
        world.quirk(
            "an unknown action was answered NotSupported (recognized but not supported), "
            "where OCPP-J says NotImplemented (not known by the receiver)"
        )
        return
    raise ConformanceFailure(
        "the CSMS answered an unknown action with the wrong CALLERROR code",
        expected=f"CALLERROR {code}",
        arrived=f"CALLERROR {answer.error_code}: {answer.error_description}"[:300],
    )


# --- security profile 1 -------------------------------------------------------------------


@when("the charger connects with a wrong Basic-auth password")
def connect_with_wrong_password(world: World) -> None:
    # Only under security profiles 1 and 2: @needs:basic_auth decides that at collection.
    timeout = world.profile.timeouts.connect
    charger = world.charger
    try:
        world.run(charger.connect_with_password(WRONG_PASSWORD, timeout), timeout=timeout + 1.0)
    except CsmsCertificateRejected:
        raise  # the CSMS's own certificate is at fault, not the password
    except ConformanceFailure as refused:
        world.state.handshake_refusal = str(refused)
        return
    except HarnessError as dropped:
        world.state.handshake_refusal = f"no HTTP answer: {dropped}"
        return
    world.run(charger.require_session().close(), timeout=timeout)
    world.state.handshake_refusal = "101 Switching Protocols"


@then("the CSMS refuses the WebSocket handshake with HTTP 401 or 403")
def handshake_refused(world: World) -> None:
    outcome = world.state.handshake_refusal or "nothing"
    if not any(f"HTTP {status}" in outcome for status in REFUSED_STATUSES):
        raise ConformanceFailure(
            "the CSMS did not refuse a charger with a wrong Basic-auth password",
            expected="HTTP 401 or 403 at the handshake, no 101",
            arrived=outcome.splitlines()[-1][:300],
        )


# --- security profiles 2 and 3 -----------------------------------------------------------


def _offer_after_control(world: World, offer: str, tls: ssl.SSLContext | None) -> None:
    """Connect once as the profile says (the positive control: a refusal below is then about
    the offer, not a CSMS that is not there), then once with ``offer``: another TLS context, or
    plain ws:// when ``tls`` is None. Records how the CSMS answered the offer."""
    charger, timeout = world.charger, world.profile.timeouts.connect
    world.run(charger.connect(timeout), timeout=timeout + 1.0)
    world.run(charger.require_session().close(), timeout=timeout)
    world.state.refused_offer = offer
    offered = (
        charger.connect_plain(timeout) if tls is None else charger.connect_with_tls(tls, timeout)
    )
    try:
        world.run(offered, timeout=timeout + 1.0)
    except CsmsCertificateRejected:
        raise  # the CSMS's own certificate is at fault, not the offer
    except SubprotocolNotNegotiated:  # a 101 all the same: the WebSocket was opened
        world.state.handshake_refusal = None
        return
    except ConformanceFailure as refused:
        world.state.handshake_refusal = str(refused)
        return
    except HarnessError as dropped:  # the connection was dropped after the control got in
        world.state.handshake_refusal = f"connection dropped: {dropped}"
        return
    world.run(charger.require_session().close(), timeout=timeout)
    world.state.handshake_refusal = None


def _trusted_ca(world: World) -> str:
    ca_bundle = world.profile.target.ca_bundle
    if ca_bundle is None:  # the profile's own check refuses this; a clear error all the same
        raise HarnessError("security profile 3 without [csms] ca_bundle")
    return ca_bundle


@when("the charger connects with a certificate from a CA the CSMS does not trust")
def connect_with_foreign_certificate(world: World) -> None:
    # Only under security profile 3: @needs:station_certificate decides that at collection.
    # (Imported here: trustme and cryptography cost every suite process 35 ms at start-up.)
    from ocpp_upi.charger.foreign_certificate import foreign_station_certificate

    certificate, key = foreign_station_certificate(world.charger.identity)
    foreign = charger_tls_context(_trusted_ca(world), certificate, key)
    _offer_after_control(world, "a station certificate from a CA it does not trust", foreign)


@when("the charger connects with an expired certificate from the CA the CSMS trusts")
def connect_with_expired_certificate(world: World) -> None:
    # @needs:expired_station_certificate: the profile names one (the harness cannot sign it).
    from ocpp_upi.tls_material import expired_station_finding  # cryptography: as above

    profile = world.profile
    owner = profile.expired_station(world.charger.identity)
    if owner is None:
        raise HarnessError("the profile names no expired_certificate")
    # A certificate that is still valid would rightly be let in: an ERROR for the profile,
    # never a FAIL of the CSMS.
    finding = expired_station_finding(
        owner.id, str(owner.expired_certificate), str(owner.expired_private_key)
    )
    if finding.problem is not None:
        raise HarnessError(f"{finding.what}: {finding.problem} ({finding.hint})")
    expired = profile.expired_station_tls(owner)
    _offer_after_control(world, "an expired station certificate", expired)


@when("the charger offers the same connection over plain ws://")
def connect_over_plain_websocket(world: World) -> None:
    # Only under security profiles 2 and 3: @needs:tls decides that at collection. Under
    # profile 2 the offer carries the charger's password as a misconfigured station would: a
    # CSMS that checked the password over plain ws:// would otherwise look as if it refused.
    _offer_after_control(world, "a plain ws:// connection (no TLS)", None)


@then("the CSMS refuses the TLS connection")
def tls_refused(world: World) -> None:
    _refused(world)


@then("the CSMS opens no WebSocket without TLS")
def plain_refused(world: World) -> None:
    _refused(world)


def _refused(world: World) -> None:
    offer = world.state.refused_offer or "the offer"
    if world.state.handshake_refusal is None:
        raise ConformanceFailure(
            f"the CSMS accepted {offer}",
            expected="the TLS handshake refused, or the connection closed before the upgrade",
            arrived="101 Switching Protocols: the WebSocket was opened",
        )
    world.trace.note(f"refused as it must be: {world.state.handshake_refusal.splitlines()[0]}")


# --- reconnect ----------------------------------------------------------------------------


@when("the charger drops its WebSocket and reconnects without rebooting")
def charger_reconnects(world: World) -> None:
    timeout = world.profile.timeouts.connect
    if not world.charger.transactions:
        raise HarnessError("no transaction was running when the reconnect step began")
    world.state.mark = len(world.trace.entries)
    wait = world.profile.timeouts.response + timeout
    world.run(world.charger.reconnect(timeout), timeout=wait + 1.0)


@then("the CSMS answers the transaction's meter values after the reconnect")
def meter_values_answered(world: World) -> None:
    deadline = world.profile.timeouts.response
    action = vocabulary(world.version).meter_values
    event = None if world.version == "1.6" else "Updated"
    entry = world.run(
        world.trace.wait_for(_charger_call(action, event), deadline, since=world.state.mark),
        timeout=deadline + 1.0,
    )
    if entry is None:
        raise HarnessError(f"the charger sent no {action} after the reconnect")
    answered = world.run(
        world.trace.wait_for(
            lambda e: e.sender is Role.CSMS and e.frame is not None and e.seq > entry.seq,
            deadline,
            since=entry.seq + 1,
        ),
        timeout=deadline + 1.0,
    )
    answer = _answer_to(entry, world) if answered is not None else None
    if answer is None or not isinstance(answer.frame, CallResult):
        raise ConformanceFailure(
            f"the CSMS did not accept the transaction's {action} after the charger reconnected",
            expected=f"a CALLRESULT to {action} #{entry.seq}",
            arrived=summarise(world.trace.frames(entry.seq + 1)),
        )


@then(parsers.parse("the CSMS ends the transaction on EVSE {evse:d} as a transaction it knows"))
def transaction_ends_known(evse: int, world: World) -> None:
    deadline = world.profile.timeouts.settlement
    tx = world.run(world.charger.wait_ended(evse, deadline), timeout=deadline + 1.0)
    action = vocabulary(world.version).transaction_stop
    event = None if world.version == "1.6" else "Ended"
    stops = world.trace.find(_charger_call(action, event), since=world.state.mark)
    if tx is None or not stops:
        local = world.charger.last_transactions.get(evse)
        if local is not None and local.local:
            headline = "the local transaction did not end after the reconnect"
            wanted = f"{action} answered once the driver stopped"
        else:
            headline = "the transaction did not end after the reconnect: its prepaid limit no "
            headline += "longer applied"
            wanted = f"{action} once the paid energy was delivered"
        raise ConformanceFailure(
            headline,
            expected=wanted,
            arrived=summarise(world.trace.frames(world.state.mark)[-5:]),
        )
    stop = stops[-1]
    answer = _answer_to(stop, world)
    info_key = "idTagInfo" if world.version == "1.6" else "idTokenInfo"
    status = None
    if answer is not None and isinstance(answer.frame, CallResult):
        status = answer.frame.payload.get(info_key, {}).get("status", "Accepted")
    if status != "Accepted":
        raise ConformanceFailure(
            "the CSMS treated the transaction as unknown after the charger reconnected",
            expected=f"a CALLRESULT to {action} (any {info_key} status Accepted)",
            arrived=answer.raw[:300] if answer is not None else "no answer",
        )
