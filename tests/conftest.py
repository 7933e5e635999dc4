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
# The slow layer's files in the order they start (wall seconds of each on a loaded 2-core run of
# `make test`'s four workers, and CPU seconds with its children): `make test` hands whole files
# to its workers in collection order (--dist loadfile --no-loadscope-reorder). The two busiest
# start at once and hold two workers for most of the run; the other two take the rest longest
# first, so no long file starts late and holds the run open at its end. Files not listed run
# last, in collection order.
LONGEST_FIRST = (
    "faults/test_fault_detection.py",  # 129 s, 63 CPU-s
    "faults/test_verdict_model.py",  # 89 s, 30 CPU-s
    "integration/test_installed_wheel.py",  # 56 s, 21 CPU-s
    "integration/test_browser_driver.py",  # 45 s, 21 CPU-s
    "integration/test_external_profile.py",  # 42 s, 18 CPU-s
    "load/test_locust.py",  # 37 s, 16 CPU-s
    "faults/test_boot_decisions.py",  # 34 s, 8 CPU-s
    "foreign/test_ocpp_csms.py",  # 34 s, 5 CPU-s
    "integration/test_pytest_plugin.py",  # 30 s, 13 CPU-s
    "faults/test_session_root_causes.py",  # 29 s, 11 CPU-s
    "faults/test_known_failures.py",  # 23 s, 4 CPU-s
    "integration/test_limit_encoding.py",  # 22 s, 4 CPU-s
    "faults/test_hostile_csms.py",  # 22 s, 13 CPU-s
    "load/test_fleet.py",  # 20 s, 8 CPU-s
    "integration/test_parallel_workers.py",  # 19 s, 15 CPU-s
    "integration/test_review_html_in_browser.py",  # 12 s, 4 CPU-s
    "faults/test_tls_faults.py",  # 11 s, 9 CPU-s
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
