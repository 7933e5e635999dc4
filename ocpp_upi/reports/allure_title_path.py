"""The Allure title path of the suite's scenarios, wherever the feature files are installed.

allure-pytest-bdd (2.16.2) builds a scenario's ``titlePath`` from its feature file's path
relative to pytest's rootdir and raises ``ValueError`` for a feature file outside it. The suite's
features are outside the rootdir whenever a team adds the suite to its own pytest run
(``pytest --ocpp-upi``): they live in the installed package. For the suite's own feature files
the title path is ``features/<feature name>`` in every run, so the Allure tree reads the same
from the CLI and from the plugin; any other feature file keeps allure-pytest-bdd's own answer.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ocpp_upi.paths import FEATURES_DIR

TitlePath = Callable[[Any, Any], list[str]]


def suite_title_path(original: TitlePath) -> TitlePath:
    def title_path(request: Any, feature: Any) -> list[str]:
        path = Path(feature.filename)
        if path.resolve().parent == FEATURES_DIR.resolve():
            return ["features", feature.name or path.name]
        return original(request, feature)

    title_path.__wrapped__ = original  # type: ignore[attr-defined]
    return title_path


def install() -> None:
    """Wrap the listener's ``get_title_path`` once; a later allure-pytest-bdd without it is
    left alone (the pin in pyproject.toml is what this was written against)."""
    try:
        from allure_pytest_bdd import pytest_bdd_listener
    except ImportError:
        return
    original = getattr(pytest_bdd_listener, "get_title_path", None)
    if original is None or hasattr(original, "__wrapped__"):
        return
    pytest_bdd_listener.get_title_path = suite_title_path(original)
