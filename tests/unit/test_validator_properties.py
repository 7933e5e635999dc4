"""Generated payloads: the fast+exact verdict equals an independent plain-jsonschema verdict.

The reference below shares no validation code with ``validator.py``: it is jsonschema with the
schema's declared draft, a ``multipleOf`` done in high-precision ``decimal`` arithmetic and a
hand-written RFC 3339 parser. Payloads start valid (built from each schema) and are then
mutated towards the edges that matter: 1.0 for integers, off-grid decimals, bad date-times,
missing and unexpected properties, long strings. The fast path's own explanation of a refusal
is held against the exact path's, word for word where the exact path finds one error. Decoding
arbitrary text may only ever raise ``FramingError``.
"""

import copy
import datetime
import decimal
import json
import math
import string
from collections.abc import Iterator
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from jsonschema import FormatChecker, ValidationError
from jsonschema.validators import extend, validator_for

from ocpp_upi.ocpp.codec import FramingError, decode, encode
from ocpp_upi.ocpp.formats import is_date_time, is_uri
from ocpp_upi.ocpp.schemas import default_store
from ocpp_upi.ocpp.validator import PayloadValidator, default_payload_validator
from ocpp_upi.ocpp.versions import VERSIONS

STORE = default_store()
PAYLOADS = default_payload_validator()
UNPRUNED = PayloadValidator(prune=False)  # exact path = one plain jsonschema pass
WITHOUT_NATIVE = PayloadValidator(native=False)  # the fast path decides every payload
KEYS = sorted(
    (version, action, kind)
    for version in VERSIONS
    for action in STORE.actions(version)
    for kind in ("request", "response")
    if STORE.has(version, action, kind)
)
ASCII_DIGITS = set(string.digits)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- the independent reference -----------------------------------------------------------------


def _digits(text: str) -> bool:
    return bool(text) and set(text) <= ASCII_DIGITS


def reference_date_time(value: str) -> bool:
    """RFC 3339 section 5.6 parsed by hand; calendar by ``datetime``."""
    if len(value) < 20 or value[4] != "-" or value[7] != "-" or value[10] not in "Tt":
        return False
    year, month, day = value[0:4], value[5:7], value[8:10]
    hour, minute, second = value[11:13], value[14:16], value[17:19]
    if value[13] != ":" or value[16] != ":":
        return False
    if not all(_digits(part) for part in (year, month, day, hour, minute, second)):
        return False
    try:  # year 0000 is a leap year like 2000 under the Gregorian 400-year rule
        datetime.date(int(year) or 2000, int(month), int(day))
    except ValueError:
        return False
    h, m, s = int(hour), int(minute), int(second)
    if h > 23 or m > 59 or s > 60:
        return False
    rest = value[19:]
    if rest.startswith("."):
        end = 1
        while end < len(rest) and rest[end] in ASCII_DIGITS:
            end += 1
        if end == 1:
            return False
        rest = rest[end:]
    if rest in ("Z", "z"):
        offset = 0
    elif len(rest) == 6 and rest[0] in "+-" and rest[3] == ":":
        if not (_digits(rest[1:3]) and _digits(rest[4:6])):
            return False
        oh, om = int(rest[1:3]), int(rest[4:6])
        if oh > 23 or om > 59:
            return False
        offset = (oh * 60 + om) * (1 if rest[0] == "+" else -1)
    else:
        return False
    return s < 60 or (h * 60 + m - offset) % 1440 == 1439


def _reference_multiple_of(validator: Any, divisor: Any, instance: Any, schema: Any) -> Iterator:
    if not validator.is_type(instance, "number"):
        return
    if isinstance(instance, float) and not math.isfinite(instance):
        yield ValidationError("not finite")
        return
    context = decimal.Context(prec=5000, Emax=10_000, Emin=-10_000)
    with decimal.localcontext(context):
        remainder = decimal.Decimal(repr(instance)) % decimal.Decimal(repr(divisor))
    if remainder != 0:
        yield ValidationError("not a multiple")


def _reference_checker() -> FormatChecker:
    checker = FormatChecker(formats=())
    checker.checks("date-time")(lambda v: not isinstance(v, str) or reference_date_time(v))
    checker.checks("uri")(is_uri)
    return checker


_REFERENCE: dict[tuple[str, str, str], Any] = {}


def reference_pointers(key: tuple[str, str, str], payload: object) -> list[str]:
    validator = _REFERENCE.get(key)
    if validator is None:
        schema = STORE.schema(*key)
        cls = extend(validator_for(schema), validators={"multipleOf": _reference_multiple_of})
        validator = _REFERENCE[key] = cls(schema, format_checker=_reference_checker())
    return sorted(
        "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in e.absolute_path)
        for e in validator.iter_errors(payload)
    )


# --- payload strategies built from the schemas --------------------------------------------------

date_times = st.builds(
    "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}{}Z".format,
    st.integers(1970, 2099),
    st.integers(1, 12),
    st.integers(1, 28),
    st.integers(0, 23),
    st.integers(0, 59),
    st.integers(0, 59),
    st.sampled_from(["", ".5", ".123"]),
)
short_text = st.text(alphabet="abcXYZ019-_ é", max_size=12)


def _resolve(node: dict, root: dict) -> dict:
    while "$ref" in node:
        node = root["definitions"][node["$ref"].rsplit("/", 1)[1]]
    return node


def strategy_for(node: dict, root: dict, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values that satisfy ``node`` (a subset of JSON Schema: what the OCA schemas use)."""
    node = _resolve(node, root)
    if "enum" in node:
        return st.sampled_from(node["enum"])
    kind = node.get("type")
    if kind == "object":
        properties = node.get("properties", {})
        required = set(node.get("required", ()))
        if depth > 6:
            return st.fixed_dictionaries({k: st.nothing() for k in required})
        return st.fixed_dictionaries(
            {k: strategy_for(v, root, depth + 1) for k, v in properties.items() if k in required},
            optional={
                k: strategy_for(v, root, depth + 1)
                for k, v in properties.items()
                if k not in required
            },
        )
    if kind == "array":
        low = node.get("minItems", 0)
        high = min(node.get("maxItems", low + 2), low + 2)
        return st.lists(
            strategy_for(node.get("items", {}), root, depth + 1), min_size=low, max_size=high
        )
    if kind == "string":
        if node.get("format") == "date-time":
            return date_times
        if node.get("format") == "uri":
            return st.sampled_from(["ftp://diag.example.com/upload", "https://x.example/a%20b"])
        return st.text(alphabet="abcXYZ019-_ é", max_size=min(node.get("maxLength", 12), 12))
    if kind == "integer":
        low = math.ceil(node.get("minimum", -1000))
        high = math.floor(node.get("maximum", 100_000))
        return st.integers(low, max(low, high))
    if kind == "number":
        low, high = node.get("minimum", -1e6), node.get("maximum", 1e6)
        if "multipleOf" in node:
            return st.integers(-10_000, 10_000).map(lambda i: i / 10)
        return st.floats(low, high, allow_nan=False, allow_infinity=False)
    if kind == "boolean":
        return st.booleans()
    return st.just({})


_STRATEGIES: dict[tuple[str, str, str], st.SearchStrategy[Any]] = {}


def valid_payload(key: tuple[str, str, str]) -> st.SearchStrategy[Any]:
    strategy = _STRATEGIES.get(key)
    if strategy is None:
        schema = STORE.schema(*key)
        strategy = _STRATEGIES[key] = strategy_for(schema, schema)
    return strategy


nasty_values = st.one_of(
    st.sampled_from(
        [
            1.0,
            2.0,
            -0.0,
            8.1,
            8.15,
            0.30000000000000004,
            1e308,
            1e-7,
            True,
            False,
            None,
            [],
            {},
            "",
            "a" * 21,
            "b" * 256,
            "2025-02-29T10:00:00Z",
            "2025-03-01T10:00:00+0530",
            "2025-03-01T10:00:00",
            "٢٠٢٥-03-01T10:00:00Z",
            "1998-12-31T23:59:60Z",
            "1998-12-31T22:59:60Z",
            "Accepted",
            "Started",
        ]
    ),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    short_text,
    date_times,
)


def _slots(value: object, path: tuple = ()) -> Iterator[tuple]:
    """Every (path) into ``value`` where a mutation can land."""
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _slots(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _slots(item, (*path, index))


def _mutate_at(data: st.DataObject, payload: Any, path: tuple) -> None:
    """Replace, delete or add beside the value at ``path`` (the payload itself: add a key)."""
    if not path:
        if isinstance(payload, dict):
            payload[data.draw(short_text, label="new key")] = data.draw(nasty_values)
        return
    parent = payload
    for part in path[:-1]:
        parent = parent[part]
    how = data.draw(st.sampled_from(["replace", "delete", "add"]), label="how")
    if how == "replace":
        parent[path[-1]] = data.draw(nasty_values, label="value")
    elif how == "delete" and isinstance(parent, dict):
        del parent[path[-1]]
    elif isinstance(parent, dict):
        parent[data.draw(short_text, label="new key")] = data.draw(nasty_values)


def mutate(data: st.DataObject, payload: Any) -> Any:
    payload = copy.deepcopy(payload)
    for _ in range(data.draw(st.integers(0, 3), label="mutations")):
        path = data.draw(st.sampled_from(list(_slots(payload))), label="path")
        if path:
            _mutate_at(data, payload, path)
    return payload


def mutate_once(data: st.DataObject, payload: Any) -> Any:
    """``payload`` with exactly one field replaced, deleted or added."""
    payload = copy.deepcopy(payload)
    _mutate_at(data, payload, data.draw(st.sampled_from(list(_slots(payload))), label="path"))
    return payload


@SETTINGS
@given(data=st.data())
def test_fast_and_exact_verdict_equals_the_reference(data: st.DataObject) -> None:
    key = data.draw(st.sampled_from(KEYS), label="schema")
    payload = mutate(data, data.draw(valid_payload(key), label="valid payload"))
    expected = reference_pointers(key, payload)
    found = PAYLOADS.validate(*key, payload)
    assert (found == []) == (expected == [])
    if PAYLOADS.fast_accepts(*key, payload):  # the fast path never accepts what is invalid
        assert expected == []
    if PAYLOADS.native_accepts(*key, payload):  # nor does the native front in front of it
        assert expected == []
        event("native front accepted")
    assert found == WITHOUT_NATIVE.validate(*key, payload)  # and it changes no message
    event("valid" if expected == [] else "invalid")
    if expected == [] and not PAYLOADS.fast_accepts(*key, payload):
        event("fast path refused, exact path accepted")
    exact = PAYLOADS.validate_exact(*key, payload)
    assert sorted(pointer for pointer, _ in exact) == expected[: PAYLOADS.max_errors]
    # Pruning subtrees the fast path accepts changes no error and no message.
    assert exact == UNPRUNED.validate_exact(*key, payload)
    # What validate reports (the first refused keyword's errors) the exact path reports too.
    if len(exact) < PAYLOADS.max_errors:
        assert set(found) <= set(exact)


@SETTINGS
@given(data=st.data())
def test_one_mutation_reads_the_same_on_the_fast_and_the_exact_path(data: st.DataObject) -> None:
    """The exact path is the oracle: one error is worded and placed identically by both."""
    key = data.draw(st.sampled_from(KEYS), label="schema")
    payload = mutate_once(data, data.draw(valid_payload(key), label="valid payload"))
    found = PAYLOADS.validate(*key, payload)
    exact = PAYLOADS.validate_exact(*key, payload)
    assert (found == []) == (exact == [])
    if len(exact) == 1:
        assert found == exact
    if len(exact) < PAYLOADS.max_errors:
        assert set(found) <= set(exact)
    try:
        PAYLOADS.fast_function(*key)(payload)
    except Exception as refusal:
        explained = PAYLOADS.explain_refusal(*key, payload, refusal)
        if explained is None:
            event(f"exact path decided ({type(refusal).__name__})")
        else:
            assert explained == found
            event("fast path explained" + (" one error" if len(exact) == 1 else " first error"))
    else:
        event("valid")


@SETTINGS
@given(data=st.data())
def test_unmutated_generated_payloads_are_valid(data: st.DataObject) -> None:
    key = data.draw(st.sampled_from(KEYS), label="schema")
    payload = data.draw(valid_payload(key), label="payload")
    assert PAYLOADS.validate(*key, payload) == []
    event("native front accepted" if PAYLOADS.native_accepts(*key, payload) else "fast path")


date_time_like = st.builds(
    "{}-{}-{}{}{}:{}:{}{}{}".format,
    st.one_of(st.integers(0, 9999).map("{:04d}".format), st.sampled_from(["٢٠٢٥", "99", "20x5"])),
    st.one_of(st.integers(0, 13).map("{:02d}".format), st.just("1")),
    st.one_of(st.integers(0, 32).map("{:02d}".format), st.just("٣")),
    st.sampled_from(["T", "t", " ", "_"]),
    st.one_of(st.integers(0, 25).map("{:02d}".format), st.just("1")),
    st.integers(0, 61).map("{:02d}".format),
    st.integers(0, 61).map("{:02d}".format),
    st.sampled_from(["", ".", ".5", ".123456789", ".x"]),
    st.sampled_from(
        [
            "Z",
            "z",
            "",
            "+05:30",
            "+0530",
            "-00:00",
            "+24:00",
            "-08:00",
            "+05:60",
            "+5:30",
            "Z\n",
            "ZZ",
        ]
    ),
)


@settings(max_examples=600, deadline=None)
@given(value=st.one_of(date_time_like, st.text(max_size=40)))
def test_date_time_agrees_with_a_hand_written_rfc3339_parser(value: str) -> None:
    assert is_date_time(value) == reference_date_time(value)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
frames = st.one_of(
    st.text(),
    st.binary(),
    st.lists(json_values, max_size=6).map(json.dumps),
    st.tuples(
        st.sampled_from([2, 3, 4, 5, 6, 7, "2"]),
        st.one_of(st.text(max_size=40), st.integers()),
        json_values,
        json_values,
        json_values,
    ).flatmap(lambda t: st.integers(1, 5).map(lambda n: json.dumps(list(t[:n])))),
)


@settings(max_examples=500, deadline=None)
@given(raw=frames, version=st.sampled_from(VERSIONS))
def test_decode_only_ever_raises_framing_error(raw: str | bytes, version: str) -> None:
    try:
        frame = decode(raw, version)
    except FramingError as exc:
        assert exc.reason
        return
    assert decode(encode(frame), version) == frame
