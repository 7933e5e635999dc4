"""UPI deep links: the seed example validates, each broken rule is named, links round-trip."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocpp_upi.upi.link import UpiLinkError, build, validate

SEED_EXAMPLE = "upi://pay?pa=cpo123@hdfcbank&pn=CPO-Name&tr=EVSE1234-1&am=200&cu=INR"


def test_the_seed_example_is_valid() -> None:
    link = validate(SEED_EXAMPLE)
    assert link.payee_vpa == "cpo123@hdfcbank"
    assert link.reference == "EVSE1234-1"
    assert link.amount == Decimal("200")


@pytest.mark.parametrize(
    ("link", "problem"),
    [
        ("upi://pay?pn=X&cu=INR", "pa: missing"),
        ("upi://pay?pa=nohandle&pn=X", "pa: 'nohandle' is not a VPA"),
        ("upi://pay?pa=a1@bank", "pn: missing"),
        ("upi://pay?pa=a1@bank&pn=X&am=200.005", "am: '200.005' has more than two decimals"),
        ("upi://pay?pa=a1@bank&pn=X&am=-5", "am: '-5' is not a decimal amount"),
        ("upi://pay?pa=a1@bank&pn=X&am=0.00", "am: '0.00' is not positive"),
        ("upi://pay?pa=a1@bank&pn=X&cu=USD", "cu: 'USD', only INR"),
        ("upi://pay?pa=a1@bank&pn=X&url=http://x.example", "is not an https URL"),
        ("upi://pay?pa=a1@bank&pn=X&mc=55", "mc: '55' is not a four-digit"),
        ("upi://pay?pa=a1@bank&pn=X&mode=99", "mode: '99'"),
        ("upi://pay?pa=a1@bank&pn=X&purpose=77", "purpose: '77'"),
        ("https://pay?pa=a1@bank&pn=X", "scheme must be upi://pay"),
        ("upi://pay?pa=a1@bank&pa=b@c&pn=X", "pa: appears more than once"),
    ],
)
def test_each_broken_rule_is_named(link: str, problem: str) -> None:
    with pytest.raises(UpiLinkError) as caught:
        validate(link)
    assert problem in str(caught.value)


def test_dynamic_links_need_a_short_tr() -> None:
    with pytest.raises(UpiLinkError, match="tr: missing"):
        validate("upi://pay?pa=a1@bank&pn=X&am=1.00", dynamic=True)
    with pytest.raises(UpiLinkError, match="tr: 36 characters, at most 35"):
        validate(f"upi://pay?pa=a1@bank&pn=X&tr={'A' * 36}", dynamic=True)
    assert validate(f"upi://pay?pa=a1@bank&pn=X&tr={'A' * 35}", dynamic=True)


def test_build_always_writes_two_decimals() -> None:
    assert build("a1@bank", "CPO", tr="R-1", am="200").get("am") == "200.00"


vpas = st.from_regex(r"[a-z0-9.]{2,20}@[a-z]{2,10}", fullmatch=True)
names = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), min_size=1)
refs = st.from_regex(r"[A-Za-z0-9_-]{1,35}", fullmatch=True)
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2)


@given(pa=vpas, pn=names, tr=refs, am=amounts)
def test_build_parse_round_trip(pa: str, pn: str, tr: str, am: Decimal) -> None:
    built = build(pa, pn, tr=tr, am=am)
    again = validate(built.to_uri(), dynamic=True)
    assert again.params == built.params
    assert again.amount == am
