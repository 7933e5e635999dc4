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
# The slow layer's longest files (wall seconds of each on a loaded 2-core run), started first:
# `make test` hands whole files to its workers in collection order (--dist loadfile
# --no-loadscope-reorder), so the longest start at once instead of a 100 s file starting last
# and holding the run open (xdist's own order is by number of tests, which put it late).
LONGEST_FIRST = (
    "faults/test_fault_detection.py",  # 165 s
    "faults/test_verdict_model.py",  # 105 s
    "faults/test_boot_decisions.py",  # 57 s
    "integration/test_browser_driver.py",  # 31-45 s
    "integration/test_external_profile.py",  # 42 s
    "faults/test_session_root_causes.py",  # 36 s
    "integration/test_limit_encoding.py",  # 36 s
    "integration/test_installed_wheel.py",  # 36 s
    "load/test_locust.py",  # 36 s
    "load/test_fleet.py",  # 26 s
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
