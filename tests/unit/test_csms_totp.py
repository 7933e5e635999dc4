"""The reference CSMS's own C25 v1 TOTP check against the published vectors.

``ocpp_upi.csms.totp`` is written apart from the harness's generator; these tests read only the
vectors (``data/totp_vectors.json``: the C25 white paper's table, the OpenChargingTechnology
Whitepapers generator's anchor, and edge cases from a third implementation), never the
harness's code, so the two implementations are held to the vectors independently.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ocpp_upi.csms.totp import code_for_interval, totp_accepted

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parent / "data" / "totp_vectors.json").read_text(encoding="utf-8")
)


def _code_at(row: dict[str, Any], shift: int = 0) -> str:
    interval = row["unix_seconds"] // row["validity_s"] + shift
    return code_for_interval(row["secret"], interval, row["length"])


@pytest.mark.parametrize(
    "row", VECTORS["windows"], ids=lambda r: f"{r['validity_s']}-{r['length']}"
)
def test_the_published_window_is_computed_and_accepted(row: dict[str, Any]) -> None:
    assert (_code_at(row, -1), _code_at(row), _code_at(row, 1)) == (
        row["previous"],
        row["current"],
        row["next"],
    )
    for name in ("previous", "current", "next"):
        args = (row["secret"], row["unix_seconds"], row["validity_s"], row["length"])
        assert totp_accepted(row[name], *args)


@pytest.mark.parametrize(
    "row", VECTORS["anchors"] + VECTORS["computed"], ids=lambda r: r.get("note", "anchor")
)
def test_each_vector_is_the_code_of_its_interval(row: dict[str, Any]) -> None:
    assert _code_at(row) == row["totp"]


def test_codes_two_intervals_away_another_secret_or_a_changed_character_are_refused() -> None:
    row = VECTORS["windows"][0]
    secret, now, validity, length = (
        row["secret"],
        row["unix_seconds"],
        row["validity_s"],
        row["length"],
    )
    assert not totp_accepted(_code_at(row, 2), secret, now, validity, length)
    assert not totp_accepted(_code_at(row, -2), secret, now, validity, length)
    assert not totp_accepted(row["current"], "another-secret!!", now, validity, length)
    flipped = row["current"][:-1] + ("a" if row["current"][-1] != "a" else "b")
    assert not totp_accepted(flipped, secret, now, validity, length)
    assert not totp_accepted(row["current"][:-1], secret, now, validity, length)
    assert not totp_accepted("", secret, now, validity, length)


def test_nonsense_parameters_accept_nothing() -> None:
    row = VECTORS["windows"][0]
    code, secret = row["current"], row["secret"]
    assert not totp_accepted(code, secret, row["unix_seconds"], 0, row["length"])
    assert not totp_accepted(code, secret, -1, row["validity_s"], row["length"])
    assert not totp_accepted(code, secret, 5, row["validity_s"], row["length"])  # first interval
