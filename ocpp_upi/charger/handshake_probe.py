"""One WebSocket handshake with a chosen subprotocol offer, and what the CSMS did with it.

The mock charger's own ``connect`` insists on its version; judging subprotocol negotiation
(OCTT TC_B_58, OCPP-J 1.6 section 3.1.2) needs the raw outcome instead: the HTTP status of a
refusal, the subprotocol chosen, and whether a CSMS that agreed to none closed the connection.
"""

from __future__ import annotations

import asyncio
import base64
import ssl
from collections.abc import Sequence
from dataclasses import dataclass

from websockets.asyncio.client import connect
from websockets.exceptions import (
    ConnectionClosed,
    InvalidHandshake,
    InvalidStatus,
    NegotiationError,
)
from websockets.typing import Subprotocol

from ocpp_upi.charger.station import handshake_failure
from ocpp_upi.tls import websocket_tls_option


@dataclass(frozen=True)
class HandshakeOutcome:
    offered: tuple[str, ...]
    refused_with: int | None = None  # the HTTP status of a refused handshake
    chosen: str | None = None  # the subprotocol of a completed handshake (None: none)
    closed_by_csms: bool = False  # after a completed handshake: the CSMS closed it in time
    spoke: str | None = None  # a frame the CSMS sent over a connection without a subprotocol
    failure: str | None = None  # no usable answer at all (not HTTP, not a WebSocket)

    def describe(self) -> str:
        if self.failure:
            return self.failure
        if self.refused_with is not None:
            return f"refused with HTTP {self.refused_with}"
        if self.chosen is not None:
            return f"101 with subprotocol {self.chosen!r}"
        after = "then closed it" if self.closed_by_csms else "and kept it open"
        if self.spoke:
            after = f"and sent {self.spoke[:120]}"
        return f"101 without a subprotocol, {after}"


async def probe_handshake(
    url: str,
    offer: Sequence[str],
    *,
    identity: str,
    password: str | None,
    timeout: float,
    close_within: float,
    tls: ssl.SSLContext | None = None,
) -> HandshakeOutcome:
    """Connect once offering ``offer`` (over ``tls`` for a wss:// URL of security profile 2
    or 3); never raises for what the CSMS answers."""
    offered = tuple(offer)
    headers = {}
    if password is not None:
        token = base64.b64encode(f"{identity}:{password}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    try:
        async with connect(
            url,
            subprotocols=[Subprotocol(s) for s in offered] or None,
            additional_headers=headers,
            open_timeout=timeout,
            compression=None,
            ping_interval=None,
            **websocket_tls_option(tls),
        ) as connection:
            if connection.subprotocol is not None:
                return HandshakeOutcome(offered, chosen=connection.subprotocol)
            try:
                frame = await asyncio.wait_for(connection.recv(), close_within)
            except ConnectionClosed:
                return HandshakeOutcome(offered, closed_by_csms=True)
            except TimeoutError:
                return HandshakeOutcome(offered)
            return HandshakeOutcome(offered, spoke=str(frame))
    except InvalidStatus as exc:
        return HandshakeOutcome(offered, refused_with=exc.response.status_code)
    except NegotiationError as exc:  # websockets: "unsupported subprotocol: <chosen>"
        chosen = str(exc).rpartition(": ")[2] or str(exc)
        return HandshakeOutcome(offered, chosen=f"{chosen} (not offered)")
    except InvalidHandshake as exc:  # e.g. a subprotocol nobody offered
        return HandshakeOutcome(offered, failure=f"broken handshake: {handshake_failure(exc)}")
    except (OSError, TimeoutError) as exc:
        return HandshakeOutcome(offered, failure=f"no answer: {exc or type(exc).__name__}")
