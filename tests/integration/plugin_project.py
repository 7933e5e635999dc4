"""A team's own pytest project, to which the conformance suite is added as a plugin.

Its rootdir conftest defines fixtures named like the harness's own (``world``, ``bank``): the
suite's scenarios must keep the harness's, the team's tests must keep theirs and must not see
the harness's (``driver`` stays unknown to them).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

CONFTEST = """
import pytest


@pytest.fixture
def world():
    return "the team's own world"


@pytest.fixture
def bank():
    return "the team's own bank"
"""

TESTS = """
def test_the_teams_fixture_is_theirs(world, bank):
    assert world == "the team's own world"
    assert bank == "the team's own bank"


def test_the_harness_fixtures_stay_out_of_the_teams_tests(request):
    import pytest

    for name in ("driver", "charger_identity", "mock_psp"):
        with pytest.raises(pytest.FixtureLookupError):
            request.getfixturevalue(name)
"""

OWN_TESTS = (
    "test_the_teams_fixture_is_theirs",
    "test_the_harness_fixtures_stay_out_of_the_teams_tests",
)
# The team's own file has the suite's module name: only the suite's own module (by path) may
# stop --ocpp-upi from adding it.
TEAM_FILE = "test_conformance.py"
SELECTION = ("--ocpp-versions", "2.1", "--only-feature", "static_qr")


def write_project(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "conftest.py").write_text(CONFTEST)
    (directory / TEAM_FILE).write_text(TESTS)
    return directory


def run_pytest(
    pytest_executable: Path, project: Path, *args: str, timeout_s: float = 300
) -> subprocess.CompletedProcess[str]:
    # Bytecode and pytest's rewritten modules are cached as in any run: a child that may not
    # write them rewrites about 190 modules (the plugin's distribution, pytest-bdd, anyio)
    # and compiles them again, about a second of CPU per process.
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("PYTHONPATH", None)
    return subprocess.run(
        [str(pytest_executable), "-p", "no:cacheprovider", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        env=env,
        check=False,
    )


def verdicts(summary: Path) -> dict[tuple[str, str], str]:
    """(scenario title, OCPP version) -> verdict, from a summary.json."""
    rows = json.loads(summary.read_text(encoding="utf-8"))["scenarios"]
    return {(row["scenario"], row["ocpp_version"]): row["verdict"] for row in rows}
