"""Operator-action hooks: how the harness makes a CSMS act as its operator would.

Some checks need the CSMS to do something no charger or payment can cause (remote-start a
session from the back office, stop it). The profile's ``[hooks]`` table says how, as HTTP
request templates (or the tzi-OCTT trigger-server preset, or ``manual`` for an interactive
run); a scenario whose hook is not declared is NOT APPLICABLE. The verdict still comes from the
wire: a hook that answers 200 and makes the CSMS send nothing fails the scenario.
"""

from ocpp_upi.hooks.model import (
    HOOK_ACTIONS,
    HookTemplate,
    OperatorHooks,
)
from ocpp_upi.hooks.runner import HookFailed, HookOutcome, invoke_hook

__all__ = [
    "HOOK_ACTIONS",
    "HookFailed",
    "HookOutcome",
    "HookTemplate",
    "OperatorHooks",
    "invoke_hook",
]
