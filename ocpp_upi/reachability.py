"""Pre-flight TCP check that a CSMS endpoint is listening.

A conformance run against a CSMS that is not up would fail every scenario with the same connect
error, minutes later and buried in a report. One bounded TCP connect per endpoint turns that into
a single line before the suite starts.
"""

import queue
import socket
import threading
from urllib.parse import urlsplit

DEFAULT_PORTS = {"ws": 80, "http": 80, "wss": 443, "https": 443}


def endpoint(url: str) -> tuple[str, int]:
    """Host and port a URL connects to; ValueError if it names neither."""
    parts = urlsplit(url)
    port = parts.port  # raises ValueError for a port out of range
    if not parts.hostname:
        raise ValueError("no host in URL")
    if port is None:
        if parts.scheme not in DEFAULT_PORTS:
            raise ValueError(f"no port in URL and no default port for {parts.scheme!r}")
        port = DEFAULT_PORTS[parts.scheme]
    return parts.hostname, port


def check_reachable(url: str, timeout: float) -> str | None:
    """None if a TCP connection to the URL's host and port opens within ``timeout`` seconds.

    Otherwise a short reason: "connection refused", "timed out after 5.0 s", "name does not
    resolve", or the OS's words. Name resolution has no timeout of its own, so the attempt runs
    on a daemon thread and the caller's wait is bounded even if DNS hangs.
    """
    try:
        host, port = endpoint(url)
    except ValueError as exc:
        return f"invalid URL ({exc})"
    outcome: queue.SimpleQueue[str | None] = queue.SimpleQueue()
    worker = threading.Thread(
        target=lambda: outcome.put(_connect(host, port, timeout)),
        name=f"reachability {host}:{port}",
        daemon=True,
    )
    worker.start()
    try:
        return outcome.get(timeout=timeout)
    except queue.Empty:
        return _timed_out(timeout)


def _connect(host: str, port: int, timeout: float) -> str | None:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except ConnectionRefusedError:
        return "connection refused"
    except TimeoutError:
        return _timed_out(timeout)
    except socket.gaierror:
        return "name does not resolve"
    except OSError as exc:
        return (exc.strerror or str(exc)).lower()


def _timed_out(timeout: float) -> str:
    return f"timed out after {float(timeout)} s"
