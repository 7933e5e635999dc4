"""OCPP-J RPC framing: turn WebSocket text into typed frames and back.

The harness judges a CSMS, so the decoder is deliberately strict and total: whatever bytes a
peer sends, ``decode`` either returns a frame or raises ``FramingError`` with a sentence a
tester can read. It never lets a ``RecursionError``, ``UnicodeDecodeError`` or ``TypeError``
escape, because one hostile frame must not be able to stop the conformance run.

Payload *content* is not checked here (that is ``validator.py``); only the RPC envelope is.
"""

import json
import math
from enum import IntEnum
from typing import Annotated, Any, ClassVar, Union

import msgspec

from ocpp_upi.errors import OcppUpiError
from ocpp_upi.ocpp.versions import check_version

# OCPP-J: "The message ID ... maximum of 36 characters, to allow for GUIDs".
MAX_MESSAGE_ID_LENGTH = 36


class MessageTypeId(IntEnum):
    """The first element of every OCPP-J frame. 5 and 6 exist only from OCPP 2.1 on."""

    CALL = 2
    CALLRESULT = 3
    CALLERROR = 4
    CALLRESULTERROR = 5
    SEND = 6


# Which message types each version's RPC framework defines.
MESSAGE_TYPES: dict[str, frozenset[MessageTypeId]] = {
    "1.6": frozenset({MessageTypeId.CALL, MessageTypeId.CALLRESULT, MessageTypeId.CALLERROR}),
    "2.0.1": frozenset({MessageTypeId.CALL, MessageTypeId.CALLRESULT, MessageTypeId.CALLERROR}),
    "2.1": frozenset(MessageTypeId),
}

_COMMON_ERROR_CODES = frozenset(
    {
        "NotImplemented",
        "NotSupported",
        "InternalError",
        "ProtocolError",
        "SecurityError",
        "PropertyConstraintViolation",
        "TypeConstraintViolation",
        "GenericError",
    }
)

# The spelling differs per version and a strict peer may reject a code from the wrong table.
# OCPP-J 1.6 (section 4.2.3) spells "FormationViolation" and "OccurenceConstraintViolation"; the
# OCPP-J 1.6 errata sheet (5.1, 5.2) calls both typos that will not be fixed. OCPP 2.0.1 Part 4
# (OCPP-J) corrects both, to "FormatViolation" and "OccurrenceConstraintViolation", and adds
# MessageTypeNotSupported and RpcFrameworkError; OCPP 2.1 Part 4 keeps the 2.0.1 table. (The
# ``ocpp`` package's docstrings say 2.0.1 keeps "OccurenceConstraintViolation": see
# docs/spec-notes.md, "OCPP-J error codes per version".)
_2X_ERROR_CODES = _COMMON_ERROR_CODES | {
    "FormatViolation",
    "OccurrenceConstraintViolation",
    "MessageTypeNotSupported",
    "RpcFrameworkError",
}

ERROR_CODES: dict[str, frozenset[str]] = {
    "1.6": _COMMON_ERROR_CODES | {"FormationViolation", "OccurenceConstraintViolation"},
    "2.0.1": _2X_ERROR_CODES,
    "2.1": _2X_ERROR_CODES,
}


# A frame is a msgspec Struct: built in C, and decodable in one typed pass (see decode). As an
# array-like tagged union, [2, "id", "Action", {...}] decodes to Call("id", "Action", {...});
# an element too many or too few, or of the wrong JSON type, is refused, as _explain would.
MessageId = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_MESSAGE_ID_LENGTH)]


class _Frame(msgspec.Struct, frozen=True, gc=False, array_like=True, forbid_unknown_fields=True):
    """The common base: no fields of its own."""


class Call(_Frame, frozen=True, tag=2):
    """``[2, messageId, action, payload]``: a request that expects exactly one answer."""

    message_type_id: ClassVar[MessageTypeId] = MessageTypeId.CALL
    message_id: MessageId
    action: str
    payload: dict


class CallResult(_Frame, frozen=True, tag=3):
    """``[3, messageId, payload]``: the answer; its action is that of the CALL it answers."""

    message_type_id: ClassVar[MessageTypeId] = MessageTypeId.CALLRESULT
    message_id: MessageId
    payload: dict


class CallError(_Frame, frozen=True, tag=4):
    """``[4, messageId, errorCode, errorDescription, errorDetails]``: a CALL failed."""

    message_type_id: ClassVar[MessageTypeId] = MessageTypeId.CALLERROR
    message_id: MessageId
    error_code: str
    error_description: str
    error_details: dict


class CallResultError(_Frame, frozen=True, tag=5):
    """OCPP 2.1 ``[5, ...]``: the receiver of a CALLRESULT could not accept it."""

    message_type_id: ClassVar[MessageTypeId] = MessageTypeId.CALLRESULTERROR
    message_id: MessageId
    error_code: str
    error_description: str
    error_details: dict


class Send(_Frame, frozen=True, tag=6):
    """OCPP 2.1 ``[6, messageId, action, payload]``: a message that gets no answer at all."""

    message_type_id: ClassVar[MessageTypeId] = MessageTypeId.SEND
    message_id: MessageId
    action: str
    payload: dict


Frame = Call | CallResult | CallError | CallResultError | Send
_CLASSES: dict[MessageTypeId, type] = {
    MessageTypeId.CALL: Call,
    MessageTypeId.CALLRESULT: CallResult,
    MessageTypeId.CALLERROR: CallError,
    MessageTypeId.CALLRESULTERROR: CallResultError,
    MessageTypeId.SEND: Send,
}


class FramingError(OcppUpiError, ValueError):
    """The text is not a well-formed OCPP-J frame for the version in use.

    ``reason`` is the human sentence reported as the violation. ``message_type_id`` and
    ``message_id`` carry what could still be read, so a caller can accept the peer's CALLERROR
    that answers a broken CALL instead of blaming the peer for answering it.
    """

    def __init__(
        self,
        reason: str,
        *,
        message_type_id: int | None = None,
        message_id: str | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message_type_id = message_type_id
        self.message_id = message_id


_EXPECTED_LENGTH: dict[MessageTypeId, int] = {
    MessageTypeId.CALL: 4,
    MessageTypeId.CALLRESULT: 3,
    MessageTypeId.CALLERROR: 5,
    MessageTypeId.CALLRESULTERROR: 5,
    MessageTypeId.SEND: 4,
}


def json_type(value: object) -> str:
    """JSON's name for the type of a decoded value, for messages a tester can act on."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _reject_constant(name: str) -> Any:
    # Python's json accepts NaN/Infinity, RFC 8259 does not; a peer that sends them is wrong.
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    # "1e400" is valid JSON syntax but no IEEE double; accepting it as inf would let a
    # non-interoperable number through every schema check (inf passes "type": "number").
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"number {text[:40]} is out of range of a 64-bit float")
    return value


_DECODER = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float)

# The front path: msgspec's strict decoder, about five times faster than the exact path below.
# It may only accept in front of it, never judge differently: whatever it accepts, the exact path
# accepts with the same value (same types, same float bits, last duplicate key wins); whatever
# it refuses (NaN/Infinity, 1e400, lone surrogates, bad UTF-8, a byte order mark, anything
# malformed) goes to the exact path, which decides and words the FramingError.
# tests/property/test_decoder_front_path.py checks that on generated and mutated texts.
_FRONT = msgspec.json.Decoder()
# Near Python's recursion limit the two decoders could stop at different depths; a frame with
# this many brackets (no real OCPP frame has a tenth of them) always takes the exact path.
_FRONT_MAX_BRACKETS = 200


def _loads(text: str | bytes | bytearray) -> Any:
    kind = type(text)
    if kind is str:
        shallow = (
            len(text) < _FRONT_MAX_BRACKETS  # too short to hold that many (most frames)
            or text.count("[") + text.count("{") < _FRONT_MAX_BRACKETS  # type: ignore[arg-type]
        )
    elif kind is bytes or kind is bytearray:
        shallow = (
            len(text) < _FRONT_MAX_BRACKETS
            or text.count(b"[") + text.count(b"{") < _FRONT_MAX_BRACKETS  # type: ignore[arg-type]
        )
    else:
        shallow = False  # not text at all: the exact path says so
    if shallow:
        try:
            return _FRONT.decode(text)
        except (msgspec.MsgspecError, UnicodeEncodeError):  # a str holding a lone surrogate
            pass
    return _exact_loads(text)


def _exact_loads(text: str | bytes | bytearray) -> Any:
    if type(text) is not str:
        if not isinstance(text, bytes | bytearray):
            raise FramingError(f"frame is a {type(text).__name__}, not text")
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            reason = f"frame is not valid UTF-8 ({exc.reason} at byte {exc.start})"
            raise FramingError(reason) from None
    if text[:1] == "\ufeff":
        # RFC 8259 section 8.1: networked JSON MUST NOT start with a byte order mark.
        raise FramingError("frame starts with a byte order mark")
    try:
        try:
            data, end = _DECODER.raw_decode(text)
        except json.JSONDecodeError:
            data, end = None, -1  # leading whitespace, or not JSON: decode() says which
        if end != len(text):
            data = _DECODER.decode(text)
        return data
    except json.JSONDecodeError as exc:
        raise FramingError(f"frame is not valid JSON ({exc.msg} at character {exc.pos})") from None
    except RecursionError:
        raise FramingError("frame nests JSON too deeply to decode") from None
    except MemoryError:
        raise FramingError("frame is too large to decode") from None
    except ValueError as exc:
        # _reject_constant, _finite_float and the int-digits limit of huge integer literals.
        raise FramingError(f"frame is not valid JSON ({exc})") from None


# Per version: message type id -> number of array elements. Built once; decode's happy path
# is a handful of exact-type tests against it (JSON decoding only yields exact builtin types).
_SHAPES: dict[str, dict[int, int]] = {
    version: {int(t): _EXPECTED_LENGTH[t] for t in types}
    for version, types in MESSAGE_TYPES.items()
}


# Per version: one typed decoder of the frames it defines. It may only accept in front of the
# general path below, with the same frame (tests/property/test_decoder_front_path.py).
_TYPED: dict[str, msgspec.json.Decoder] = {
    version: msgspec.json.Decoder(
        Union[tuple(_CLASSES[t] for t in sorted(types))]  # noqa: UP007
    )
    for version, types in MESSAGE_TYPES.items()
}


def decode(text: str | bytes, version: str) -> Frame:
    """Parse one OCPP-J frame of ``version``; raise ``FramingError`` for anything malformed.

    A well-formed frame is decoded and shape-checked in one typed msgspec pass, because this
    runs for every frame of every conversation; whatever that pass refuses takes the general
    path (``decode_general``), which decides and words the FramingError.
    """
    typed = _TYPED.get(version)
    if typed is None:
        check_version(version)
        raise AssertionError("unreachable")  # pragma: no cover
    if type(text) is str and (
        len(text) < _FRONT_MAX_BRACKETS  # too short to nest too deep (most frames)
        or text.count("[") + text.count("{") < _FRONT_MAX_BRACKETS
    ):
        try:
            return typed.decode(text)
        except (msgspec.MsgspecError, UnicodeEncodeError):  # a str holding a lone surrogate
            pass
    return decode_general(text, version)


def decode_general(text: str | bytes, version: str) -> Frame:
    """``decode`` without its typed front: untyped decoding, then the frame's shape by hand."""
    shapes = _SHAPES.get(version)
    if shapes is None:
        check_version(version)
        raise AssertionError("unreachable")  # pragma: no cover
    data = _loads(text)
    if type(data) is list and len(data) >= 3:
        type_id, message_id = data[0], data[1]
        if (
            type(type_id) is int
            and shapes.get(type_id) == len(data)
            and type(message_id) is str
            and 0 < len(message_id) <= MAX_MESSAGE_ID_LENGTH
        ):
            if type_id == 3:
                if type(data[2]) is dict:
                    return CallResult(message_id, data[2])
            elif type_id == 2 or type_id == 6:
                if type(data[2]) is str and type(data[3]) is dict:
                    cls = Call if type_id == 2 else Send
                    return cls(message_id, data[2], data[3])
            elif type(data[2]) is str and type(data[3]) is str and type(data[4]) is dict:
                error_cls = CallError if type_id == 4 else CallResultError
                return error_cls(message_id, data[2], data[3], data[4])
    _explain(data, version)
    raise AssertionError("unreachable")  # pragma: no cover


def _message_id(value: object, type_id: int) -> str:
    if not isinstance(value, str):
        raise FramingError(
            f"message id is a JSON {json_type(value)}, not a string", message_type_id=type_id
        )
    if not value:
        raise FramingError("message id is empty", message_type_id=type_id)
    if len(value) > MAX_MESSAGE_ID_LENGTH:
        raise FramingError(
            f"message id is {len(value)} characters, at most {MAX_MESSAGE_ID_LENGTH} allowed",
            message_type_id=type_id,
        )
    return value


def _string(value: object, what: str, type_id: int, message_id: str) -> None:
    if not isinstance(value, str):
        raise FramingError(
            f"{what} is a JSON {json_type(value)}, not a string",
            message_type_id=type_id,
            message_id=message_id,
        )


def _object(value: object, what: str, type_id: int, message_id: str) -> None:
    if not isinstance(value, dict):
        raise FramingError(
            f"{what} is a JSON {json_type(value)}, not an object",
            message_type_id=type_id,
            message_id=message_id,
        )


def _explain(data: object, version: str) -> None:
    """Raise the FramingError that says what is wrong with a decoded, malformed frame."""
    if not isinstance(data, list):
        raise FramingError(f"frame is a JSON {json_type(data)}, not an array")
    if not data:
        raise FramingError("frame is an empty array")
    raw_type = data[0]
    if not isinstance(raw_type, int) or isinstance(raw_type, bool):
        raise FramingError(f"message type id is a JSON {json_type(raw_type)}, not an integer")
    readable_id = data[1] if len(data) > 1 and isinstance(data[1], str) else None
    if raw_type not in MessageTypeId._value2member_map_:
        known = ", ".join(str(int(t)) for t in sorted(MESSAGE_TYPES[version]))
        raise FramingError(
            f"message type id {raw_type} is not one of {known}",
            message_type_id=raw_type,
            message_id=readable_id,
        )
    type_id = MessageTypeId(raw_type)
    if type_id not in MESSAGE_TYPES[version]:
        raise FramingError(
            f"message type id {int(type_id)} ({type_id.name}) exists only from OCPP 2.1 on",
            message_type_id=raw_type,
            message_id=readable_id,
        )
    expected = _EXPECTED_LENGTH[type_id]
    if len(data) != expected:
        raise FramingError(
            f"{type_id.name} has {len(data)} elements, {expected} expected",
            message_type_id=raw_type,
            message_id=readable_id,
        )
    message_id = _message_id(data[1], raw_type)
    if type_id is MessageTypeId.CALL or type_id is MessageTypeId.SEND:
        _string(data[2], "action", raw_type, message_id)
        _object(data[3], "payload", raw_type, message_id)
    elif type_id is MessageTypeId.CALLRESULT:
        _object(data[2], "payload", raw_type, message_id)
    else:
        _string(data[2], "error code", raw_type, message_id)
        _string(data[3], "error description", raw_type, message_id)
        _object(data[4], "error details", raw_type, message_id)
    raise AssertionError(f"decode refused a well-formed frame: {data!r:.200}")


def encode(frame: Frame) -> str:
    """Serialise ``frame`` as compact OCPP-J text; refuses NaN/Infinity rather than emit them."""
    items: list[object]
    if isinstance(frame, Call | Send):
        items = [int(frame.message_type_id), frame.message_id, frame.action, frame.payload]
    elif isinstance(frame, CallResult):
        items = [int(frame.message_type_id), frame.message_id, frame.payload]
    else:
        items = [
            int(frame.message_type_id),
            frame.message_id,
            frame.error_code,
            frame.error_description,
            frame.error_details,
        ]
    return json.dumps(items, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
