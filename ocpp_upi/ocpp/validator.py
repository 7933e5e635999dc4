"""Judge every OCPP-J frame against the RPC rules and the official OCA JSON schemas.

Two validators answer the same question, so the common case is cheap and the verdict exact:

* the fast path is a fastjsonschema function compiled once per (version, action, kind) from
  ``fast_schema`` (an equivalent rewrite of the schema). It is only trusted when it
  *accepts*: its verdicts follow each schema's declared draft (draft-04: ``1.0`` is not an
  integer; draft-06: it is), its ``multipleOf`` is decimal, and its format patterns accept a
  subset of what the exact path's format functions accept, so it cannot accept what the exact
  path rejects (``test_validator_properties.py`` checks that on generated payloads);
* when it refuses (or fails in any way), the exact path, ``jsonschema`` with the validator
  class of the schema's own ``$schema`` draft, decides and explains. Its ``multipleOf`` is
  exact arithmetic on the decimal number written, so 8.1 is a multiple of 0.1 as the OCPP
  author meant. It descends only into subtrees the fast path refuses, so an invalid frame
  costs about what one error costs. If it finds nothing, the payload is valid.

``FrameValidator`` adds the RPC state of one connection: one outstanding CALL per direction,
answers matched to the peer's outstanding CALL, error codes spelt as the version spells them.
"""

import re
import reprlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from itertools import islice
from threading import Lock
from typing import Any

import fastjsonschema
from jsonschema import FormatChecker, ValidationError
from jsonschema.protocols import Validator as JsonSchemaValidator
from jsonschema.validators import extend, validator_for

from ocpp_upi.ocpp.codec import (
    ERROR_CODES,
    Call,
    CallError,
    CallResult,
    CallResultError,
    Frame,
    FramingError,
    MessageTypeId,
    Send,
    decode,
)
from ocpp_upi.ocpp.schemas import SchemaStore, default_store
from ocpp_upi.ocpp.versions import Role, check_version, direction

# --- formats -------------------------------------------------------------------------------

# RFC 3339 section 5.6 only: no ISO 8601 basic format, no missing seconds, no "+0530".
# [0-9] rather than \d: \d would accept Arabic-Indic and other Unicode digits. The calendar is
# in the pattern (29 February only in leap years, so 1900 no and 2000 yes); seconds stop at 59.
_FULL_DATE = (
    r"(?:[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    r"|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))"
    r"|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29)"
)
_OFFSET = r"(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
DATE_TIME_PATTERN = (
    rf"{_FULL_DATE}[Tt](?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]+)?{_OFFSET}\Z"
)
_DATE_TIME = re.compile(DATE_TIME_PATTERN)
_LEAP_SECOND = re.compile(
    rf"{_FULL_DATE}[Tt]([01][0-9]|2[0-3]):([0-5][0-9]):60(?:\.[0-9]+)?"
    r"(?:[Zz]|([+-])([01][0-9]|2[0-3]):([0-5][0-9]))\Z"
)


def is_date_time(value: object) -> bool:
    """RFC 3339 ``date-time``, calendar-checked; non-strings pass (``type`` judges those).

    A leap second (``:60``) is accepted only where RFC 3339 allows one: at 23:59 UTC. That
    needs arithmetic on the offset, so it is the one case ``DATE_TIME_PATTERN`` leaves out.
    """
    if not isinstance(value, str):
        return True
    if _DATE_TIME.match(value) is not None:
        return True
    leap = _LEAP_SECOND.match(value)
    if leap is None:
        return False
    hour, minute, sign, offset_hour, offset_minute = leap.groups()
    offset = 0 if sign is None else (int(offset_hour) * 60 + int(offset_minute))
    if sign == "-":
        offset = -offset
    return (int(hour) * 60 + int(minute) - offset) % 1440 == 23 * 60 + 59


# RFC 3986 at the character level: a scheme, then only URI characters or %XX escapes, and at
# most one "#". 1.6 GetDiagnostics/UpdateFirmware ``location`` is the only "uri" in the schemas.
_URI_CHAR = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?\[\]]|%[0-9A-Fa-f]{2})"
URI_PATTERN = rf"[A-Za-z][A-Za-z0-9+.\-]*:{_URI_CHAR}*(?:#{_URI_CHAR}*)?\Z"
_URI = re.compile(URI_PATTERN)


def is_uri(value: object) -> bool:
    """An absolute URI as RFC 3986 spells its characters; non-strings pass."""
    return not isinstance(value, str) or _URI.match(value) is not None


# The only formats the official schemas use (test_schema_manifest pins that).
FORMATS: dict[str, Callable[[object], bool]] = {"date-time": is_date_time, "uri": is_uri}
# The fast path gets patterns, which its generated code matches inline with no Python call.
# Each accepts a subset of its function (the date-time one: no leap seconds), so the fast path
# can refuse what is valid (the exact path then accepts) but never accept what is not.
FAST_FORMATS: dict[str, str] = {"date-time": DATE_TIME_PATTERN, "uri": URI_PATTERN}


def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())
    for name, function in FORMATS.items():
        checker.checks(name)(function)
    return checker


# --- messages ------------------------------------------------------------------------------

MAX_VALUE_CHARS = 40
MAX_ERRORS = 50

_REPR = reprlib.Repr()
_REPR.maxlevel = 3
_REPR.maxdict = 4
_REPR.maxlist = 4
_REPR.maxstring = MAX_VALUE_CHARS
_REPR.maxother = MAX_VALUE_CHARS


def short_repr(value: object) -> str:
    """``repr`` cut to 40 characters, without ever walking a 10 MB value to build it."""
    text = repr(value[: MAX_VALUE_CHARS + 1]) if isinstance(value, str) else _REPR.repr(value)
    if len(text) > MAX_VALUE_CHARS or (isinstance(value, str) and len(value) > MAX_VALUE_CHARS):
        return text[: MAX_VALUE_CHARS - 3] + "..."
    return text


def json_pointer(path: Iterable[object]) -> str:
    """RFC 6901 pointer: "" for the payload itself, ``/chargingProfile/stackLevel`` below."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def _unexpected(error: ValidationError) -> str:
    instance = error.instance if isinstance(error.instance, dict) else {}
    schema = error.schema if isinstance(error.schema, dict) else {}
    known = schema.get("properties", {})
    patterns = [re.compile(p) for p in schema.get("patternProperties", {})]
    extras = [k for k in instance if k not in known and not any(p.search(k) for p in patterns)]
    shown = ", ".join(short_repr(k) for k in sorted(extras)[:5])
    if len(extras) > 5:
        shown += f", ... ({len(extras) - 5} more)"
    verb = "was" if len(extras) == 1 else "were"
    return f"Additional properties are not allowed ({shown} {verb} unexpected)"


def describe(error: ValidationError) -> str:
    """jsonschema's sentence for ``error``, with values cut short and stated bounds."""
    keyword, bound, value = error.validator, error.validator_value, error.instance
    shown = short_repr(value)
    if keyword == "type":
        types = bound if isinstance(bound, list) else [bound]
        return f"{shown} is not of type {', '.join(repr(t) for t in types)}"
    if keyword == "maxLength":
        return f"{shown} is longer than {bound}"
    if keyword == "minLength":
        return f"{shown} is shorter than {bound}"
    if keyword == "enum":
        return f"{shown} is not one of {bound!r}"
    if keyword == "format":
        return f"{shown} is not a {bound!r}"
    if keyword == "additionalProperties":
        return _unexpected(error)
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
    if keyword == "maxItems":
        return f"{shown} has more than {bound} items"
    # "required" and anything the OCA schemas do not use: jsonschema's own words.
    return error.message if len(error.message) <= 200 else error.message[:197] + "..."


# --- payloads ------------------------------------------------------------------------------


def _ratio(number: object) -> tuple[int, int]:
    """Exact numerator and denominator of the decimal number the peer wrote.

    ``str`` of a float is the shortest text that reads back as that float, i.e. what was on
    the wire; for 8.1 that is 81/10, not the binary 8.0999999999999996447...
    """
    if isinstance(number, int):
        return number, 1
    return Decimal(str(number)).as_integer_ratio()


def _decimal_multiple_of(
    validator: JsonSchemaValidator, divisor: Any, instance: Any, schema: dict
) -> Iterator[ValidationError]:
    """``multipleOf`` on the decimal value the peer wrote, not on its binary approximation."""
    if not validator.is_type(instance, "number"):
        return
    try:
        (n1, d1), (n2, d2) = _ratio(instance), _ratio(divisor)
        failed = (n1 * d2) % (d1 * n2) != 0  # instance / divisor is an integer
    except (ArithmeticError, ValueError):  # inf and nan are nobody's multiple
        failed = True
    if failed:
        yield ValidationError(f"{short_repr(instance)} is not a multiple of {divisor!r}")


_Key = tuple[str, str, str]

# Where draft-04/06 keywords hold subschemas: maps of name -> schema, and schema-or-list.
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "dependencies"})
_SUBSCHEMAS = frozenset(
    {"items", "additionalItems", "additionalProperties", "allOf", "anyOf", "oneOf", "not"}
    | {"contains", "propertyNames"}
)


_SCALAR_TYPES = frozenset({"string", "integer", "number", "boolean", "null"})


def fast_schema(schema: dict) -> dict:
    """The schema the fast path compiles: same verdicts, shaped for fastjsonschema's code.

    Rewrites, each exact for the OCA schemas (the property tests compare verdicts):

    * every local ``#/definitions/X`` reference is replaced by X. Under draft-04/06 ``$ref``
      makes its siblings ignored, so the node *is* its target; inlined, fastjsonschema makes
      no function call and builds no error-name string per reference;
    * a string ``enum`` becomes an anchored ``pattern`` of its escaped values. fastjsonschema
      tests an enum one value at a time in Python (55 for a 2.1 measurand); a compiled regex
      does it in C. Only where ``"type": "string"`` already refuses every non-string;
    * ``additionalProperties`` is dropped where ``type`` is a scalar, which no object passes.

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
            if key in _SCHEMA_MAPS and isinstance(value, dict):
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
        return out

    root = walk({k: v for k, v in schema.items() if k not in ("$ref", "definitions")}, frozenset())
    root.update({k: schema[k] for k in ("$ref", "definitions") if k in schema})
    return root


def _compile_fast(schema: dict) -> Callable[[object], object]:
    # use_default=False: fastjsonschema would otherwise write schema defaults into the peer's
    # payload, and we would go on to judge a frame it never sent.
    function = fastjsonschema.compile(
        fast_schema(schema), formats=FAST_FORMATS, use_default=False, detailed_exceptions=False
    )
    # Our formats are patterns, matched inline; the generated code never reads the
    # custom_formats argument that compile() binds with functools.partial, so skip the wrapper.
    return getattr(function, "func", function)


class _SubtreeFilter:
    """Fast acceptance of one subschema of one root schema, compiled on first use.

    The exact path asks it before descending into a property value or an array item: what
    the fast path accepts has no error to report (it never accepts what the exact path
    refuses), so jsonschema only walks down to the subtrees that hold the errors. An invalid
    2.x TransactionEvent then costs a fraction of a full jsonschema pass, and the errors found
    are the same (``test_validator_properties`` compares them with an unpruned reference).
    """

    def __init__(self, root: dict) -> None:
        self._root = root
        self._definitions = root.get("definitions", {})
        # id(subschema) -> (subschema, function); holding the subschema pins its id.
        self._compiled: dict[int, tuple[object, Callable[[object], object] | None]] = {}

    def _compile(self, subschema: object) -> Callable[[object], object] | None:
        target, seen = subschema, set()
        while isinstance(target, dict) and isinstance(target.get("$ref"), str):
            name = target["$ref"].removeprefix("#/definitions/")
            if name in seen or name not in self._definitions:
                return None
            seen.add(name)
            target = self._definitions[name]
        if not isinstance(target, dict):
            return None
        standalone = {**target, "definitions": self._definitions}
        if "$schema" in self._root:
            standalone["$schema"] = self._root["$schema"]
        try:
            return _compile_fast(standalone)
        except Exception:  # an uncompilable subschema is simply always descended into
            return None

    def accepts(self, subschema: object, instance: object) -> bool:
        entry = self._compiled.get(id(subschema))
        if entry is None:
            entry = self._compiled.setdefault(id(subschema), (subschema, self._compile(subschema)))
        function = entry[1]
        if function is None:
            return False
        try:
            function(instance)
        except Exception:
            return False
        return True


def _exact_class(schema: dict, prune: bool) -> type:
    """The validator class of the schema's declared draft, with decimal ``multipleOf``."""
    base = validator_for(schema)
    keywords: dict[str, Callable[..., Iterator[ValidationError]]] = {
        "multipleOf": _decimal_multiple_of
    }
    if prune:
        subtrees = _SubtreeFilter(schema)
        base_items = base.VALIDATORS["items"]

        def properties(
            validator: JsonSchemaValidator, properties: dict, instance: Any, schema: dict
        ) -> Iterator[ValidationError]:
            if not validator.is_type(instance, "object"):
                return
            for name, subschema in properties.items():
                if name in instance and not subtrees.accepts(subschema, instance[name]):
                    yield from validator.descend(
                        instance[name], subschema, path=name, schema_path=name
                    )

        def items(
            validator: JsonSchemaValidator, items: Any, instance: Any, schema: dict
        ) -> Iterator[ValidationError]:
            if not isinstance(items, dict):  # tuple-form or boolean items: as the draft says
                yield from base_items(validator, items, instance, schema)
                return
            if not validator.is_type(instance, "array"):
                return
            for index, item in enumerate(instance):
                if not subtrees.accepts(items, item):
                    yield from validator.descend(item, items, path=index)

        keywords.update(properties=properties, items=items)
    return extend(base, validators=keywords)


class PayloadValidator:
    """Stateless payload checks; safe to share between connections and threads.

    ``prune=False`` makes the exact path a plain jsonschema pass over the whole payload
    (slower; the tests use it to show pruning changes no verdict and no error).
    """

    def __init__(
        self,
        store: SchemaStore | None = None,
        max_errors: int = MAX_ERRORS,
        prune: bool = True,
    ) -> None:
        self.store = store if store is not None else default_store()
        self.max_errors = max_errors
        self.prune = prune
        self._fast: dict[_Key, Callable[[object], object]] = {}
        self._exact: dict[_Key, JsonSchemaValidator] = {}
        self._lock = Lock()
        self._format_checker = _format_checker()

    def _fast_function(self, key: _Key) -> Callable[[object], object]:
        function = self._fast.get(key)
        if function is None:
            with self._lock:
                function = self._fast.get(key)
                if function is None:
                    function = self._fast[key] = _compile_fast(self.store.schema(*key))
        return function

    def _exact_validator(self, key: _Key) -> JsonSchemaValidator:
        validator = self._exact.get(key)
        if validator is None:
            schema = self.store.schema(*key)
            cls = _exact_class(schema, self.prune)
            validator = cls(schema, format_checker=self._format_checker)
            with self._lock:
                validator = self._exact.setdefault(key, validator)
        return validator

    def fast_function(self, version: str, action: str, kind: str) -> Callable[[object], object]:
        """The compiled fast check: returns when it accepts, raises when it does not.

        A raise is only a hint (``validate`` then asks the exact path); an acceptance is final.
        """
        return self._fast_function((version, action, kind))

    def fast_accepts(self, version: str, action: str, kind: str, payload: object) -> bool:
        """The fast path's verdict alone (a refusal is only a hint; see ``validate``)."""
        function = self._fast_function((version, action, kind))
        try:
            function(payload)
        except Exception:  # any refusal or fault of generated code goes to the exact path
            return False
        return True

    def validate(
        self, version: str, action: str, kind: str, payload: object
    ) -> list[tuple[str, str]]:
        """``(json_pointer, message)`` for each schema violation; empty when valid."""
        function = self._fast.get((version, action, kind))
        if function is None:
            function = self._fast_function((version, action, kind))
        try:
            function(payload)
        except Exception:
            return self.validate_exact(version, action, kind, payload)
        return []

    def validate_exact(
        self, version: str, action: str, kind: str, payload: object
    ) -> list[tuple[str, str]]:
        """The exact path only: declared draft, decimal multipleOf, strict formats.

        At most ``max_errors`` problems, sorted by pointer then message.
        """
        validator = self._exact_validator((version, action, kind))
        try:
            errors = list(islice(validator.iter_errors(payload), self.max_errors))
            found = [(json_pointer(e.absolute_path), describe(e)) for e in errors]
        except RecursionError:
            return [("", "payload nests too deeply to validate")]
        return sorted(found)


@cache
def default_payload_validator() -> PayloadValidator:
    """Process-wide validator, so each schema is compiled once however many connections run."""
    return PayloadValidator()


# --- frames --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule in one frame, worded for a conformance report."""

    sender: Role
    version: str
    action: str | None
    kind: str | None
    pointer: str
    message: str

    @property
    def subject(self) -> str:
        """The OCPP name of what was checked: ``Authorize.req`` (1.6), ``AuthorizeRequest``."""
        if self.action is None or self.kind is None:
            return "frame"
        if self.version == "1.6":
            return f"{self.action}.req" if self.kind == "request" else f"{self.action}.conf"
        return f"{self.action}Request" if self.kind == "request" else f"{self.action}Response"

    def __str__(self) -> str:
        head = f"{direction(self.sender)} {self.subject} ({self.version})"
        if self.pointer:
            return f"{head}: {self.pointer}: {self.message}"
        return f"{head}: {self.message}"


@dataclass(frozen=True, slots=True)
class Checked:
    """What ``FrameValidator.check`` learned about one frame."""

    frame: Frame | None
    action: str | None
    violations: tuple[Violation, ...]

    @property
    def ok(self) -> bool:
        return not self.violations


# The other spelling of a code, to say "1.6 spells it FormationViolation" to a tester.
_SPELLINGS = {
    "FormatViolation": "FormationViolation",
    "FormationViolation": "FormatViolation",
    "OccurenceConstraintViolation": "OccurrenceConstraintViolation",
    "OccurrenceConstraintViolation": "OccurenceConstraintViolation",
}

_MAX_BROKEN_IDS = 64


class FrameValidator:
    """RPC state and checks of ONE connection; not shared between connections or threads."""

    def __init__(self, version: str, payloads: PayloadValidator | None = None) -> None:
        self.version = check_version(version)
        self._payloads = payloads if payloads is not None else default_payload_validator()
        self._fast: dict[str, dict[str, Callable[[object], object]]] = {
            "request": {},
            "response": {},
        }
        store = self._payloads.store
        self._actions = store.actions(version)
        self._answerable = frozenset(a for a in self._actions if store.has(version, a, "response"))
        self._codes = ERROR_CODES[version]
        # CALLs each side sent and the other has not answered yet: message id -> action.
        self._outstanding: dict[Role, dict[str, str]] = {Role.CHARGER: {}, Role.CSMS: {}}
        # The same dicts seen from the side that answers them.
        self._answerer: dict[Role, dict[str, str]] = {
            role: self._outstanding[role.peer] for role in Role
        }
        # Ids of a side's frames that failed framing: the peer may answer them with a CALLERROR.
        self._broken: dict[Role, dict[str, None]] = {Role.CHARGER: {}, Role.CSMS: {}}

    def outstanding(self, sender: Role) -> tuple[str, ...]:
        """Message ids of ``sender``'s unanswered CALLs, oldest first."""
        return tuple(self._outstanding[sender])

    def expect(self, sender: Role, message_id: str, action: str) -> None:
        """Record a CALL ``sender`` sent that this validator did not see (e.g. before attach)."""
        self._outstanding[sender][message_id] = action

    def forget_outstanding(self, sender: Role, message_id: str | None = None) -> None:
        """Drop ``sender``'s unanswered CALL(s), e.g. when its call timed out."""
        if message_id is None:
            self._outstanding[sender].clear()
        else:
            self._outstanding[sender].pop(message_id, None)

    def check(self, raw: str | bytes, sender: Role) -> Checked:
        """Decode ``raw`` as sent by ``sender`` and report every rule it breaks."""
        try:
            frame = decode(raw, self.version)
        except FramingError as exc:
            self._remember_broken(sender, exc)
            return Checked(None, None, (self._violation(sender, exc.reason),))
        return self.check_frame(frame, sender)

    def check_frame(self, frame: Frame, sender: Role) -> Checked:
        """``check`` for a frame already decoded (by ``codec.decode`` for this version)."""
        kind = type(frame)
        if kind is Call:
            return self._check_call(frame, sender)  # type: ignore[arg-type]
        if kind is CallResult:
            return self._check_result(frame, sender)  # type: ignore[arg-type]
        if kind is CallError or kind is CallResultError:
            return self._check_error(frame, sender)  # type: ignore[arg-type]
        return self._check_send(frame, sender)  # type: ignore[arg-type]

    def _violation(
        self,
        sender: Role,
        message: str,
        action: str | None = None,
        kind: str | None = None,
        pointer: str = "",
    ) -> Violation:
        return Violation(sender, self.version, action, kind, pointer, message)

    def _payload(self, sender: Role, action: str, kind: str, payload: dict) -> tuple:
        # The fast check is called here directly (not through PayloadValidator.validate):
        # this runs for every frame, and a valid frame then costs one dict lookup and one call.
        fast = self._fast[kind].get(action)
        if fast is None:
            fast = self._fast[kind][action] = self._payloads.fast_function(
                self.version, action, kind
            )
        try:
            fast(payload)
        except Exception:
            problems = self._payloads.validate_exact(self.version, action, kind, payload)
            return tuple(self._violation(sender, m, action, kind, p) for p, m in problems)
        return ()

    def _remember_broken(self, sender: Role, exc: FramingError) -> None:
        # A broken CALL (or a message type the version lacks) may fairly get a CALLERROR back.
        if exc.message_id is None or exc.message_type_id in (
            MessageTypeId.CALLRESULT,
            MessageTypeId.CALLERROR,
            MessageTypeId.CALLRESULTERROR,
        ):
            return
        broken = self._broken[sender]
        broken[exc.message_id] = None
        if len(broken) > _MAX_BROKEN_IDS:
            del broken[next(iter(broken))]

    def _check_call(self, frame: Call, sender: Role) -> Checked:
        pending = self._outstanding[sender]
        action = frame.action
        found: list[Violation] = []
        if pending:
            first = next(iter(pending))
            message = f"sent CALL {frame.message_id} while CALL {first} is still unanswered"
            found.append(self._violation(sender, message))
        pending[frame.message_id] = action
        if action not in self._answerable:
            if action not in self._actions:
                found.append(self._unknown_action(sender, action))
                return Checked(frame, action, tuple(found))
            message = (
                f"action {action!r} has no response in OCPP {self.version}; it must be sent as SEND"
            )
            found.append(self._violation(sender, message))
        violations = self._payload(sender, action, "request", frame.payload)
        return Checked(frame, action, (*found, *violations) if found else violations)

    def _unknown_action(self, sender: Role, action: str) -> Violation:
        return self._violation(
            sender, f"action {short_repr(action)} is not an OCPP {self.version} action"
        )

    def _check_result(self, frame: CallResult, sender: Role) -> Checked:
        action = self._answerer[sender].pop(frame.message_id, None)
        if action is None:
            message = f"CALLRESULT {frame.message_id} answers no outstanding CALL"
            return Checked(frame, None, (self._violation(sender, message),))
        if action not in self._answerable:
            return Checked(frame, action or None, ())
        return Checked(frame, action, self._payload(sender, action, "response", frame.payload))

    def _check_error(self, frame: CallError | CallResultError, sender: Role) -> Checked:
        found: list[Violation] = []
        action: str | None = None
        if type(frame) is CallError:
            pending, broken = self._answerer[sender], self._broken[sender.peer]
            if frame.message_id in pending:
                action = pending.pop(frame.message_id) or None
            elif frame.message_id in broken:
                del broken[frame.message_id]
            else:
                message = f"CALLERROR {frame.message_id} answers no outstanding CALL"
                found.append(self._violation(sender, message))
        code = frame.error_code
        if code not in self._codes:
            message = f"error code {short_repr(code)} is not an OCPP {self.version} error code"
            other = _SPELLINGS.get(code)
            if other in self._codes:
                message += f"; OCPP {self.version} spells it {other!r}"
            found.append(self._violation(sender, message, action))
        return Checked(frame, action, tuple(found))

    def _check_send(self, frame: Send, sender: Role) -> Checked:
        action = frame.action
        if action not in self._actions:
            return Checked(frame, action, (self._unknown_action(sender, action),))
        return Checked(frame, action, self._payload(sender, action, "request", frame.payload))


def validate_frame_once(
    raw: str | bytes, version: str, sender: Role, action: str | None = None
) -> Checked:
    """Check one frame without connection history.

    A CALLRESULT/CALLERROR is taken to answer a CALL of ``action``; with no ``action`` its
    payload cannot be schema-checked and only its framing (and error code) is judged.
    """
    validator = FrameValidator(version)
    try:
        frame = decode(raw, version)
    except FramingError as exc:
        return Checked(None, None, (validator._violation(sender, exc.reason),))
    if isinstance(frame, CallResult | CallError):
        validator.expect(sender.peer, frame.message_id, action if action is not None else "")
    return validator.check_frame(frame, sender)
