"""The known-failures file: what it declares, and a clear error for each way it can be wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocpp_upi.known_failures import (
    KnownFailure,
    KnownFailuresError,
    check_scenarios,
    load_known_failures,
)

TITLE = "The PSP's refund API fails twice: the CSMS retries and one refund results"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "gaps.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_declared_gap_covers_its_versions_only(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        f'[[known_failure]]\nscenario = "{TITLE}"\nversions = ["1.6"]\nreason = "CSMS-123"\n'
        '[[known_failure]]\nscenario = "A failed payment starts nothing"\nreason = "CSMS-9"\n',
    )
    first, second = load_known_failures(path)
    assert first == KnownFailure(TITLE, ("1.6",), "CSMS-123")
    assert first.covers(TITLE, "1.6") and not first.covers(TITLE, "2.1")
    assert not first.covers("A failed payment starts nothing", "1.6")
    assert second.versions == ("1.6", "2.0.1", "2.1")


def test_an_empty_file_declares_nothing(tmp_path: Path) -> None:
    assert load_known_failures(_write(tmp_path, "")) == ()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[[known_failure]\n", "not valid TOML"),
        ("[gaps]\n", "unknown table or key 'gaps'"),
        ('known_failure = "x"\n', "known_failure must be an array of tables"),
        ('[[known_failure]]\nscenario = "S"\n', "reason is required"),
        ('[[known_failure]]\nscenario = ""\nreason = "r"\n', "scenario must be the scenario's"),
        ('[[known_failure]]\nscenario = "S"\nreason = "r"\nticket = 1\n', "unknown key 'ticket'"),
        ('[[known_failure]]\nscenario = "S"\nreason = "r"\nversions = ["1.5"]\n', "versions"),
        ('[[known_failure]]\nscenario = "S"\nreason = "r"\nversions = []\n', "versions"),
    ],
)
def test_a_broken_file_is_refused_with_its_problem(tmp_path: Path, text: str, problem: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(KnownFailuresError) as caught:
        load_known_failures(path)
    assert str(caught.value).startswith(f"{path}:")
    assert problem in str(caught.value)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(KnownFailuresError, match="no such file"):
        load_known_failures(tmp_path / "absent.toml")


def test_a_title_that_names_no_scenario_is_refused_with_the_closest_one() -> None:
    typo = KnownFailure(TITLE.replace("PSP's", "PSP"), ("2.1",), "r")
    with pytest.raises(KnownFailuresError) as caught:
        check_scenarios([typo], [TITLE, "A failed payment starts nothing"], "gaps.toml")
    assert "names no scenario of the suite" in str(caught.value)
    assert f"did you mean {TITLE!r}" in str(caught.value)
    check_scenarios([KnownFailure(TITLE, ("2.1",), "r")], [TITLE], "gaps.toml")
