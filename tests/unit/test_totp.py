"""The C25 v1 TOTP, bit for bit against published and independently computed vectors.

The window tests use freezegun on the wall-clock default: the library reads ``time.time`` at
call time, so a frozen clock moves it (no asyncio loop runs here, so freezegun stalls nothing).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time
from hypothesis import given
from hypothesis import strategies as st

from ocpp_upi.upi.totp import B62, totp_v1, totp_window, verify_totp

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parent / "data" / "totp_vectors.json").read_text(encoding="utf-8")
)
SECRET = "secure!Charging!"
T = 1716423785


def _id(row: dict[str, Any]) -> str:
    return f"{row['validity_s']}s-{row['length']}ch-t{row['unix_seconds']}"


@pytest.mark.parametrize("row", VECTORS["windows"], ids=_id)
def test_published_windows(row: dict[str, Any]) -> None:
    args = (row["secret"], row["unix_seconds"], row["validity_s"], row["length"])
    assert totp_window(*args) == (row["previous"], row["current"], row["next"])
    assert totp_v1(*args) == row["current"]


@pytest.mark.parametrize("row", VECTORS["anchors"] + VECTORS["computed"], ids=_id)
def test_single_vectors(row: dict[str, Any]) -> None:
    code = totp_v1(row["secret"], row["unix_seconds"], row["validity_s"], row["length"])
    assert code == row["totp"], row.get("note")


def test_interval_edges_switch_exactly_at_k_times_v() -> None:
    k = T // 30
    before, first, last, after = (
        totp_v1(SECRET, t, 30, 12) for t in (k * 30 - 1, k * 30, k * 30 + 29, k * 30 + 30)
    )
    assert before != first == last != after
    # A fractional second just below the edge still belongs to the previous interval.
    assert totp_v1(SECRET, k * 30 - 0.001, 30, 12) == before
    assert totp_v1(SECRET, float(k * 30), 30, 12) == first


def test_milliseconds_are_not_seconds() -> None:
    """The published table is in ms; passing ms as seconds must not match by accident."""
    assert totp_v1(SECRET, T * 1000, 30, 12) != "CN63y502maVh"


def test_bad_parameters_raise() -> None:
    with pytest.raises(ValueError):
        totp_v1(SECRET, T, 0, 12)
    with pytest.raises(ValueError):
        totp_v1(SECRET, T, 30, 0)
    with pytest.raises(ValueError):
        totp_v1(SECRET, -1, 30, 12)
    with pytest.raises(ValueError):
        totp_window(SECRET, 10, 30, 12)  # the epoch's first interval has no previous one


@given(
    secret=st.text(min_size=1, max_size=80),
    t=st.integers(min_value=3600, max_value=2**40),
    validity=st.integers(min_value=6, max_value=3600),
    length=st.integers(min_value=1, max_value=80),
)
def test_codes_are_base62_of_the_asked_length(
    secret: str, t: int, validity: int, length: int
) -> None:
    code = totp_v1(secret, t, validity, length)
    assert len(code) == length and set(code) <= set(B62)
    previous, current, following = totp_window(secret, t, validity, length)
    assert current == code
    assert verify_totp(previous, secret, t, validity, length)
    assert verify_totp(following, secret, t, validity, length)


def test_verify_accepts_previous_current_next_only() -> None:
    previous, current, following = totp_window(SECRET, T, 30, 12)
    for code in (previous, current, following):
        assert verify_totp(code, SECRET, T, 30, 12)
    assert not verify_totp(totp_v1(SECRET, T - 60, 30, 12), SECRET, T, 30, 12)
    assert not verify_totp(totp_v1(SECRET, T + 60, 30, 12), SECRET, T, 30, 12)
    assert not verify_totp(current, "another-secret-of-a-station", T, 30, 12)
    assert not verify_totp(current[:-1], SECRET, T, 30, 12)
    assert not verify_totp(current.lower(), SECRET, T, 30, 12)
    assert not verify_totp("", SECRET, T, 30, 12)
    assert not verify_totp("ü" * 12, SECRET, T, 30, 12)


def test_injected_clock_is_used_when_no_time_is_given() -> None:
    current = totp_v1(SECRET, T, 30, 12)
    assert verify_totp(current, SECRET, None, 30, 12, clock=lambda: T)
    assert not verify_totp(current, SECRET, None, 30, 12, clock=lambda: T + 90)


# --- wall clock under freezegun ---------------------------------------------------------------

K = T // 30  # the interval containing T
ISSUED_AT = K * 30 + 5  # the station shows this interval's code from here


def _iso(unix_seconds: float) -> str:
    return datetime.fromtimestamp(unix_seconds, UTC).isoformat()


@pytest.mark.parametrize(
    ("scanned_at", "accepted"),
    [
        (ISSUED_AT, True),  # current interval
        (K * 30 + 29, True),  # last second of it
        (K * 30 + 30, True),  # one interval later: the code is now "previous"
        (K * 30 + 59, True),
        (K * 30 + 60, False),  # two intervals later: expired
        (K * 30 + 3600, False),
        (K * 30 - 1, True),  # a station clock one interval ahead: the code is "next"
        (K * 30 - 31, False),  # two intervals ahead: refused
    ],
)
def test_wall_clock_window_under_freezegun(scanned_at: int, accepted: bool) -> None:
    code = totp_v1(SECRET, ISSUED_AT, 30, 12)
    with freeze_time(_iso(scanned_at)):
        assert verify_totp(code, SECRET, None, 30, 12) is accepted


def test_freezegun_moves_the_window_as_time_ticks() -> None:
    code = totp_v1(SECRET, ISSUED_AT, 30, 12)
    with freeze_time(_iso(ISSUED_AT)) as frozen:
        assert verify_totp(code, SECRET, None, 30, 12)
        frozen.tick(30)
        assert verify_totp(code, SECRET, None, 30, 12)
        frozen.tick(30)
        assert not verify_totp(code, SECRET, None, 30, 12)
