"""The wheel's package list and data globs cover everything the suite needs.

``pyproject.toml`` lists the packages explicitly (the suite's folders are mapped under
``ocpp_upi/suite``), so a new subpackage or data file that is not listed would be missing from
an installed harness only; these checks fail in the fast tests instead.
"""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from pathlib import Path

from ocpp_upi.paths import PROJECT_ROOT

PYPROJECT = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]


def _source_dir(package: str) -> Path:
    mapped = SETUPTOOLS["package-dir"].get(package)
    return PROJECT_ROOT / (mapped if mapped else package.replace(".", "/"))


def test_every_python_package_of_the_harness_is_in_the_wheel() -> None:
    on_disk = {
        ".".join(init.parent.relative_to(PROJECT_ROOT).parts)
        for init in (PROJECT_ROOT / "ocpp_upi").rglob("__init__.py")
    }
    missing = sorted(on_disk - set(SETUPTOOLS["packages"]))
    assert not missing, f"add to [tool.setuptools] packages in pyproject.toml: {missing}"


def test_the_suites_folders_are_mapped_under_the_package() -> None:
    mapping = SETUPTOOLS["package-dir"]
    assert mapping == {
        "ocpp_upi.suite.steps": "steps",
        "ocpp_upi.suite.fixtures": "fixtures",
        "ocpp_upi.suite.features": "features",
        "ocpp_upi.suite.schemas": "schemas",
    }
    for package in mapping:
        assert package in SETUPTOOLS["packages"]
        assert _source_dir(package).is_dir()


def test_every_feature_and_schema_file_matches_a_package_data_glob() -> None:
    data = SETUPTOOLS["package-data"]
    uncovered = []
    for package in ("ocpp_upi.suite.features", "ocpp_upi.suite.schemas"):
        root = _source_dir(package)
        for path in root.rglob("*"):
            if not path.is_file():
                continue
            relative = path.relative_to(root).as_posix()
            if not any(fnmatch(relative, glob) for glob in data[package]):
                uncovered.append(f"{package}: {relative}")
    assert not uncovered, f"not shipped in the wheel: {uncovered[:10]}"


def test_the_pytest_plugin_is_an_entry_point() -> None:
    assert PYPROJECT["project"]["entry-points"]["pytest11"] == {"ocpp-upi": "ocpp_upi.suite.plugin"}
