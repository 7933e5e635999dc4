"""The native front: msgspec types built from a schema, whose acceptance is final.

``msgspec.convert`` checks a decoded payload against typed ``Struct`` classes in C, several
times faster than fastjsonschema's generated Python for the large payloads (meter values,
transaction events). It stands *in front of* the fast path and may only accept: whatever it
refuses goes to the fast path, which decides as before, so a refusal here costs one extra call
and changes no verdict and no message.

An acceptance is final, so a type is built only from keywords whose msgspec meaning is exactly
the schema's (``native_type`` returns None for a schema with anything else, which then has no
native front):

* objects: ``required`` properties are fields without a default, the others default to
  ``UNSET`` (so an explicit ``null`` is refused, as the schema refuses it);
  ``"additionalProperties": false`` forbids unknown fields, absent or ``true`` ignores them;
* strings: ``minLength``/``maxLength`` count code points in both; an ``enum`` is a ``Literal``
  of the values its length bounds allow; a ``format`` is the fast path's pattern (a subset of
  the exact path's format function);
* integers are ``int`` (msgspec refuses ``1.0`` and ``true``: the fast path then judges them by
  the schema's draft); numbers are ``int | float`` with each bound on each (an int is never
  turned into a float, so a bound is compared exactly); ``minimum``/``maximum`` only, never
  ``exclusive*`` nor ``multipleOf`` (decimal arithmetic msgspec does not do);
* arrays with one ``items`` schema and ``minItems``/``maxItems``; booleans.

``$ref`` to ``#/definitions/X`` is followed; a recursive one makes the schema unsupported.
``tests/unit/test_validator_properties.py`` holds every acceptance against an independent
jsonschema reference on generated and mutated payloads.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import msgspec

from ocpp_upi.errors import OcppUpiError
from ocpp_upi.ocpp.formats import FAST_FORMATS

# Keywords that change nothing about which values a node accepts.
_ANNOTATIONS = frozenset(
    {"$schema", "$id", "id", "description", "javaType", "javaEnumName", "comment", "title"}
    | {"definitions", "default", "$comment", "examples"}
)
_OBJECT = frozenset({"type", "properties", "required", "additionalProperties"})
_STRING = frozenset({"type", "enum", "maxLength", "minLength", "format"})
_NUMBER = frozenset({"type", "minimum", "maximum"})
_ARRAY = frozenset({"type", "items", "minItems", "maxItems"})
# Keywords that are no-ops where they stand: object keywords on a scalar (the OCA generator
# puts "additionalProperties": false on every enum), and additionalItems beside one items
# schema (it applies only to tuple-form items).
_SCALAR_NO_OP = frozenset({"additionalProperties"})
_NO_OP = {
    "string": _SCALAR_NO_OP,
    "integer": _SCALAR_NO_OP,
    "number": _SCALAR_NO_OP,
    "boolean": _SCALAR_NO_OP,
    "array": frozenset({"additionalItems"}),
}
_ALLOWED = {
    "object": _OBJECT,
    "string": _STRING,
    "integer": _NUMBER,
    "number": _NUMBER,
    "array": _ARRAY,
    "boolean": frozenset({"type"}),
}


class Unsupported(OcppUpiError):
    """The schema uses something whose msgspec meaning is not exactly the schema's."""


def native_type(schema: dict) -> Any | None:
    """The msgspec type that accepts only payloads ``schema`` accepts, or None."""
    try:
        return _Builder(schema).build(schema, ())
    except Unsupported:
        return None


class _Builder:
    def __init__(self, root: dict) -> None:
        self.definitions = root.get("definitions", {})
        self.count = 0

    def build(self, node: object, expanding: tuple[str, ...]) -> Any:
        if not isinstance(node, dict):
            raise Unsupported(f"schema node {node!r}")
        ref = node.get("$ref")
        if ref is not None:
            name = ref.removeprefix("#/definitions/") if isinstance(ref, str) else None
            if name is None or name == ref or name not in self.definitions or name in expanding:
                raise Unsupported(f"$ref {ref!r}")
            return self.build(self.definitions[name], (*expanding, name))
        kind = node.get("type")
        if kind is None and not set(node) - _ANNOTATIONS:
            return Any  # no keyword at all: any JSON value (DataTransfer's data)
        if not isinstance(kind, str) or kind not in _ALLOWED:
            raise Unsupported(f"type {kind!r}")
        unknown = set(node) - _ALLOWED[kind] - _ANNOTATIONS - _NO_OP.get(kind, frozenset())
        if unknown:
            raise Unsupported(f"keywords {sorted(unknown)}")
        return getattr(self, f"_{kind}")(node, expanding)

    def _object(self, node: dict, expanding: tuple[str, ...]) -> Any:
        properties = node.get("properties", {})
        required = node.get("required", [])
        extra = node.get("additionalProperties", True)
        if not isinstance(properties, dict) or not isinstance(required, list):
            raise Unsupported("properties")
        if extra not in (True, False) or not set(required) <= set(properties):
            raise Unsupported("additionalProperties or required")
        fields: list[tuple[str, Any, Any]] = []
        for index, (name, sub) in enumerate(properties.items()):
            if not isinstance(name, str):
                raise Unsupported("property name")
            field_type = self.build(sub, expanding)
            wire = msgspec.field(name=name)
            if name in required:
                fields.append((f"f{index}", field_type, wire))
            else:
                unset = msgspec.field(name=name, default=msgspec.UNSET)
                fields.append((f"f{index}", field_type | msgspec.UnsetType, unset))
        self.count += 1
        return msgspec.defstruct(
            f"Node{self.count}",
            fields,
            kw_only=True,
            forbid_unknown_fields=extra is False,
        )

    def _string(self, node: dict, expanding: tuple[str, ...]) -> Any:
        low, high = node.get("minLength", 0), node.get("maxLength")
        if type(low) is not int or (high is not None and type(high) is not int):
            raise Unsupported("string length bounds")
        enum = node.get("enum")
        if enum is not None:
            if "format" in node or not isinstance(enum, list) or not enum:
                raise Unsupported("enum")
            if not all(isinstance(value, str) for value in enum):
                raise Unsupported("enum of non-strings")
            allowed = tuple(v for v in enum if low <= len(v) and (high is None or len(v) <= high))
            if not allowed:
                raise Unsupported("an enum no value of which is allowed")
            return Literal[allowed]
        meta: dict[str, Any] = {}
        if low:
            meta["min_length"] = low
        if high is not None:
            meta["max_length"] = high
        fmt = node.get("format")
        if fmt is not None:
            pattern = FAST_FORMATS.get(fmt) if isinstance(fmt, str) else None
            if pattern is None:
                raise Unsupported(f"format {fmt!r}")
            meta["pattern"] = rf"\A(?:{pattern})"  # msgspec searches; the pattern ends in \Z
        return Annotated[str, msgspec.Meta(**meta)] if meta else str

    def _integer(self, node: dict, expanding: tuple[str, ...]) -> Any:
        meta = self._int_bounds(node)
        return Annotated[int, msgspec.Meta(**meta)] if meta else int

    def _number(self, node: dict, expanding: tuple[str, ...]) -> Any:
        floats: dict[str, Any] = {}  # msgspec.Meta's keyword arguments
        for keyword, key in (("minimum", "ge"), ("maximum", "le")):
            if keyword in node:
                bound = node[keyword]
                if type(bound) not in (int, float) or not math.isfinite(bound):
                    raise Unsupported(f"{keyword} {bound!r}")
                if type(bound) is int and abs(bound) > 2**53:
                    raise Unsupported(f"{keyword} {bound!r} is not exact as a float")
                floats[key] = float(bound)
        ints = self._int_bounds(node)
        int_type = Annotated[int, msgspec.Meta(**ints)] if ints else int
        float_type = Annotated[float, msgspec.Meta(**floats)] if floats else float
        return int_type | float_type

    @staticmethod
    def _int_bounds(node: dict) -> dict[str, Any]:
        bounds: dict[str, Any] = {}  # msgspec.Meta's keyword arguments
        for keyword, key, rounding in (("minimum", "ge", math.ceil), ("maximum", "le", math.floor)):
            if keyword in node:
                bound = node[keyword]
                if type(bound) not in (int, float) or not math.isfinite(bound):
                    raise Unsupported(f"{keyword} {bound!r}")
                bounds[key] = int(rounding(bound)) if type(bound) is float else bound
        return bounds

    def _array(self, node: dict, expanding: tuple[str, ...]) -> Any:
        items = node.get("items")
        if items is not None and not isinstance(items, dict):
            raise Unsupported("tuple-form items")
        item_type = Any if items is None else self.build(items, expanding)
        meta: dict[str, Any] = {}
        for keyword, key in (("minItems", "min_length"), ("maxItems", "max_length")):
            if keyword in node:
                if type(node[keyword]) is not int:
                    raise Unsupported(keyword)
                meta[key] = node[keyword]
        kind = list[item_type]  # type: ignore[valid-type]
        return Annotated[kind, msgspec.Meta(**meta)] if meta else kind

    def _boolean(self, node: dict, expanding: tuple[str, ...]) -> Any:
        return bool
