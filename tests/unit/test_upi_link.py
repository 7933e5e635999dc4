"""UPI deep links: the seed example validates, each broken rule is named, links round-trip.

The rules and the reasons for each choice are in docs/upi-link-rules.md; the table test
``test_each_documented_class`` holds one row per class that page documents.
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocpp_upi.upi.link import (
    AMOUNT_PATTERN,
    MCC_PATTERN,
    VPA_PATTERN,
    UpiLink,
    UpiLinkError,
    build,
    one_line,
    parse,
    validate,
)

SEED_EXAMPLE = "upi://pay?pa=cpo123@hdfcbank&pn=CPO-Name&tr=EVSE1234-1&am=200&cu=INR"
BASE = "upi://pay?pa=a1@bank&pn=X"
SIGNED = "mode=02&orgid=000000&sign=c2lnbmF0dXJl"
DEVANAGARI_200 = "\u0968\u0966\u0966"
ARABIC_INDIC_200 = "\u0662\u0660\u0660"
FULLWIDTH_200 = "\uff12\uff10\uff10"
DEVANAGARI_5552 = "\u096b\u096b\u096b\u0968"
KSSA_WITH_ZWJ = "\u0915\u094d\u200d\u0937"  # a conjunct that needs the zero-width joiner


def problems(link: str, *, dynamic: bool = False) -> list[str]:
    """The problems ``validate`` names for ``link``; empty when it is valid."""
    try:
        validate(link, dynamic=dynamic)
    except UpiLinkError as exc:
        return exc.problems
    return []


def assert_refused(link: str, needle: str, *, dynamic: bool = False) -> None:
    found = problems(link, dynamic=dynamic)
    assert any(needle in problem for problem in found), f"{needle!r} not in {found!r}"


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


# 1. Whitespace and control characters: refused where they stand, never stripped.


def test_a_tab_inside_a_link_is_refused_not_stripped() -> None:
    assert_refused("upi://pay?pa=a1@bank&pn=C\tPO", "pn: raw '\\t' in 'pn=C\\tPO'")


@pytest.mark.parametrize("brk", ["\n", "\r", "\r\n"])
def test_a_line_break_inside_a_link_is_refused_not_stripped(brk: str) -> None:
    assert_refused(f"upi://pay?pa=a1@ba{brk}nk&pn=X", f"pa: raw {brk[0]!r}")


@pytest.mark.parametrize("lead", [" ", "\t", "\n", "\x0c"])
def test_leading_whitespace_is_refused_not_stripped(lead: str) -> None:
    assert_refused(lead + BASE, f"link: raw {lead!r}")


@pytest.mark.parametrize("trail", [" ", "\t", "\n", "\r\n"])
def test_trailing_whitespace_is_refused_not_stripped(trail: str) -> None:
    assert_refused(BASE + trail, f"pn: raw {trail[0]!r}")


@pytest.mark.parametrize(("key", "value"), [("pn", "CPO Name"), ("tn", "Bay 3"), ("tr", "R 1")])
def test_a_raw_space_inside_a_value_is_refused(key: str, value: str) -> None:
    link = f"upi://pay?pa=a1@bank&pn={value}" if key == "pn" else f"{BASE}&{key}={value}"
    assert_refused(link, f"{key}: raw ' '")


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x7f", "\x85", "\u200b"])
def test_a_raw_control_or_invisible_character_is_refused(char: str) -> None:
    assert_refused(f"{BASE}&tn=a{char}b", f"tn: raw {char!r}")


@given(
    index=st.integers(min_value=0, max_value=len(SEED_EXAMPLE)),
    char=st.characters(categories=["Cc", "Cf", "Zs", "Zl", "Zp"]),
)
def test_whitespace_or_a_control_character_anywhere_is_refused(index: int, char: str) -> None:
    with pytest.raises(UpiLinkError):
        validate(SEED_EXAMPLE[:index] + char + SEED_EXAMPLE[index:])


@pytest.mark.parametrize(("encoded", "decoded"), [("R%091", "R\\t1"), ("R%0A1", "R\\n1")])
def test_a_decoded_control_character_is_refused_in_a_reference(encoded: str, decoded: str) -> None:
    assert_refused(f"{BASE}&tr={encoded}", f"tr: '{decoded}' has")


@pytest.mark.parametrize(
    ("key", "encoded"),
    [("pn", "CPO%0AName"), ("tn", "Bay%0D%0A3"), ("tn", "a%09b"), ("tn", "a%E2%80%A8b")],
)
def test_a_decoded_line_break_or_control_in_free_text_is_refused(key: str, encoded: str) -> None:
    link = f"upi://pay?pa=a1@bank&{key}={encoded}" + ("" if key == "pn" else "&pn=X")
    assert_refused(link, f"{key}: ")
    assert "free text is one line" in "; ".join(problems(link))


# 2. Patterns anchor at the true end of the string.


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ("pa=a1@bank%0A&pn=X", "pa: 'a1@bank\\n' is not a VPA"),
        ("pa=a1@bank&pn=X&am=200%0A", "am: '200\\n' is not a decimal amount"),
        ("pa=a1@bank&pn=X&am=200&mam=100%0A", "mam: '100\\n' is not a decimal amount"),
        ("pa=a1@bank&pn=X&mc=5552%0A", "mc: '5552\\n' is not a four-digit"),
    ],
)
def test_a_trailing_newline_does_not_pass_the_vpa_amount_or_mcc_pattern(
    query: str, problem: str
) -> None:
    assert_refused(f"upi://pay?{query}", problem)


def test_the_patterns_anchor_at_the_true_end_even_with_match() -> None:
    """``payer.py`` calls ``VPA_PATTERN.match``: the pattern itself must refuse a newline."""
    assert VPA_PATTERN.match("a1@bank\n") is None
    assert AMOUNT_PATTERN.match("200\n") is None
    assert MCC_PATTERN.match("5552\n") is None


# 3. Only ASCII digits count.


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("am", DEVANAGARI_200),
        ("am", ARABIC_INDIC_200),
        ("am", FULLWIDTH_200),
        ("am", "1" + DEVANAGARI_200 + ".00"),
        ("mam", DEVANAGARI_200),
        ("mc", DEVANAGARI_5552),
    ],
)
def test_only_ascii_digits_count_in_amounts_and_mcc(key: str, value: str) -> None:
    am = "" if key == "am" else "&am=999"
    assert_refused(f"{BASE}{am}&{key}={quote(value)}", f"{key}: {value!r} has non-ASCII digits")


def test_the_amount_property_ignores_non_ascii_digits() -> None:
    assert UpiLink({"am": DEVANAGARI_200}).amount is None
    assert UpiLink({"am": "200.50"}).amount == Decimal("200.50")


# 4. Malformed percent-encoding and bare names.


@pytest.mark.parametrize(("raw", "offset"), [("CPO%2", 3), ("100%", 3), ("%G1", 0), ("a%%41", 1)])
def test_a_percent_not_followed_by_two_hex_digits_is_refused(raw: str, offset: int) -> None:
    assert_refused(
        f"upi://pay?pa=a1@bank&pn={raw}",
        f"pn: {raw!r} has '%' at offset {offset} not followed by two hex digits",
    )


@pytest.mark.parametrize("bare", ["tn", "foo"])
def test_a_name_with_no_equals_sign_is_refused(bare: str) -> None:
    assert_refused(f"{BASE}&{bare}", f"{bare}: no '=' in {bare!r}")


@pytest.mark.parametrize("raw", ["%FF", "%C3", "A%C3%28"])
def test_percent_encoded_bytes_that_are_not_utf8_are_refused(raw: str) -> None:
    assert_refused(f"upi://pay?pa=a1@bank&pn={raw}", f"pn: {raw!r} does not percent-decode")


# 5. url is an absolute https URL with a host.


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https:///pay", "has no host"),
        ("https:pay", "has no host"),
        ("https://", "has no host"),
        ("https://:443/pay", "has no host"),
        ("https://cpo.example@evil.example/pay", "has user info before the host"),
        ("https://[::1", "is not a URL"),
    ],
)
def test_url_must_be_an_absolute_https_url_with_a_host(url: str, problem: str) -> None:
    assert_refused(f"{BASE}&url={quote(url, safe='')}", f"url: {url!r} {problem}")


# 6. sign is base64.


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("not*base64", "sign: 'not*base64' is not base64"),
        ("abc", "sign: 'abc' is not base64"),
        ("YW+j", "a raw '+' in a link reads as a space: write %2B"),
        ("%E0%A4%85%3D%3D", "sign: '\u0905==' is not base64"),
    ],
)
def test_sign_must_be_base64(raw: str, problem: str) -> None:
    assert_refused(f"{BASE}&mode=02&orgid=000000&sign={raw}", problem)


# 7. Only upi://pay? is a pay link: no path.


@pytest.mark.parametrize("path", ["/anything", "/", "/pay", "//"])
def test_only_upi_pay_with_no_path_is_a_pay_link(path: str) -> None:
    assert_refused(f"upi://pay{path}?pa=a1@bank&pn=X", f"link: path {path!r} after upi://pay")


# 8. Every class docs/upi-link-rules.md documents, with the behaviour it documents.

VALID = None
DOCUMENTED = [
    # scheme and host case
    ("UPI://pay?pa=a1@bank&pn=X", "link: 'UPI://pay' must be lower case"),
    ("upi://PAY?pa=a1@bank&pn=X", "link: 'upi://PAY' must be lower case"),
    ("upi:pay?pa=a1@bank&pn=X", "scheme must be upi://pay, not 'upi:pay'"),
    ("upi://pay:80?pa=a1@bank&pn=X", "scheme must be upi://pay, not 'upi://pay:80'"),
    ("upi://x@pay?pa=a1@bank&pn=X", "scheme must be upi://pay, not 'upi://x@pay'"),
    # trailing slash and fragment
    ("upi://pay/?pa=a1@bank&pn=X", "link: path '/' after upi://pay"),
    (f"{BASE}#top", "link: fragment '#top'"),
    (f"{BASE}&tn=Bay#3", "link: fragment '#3'"),
    # no query at all
    ("upi://pay", "pa: missing"),
    ("upi://pay?", "pn: missing"),
    # empty pairs
    ("upi://pay?&pa=a1@bank&&pn=X&", VALID),
    (f"{BASE}&tn=", "tn: empty"),
    (f"{BASE}&am=", "am: empty"),
    (f"{BASE}&=Y", "link: '=Y' has a value but no parameter name"),
    (f"{BASE}&tn", "tn: no '='"),
    # raw characters
    ("upi://pay?pa=a1@bank&pn=Café", "pn: raw 'é' in 'pn=Café'"),
    ("upi://pay?pa=a1@bank&pn=Caf%C3%A9", VALID),
    (f"upi://pay?pa=a1@bank&pn={quote('चार्जर')}", VALID),
    (f"{BASE}&tn=a<b", "tn: raw '<'"),
    (f"{BASE}&tn=a[1]", "tn: raw '['"),
    (f"{BASE}&tn=a'b(c)!*,;:@/?", VALID),
    (f"{BASE}&tn=a~b", VALID),
    # percent-encoding: lower-case hex and encoded unreserved characters are equivalent
    (f"{BASE}&tn=a%2fb%41", VALID),
    (f"{BASE}&foo=", "foo: empty"),
    # plus means space
    ("upi://pay?pa=a1@bank&pn=CPO+Name", VALID),
    ("upi://pay?pa=a+b@bank&pn=X", "pa: 'a b@bank' is not a VPA"),
    # parameter names
    ("upi://pay?PA=a1@bank&pn=X", "PA: parameter names are case-sensitive; the NPCI name is 'pa'"),
    (f"{BASE}&Am=1.00", "Am: parameter names are case-sensitive"),
    (f"{BASE}&p%61=1", "link: parameter name 'p%61' must be"),
    (f"{BASE}&refUrl=x&QRexpire=2030", VALID),
    # duplicates, equal values included
    ("upi://pay?pa=a1@bank&pn=X&pn=X", "pn: appears more than once ('X', 'X')"),
    # am forms
    (f"{BASE}&am=.50", "am: '.50' has no digit before the decimal point"),
    (f"{BASE}&am=20.", "am: '20.' ends in a decimal point"),
    (f"{BASE}&am=007.50", VALID),
    (f"{BASE}&am=0", "am: '0' is not positive"),
    (f"{BASE}&am=0.00", "am: '0.00' is not positive"),
    (f"{BASE}&am=1.5", VALID),
    (f"{BASE}&am=99999999999.99", VALID),
    (f"{BASE}&am=1e3", "am: '1e3' is not a decimal amount"),
    (f"{BASE}&am=1,000.00", "am: '1,000.00' is not a decimal amount"),
    (f"{BASE}&am=%2B5", "am: '+5' is not a decimal amount"),
    # mam against am
    (f"{BASE}&am=200.00&mam=50.00", VALID),
    (f"{BASE}&am=200.00&mam=200.00", VALID),
    (f"{BASE}&am=200.00&mam=300.00", "mam: '300.00' is more than am '200.00'"),
    (f"{BASE}&mam=50.00", "mam: '50.00' without am"),
    # cu
    (f"{BASE}&cu=inr", "cu: 'inr': ISO 4217 letter codes are upper case"),
    (f"{BASE}&cu=356", "cu: '356' is INR's ISO 4217 numeric code"),
    (BASE, VALID),
    # VPA grammar
    ("upi://pay?pa=a@bank&pn=X", "pa: 'a@bank' is not a VPA"),
    ("upi://pay?pa=ab@b&pn=X", "pa: 'ab@b' is not a VPA"),
    ("upi://pay?pa=9876543210@ybl&pn=X", VALID),
    ("upi://pay?pa=first.last_name-1@okhdfcbank&pn=X", VALID),
    ("upi://pay?pa=.a@bank&pn=X", VALID),
    ("upi://pay?pa=a..b@bank&pn=X", VALID),
    ("upi://pay?pa=CPO@HDFCBANK&pn=X", VALID),
    ("upi://pay?pa=a@b@bank&pn=X", "pa: 'a@b@bank' is not a VPA"),
    ("upi://pay?pa=ab@bank.com&pn=X", "pa: 'ab@bank.com' is not a VPA"),
    ("upi://pay?pa=ab@1bank&pn=X", "pa: 'ab@1bank' is not a VPA"),
    ("upi://pay?pa=a%40b@bank&pn=X", "pa: 'a@b@bank' is not a VPA"),
    (f"upi://pay?pa={'x' * 257}@bank&pn=X", "is not a VPA"),
    ("upi://pay?pa=caf%C3%A9@bank&pn=X", "pa: 'café@bank' is not a VPA"),
    # pn
    ("upi://pay?pa=a1@bank&pn=%20%20", "pn: '  ' is blank"),
    # tr and tn
    (f"{BASE}&tr={'A' * 36}", VALID),
    (f"{BASE}&tr=EVSE%201", "tr: 'EVSE 1' has ' '"),
    (f"{BASE}&tr=%E0%A4%85", "tr: '\u0905' has '\u0905'"),
    (f"{BASE}&tr=CP/1:2", VALID),
    (f"{BASE}&tn={'n' * 300}", VALID),
    (f"{BASE}&tn={quote(KSSA_WITH_ZWJ)}", VALID),
    (f"{BASE}&tn=%E2%80%AEabc", VALID),  # a decoded bidi override: left open, accepted today
    # mc
    (f"{BASE}&mc=742", "mc: '742' is not a four-digit merchant category code (ISO 18245); write"),
    (f"{BASE}&mc=0000", VALID),
    (f"{BASE}&mc=5552", VALID),
    # mode and sign
    (f"{BASE}&mode=4", "mode: '4' must be two digits (write '04')"),
    (f"{BASE}&mode=04", VALID),
    (f"{BASE}&mode=24", VALID),
    (f"{BASE}&mode=25", "mode: '25' is not a known initiation mode code"),
    (f"{BASE}&mode=02", "mode: '02' is a signed"),
    (f"{BASE}&mode=05", "mode: '05' is a signed"),
    (f"{BASE}&{SIGNED}", VALID),
    (f"{BASE}&mode=04&orgid=000000&sign=c2lnbmF0dXJl", VALID),
    (f"{BASE}&sign=c2lnbmF0dXJl", "sign: present without orgid"),
    (f"{BASE}&orgid=000000&sign=c2lnbmF0dXJl", VALID),
    (f"{BASE}&orgid=000000&sign=c2ln-_==", "sign: 'c2ln-_==' is not base64"),
    (f"{BASE}&orgid=000000", VALID),
    # url
    (f"{BASE}&url=http://x.example", "url: 'http://x.example' is not an https URL"),
    (f"{BASE}&url={quote('https://cpo.example/pay?c=1&e=2', safe='')}", VALID),
    (f"{BASE}&url=https://cpo.example/orderid=9", VALID),
    (f"{BASE}&url=HTTPS://cpo.example", VALID),
    (f"{BASE}&url=https://cpo.example:8443/pay", VALID),
    (f"{BASE}&url=https://cpo.example/a%20b", "url: 'https://cpo.example/a b' contains ' '"),
    (f"{BASE}&url=https://cpo.example/100%2525", VALID),
    (f"{BASE}&url=https://cpo.example/100%25", "url: 'https://cpo.example/100%' has '%' at"),
]


@pytest.mark.parametrize(("link", "problem"), DOCUMENTED)
def test_each_documented_class(link: str, problem: str | None) -> None:
    if problem is None:
        assert problems(link) == []
    else:
        assert_refused(link, problem)


@pytest.mark.parametrize(
    ("link", "problem"),
    [
        (f"{BASE}&am=1.00", "tr: missing"),
        (f"{BASE}&tr=R-1", VALID),
        (f"{BASE}&tr={'A' * 35}", VALID),
        (f"{BASE}&tr={'A' * 36}", "tr: 36 characters, at most 35"),
        (BASE, "tr: missing"),
    ],
)
def test_what_dynamic_adds(link: str, problem: str | None) -> None:
    """``dynamic`` only adds: ``tr`` is mandatory and at most 35 characters. ``am`` stays
    optional here; the steps compare it against the amount the driver chose."""
    if problem is None:
        assert problems(link, dynamic=True) == []
        assert problems(link) == []
    else:
        assert_refused(link, problem, dynamic=True)
        assert problems(link) == []


def test_plus_reads_as_a_space() -> None:
    assert parse("upi://pay?pa=a1@bank&pn=CPO+Name%2B1").get("pn") == "CPO Name+1"


def test_every_problem_is_one_line_and_names_its_parameter() -> None:
    link = "upi://pay?pa=a1@bank%0A&pn=A%0AB&am=2%0A&mc=5%0A&tr=R%0A&url=https%3A%2F%2F%0A"
    found = problems(link)
    assert len(found) == 6
    for problem in found:
        assert "\n" not in problem and problem.split(":")[0] in {
            "pa",
            "pn",
            "am",
            "mc",
            "tr",
            "url",
        }


def test_parse_refuses_what_it_cannot_read_and_lists_every_piece() -> None:
    with pytest.raises(UpiLinkError) as caught:
        parse("upi://pay?pa=a 1@bank&pn=%ZZ&tn")
    assert [p.split(":")[0] for p in caught.value.problems] == ["pa", "pn", "tn"]


vpas = st.from_regex(r"[a-z0-9.]{2,20}@[a-z]{2,10}", fullmatch=True)
# Free text may be any one line of text with a visible character: no controls, no line breaks.
names = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc", "Zl", "Zp"]), min_size=1
).filter(str.strip)
refs = st.from_regex(r"[A-Za-z0-9_-]{1,35}", fullmatch=True)
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2)


@given(pa=vpas, pn=names, tr=refs, am=amounts)
def test_build_parse_round_trip(pa: str, pn: str, tr: str, am: Decimal) -> None:
    built = build(pa, pn, tr=tr, am=am)
    again = validate(built.to_uri(), dynamic=True)
    assert again.params == built.params
    assert again.amount == am


def test_one_line_makes_a_description_fit_for_tn() -> None:
    assert one_line("Charging at\nEVSE 1\t(fast)\r\n") == "Charging at EVSE 1 (fast)"
    assert one_line("\n\t") == ""
    link = build("cpo123@hdfcbank", "CPO-Name", tr="T1", tn=one_line("a\nb")).to_uri()
    assert validate(link).get("tn") == "a b"
