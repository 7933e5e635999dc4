"""The CI recipes in examples/ci are valid for their platforms and call commands that exist.

Validated with check-jsonschema's vendored GitHub Actions and GitLab CI schemas (offline); a
broken copy must fail the same check, so the check can fail.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from ocpp_upi import cli
from ocpp_upi.config import load_profile
from ocpp_upi.paths import PROJECT_ROOT

CI = PROJECT_ROOT / "examples" / "ci"
RECIPES = {
    "github-actions.yml": "vendor.github-workflows",
    "gitlab-ci.yml": "vendor.gitlab-ci",
}
CHECKER = Path(sys.executable).with_name("check-jsonschema")


def _check(path: Path, schema: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CHECKER), "--builtin-schema", schema, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(("name", "schema"), RECIPES.items())
def test_each_recipe_is_valid_for_its_platform(name: str, schema: str) -> None:
    result = _check(CI / name, schema)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(("name", "schema"), RECIPES.items())
def test_a_broken_recipe_fails_the_same_check(name: str, schema: str, tmp_path: Path) -> None:
    broken = tmp_path / name
    text = (CI / name).read_text()
    # GitHub: a job without runs-on; GitLab: a job whose script is a number.
    broken.write_text(
        text.replace("runs-on:", "runs_on:").replace("  script:\n", "  script: 7\n  x:\n")
    )
    result = _check(broken, schema)
    assert result.returncode != 0, result.stdout


def _commands_in(name: str) -> set[str]:
    document = YAML(typ="safe").load((CI / name).read_text())
    text = repr(document)
    return set(re.findall(r"ocpp-upi ([a-z-]+)", text))


@pytest.mark.parametrize("name", RECIPES)
def test_the_recipes_call_only_commands_that_exist(name: str) -> None:
    used = _commands_in(name)
    assert {"check-profile", "run", "report"} <= used
    for command in used:
        assert cli.main([command, "--help"]) == 0, command


def test_the_ci_profile_loads_and_declares_the_hooks() -> None:
    profile = load_profile(CI / "profile.ci.toml")
    assert profile.hooks.declared("remote_start") and profile.bank is not None
