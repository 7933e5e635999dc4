"""Runs ocpp-csms, a CSMS this project did not write, as a separate OS process.

ocpp-csms is AGPL-3.0: it lives only in its own venv (``.venv-foreign``, made by ``make test``)
and is reached over the network like any vendor's CSMS, never imported by our code.
"""

from __future__ import annotations

import queue
import re
import subprocess
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from ocpp_upi.paths import PROJECT_ROOT

EXECUTABLE = PROJECT_ROOT / ".venv-foreign" / "bin" / "ocpp-csms"
READY_TIMEOUT_S = 30.0
"""Bound on start-up (interpreter, aiohttp import, bind); a healthy start takes about a second."""
TERMINATE_GRACE_S = 5.0
"""How long SIGTERM gets before SIGKILL."""
_READY = re.compile(r"listening on port (\d+)")
_TAIL_LINES = 200


@contextmanager
def ocpp_csms() -> Iterator[int]:
    """Start ocpp-csms on a free loopback port, yield that port, stop it on exit.

    ``--port 0`` lets the OS pick the port, and ocpp-csms prints the bound one in its ready line,
    so there is no race between probing a free port and binding it.
    """
    if not EXECUTABLE.exists():
        pytest.fail(
            f"{EXECUTABLE} is missing: run `make test` "
            "(or `make .venv-foreign/.installed`), which creates it",
            pytrace=False,
        )
    process = subprocess.Popen(
        [str(EXECUTABLE), "--host", "127.0.0.1", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    tail: deque[str] = deque(maxlen=_TAIL_LINES)
    ports: queue.Queue[int | None] = queue.Queue()
    # ocpp-csms prints every charger event: the pipe must be drained for its whole life, or it
    # fills and the CSMS blocks mid-scenario. The thread also lets the wait have a deadline.
    reader = threading.Thread(target=_drain, args=(process, tail, ports), daemon=True)
    reader.start()
    try:
        try:
            port = ports.get(timeout=READY_TIMEOUT_S)
        except queue.Empty:
            raise AssertionError(
                f"ocpp-csms not ready within {READY_TIMEOUT_S:g} s:\n{''.join(tail)[-3000:]}"
            ) from None
        if port is None:  # output ended without the ready line: the process is exiting
            status = process.wait(TERMINATE_GRACE_S)
            raise AssertionError(f"ocpp-csms exited {status}:\n{''.join(tail)[-3000:]}")
        yield port
    finally:
        process.terminate()
        try:
            process.wait(TERMINATE_GRACE_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(TERMINATE_GRACE_S)
        reader.join(TERMINATE_GRACE_S)
        if process.stdout is not None:
            process.stdout.close()


def _drain(
    process: subprocess.Popen[str], tail: deque[str], ports: queue.Queue[int | None]
) -> None:
    """Read output until EOF; report the ready line's port once, or None if it never came."""
    assert process.stdout is not None
    announced = False
    for line in process.stdout:
        tail.append(line)
        match = _READY.search(line) if not announced else None
        if match:
            announced = True
            ports.put(int(match.group(1)))
    if not announced:
        ports.put(None)
