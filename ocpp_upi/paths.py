"""Where the project's data lives.

The harness runs from a checkout (``pip install -e .``): features, steps and the official schemas
are project files, not package data, so every module finds them through this one place.
"""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SCHEMAS_DIR = PROJECT_ROOT / "schemas"
OCPP_SCHEMAS_DIR = SCHEMAS_DIR / "ocpp"
HARNESS_SCHEMAS_DIR = SCHEMAS_DIR / "harness"
FEATURES_DIR = PROJECT_ROOT / "features"
REPORTS_DIR = PROJECT_ROOT / "reports"
