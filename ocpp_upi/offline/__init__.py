"""Offline checks: validate a recorded OCPP-J conversation as a live run would.

``records`` reads the formats, ``checker`` feeds the frames to the live validator, ``command``
is the ``check-trace`` subcommand. Only ``add_command`` is imported here, so that
``ocpp_upi.cli`` can add the subcommand without loading the validator.
"""

from ocpp_upi.offline.command import add_command

__all__ = ["add_command"]
