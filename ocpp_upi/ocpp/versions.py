"""OCPP versions the harness speaks, their WebSocket subprotocols, and the two roles."""

from enum import StrEnum


class Role(StrEnum):
    """Who sent a frame. Used in every violation message ("CSMS -> charger ...")."""

    CHARGER = "charger"
    CSMS = "CSMS"

    @property
    def peer(self) -> "Role":
        return Role.CSMS if self is Role.CHARGER else Role.CHARGER


VERSIONS: tuple[str, ...] = ("1.6", "2.0.1", "2.1")

SUBPROTOCOLS: dict[str, str] = {"1.6": "ocpp1.6", "2.0.1": "ocpp2.0.1", "2.1": "ocpp2.1"}

VERSION_BY_SUBPROTOCOL: dict[str, str] = {sub: ver for ver, sub in SUBPROTOCOLS.items()}


def check_version(version: str) -> str:
    """Return ``version`` if the harness knows it, else raise a ValueError naming the choices."""
    if version not in VERSIONS:
        raise ValueError(f"unknown OCPP version {version!r}; expected one of {', '.join(VERSIONS)}")
    return version


def direction(sender: Role) -> str:
    """Human arrow for a frame sent by ``sender``: ``"CSMS -> charger"``."""
    return f"{sender} -> {sender.peer}"
