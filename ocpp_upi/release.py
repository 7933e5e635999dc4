"""What a verdict can be traced to: this harness's release and the schemas it validates against.

A certification result is only reproducible if it names the harness version and the exact OCA
schema set; both go into ``ocpp-upi --version`` and every ``summary.json``.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import metadata

from ocpp_upi import __version__
from ocpp_upi.paths import OCPP_SCHEMAS_DIR

DISTRIBUTION = "ocpp-upi-conformance"

SCHEMA_SETS = {
    "1.6": "OCPP-J 1.6 JSON schemas with the security whitepaper messages",
    "2.0.1": "OCPP 2.0.1 FINAL",
    "2.1": "OCPP 2.1 Edition 1",
}
"""The official OCA schema sets under ``schemas/ocpp`` (from the ``ocpp==2.1.0`` distribution)."""


def harness_version() -> str:
    """The installed distribution's version; the source tree's when run from a checkout."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return __version__


@cache
def schema_manifest_sha256() -> str:
    """SHA-256 of MANIFEST.sha256: one value naming every schema byte the verdicts rest on."""
    return hashlib.sha256((OCPP_SCHEMAS_DIR / "MANIFEST.sha256").read_bytes()).hexdigest()


def release_info() -> dict[str, object]:
    return {
        "harness": DISTRIBUTION,
        "harness_version": harness_version(),
        "schemas": dict(SCHEMA_SETS),
        "schema_manifest_sha256": schema_manifest_sha256(),
    }


def version_text() -> str:
    lines = [f"{DISTRIBUTION} {harness_version()}", "validates against the official OCA schemas:"]
    lines += [f"  OCPP {version}: {name}" for version, name in SCHEMA_SETS.items()]
    lines.append(f"  schema manifest sha256 {schema_manifest_sha256()[:16]}")
    return "\n".join(lines)
