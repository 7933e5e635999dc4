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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        try:
            layer = item.path.resolve().relative_to(TESTS_DIR).parts[0]
        except ValueError:
            continue
        if layer not in FAST_LAYERS:
            item.add_marker(pytest.mark.slow)
