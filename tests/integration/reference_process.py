"""The bundled reference CSMS as a separate OS process, as a vendor's CSMS would run.

Started through its command line (``ocpp-upi reference-csms``) on free ports; the endpoints are
read from its ready file once it prints its ready line; SIGTERM ends it.
"""

from __future__ import annotations

import contextlib
import json
import selectors
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from ocpp_upi.paths import PROJECT_ROOT

READY_TIMEOUT_S = 30.0


@contextlib.contextmanager
def reference_csms_process(folder: Path, args: Sequence[str]) -> Iterator[dict[str, str]]:
    """Run ``ocpp-upi reference-csms <args>`` on free ports; yield its announced endpoints."""
    ready = folder / "ready.json"
    command = [sys.executable, "-m", "ocpp_upi.cli", "reference-csms", "--port", "0"]
    command += ["--http-port", "0", "--ready-file", str(ready), *args]
    process = subprocess.Popen(
        command, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        # The ready line is printed after the ready file is written: wait on the line.
        line = _read_line(process, READY_TIMEOUT_S)
        assert line.startswith("reference CSMS ready"), f"unexpected first line: {line!r}"
        yield json.loads(ready.read_text())
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def _read_line(process: subprocess.Popen[str], timeout: float) -> str:
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            raise AssertionError(f"reference CSMS not ready within {timeout} s")
    line = process.stdout.readline()
    if not line:
        stderr = process.stderr.read() if process.stderr else ""
        raise AssertionError(f"reference CSMS exited: {stderr[-2000:]}")
    return line.strip()
