"""Known failures: the gaps a vendor has declared, so a pre-certification run can stay green.

A CSMS on its way to certification usually fails a few scenarios for reasons already on its
roadmap. Declaring them keeps CI useful: each declared scenario still runs, a failure of the
CSMS's own (a ConformanceFailure) is reported as a known failure with its reason, and a declared
scenario that now passes fails the run (strict), so a fixed gap cannot stay declared. Anything
else the scenario raises (the harness could not run the check) is still an error.

The file is TOML::

    [[known_failure]]
    scenario = "The PSP's refund API fails twice: the CSMS retries and one refund results"
    versions = ["1.6"]          # optional; every version when absent
    reason = "CSMS-123: refund retries land in release 4.2"
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ocpp_upi.errors import OcppUpiError
from ocpp_upi.ocpp.versions import VERSIONS

_KEYS = ("scenario", "versions", "reason")


class KnownFailuresError(OcppUpiError):
    """The known-failures file cannot be used; the message says where and why."""


@dataclass(frozen=True)
class KnownFailure:
    """One declared gap: a scenario (by its exact title), the versions it fails for, and why."""

    scenario: str
    versions: tuple[str, ...]
    reason: str

    def covers(self, scenario: str, version: str | None) -> bool:
        return scenario == self.scenario and (version is None or version in self.versions)


def load_known_failures(path: str | Path) -> tuple[KnownFailure, ...]:
    """Read and check the file; raise KnownFailuresError naming the first problem."""
    source = str(path)
    try:
        document = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KnownFailuresError(f"{source}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise KnownFailuresError(f"{source}: cannot read it: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise KnownFailuresError(f"{source}: not valid TOML: {exc}") from None
    unknown = sorted(set(document) - {"known_failure"})
    if unknown:
        raise KnownFailuresError(
            f"{source}: unknown table or key {unknown[0]!r}; write [[known_failure]] entries"
        )
    entries = document.get("known_failure", [])
    if not isinstance(entries, list):
        raise KnownFailuresError(f"{source}: known_failure must be an array of tables")
    return tuple(_entry(entry, index, source) for index, entry in enumerate(entries, start=1))


def check_scenarios(known: Iterable[KnownFailure], scenarios: Iterable[str], source: str) -> None:
    """Every declared title must name a scenario of the suite: a typo would otherwise hide
    nothing and be noticed by nobody."""
    titles = sorted(set(scenarios))
    for failure in known:
        if failure.scenario in titles:
            continue
        close = difflib.get_close_matches(failure.scenario, titles, n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise KnownFailuresError(
            f"{source}: known failure {failure.scenario!r} names no scenario of the suite{hint}"
        )


def _entry(entry: Any, index: int, source: str) -> KnownFailure:
    where = f"{source}: known_failure #{index}"
    if not isinstance(entry, Mapping):
        raise KnownFailuresError(f"{where} must be a table")
    unknown = sorted(set(entry) - set(_KEYS))
    if unknown:
        raise KnownFailuresError(f"{where}: unknown key {unknown[0]!r} (keys: {', '.join(_KEYS)})")
    scenario, reason = entry.get("scenario"), entry.get("reason")
    if not isinstance(scenario, str) or not scenario.strip():
        raise KnownFailuresError(f"{where}: scenario must be the scenario's title, as text")
    if not isinstance(reason, str) or not reason.strip():
        raise KnownFailuresError(
            f"{where}: reason is required (a ticket or a date), so the report says why"
        )
    versions = entry.get("versions", list(VERSIONS))
    if not isinstance(versions, list) or not versions or any(v not in VERSIONS for v in versions):
        raise KnownFailuresError(
            f"{where}: versions must be a non-empty list of {', '.join(VERSIONS)}; got {versions!r}"
        )
    return KnownFailure(scenario.strip(), tuple(versions), reason.strip())
