"""The harness as a user installs it: a built wheel in a fresh venv, run from another directory.

Builds the wheel of this checkout, installs it (with the pinned dependencies) into a new venv
and, from a temporary directory outside the checkout, runs ``ocpp-upi --version``, the suite
against the bundled reference CSMS for OCPP 2.1 (every feature; the other versions run the same
code), ``ocpp-upi report``, and the suite added to a team's own pytest run. Slow (a venv and a
dependency install from pip's cache), so marked ``slow``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ocpp_upi.paths import PROJECT_ROOT
from tests.integration.plugin_project import (
    OWN_TESTS,
    SELECTION,
    TEAM_FILE,
    run_pytest,
    verdicts,
    write_project,
)

pytestmark = pytest.mark.slow
INSTALL_BOUND_S = 900
PURELIB = "import sysconfig; print(sysconfig.get_paths()['purelib'])"


def _run(command: list[str], cwd: Path, timeout_s: float = 600) -> subprocess.CompletedProcess[str]:
    # Bytecode and pytest's rewritten modules are cached as in any run: a child that may not
    # write them rewrites about 190 modules (the plugin's distribution, pytest-bdd, anyio)
    # and compiles them again, about a second of CPU per process.
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("PYTHONPATH", None)
    env.pop("VIRTUAL_ENV", None)
    completed = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=timeout_s, env=env, check=False
    )
    return completed


def _ok(completed: subprocess.CompletedProcess[str]) -> str:
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, (
        f"{completed.args}: exit {completed.returncode}\n{output[-4000:]}"
    )
    return output


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin/ directory of a fresh venv holding only the wheel and its pinned dependencies."""
    base = tmp_path_factory.mktemp("wheel")
    wheels = base / "dist"
    _ok(_run(_build_command(wheels), cwd=PROJECT_ROOT, timeout_s=INSTALL_BOUND_S))
    [wheel] = wheels.glob("ocpp_upi_conformance-*.whl")
    venv = base / "venv"
    _ok(_run([sys.executable, "-m", "venv", str(venv)], cwd=base))
    constraints = PROJECT_ROOT / "constraints.txt"
    _ok(
        _run(
            [*_install_command(venv), "--quiet", "-c", str(constraints), str(wheel)],
            cwd=base,
            timeout_s=INSTALL_BOUND_S,
        )
    )
    return venv / "bin"


def _build_command(wheels: Path) -> list[str]:
    """``uv build`` when the Makefile installed uv (a third of pip's CPU), else ``pip wheel``:
    both build in an isolated environment with the build backend pyproject.toml names."""
    uv = Path(sys.executable).parent / "uv"
    if uv.exists():
        return [str(uv), "build", "--wheel", "--quiet", "-o", str(wheels), "."]
    return [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels), "."]


def _install_command(venv: Path) -> list[str]:
    """uv (installed beside this interpreter by the Makefile) aimed at ``venv``, else its pip.

    The same pinned versions either way; uv takes a quarter of pip's time (this fixture was
    the longest set-up of the slow layer)."""
    uv = Path(sys.executable).parent / "uv"
    if uv.exists():
        python = str(venv / "bin" / "python")
        # Not compiled at install (about 4 s of CPU for every module of every dependency): the
        # runs below write bytecode, so only the modules they import are compiled, once.
        return [str(uv), "pip", "install", "--python", python]
    return [str(venv / "bin" / "pip"), "install"]


def test_the_wheel_carries_the_suite_under_its_own_package(installed: Path) -> None:
    site = _ok(
        _run(
            [
                str(installed / "python"),
                "-c",
                "import sysconfig; print(sysconfig.get_paths()['purelib'])",
            ],
            cwd=installed,
        )
    ).strip()
    packages = Path(site)
    assert not (packages / "steps").exists() and not (packages / "fixtures").exists()
    suite = packages / "ocpp_upi" / "suite"
    for part in ("features", "steps", "fixtures", "schemas/ocpp/LICENSE-OCA.md"):
        assert (suite / part).exists(), f"the wheel lacks ocpp_upi/suite/{part}"


def test_version_names_the_harness_and_the_schemas(installed: Path, tmp_path: Path) -> None:
    output = _ok(_run([str(installed / "ocpp-upi"), "--version"], cwd=tmp_path))
    assert output.startswith("ocpp-upi-conformance ")
    assert "OCPP 2.0.1: OCPP 2.0.1 FINAL" in output


def test_run_from_another_directory_passes_and_writes_reports_there(
    installed: Path, tmp_path: Path
) -> None:
    # Two workers (the default is four): the same concurrent path, two worker starts less.
    command = [str(installed / "ocpp-upi"), "run", "--ocpp", "2.1", "--workers", "2", "--", "-q"]
    _ok(_run(command, cwd=tmp_path))
    summary = json.loads((tmp_path / "reports" / "summary.json").read_text(encoding="utf-8"))
    assert summary["harness_version"] and summary["schema_manifest_sha256"]
    outcomes = {row["verdict"] for row in summary["scenarios"]}
    assert outcomes <= {"PASS", "NOT APPLICABLE"}, summary["totals"]
    assert summary["totals"]["PASS"] > 50
    assert (tmp_path / "reports" / "junit.xml").exists()
    assert any((tmp_path / "reports" / "allure-results").iterdir())

    _ok(_run([str(installed / "ocpp-upi"), "report"], cwd=tmp_path))
    html = (tmp_path / "reports" / "conformance.html").read_text(encoding="utf-8")
    assert "static_qr" in html


def test_a_teams_pytest_run_adds_the_installed_suite(installed: Path, tmp_path: Path) -> None:
    project = write_project(tmp_path / "team")
    reports = project / "conformance"
    output = _ok(
        run_pytest(
            installed / "pytest",
            project,
            "--ocpp-upi",
            *SELECTION,
            "--ocpp-upi-reports",
            str(reports),
            "-rA",
        )
    )
    for name in OWN_TESTS:
        assert f"PASSED {TEAM_FILE}::{name}" in output
    found = verdicts(reports / "summary.json")
    assert found and set(found.values()) == {"PASS"}, found
