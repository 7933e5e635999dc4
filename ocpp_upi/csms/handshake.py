"""The OCPP-J WebSocket opening handshake rules, as pure functions.

Kept apart from the server so each rule (where the charger id is, which subprotocol wins, what
Basic auth carries) is testable without a socket and reusable by fault variants.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from urllib.parse import unquote, urlsplit

from websockets.exceptions import InvalidHeader
from websockets.headers import parse_authorization_basic

from ocpp_upi.ocpp.versions import SUBPROTOCOLS, VERSION_BY_SUBPROTOCOL

OCPP_PATH = "/ocpp"


def charger_id_from_path(path: str) -> str | None:
    """``/ocpp/EVSE1234`` -> ``"EVSE1234"``: the last path segment, percent-decoded.

    None for any other shape (no id, nested segments), which the server answers with 404.
    """
    route = urlsplit(path).path
    prefix = OCPP_PATH + "/"
    if not route.startswith(prefix):
        return None
    segment = route[len(prefix) :]
    if not segment or "/" in segment:
        return None
    charger_id = unquote(segment)
    return charger_id or None


def choose_subprotocol(offered: Sequence[str], versions: Iterable[str]) -> str | None:
    """The first subprotocol in the charger's list that names a version we serve.

    The client's order wins: a charger lists its preference first (RFC 6455 4.1), and a CSMS
    that serves it should not downgrade it to an older version it also offers.
    """
    served = {SUBPROTOCOLS[version] for version in versions}
    for subprotocol in offered:
        if subprotocol in served and subprotocol in VERSION_BY_SUBPROTOCOL:
            return subprotocol
    return None


def basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    """``Basic base64(user:pass)`` -> (user, pass); None when absent or not Basic."""
    if not authorization:
        return None
    try:
        return parse_authorization_basic(authorization)
    except InvalidHeader:
        return None
