"""Where the suite's files live, in a checkout and in an installed wheel alike.

A checkout keeps features, steps, fixtures and the official schemas at the top of the repository;
the wheel carries the same folders under ``ocpp_upi/suite/`` (see :mod:`ocpp_upi.suite`). Every
module finds them through this one place. Reports are the user's, not the package's: they go to
``./reports`` of the directory a command runs in, unless the command is told otherwise.
"""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
"""The checkout's root (meaningful only in a checkout; see :data:`INSTALLED`)."""

INSTALLED = (PACKAGE_DIR / "suite" / "features").is_dir()
"""True when running from a built wheel, whose package data sits under ``ocpp_upi/suite``."""

SUITE_ROOT = PACKAGE_DIR / "suite" if INSTALLED else PROJECT_ROOT
"""The directory holding ``features/``, ``steps/``, ``fixtures/`` and ``schemas/``."""

SCHEMAS_DIR = SUITE_ROOT / "schemas"
OCPP_SCHEMAS_DIR = SCHEMAS_DIR / "ocpp"
HARNESS_SCHEMAS_DIR = SCHEMAS_DIR / "harness"
FEATURES_DIR = SUITE_ROOT / "features"
CONFORMANCE_MODULE = SUITE_ROOT / "steps" / "test_conformance.py"
"""The pytest module that turns every feature file into scenario runs."""


def default_reports_dir() -> Path:
    """``./reports`` of the current directory, resolved now (pytest may change directory)."""
    return Path.cwd().resolve() / "reports"
