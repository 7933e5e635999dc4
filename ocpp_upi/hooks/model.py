"""The declared hooks: one HTTP request template per operator action, per OCPP version."""

from __future__ import annotations

import json
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from ocpp_upi.errors import OcppUpiError

HOOK_ACTIONS: dict[str, str] = {
    "remote_start": "remotely start a session on charger {charger_id}, EVSE {evse}, "
    "with id tag {id_tag}",
    "remote_stop": "remotely stop transaction {transaction_id} on charger {charger_id}",
}
"""Actions a scenario may ask of the CSMS, with the instruction a manual operator reads."""

PLACEHOLDERS = (
    "charger_id",
    "evse",
    "id_tag",
    "version",
    "transaction_id",
    "remote_start_id",
)
"""What a template may name. A JSON string that is exactly one placeholder keeps its type
(``"{evse}"`` becomes the number 1), so a body can carry integers without quoting tricks."""

DEFAULT_EXPECT_STATUS = (200, 201, 202, 204)
HTTP_MODE = "http"
MANUAL_MODE = "manual"


class TemplateProblem(OcppUpiError, ValueError):
    """A template names an unknown placeholder or is not a valid format string."""


def placeholders_in(text: str) -> list[str]:
    """The placeholder names of ``text``; TemplateProblem if it is not a valid template."""
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError as exc:
        raise TemplateProblem(f"not a valid template ({exc})") from None
    for name in names:
        if name not in PLACEHOLDERS:
            known = ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)
            raise TemplateProblem(f"unknown placeholder {{{name}}} (known: {known})")
    return names


def _check_value(value: Any) -> None:
    if isinstance(value, str):
        placeholders_in(value)
    elif isinstance(value, Mapping):
        for item in value.values():
            _check_value(item)
    elif isinstance(value, list):
        for item in value:
            _check_value(item)


@dataclass(frozen=True)
class HookTemplate:
    """One HTTP request the harness sends to make the CSMS act."""

    url: str
    method: str = "POST"
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Any = None  # JSON value; strings in it are templates
    expect_status: tuple[int, ...] = DEFAULT_EXPECT_STATUS
    result_pointer: str | None = None  # RFC 6901 pointer into the JSON answer

    def check(self) -> None:
        """TemplateProblem for the first bad template (run when the profile loads)."""
        placeholders_in(self.url)
        for value in self.headers.values():
            placeholders_in(value)
        _check_value(self.body)

    def render(self, values: Mapping[str, Any]) -> RenderedRequest:
        url_values = {k: quote(str(v), safe="") for k, v in values.items()}
        return RenderedRequest(
            method=self.method,
            url=self.url.format_map(_Missing(url_values)),
            headers={k: v.format_map(_Missing(values)) for k, v in self.headers.items()},
            body=None if self.body is None else _fill(self.body, values),
        )


@dataclass(frozen=True)
class RenderedRequest:
    method: str
    url: str
    headers: Mapping[str, str]
    body: Any

    def content(self) -> bytes | None:
        if self.body is None:
            return None
        return json.dumps(self.body, separators=(",", ":")).encode()


class _Missing(dict[str, Any]):
    """A value the scenario has not got yet (e.g. no transaction) renders visibly."""

    def __missing__(self, key: str) -> str:
        return f"<no {key}>"


def _fill(value: Any, values: Mapping[str, Any]) -> Any:
    if isinstance(value, str):
        names = placeholders_in(value)
        if len(names) == 1 and value == f"{{{names[0]}}}" and names[0] in values:
            return values[names[0]]
        return value.format_map(_Missing(values))
    if isinstance(value, Mapping):
        return {k: _fill(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, values) for v in value]
    return value


@dataclass(frozen=True)
class OperatorHooks:
    """What the profile declares: a template per action and version, or manual mode.

    ``templates[action][version]``; a version missing from an action's map has no hook there.
    In manual mode ``templates`` is empty and every action is declared for every version.
    """

    mode: str = HTTP_MODE
    templates: Mapping[str, Mapping[str, HookTemplate]] = field(default_factory=dict)
    source: str = "[hooks]"  # how the profile declared them (preset name or table), for reports

    def declared(self, action: str, version: str | None = None) -> bool:
        if self.mode == MANUAL_MODE:
            return True
        per_version = self.templates.get(action, {})
        return bool(per_version) if version is None else version in per_version

    def template(self, action: str, version: str) -> HookTemplate | None:
        return self.templates.get(action, {}).get(version)


NO_HOOKS = OperatorHooks()
