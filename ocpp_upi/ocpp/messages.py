"""The sentences a conformance report shows for a schema violation.

Both paths word their findings here, from the same four facts (keyword, the schema's bound,
the offending value, the schema node), so a violation reads the same whichever path found it:
the exact path passes jsonschema's errors through ``describe``, the fast path passes what its
refusal names through ``describe_keyword``.
"""

import re
import reprlib
from collections.abc import Iterable

from jsonschema import ValidationError

MAX_VALUE_CHARS = 40

_REPR = reprlib.Repr()
_REPR.maxlevel = 3
_REPR.maxdict = 4
_REPR.maxlist = 4
_REPR.maxstring = MAX_VALUE_CHARS
_REPR.maxother = MAX_VALUE_CHARS
_PLAIN = frozenset({int, float, bool, type(None)})


def short_repr(value: object) -> str:
    """``repr`` cut to 40 characters, without ever walking a 10 MB value to build it."""
    if type(value) in _PLAIN:  # reprlib would give the same text, slower
        text = repr(value)
        if len(text) <= MAX_VALUE_CHARS:
            return text
    text = repr(value[: MAX_VALUE_CHARS + 1]) if isinstance(value, str) else _REPR.repr(value)
    if len(text) > MAX_VALUE_CHARS or (isinstance(value, str) and len(value) > MAX_VALUE_CHARS):
        return text[: MAX_VALUE_CHARS - 3] + "..."
    return text


def json_pointer(path: Iterable[object]) -> str:
    """RFC 6901 pointer: "" for the payload itself, ``/chargingProfile/stackLevel`` below."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def _unexpected(instance: object, schema: object) -> str:
    instance = instance if isinstance(instance, dict) else {}
    schema = schema if isinstance(schema, dict) else {}
    known = schema.get("properties", {})
    extras = [k for k in instance if k not in known]
    if "patternProperties" in schema:
        patterns = [re.compile(p) for p in schema["patternProperties"]]
        extras = [k for k in extras if not any(p.search(k) for p in patterns)]
    shown = ", ".join(short_repr(k) for k in sorted(extras)[:5])
    if len(extras) > 5:
        shown += f", ... ({len(extras) - 5} more)"
    verb = "was" if len(extras) == 1 else "were"
    return f"Additional properties are not allowed ({shown} {verb} unexpected)"


# id(enum) -> (enum, its repr). Enums are schema constants, a few hundred at most; holding
# each pins its id. A 2.1 measurand lists 55 values, whose repr costs more than the rest of
# an explanation, every time a peer sends one that is not among them.
_LISTED: dict[int, tuple[object, str]] = {}


def _listed(enum: object) -> str:
    entry = _LISTED.get(id(enum))
    if entry is None or entry[0] is not enum:
        entry = _LISTED[id(enum)] = (enum, repr(enum))
    return entry[1]


# The keywords whose sentence shows the offending value (and states the bound).
_SHOWS_VALUE = frozenset(
    {"type", "maxLength", "minLength", "enum", "format", "minimum", "maximum", "multipleOf"}
    | {"minItems", "maxItems"}
)


def describe_keyword(
    keyword: str, bound: object, value: object, schema: object, message: str
) -> str:
    """The sentence for ``value`` failing ``keyword`` (whose bound is ``bound``) of ``schema``.

    ``message`` is jsonschema's own sentence for the failure; it is used, cut short, where
    ours would add nothing ("required") and for keywords the OCA schemas do not use.
    """
    if keyword == "additionalProperties":
        return _unexpected(value, schema)
    if keyword not in _SHOWS_VALUE:
        # "required" and anything the OCA schemas do not use: jsonschema's own words.
        return message if len(message) <= 200 else message[:197] + "..."
    shown = short_repr(value)  # only here: for a whole object it costs more than the rest
    if keyword == "type":
        if isinstance(bound, str):
            return f"{shown} is not of type {bound!r}"
        types = bound if isinstance(bound, list) else [bound]
        return f"{shown} is not of type {', '.join(repr(t) for t in types)}"
    if keyword == "maxLength":
        return f"{shown} is longer than {bound}"
    if keyword == "minLength":
        return f"{shown} is shorter than {bound}"
    if keyword == "enum":
        return f"{shown} is not one of {_listed(bound)}"
    if keyword == "format":
        return f"{shown} is not a {bound!r}"
    if keyword == "minimum":
        return f"{shown} is less than the minimum of {bound!r}"
    if keyword == "maximum":
        return f"{shown} is greater than the maximum of {bound!r}"
    if keyword == "multipleOf":
        return f"{shown} is not a multiple of {bound!r}"
    if keyword == "minItems":
        if bound == 1:
            return f"{shown} should be non-empty"
        return f"{shown} has fewer than {bound} items"
    return f"{shown} has more than {bound} items"  # maxItems


def describe(error: ValidationError) -> str:
    """jsonschema's sentence for ``error``, with values cut short and stated bounds."""
    return describe_keyword(
        str(error.validator), error.validator_value, error.instance, error.schema, error.message
    )
