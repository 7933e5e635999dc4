"""The fast JSON front path (msgspec) never judges a frame differently from the exact path.

``codec._loads`` tries msgspec's strict decoder first and falls back to the exact path (Python's
``json`` with NaN/Infinity and out-of-range floats refused) whenever msgspec refuses. That is
safe only if msgspec accepts nothing the exact path refuses, and decodes what it accepts to the
same value: same types (an integer stays an integer, however large), same float bits (-0.0
included), the last of duplicate keys. Hypothesis generates JSON documents, writes them in
several spellings, and mutates them with the characters that break JSON in interesting ways
(lone surrogate escapes, NaN, 1e400, control characters, a byte order mark, truncation).
"""

from __future__ import annotations

import json
import math
from typing import Any

import msgspec
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ocpp_upi.ocpp.codec import FramingError, _exact_loads, _loads, decode, decode_general
from ocpp_upi.ocpp.versions import VERSIONS

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
DOCUMENTS = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=20,
)
TROUBLE = (
    "\\ud800",
    "\\udfff",
    "NaN",
    "Infinity",
    "-Infinity",
    "1e400",
    "-1e400",
    "1e-400",
    "\ufeff",
    "\x00",
    "\x01",
    "\t",
    "\n",
    " ",
    ",",
    ":",
    '"',
    "\\",
    "[",
    "]",
    "{",
    "}",
    "0",
    "-0",
    ".5",
    "1.",
    "01",
    "+1",
    "e5",
    "\u00e9",
    "\U0001f600",
    "\ud800",
    "\\u0000",
    "true",
    "nul",
)


def _same(left: Any, right: Any) -> bool:
    """Equal values of equal types all the way down; floats compared bit for bit."""
    if type(left) is not type(right):
        return False
    if isinstance(left, float):
        return math.copysign(1.0, left) == math.copysign(1.0, right) and (
            left == right or (math.isnan(left) and math.isnan(right))
        )
    if isinstance(left, list):
        return len(left) == len(right) and all(map(_same, left, right))
    if isinstance(left, dict):
        return list(left) == list(right) and all(_same(left[k], right[k]) for k in left)
    return bool(left == right)


def _exact(text: str | bytes) -> tuple[str, Any]:
    try:
        return "value", _exact_loads(text)
    except FramingError as exc:
        return "refused", str(exc)


def _check(text: str | bytes) -> None:
    outcome, exact = _exact(text)
    try:
        front = msgspec.json.decode(text)
    except (msgspec.MsgspecError, UnicodeEncodeError):
        front_accepts = False
    else:
        front_accepts = True
        assert outcome == "value", f"msgspec accepts what the exact path refuses: {text!r}"
        assert _same(front, exact), f"different values for {text!r}: {front!r} vs {exact!r}"
    # The combined decoder always ends where the exact path ends.
    try:
        combined: tuple[str, Any] = ("value", _loads(text))
    except FramingError as exc:
        combined = ("refused", str(exc))
    if outcome == "value":
        assert combined[0] == "value" and _same(combined[1], exact), text
    else:
        assert combined == (outcome, exact), (text, front_accepts)


@settings(max_examples=400, deadline=None)
@given(DOCUMENTS, st.booleans(), st.sampled_from([None, 0, 2]))
@example(["a", {"k": 1, "k": 2}], True, None)  # noqa: F601 - duplicate keys on purpose
def test_documents_decode_alike(document: Any, ascii_only: bool, indent: int | None) -> None:
    text = json.dumps(document, ensure_ascii=ascii_only, indent=indent)
    _check(text)
    _check(text.encode("utf-8"))


@settings(max_examples=600, deadline=None)
@given(DOCUMENTS, st.data())
@example(None, None)
def test_mutated_texts_are_judged_alike(document: Any, data: st.DataObject | None) -> None:
    text = json.dumps(document)
    if data is not None:
        for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
            at = data.draw(st.integers(min_value=0, max_value=len(text)))
            cut = data.draw(st.integers(min_value=0, max_value=2))
            text = text[:at] + data.draw(st.sampled_from(TROUBLE)) + text[at + cut :]
    _check(text)
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError:
        raw = text.encode("utf-8", "surrogatepass")  # invalid UTF-8 on purpose
    _check(raw)


def test_known_spellings_that_the_two_paths_treat_apart() -> None:
    """What msgspec refuses and the exact path decides: each ends in the exact path's verdict."""
    for text in ('["\\ud800"]', "[NaN]", "[1e400]", "\ufeff[1]", " [1] ", "[" + "9" * 5000 + "]"):
        _check(text)
    deep = "[" * 300 + "]" * 300  # past the bracket bound: always the exact path
    assert _loads(deep) == _exact_loads(deep)


# --- frames: the typed front of codec.decode against its general path --------------------------

FRAME_ELEMENTS = st.one_of(
    st.sampled_from([1, 2, 3, 4, 5, 6, 7, 2.0, True, "2"]),  # message type ids, good and bad
    st.text(max_size=40),  # message ids, actions, error codes: empty and over 36 too
    st.dictionaries(st.text(max_size=6), SCALARS, max_size=3),
    SCALARS,
)
FRAMES = st.one_of(
    st.tuples(st.sampled_from([2, 6]), st.text(max_size=40), st.text(max_size=8), DOCUMENTS),
    st.tuples(st.just(3), st.text(max_size=40), DOCUMENTS),
    st.tuples(
        st.sampled_from([4, 5]),
        st.text(max_size=40),
        st.text(max_size=8),
        st.text(max_size=8),
        DOCUMENTS,
    ),
    st.lists(FRAME_ELEMENTS, max_size=6),
).map(list)


def _frame_outcome(decoder: Any, text: str | bytes, version: str) -> tuple[str, Any]:
    try:
        frame = decoder(text, version)
    except FramingError as exc:
        return "refused", (str(exc), exc.message_type_id, exc.message_id)
    fields = [getattr(frame, name) for name in frame.__struct_fields__]
    return type(frame).__name__, fields


def _check_frame(text: str | bytes) -> None:
    for version in VERSIONS:
        front = _frame_outcome(decode, text, version)
        general = _frame_outcome(decode_general, text, version)
        assert front[0] == general[0], (text, version, front, general)
        if front[0] == "refused":
            assert front == general, (text, version)
        else:
            assert all(map(_same, front[1], general[1])), (text, version, front, general)


@settings(max_examples=500, deadline=None)
@given(FRAMES, st.data())
@example([2, "1", "Heartbeat", {}, 1], None)  # an element too many
@example([3, "x" * 37, {}], None)  # a message id over 36 characters
@example([5, "1", "GenericError", "", {}], None)  # a 2.1-only type on 1.6 and 2.0.1
def test_the_typed_front_decodes_frames_as_the_general_path(
    frame: list, data: st.DataObject | None
) -> None:
    text = json.dumps(frame)
    if data is not None and data.draw(st.booleans()):
        at = data.draw(st.integers(min_value=0, max_value=len(text)))
        text = text[:at] + data.draw(st.sampled_from(TROUBLE)) + text[at:]
    _check_frame(text)
    try:
        _check_frame(text.encode("utf-8"))
    except UnicodeEncodeError:
        pass
