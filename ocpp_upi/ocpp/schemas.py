"""Find and read the official OCA JSON schemas shipped in ``schemas/ocpp``.

One place knows the naming conventions (1.6: ``Action.json`` / ``ActionResponse.json``;
2.x: ``ActionRequest.json`` / ``ActionResponse.json``, except 2.1's SEND-only
``NotifyPeriodicEventStream.json``), so no caller builds a path by hand and
an action name from the wire can never be turned into a path outside the schema folder: only
actions found on disk are served.
"""

import json
from functools import cache
from pathlib import Path
from threading import Lock

from ocpp_upi.ocpp.versions import check_version
from ocpp_upi.paths import OCPP_SCHEMAS_DIR

KINDS: tuple[str, ...] = ("request", "response")


class SchemaStore:
    """Read-only view of one schema root; directory listings and file texts are cached."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root is not None else OCPP_SCHEMAS_DIR
        self._files: dict[str, dict[tuple[str, str], Path]] = {}
        self._texts: dict[Path, str] = {}
        self._lock = Lock()

    def _index(self, version: str) -> dict[tuple[str, str], Path]:
        """Map (action, kind) to its file for ``version``, listing the folder once."""
        files = self._files.get(check_version(version))
        if files is not None:
            return files
        files = {}
        folder = self.root / version
        for path in sorted(folder.glob("*.json")):
            stem = path.stem
            if stem.endswith("Response"):
                files[(stem.removesuffix("Response"), "response")] = path
            elif version != "1.6" and stem.endswith("Request"):
                files[(stem.removesuffix("Request"), "request")] = path
            else:
                # 1.6 requests carry no suffix; so does 2.1's one SEND-only message,
                # NotifyPeriodicEventStream.json (no "Request", and no response schema at all).
                files[(stem, "request")] = path
        with self._lock:
            return self._files.setdefault(version, files)

    def actions(self, version: str) -> frozenset[str]:
        """Actions of ``version`` that have a request schema (the ones a CALL or SEND may name)."""
        return frozenset(action for action, kind in self._index(version) if kind == "request")

    def has(self, version: str, action: str, kind: str) -> bool:
        """Whether a ``kind`` schema exists (2.1 NotifyPeriodicEventStream has no response)."""
        return (action, kind) in self._index(version)

    def path(self, version: str, action: str, kind: str) -> Path:
        """File of the ``kind`` ("request"/"response") schema; KeyError if there is none."""
        if kind not in KINDS:
            raise ValueError(f"schema kind must be one of {', '.join(KINDS)}, not {kind!r}")
        try:
            return self._index(version)[(action, kind)]
        except KeyError:
            raise KeyError(f"OCPP {version} has no {kind} schema for {action!r}") from None

    def schema(self, version: str, action: str, kind: str) -> dict:
        """A fresh parsed copy of the schema, so no caller can corrupt another's view.

        Read as ``utf-8-sig``: some published OCA schema files start with a byte order mark.
        """
        path = self.path(version, action, kind)
        text = self._texts.get(path)
        if text is None:
            text = path.read_text(encoding="utf-8-sig")
            with self._lock:
                text = self._texts.setdefault(path, text)
        return json.loads(text)


@cache
def default_store() -> SchemaStore:
    """The store over the project's own ``schemas/ocpp`` folder, shared process-wide."""
    return SchemaStore()
