"""The tzi-OCTT trigger-server convention as a preset.

tzi-OCTT (MIT, github.com/tzi-app/tzi-OCTT) makes a CSMS act through
``POST {trigger}/api/octt/{version}/{station id}/{kebab-case action}`` whose JSON body is the
payload of the OCPP CALL the CSMS then sends to the station. A CSMS that already serves it needs
nothing in the profile but the trigger server's address.
"""

from __future__ import annotations

from ocpp_upi.hooks.model import HookTemplate

TZI_OCTT = "tzi-octt"
PRESETS = (TZI_OCTT,)

_START = {
    "1.6": ("remote-start-transaction", {"connectorId": "{evse}", "idTag": "{id_tag}"}),
    "2.x": (
        "request-start-transaction",
        {
            "evseId": "{evse}",
            "idToken": {"idToken": "{id_tag}", "type": "Central"},
            "remoteStartId": "{remote_start_id}",
        },
    ),
}
_STOP = {
    "1.6": ("remote-stop-transaction", {"transactionId": "{transaction_id}"}),
    "2.x": ("request-stop-transaction", {"transactionId": "{transaction_id}"}),
}


def tzi_octt(trigger_url: str, versions: tuple[str, ...]) -> dict[str, dict[str, HookTemplate]]:
    """remote_start and remote_stop for each version the CSMS declares."""
    base = trigger_url.rstrip("/")
    templates: dict[str, dict[str, HookTemplate]] = {"remote_start": {}, "remote_stop": {}}
    for version in versions:
        family = "1.6" if version == "1.6" else "2.x"
        for name, table in (("remote_start", _START), ("remote_stop", _STOP)):
            action, body = table[family]
            templates[name][version] = HookTemplate(
                url=f"{base}/api/octt/{version}/{{charger_id}}/{action}",
                headers={"Content-Type": "application/json"},
                body=body,
            )
    return templates
