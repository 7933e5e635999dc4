"""The fast path: one generated fastjsonschema function per schema, and what its refusals mean.

An accepted payload costs one call of generated code. A refused one used to cost a jsonschema
pass as well (the exact path, ~38 us), only to word the refusal; now the refusal words itself:

* ``compile_fast`` generates the code with one change to fastjsonschema's generator: each
  ``raise`` is a ``Refusal`` naming the refused value, its place, the schema node (by index
  into a table) and the keyword. fastjsonschema's own ``detailed_exceptions`` rebuilds the
  node as a dict literal on every raise (for a missing property at the root of a 2.1
  TransactionEvent that literal alone costs ~60 us) and names an array element with
  ``str.format(**locals())`` (~20 us in a function with 400 locals); here the name is an
  f-string and the message is only written if read. Accepting code is unchanged;
* ``explain`` turns the refusal (keyword, node, value, name) into the exact path's own
  sentences and JSON pointer, after checking by the exact path's rules (declared draft,
  decimal ``multipleOf``, strict formats) that the value really breaks that keyword of that
  node. Whatever it cannot confirm or place, it leaves to the exact path (``None``): a leap
  second the fast date-time pattern refuses, fastjsonschema's "infinity reached" on 1e308, a
  keyword the OCA schemas never use.

The fast path stops at its first refusal, so a payload with several errors reports the
errors of one keyword of one node (every missing property of that object, say); what it
reports is always among what the exact path reports (``test_validator_properties.py``).
"""

import re
import string
from collections.abc import Callable
from typing import Any

import fastjsonschema
from fastjsonschema import JsonSchemaValueException
from fastjsonschema.draft04 import CodeGeneratorDraft04
from fastjsonschema.draft06 import CodeGeneratorDraft06
from fastjsonschema.ref_resolver import RefResolver
from jsonschema.protocols import Validator as JsonSchemaValidator

from ocpp_upi.ocpp.formats import FAST_FORMATS, is_multiple_of
from ocpp_upi.ocpp.messages import describe_keyword, json_pointer

# Where fast_schema keeps a string enum it turned into a pattern. fastjsonschema ignores
# keywords it does not know, and the "x-" prefix is the convention for extensions.
ENUM_KEY = "x-ocpp-upi-enum"

# Where draft-04/06 keywords hold subschemas: maps of name -> schema, and schema-or-list.
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "dependencies"})
_SUBSCHEMAS = frozenset(
    {"items", "additionalItems", "additionalProperties", "allOf", "anyOf", "oneOf", "not"}
    | {"contains", "propertyNames"}
)


_SCALAR_TYPES = frozenset({"string", "integer", "number", "boolean", "null"})


def _is_nested(schema: object) -> bool:
    """Whether checking a value against ``schema`` may mean walking an object or an array."""
    if not isinstance(schema, dict):
        return True
    kind = schema.get("type")
    return not (isinstance(kind, str) and kind in _SCALAR_TYPES) or "$ref" in schema


def fast_schema(schema: dict) -> dict:
    """The schema the fast path compiles: same verdicts, shaped for fastjsonschema's code.

    Rewrites, each exact for the OCA schemas (the property tests compare verdicts):

    * every local ``#/definitions/X`` reference is replaced by X. Under draft-04/06 ``$ref``
      makes its siblings ignored, so the node *is* its target; inlined, fastjsonschema makes
      no function call and builds no error-name string per reference;
    * a string ``enum`` becomes an anchored ``pattern`` of its escaped values. fastjsonschema
      tests an enum one value at a time in Python (55 for a 2.1 measurand); a compiled regex
      does it in C. Only where ``"type": "string"`` already refuses every non-string. The
      enum itself stays in the node under ``ENUM_KEY``, so a refusal still reads "is not one
      of [...]";
    * ``additionalProperties`` is dropped where ``type`` is a scalar, which no object passes;
    * ``properties`` are listed scalars first, so the cheap checks come before the walks
      through nested objects and arrays (fastjsonschema checks them in the order listed).

    Recursive definitions stay references; ``definitions`` is kept for them.
    """
    definitions = schema.get("definitions", {})

    def walk(node: Any, expanding: frozenset[str]) -> Any:
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/definitions/"):
            name = ref.removeprefix("#/definitions/")
            if name in definitions and name not in expanding and "/" not in name:
                return walk(definitions[name], expanding | {name})
            return node
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                subs = {name: walk(sub, expanding) for name, sub in value.items()}
                # Scalars first, objects and arrays last (stable otherwise): a refusal of a
                # top-level seqNo then costs a few checks, not a walk through every meter
                # value before it. All are checked when the payload is valid.
                out[key] = dict(sorted(subs.items(), key=lambda item: _is_nested(item[1])))
            elif key in _SCHEMA_MAPS and isinstance(value, dict):
                out[key] = {name: walk(sub, expanding) for name, sub in value.items()}
            elif key in _SUBSCHEMAS:
                if isinstance(value, list):
                    out[key] = [walk(sub, expanding) for sub in value]
                else:
                    out[key] = walk(value, expanding)
            else:
                out[key] = value
        kind = out.get("type")
        if isinstance(kind, str) and kind in _SCALAR_TYPES:
            # Object keywords on a scalar type are no-ops (the OCA generator puts
            # "additionalProperties": false on every enum); fastjsonschema still tests them.
            out.pop("additionalProperties", None)
        enum = out.get("enum")
        if (
            out.get("type") == "string"
            and "pattern" not in out
            and isinstance(enum, list)
            and enum
            and all(isinstance(item, str) for item in enum)
        ):
            del out["enum"]
            out["pattern"] = "^(?:" + "|".join(re.escape(item) for item in enum) + r")\Z"
            out[ENUM_KEY] = enum  # fastjsonschema ignores it; explain() words the refusal with it
        return out

    root = walk({k: v for k, v in schema.items() if k not in ("$ref", "definitions")}, frozenset())
    root.update({k: schema[k] for k in ("$ref", "definitions") if k in schema})
    return root


# --- generated code ---------------------------------------------------------------------------

# Globals of the generated module: the schema nodes its raises name, and what they raise.
_NODES = "_ocpp_upi_nodes"
_REFUSAL = "_ocpp_upi_refusal"


class Refusal(JsonSchemaValueException):
    """What ``compile_fast``'s code raises: the refused value, its name, schema node, keyword.

    A ``JsonSchemaValueException`` with the same fields, whose message is written only if it
    is read: explain() reads the fields, and building fastjsonschema's sentence for every
    invalid frame (a sorted list of missing keys, say) would be work thrown away.
    """

    def __init__(self, value: object, name: str, definition: object, rule: str) -> None:
        self.value, self.name, self.definition, self.rule = value, name, definition, rule

    @property
    def message(self) -> str:  # type: ignore[override]
        return f"{self.name} must satisfy {self.rule} {self.rule_definition!r}"

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


def _explaining(base: Any) -> type:
    """``base`` (fastjsonschema's generator of one draft) with cheap, node-naming refusals.

    Only ``exc``, the method that writes a ``raise`` line, is replaced; every check is
    generated by ``base`` as it is. The generator is internal to fastjsonschema, which is why
    ``fastjsonschema`` is pinned exactly; ``test_validator.py`` fails if the raises change.
    """

    class Explaining(base):
        _detailed_exceptions: bool  # the generator's own switch (set in its __init__)

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._raised_nodes: list[object] = []
            self._node_index: dict[int, int] = {}

        @property
        def global_state(self) -> dict[str, Any]:
            return {**super().global_state, _NODES: self._raised_nodes, _REFUSAL: Refusal}

        def exc(
            self, msg: str, *args: Any, append_to_msg: str | None = None, rule: str | None = None
        ) -> None:
            name = self._variable_name
            path = name[4:] if isinstance(name, str) and name.startswith("data") else None
            if path is None or not self._fast_fail or not _indexed_only(path):
                # A place explain() could not find again (a payload key in the name): a plain
                # refusal, which the exact path explains.
                detailed, self._detailed_exceptions = self._detailed_exceptions, False
                try:
                    super().exc(msg, *args, append_to_msg=append_to_msg, rule=rule)
                finally:
                    self._detailed_exceptions = detailed
                return
            node = self._definition
            index = self._node_index.setdefault(id(node), len(self._raised_nodes))
            if index == len(self._raised_nodes):
                self._raised_nodes.append(node)
            # The name is a str.format template of the element indices in scope; an f-string
            # reads the same template (same escaping) without building a dict of all locals.
            # Braces are doubled once more because self.l() formats the line it is given.
            where = '(name_prefix or "data") + f"' + path.replace("{", "{{").replace("}", "}}")
            self.l(f'raise {_REFUSAL}({{variable}}, {where}", {_NODES}[{index}], {rule!r})')

    return Explaining


def _indexed_only(path: str) -> bool:
    """Whether the only fields of the name template are array indices (``{<var>_x}``)."""
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(path) if f is not None]
    except ValueError:
        return False
    return all(f.isidentifier() and f.endswith("_x") for f in fields)


def _unambiguous_names(node: object) -> bool:
    """No property name that would split into two steps of a fastjsonschema name (``a.b``)."""
    if isinstance(node, dict):
        properties = node.get("properties")
        if isinstance(properties, dict) and any(
            not isinstance(key, str) or "." in key or "[" in key or "]" in key for key in properties
        ):
            return False
        return all(_unambiguous_names(value) for value in node.values())
    if isinstance(node, list):
        return all(_unambiguous_names(value) for value in node)
    return True


# Chosen the way fastjsonschema.compile chooses, for the two drafts the OCA schemas declare.
_GENERATORS = (
    ("draft-04", _explaining(CodeGeneratorDraft04)),
    ("draft-06", _explaining(CodeGeneratorDraft06)),
)


def compile_verdict(schema: dict) -> Callable[[object], object]:
    """fastjsonschema's own function for ``fast_schema(schema)``: a verdict, no explanation."""
    # use_default=False: fastjsonschema would otherwise write schema defaults into the peer's
    # payload, and we would go on to judge a frame it never sent.
    function = fastjsonschema.compile(
        fast_schema(schema), formats=FAST_FORMATS, use_default=False, detailed_exceptions=False
    )
    # Our formats are patterns, matched inline; the generated code never reads the
    # custom_formats argument that compile() binds with functools.partial, so skip the wrapper.
    return getattr(function, "func", function)


def compile_fast(schema: dict) -> Callable[[object], object]:
    """The fast check of ``schema``: returns when it accepts, raises when it refuses.

    Its ``Refusal`` carries the failing keyword (``rule``), schema node (``definition``, the
    node of ``fast_schema``), value and name, for ``explain``. A schema of another draft, or
    with a property name ``explain`` could not follow, gets ``compile_verdict``'s function,
    whose refusals the exact path explains.
    """
    rewritten = fast_schema(schema)
    declared = rewritten.get("$schema", "")
    generator_class = next(
        (cls for draft, cls in _GENERATORS if isinstance(declared, str) and draft in declared),
        None,
    )
    if generator_class is None or not _unambiguous_names(rewritten):
        return compile_verdict(schema)
    # The steps of fastjsonschema.compile(), with the explaining generator.
    resolver = RefResolver.from_schema(rewritten, store={})
    generator = generator_class(
        rewritten,
        resolver=resolver,
        formats=FAST_FORMATS,
        use_default=False,
        detailed_exceptions=True,
    )
    namespace = generator.global_state
    exec(generator.func_code, namespace)
    return namespace[resolver.get_scope_name()]


# --- wording a refusal ------------------------------------------------------------------------

# The keywords explain() words: all the OCA schemas use, "pattern" only as a rewritten enum.
EXPLAINED = frozenset(
    {"type", "required", "additionalProperties", "enum", "format", "multipleOf"}
    | {"maxLength", "minLength", "minimum", "maximum", "minItems", "maxItems"}
)


def explain(refusal: Refusal, exact: JsonSchemaValidator) -> list[tuple[str, str]] | None:
    """``(json_pointer, message)`` for what ``refusal`` found, or None to ask the exact path.

    ``exact`` is the exact path's validator of the payload's schema (declared draft, decimal
    ``multipleOf``, strict formats): the refused value must break the keyword by its rules
    too, and the sentences are the ones the exact path gives for that keyword of that node.
    """
    node, keyword = refusal.definition, refusal.rule
    if type(node) is not dict:
        return None
    if keyword == "pattern":
        bound = node.get(ENUM_KEY)
        if bound is None:
            return None
        keyword = "enum"
    elif keyword in EXPLAINED and keyword in node:
        bound = node[keyword]
    else:
        return None
    messages = _confirm(keyword, bound, refusal.value, node, exact)
    pointer = _pointer(refusal.name or "")  # a refusal names its value, else none
    if not messages or pointer is None:
        return None
    if len(messages) == 1:
        return [(pointer, messages[0])]
    return [(pointer, message) for message in sorted(messages)]


def _pointer(name: str) -> str | None:
    """The JSON pointer of the value fastjsonschema names ``data.a[0].b``: ``/a/0/b``.

    Exact because no property name in the schema holds ".", "[" or "]" (compile_fast makes
    sure) and the only other part of a name is an array index.
    """
    steps = name.replace("]", "").replace("[", ".")
    if not (steps == "data" or steps.startswith("data.")):
        return None
    if "~" in steps or "/" in steps:
        return json_pointer(steps.split(".")[1:])
    return steps[4:].replace(".", "/")


# minimum/maximum, and the keyword that would make each exclusive (draft-04: a boolean).
_BOUNDS = {"minimum": "exclusiveMinimum", "maximum": "exclusiveMaximum"}


def _confirm(
    keyword: str, bound: Any, value: Any, node: dict, exact: JsonSchemaValidator
) -> list[str] | None:
    """The exact path's sentences for ``value`` breaking ``keyword``; None if it does not.

    The keywords nearly every refusal names are judged here directly, by the rules of the
    exact path's keyword functions (a jsonschema error object costs more than the rest of an
    explanation); the others go through those functions themselves.
    """
    if keyword == "type":
        if type(bound) is str:
            if exact.is_type(value, bound):
                return None
        elif any(exact.is_type(value, kind) for kind in bound):
            return None
    elif keyword == "required":
        if not isinstance(value, dict):
            return None
        # jsonschema's words for each missing property, as the exact path reports them.
        return [f"{name!r} is a required property" for name in bound if name not in value]
    elif keyword == "additionalProperties" and bound is False and "patternProperties" not in node:
        known = node.get("properties", {})
        if not isinstance(value, dict) or value.keys() <= known.keys():
            return None
    elif keyword == "enum" and ENUM_KEY in node:
        # Only a string enum under "type": "string" was rewritten, so value is a str here.
        if not isinstance(value, str) or value in bound:
            return None
    elif keyword == "maxLength":
        if not isinstance(value, str) or len(value) <= bound:
            return None
    elif keyword == "format":
        checker = exact.format_checker
        if checker is None or checker.conforms(value, bound):
            return None
    elif keyword == "multipleOf":
        if not exact.is_type(value, "number") or is_multiple_of(value, bound):
            return None
    elif keyword in _BOUNDS and _BOUNDS[keyword] not in node:  # no exclusive* to weigh
        if not exact.is_type(value, "number"):
            return None
        if not (value < bound if keyword == "minimum" else value > bound):
            return None
    else:
        check = exact.VALIDATORS.get(keyword)
        if check is None:
            return None
        errors = list(check(exact, bound, value, node))
        if any(error.path for error in errors):
            return None  # it would blame something deeper than this node
        return [describe_keyword(keyword, bound, value, node, error.message) for error in errors]
    return [describe_keyword(keyword, bound, value, node, "")]
