"""The test pyramid: unit and property tests are fast; everything else is ``slow``.

``make check`` runs the fast layer (lint, unit, property) in about a minute; ``make test`` runs it
first and the slow layer (integration, foreign CSMS, fault injection; each runs the conformance
suite or a server in a child process) only when it passed. The mark follows the folder, so a new
test cannot land in the wrong layer by forgetting a decorator.
"""

from __future__ import annotations

from pathlib import Path

import pytest

FAST_LAYERS = ("unit", "property")
TESTS_DIR = Path(__file__).resolve().parent
# The slow layer's files in the order they start (wall seconds of each on a loaded 2-core run,
# and CPU seconds with its children): `make test` hands whole files to its workers in collection
# order (--dist loadfile --no-loadscope-reorder). The two that keep both cores busy start at
# once; the other two workers take the files that mostly wait (on deadlines, a browser, a Locust
# run) while they run, so the waits overlap with work instead of holding the run open at its end.
LONGEST_FIRST = (
    "faults/test_fault_detection.py",  # 135 s, 83 CPU-s
    "faults/test_verdict_model.py",  # 98 s, 47 CPU-s
    "faults/test_boot_decisions.py",  # 40 s, 9 CPU-s
    "faults/test_known_failures.py",  # 20 s, 6 CPU-s
    "integration/test_limit_encoding.py",  # 36 s, 7 CPU-s
    "faults/test_session_root_causes.py",  # 28 s, 14 CPU-s
    "load/test_locust.py",  # 36 s, 13 CPU-s
    "integration/test_external_profile.py",  # 44 s, 25 CPU-s
    "integration/test_installed_wheel.py",  # 45 s, 25 CPU-s
    "integration/test_browser_driver.py",  # 38 s, 24 CPU-s
    "load/test_fleet.py",  # 20 s, 9 CPU-s
    "foreign/test_ocpp_csms.py",  # 20 s, 6 CPU-s
)


def _rank(item: pytest.Item) -> int:
    try:
        relative = item.path.resolve().relative_to(TESTS_DIR).as_posix()
    except ValueError:
        return len(LONGEST_FIRST)
    return LONGEST_FIRST.index(relative) if relative in LONGEST_FIRST else len(LONGEST_FIRST)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        try:
            layer = item.path.resolve().relative_to(TESTS_DIR).parts[0]
        except ValueError:
            continue
        if layer not in FAST_LAYERS:
            item.add_marker(pytest.mark.slow)
    items.sort(key=_rank)  # stable: the order within a file and among the rest is kept
