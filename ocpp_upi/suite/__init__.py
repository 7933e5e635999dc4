"""The conformance suite as one importable package: ``ocpp_upi.suite.steps`` (step definitions),
``ocpp_upi.suite.fixtures`` (pytest fixtures and reporting hooks) and the data they read (the
Gherkin ``features`` and the official ``schemas``).

Why a package with borrowed folders: a checkout keeps the layout a reader expects (``steps/``,
``fixtures/``, ``features/`` and ``schemas/`` at the top of the repository), while an installed
wheel must not put packages named ``steps`` or ``fixtures`` into site-packages, where they would
collide with a user's own when the suite runs as a plugin inside their pytest run. The wheel maps
those folders under this package (``[tool.setuptools.package-dir]`` in ``pyproject.toml``); in a
checkout, this package's search path reaches the repository root, so the same import names
(``ocpp_upi.suite.steps.wire``) find the top-level folders. Nothing imports ``steps`` or
``fixtures`` by their bare names.
"""

from pathlib import Path

_HERE = Path(__file__).resolve().parent
_CHECKOUT = _HERE.parent.parent

if not (_HERE / "steps").is_dir() and (_CHECKOUT / "steps" / "__init__.py").is_file():
    __path__.append(str(_CHECKOUT))  # a checkout (editable install): the top-level folders
