"""Carrying out a hook: one bounded HTTP request, or an instruction to a person at a terminal.

Whatever goes wrong here is the operator interface's fault, not a verdict on the CSMS's OCPP:
:class:`HookFailed` becomes an ERROR naming the request and its answer. What the CSMS then does
(or fails to do) on the wire is judged by the scenario's own steps.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TextIO

import httpx

from ocpp_upi.hooks.model import HOOK_ACTIONS, MANUAL_MODE, OperatorHooks
from ocpp_upi.tls import client_tls_context
from ocpp_upi.verdicts import HarnessError

MANUAL_WAIT_S = 600.0  # a person at a back office may take minutes; never forever


class HookFailed(HarnessError):
    """The operator hook could not be carried out (ERROR, never FAIL)."""


@dataclass(frozen=True)
class HookOutcome:
    action: str
    request: str  # "POST http://..." or "manual"
    status: int | None
    answer: str
    result: Any = None  # the value at result_pointer, when declared

    def describe(self) -> str:
        seen = f"HTTP {self.status}" if self.status is not None else "done"
        text = f"{self.action} hook {self.request}: {seen}"
        return f"{text} {self.answer[:160]}" if self.answer else text


def manual_refusal() -> str | None:
    """Why manual hooks cannot run here, or None: CI has nobody to press Enter."""
    if os.environ.get("CI"):
        return "manual hooks need a person at a terminal, and CI is set"
    try:
        with open("/dev/tty"):
            return None
    except OSError:
        return "manual hooks need a terminal (/dev/tty), and this run has none"


def resolve_pointer(document: Any, pointer: str) -> Any:
    """RFC 6901; KeyError naming the first token that is not there."""
    if pointer == "":
        return document
    current = document
    for raw in pointer.lstrip("/").split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(current, list) and token.isdigit() and int(token) < len(current):
            current = current[int(token)]
        elif isinstance(current, Mapping) and token in current:
            current = current[token]
        else:
            raise KeyError(token)
    return current


async def invoke_hook(
    hooks: OperatorHooks,
    action: str,
    version: str,
    values: Mapping[str, Any],
    timeout: float,
) -> HookOutcome:
    """Carry out ``action``; HookFailed with the request and the answer when it did not work."""
    if hooks.mode == MANUAL_MODE:
        return await _manual(action, values)
    template = hooks.template(action, version)
    if template is None:
        raise HookFailed(f"the profile declares no {action} hook for OCPP {version}")
    request = template.render(values)
    shown = f"{request.method} {request.url}"
    headers = dict(request.headers)
    content = request.content()
    if content is not None:
        headers.setdefault("Content-Type", "application/json")
    try:
        async with httpx.AsyncClient(
            timeout=timeout, trust_env=False, verify=client_tls_context(False)
        ) as client:
            response = await client.request(
                request.method, request.url, headers=headers, content=content
            )
    except httpx.HTTPError as exc:
        raise HookFailed(f"the {action} hook {shown} got no answer: {exc!r}") from None
    answer = " ".join(response.text.split())[:300]
    if response.status_code not in template.expect_status:
        wanted = ", ".join(str(s) for s in template.expect_status)
        raise HookFailed(
            f"the {action} hook {shown} answered HTTP {response.status_code} (expected {wanted})"
            f": {answer}"
        )
    result = None
    if template.result_pointer is not None:
        try:
            result = resolve_pointer(response.json(), template.result_pointer)
        except (ValueError, KeyError) as exc:
            raise HookFailed(
                f"the {action} hook's answer has no value at {template.result_pointer!r} "
                f"({exc!s}): {answer}"
            ) from None
    return HookOutcome(action, shown, response.status_code, answer, result)


async def _manual(action: str, values: Mapping[str, Any]) -> HookOutcome:
    refusal = manual_refusal()
    if refusal is not None:
        raise HookFailed(f"cannot ask for {action}: {refusal}")
    instruction = HOOK_ACTIONS[action].format_map({k: str(v) for k, v in values.items()})
    loop = asyncio.get_running_loop()
    try:
        await asyncio.wait_for(
            loop.run_in_executor(None, _prompt, instruction), timeout=MANUAL_WAIT_S
        )
    except TimeoutError:
        raise HookFailed(f"nobody confirmed '{instruction}' within {MANUAL_WAIT_S:g} s") from None
    return HookOutcome(action, "manual", None, json.dumps(instruction))


def _prompt(instruction: str) -> None:
    """Straight to the terminal: pytest captures stdin and stdout."""
    with open("/dev/tty", "r+") as tty:
        _ask(tty, instruction)


def _ask(tty: TextIO, instruction: str) -> None:
    tty.write(f"\n[ocpp-upi] operator action: {instruction}\n  press Enter once done... ")
    tty.flush()
    tty.readline()
    print(f"[ocpp-upi] operator confirmed: {instruction}", file=sys.stderr)
