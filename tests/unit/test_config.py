"""The integration profile: what loads, and that every rejection is one line a vendor can act on."""

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from ocpp_upi.config import (
    ANY_IDENTITY,
    PROFILE_SCHEMA_PATH,
    REFERENCE_SOURCE,
    Profile,
    ProfileError,
    load_profile,
    profile_template,
    reference_profile,
)
from ocpp_upi.ocpp.versions import VERSIONS
from ocpp_upi.paths import PROJECT_ROOT

EXAMPLE = profile_template()
SECRET = "replace-with-the-webhook-secret-configured-in-your-csms"
PASSWORD = "a-long-basic-auth-password"


def _write(tmp_path: Path, text: str, name: str = "acme.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _edit(text: str, old: str, new: str) -> str:
    """Replace exactly one occurrence, so a drifting template cannot make a test vacuous."""
    assert text.count(old) == 1, f"{old!r} not found exactly once in the template"
    return text.replace(old, new)


def _load(tmp_path: Path, text: str) -> Profile:
    return load_profile(_write(tmp_path, text))


def _problem(tmp_path: Path, text: str) -> str:
    """The error line with the file name stripped, asserting the one-line contract on the way."""
    path = _write(tmp_path, text)
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    message = str(caught.value)
    assert "\n" not in message
    prefix = f"profile {path}: "
    assert message.startswith(prefix), message
    return message[len(prefix) :]


# --- the example -------------------------------------------------------------------------------


def test_example_file_is_the_template() -> None:
    example = PROJECT_ROOT / "examples" / "profile.example.toml"
    assert example.read_text(encoding="utf-8") == EXAMPLE


def test_example_loads_with_every_field() -> None:
    path = PROJECT_ROOT / "examples" / "profile.example.toml"
    profile = load_profile(path)
    assert profile.source == str(path)
    assert profile.target.name == "Acme CSMS"
    assert profile.target.ocpp_url == "ws://127.0.0.1:9000/ocpp"
    assert profile.target.versions == VERSIONS
    assert profile.target.security_profile == 1
    assert [(c.id, c.password, c.evses) for c in profile.chargers] == [("UPI-TEST-01", PASSWORD, 2)]
    assert profile.bank.url == "http://127.0.0.1:9001/webhooks/bank"
    assert profile.bank.secret == SECRET
    assert profile.bank.signature_header == "X-UPI-Signature"
    assert profile.bank.merchant_vpa == "cpo123@hdfcbank"
    assert profile.bank.payee_name == "CPO-Name"
    assert profile.static_qr.offered
    assert profile.static_qr.link_url("UPI-TEST-01", 2) == (
        "http://127.0.0.1:9001/static-qr/UPI-TEST-01/2"
    )
    assert profile.static_qr.reference("UPI-TEST-01", 2) == "UPI-TEST-01-2"
    assert profile.tariff.price_per_kwh == Decimal("10.00")
    assert profile.tariff.tax_rate == Decimal("0.18")
    assert profile.tariff.currency == "INR"
    assert (profile.timeouts.connect, profile.timeouts.quiet_window) == (5.0, 1.0)


def test_optional_tables_and_keys_take_defaults(tmp_path: Path) -> None:
    text = EXAMPLE.split("# Static QR stickers")[0]  # drops [static_qr], [tariff], [timeouts]
    text = _edit(text, 'signature_header = "X-UPI-Signature"\n', "")
    text = _edit(text, "evses = 2\n", "")
    text += '[tariff]\nprice_per_kwh = "12"\ntax_rate = "0"\n'
    profile = _load(tmp_path, text)
    assert not profile.static_qr.offered
    assert profile.static_qr.reference_template == "{charger_id}-{evse}"
    assert profile.chargers[0].evses == 1
    assert profile.bank.signature_header == "X-UPI-Signature"
    assert profile.tariff.currency == "INR"
    assert profile.timeouts.response == 10.0


def test_versions_are_kept_in_canonical_order(tmp_path: Path) -> None:
    text = _edit(EXAMPLE, '["1.6", "2.0.1", "2.1"]', '["2.1", "1.6"]')
    assert _load(tmp_path, text).target.versions == ("1.6", "2.1")


def test_charger_url_appends_the_identity_as_a_path_segment() -> None:
    target = load_profile(PROJECT_ROOT / "examples" / "profile.example.toml").target
    assert target.charger_url("UPI-TEST-01") == "ws://127.0.0.1:9000/ocpp/UPI-TEST-01"


# --- money -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [('"10.00"', Decimal("10.00")), ("9.99", Decimal("9.99")), ("12", Decimal("12"))],
)
def test_price_is_an_exact_decimal(tmp_path: Path, written: str, expected: Decimal) -> None:
    price = _load(tmp_path, _edit(EXAMPLE, '"10.00"', written)).tariff.price_per_kwh
    assert isinstance(price, Decimal)
    assert price == expected
    assert str(price) == str(expected)


def test_float_tax_rate_goes_through_its_decimal_text(tmp_path: Path) -> None:
    tax = _load(tmp_path, _edit(EXAMPLE, 'tax_rate = "0.18"', "tax_rate = 0.1")).tariff.tax_rate
    assert tax == Decimal("0.1")  # not 0.1000000000000000055511151231257827...


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            '"10.00"',
            '"ten"',
            '[tariff] price_per_kwh: must be a positive decimal amount such as "10.00", got "ten"',
        ),
        ('"10.00"', '"0"', "[tariff] price_per_kwh: must be greater than 0, got 0"),
        (
            'tax_rate = "0.18"',
            'tax_rate = "18"',
            "[tariff] tax_rate: must be between 0 and 1 (0.18 means 18 %), got 18",
        ),
        (
            'currency = "INR"',
            'currency = "USD"',
            '[tariff] currency: must be "INR" (UPI settles in rupees only), got "USD"',
        ),
    ],
)
def test_bad_money_is_named(tmp_path: Path, old: str, new: str, expected: str) -> None:
    assert _problem(tmp_path, _edit(EXAMPLE, old, new)) == expected


# --- rejections: one line naming the table and key ---------------------------------------------


def test_missing_secret(tmp_path: Path) -> None:
    text = _edit(EXAMPLE, f'secret = "{SECRET}"\n', "")
    assert _problem(tmp_path, text) == "[bank] secret: missing"


def test_typo_key_is_caught_with_a_suggestion(tmp_path: Path) -> None:
    text = _edit(EXAMPLE, "\nsecret = ", "\nsecrte = ")
    assert _problem(tmp_path, text) == '[bank] secrte: unknown key (did you mean "secret"?)'


def test_typo_table_is_caught_with_a_suggestion(tmp_path: Path) -> None:
    text = _edit(EXAMPLE, "[timeouts]", "[timeout]")
    assert _problem(tmp_path, text) == "[timeout]: unknown table (did you mean [timeouts]?)"


def test_missing_table(tmp_path: Path) -> None:
    text = EXAMPLE.split("[[chargers]]")[0]
    assert _problem(tmp_path, text) == "[[chargers]]: missing"


def test_an_ocpp_only_profile_needs_only_csms_and_chargers(tmp_path: Path) -> None:
    text = EXAMPLE.split("# Static-QR payments")[0]  # [csms] and [[chargers]] only
    assert "[bank]" not in text and "[tariff]" not in text
    profile = _load(tmp_path, text)
    assert profile.bank is None and profile.tariff is None and profile.psp is None
    assert profile.target.local_id_tag == "OCPPUPI-LOCAL-01"
    assert profile.redacted()["bank"] is None and profile.redacted()["tariff"] is None
    without_tag = _edit(text, 'local_id_tag = "OCPPUPI-LOCAL-01"\n', "")
    assert _load(tmp_path, without_tag).target.local_id_tag is None


def test_a_local_id_tag_is_an_ocpp_16_idtag(tmp_path: Path) -> None:
    text = _edit(EXAMPLE, 'local_id_tag = "OCPPUPI-LOCAL-01"', 'local_id_tag = "' + "X" * 21 + '"')
    assert "local_id_tag: must be 1 to 20 printable ASCII" in _problem(tmp_path, text)


def test_unsupported_version(tmp_path: Path) -> None:
    text = _edit(EXAMPLE, '"2.1"]', '"3.0"]')
    assert _problem(tmp_path, text) == (
        "[csms] versions[2]: must be an OCPP version the harness speaks: 1.6, 2.0.1 or 2.1, "
        'got "3.0"'
    )


def test_empty_versions(tmp_path: Path) -> None:
    text = _edit(EXAMPLE, '["1.6", "2.0.1", "2.1"]', "[]")
    assert _problem(tmp_path, text) == "[csms] versions: must not be empty"


def test_duplicate_version(tmp_path: Path) -> None:
    text = _edit(EXAMPLE, '["1.6", "2.0.1", "2.1"]', '["1.6", "1.6"]')
    assert _problem(tmp_path, text) == '[csms] versions: lists "1.6" more than once'


OCPP_URL = '"ws://127.0.0.1:9000/ocpp"'
WEBHOOK_URL = '"http://127.0.0.1:9001/webhooks/bank"'
QR_URL = '"http://127.0.0.1:9001/static-qr/'


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        (OCPP_URL, '"http://127.0.0.1:9000/ocpp"', "[csms] ocpp_url"),
        (OCPP_URL, '"ws://127.0.0.1:99999/ocpp"', "[csms] ocpp_url"),
        (WEBHOOK_URL, '"ws://127.0.0.1:9001/x"', "[bank] webhook_url"),
        (QR_URL, '"ftp://127.0.0.1:9001/static-qr/', "[static_qr] link_url_template"),
    ],
)
def test_bad_url_scheme(tmp_path: Path, old: str, new: str, where: str) -> None:
    problem = _problem(tmp_path, _edit(EXAMPLE, old, new))
    assert problem.startswith(f"{where}: "), problem
    assert "URL" in problem


def test_security_profile_1_needs_a_password_per_charger(tmp_path: Path) -> None:
    text = _edit(EXAMPLE, f'password = "{PASSWORD}"\n', "")
    assert _problem(tmp_path, text) == (
        "[[chargers]] #1 password: missing (required by [csms] security_profile = 1)"
    )


def test_security_profile_0_needs_no_password(tmp_path: Path) -> None:
    text = _edit(EXAMPLE, f'password = "{PASSWORD}"\n', "")
    text = _edit(text, "security_profile = 1", "security_profile = 0")
    assert _load(tmp_path, text).chargers[0].password is None


def test_security_profile_4_does_not_exist(tmp_path: Path) -> None:
    text = _edit(EXAMPLE, "security_profile = 1", "security_profile = 4")
    assert _problem(tmp_path, text).startswith("[csms] security_profile: must be 0 ")


def _tls(text: str, profile: int) -> str:
    text = _edit(text, "security_profile = 1", f"security_profile = {profile}")
    return _edit(text, 'ocpp_url = "ws://', 'ocpp_url = "wss://')


def test_security_profile_2_needs_wss_and_a_ca_bundle(tmp_path: Path) -> None:
    plain = _edit(EXAMPLE, "security_profile = 1", "security_profile = 2")
    assert _problem(tmp_path, plain) == (
        "[csms] ocpp_url: must be a wss:// URL under security_profile = 2 (TLS)"
    )
    assert _problem(tmp_path, _tls(EXAMPLE, 2)) == (
        "[csms] ca_bundle: missing (required by [csms] security_profile = 2)"
    )
    text = _edit(
        _tls(EXAMPLE, 2), "security_profile = 2", 'security_profile = 2\nca_bundle = "ca.pem"'
    )
    profile = _load(tmp_path, text)
    assert profile.target.ca_bundle == str(tmp_path / "ca.pem")  # read from the profile's folder
    assert profile.redacted()["csms"]["ca_bundle"] == "ca.pem"
    no_password = _edit(text, f'password = "{PASSWORD}"\n', "")
    assert _problem(tmp_path, no_password).endswith(
        "password: missing (required by [csms] security_profile = 2)"
    )


def test_security_profile_3_needs_a_certificate_and_key_per_charger(tmp_path: Path) -> None:
    text = _edit(
        _tls(EXAMPLE, 3), "security_profile = 3", 'security_profile = 3\nca_bundle = "/pki/ca.pem"'
    )
    text = _edit(text, f'password = "{PASSWORD}"\n', "")
    assert _problem(tmp_path, text).endswith(
        "certificate: missing (required by [csms] security_profile = 3)"
    )
    text = _edit(
        text,
        'id = "UPI-TEST-01"',
        'id = "UPI-TEST-01"\ncertificate = "cp.pem"\nprivate_key = "cp.key"',
    )
    profile = _load(tmp_path, text)
    charger = profile.chargers[0]
    assert (charger.certificate, charger.private_key) == (
        str(tmp_path / "cp.pem"),
        str(tmp_path / "cp.key"),
    )
    assert profile.target.ca_bundle == "/pki/ca.pem"
    assert profile.redacted()["chargers"][0]["private_key"] != charger.private_key
    half = _edit(
        text, 'private_key = "cp.key"', 'private_key = "cp.key"\nexpired_certificate = "x.pem"'
    )
    assert _problem(tmp_path, half).endswith(
        "expired_private_key: missing (needed with expired_certificate)"
    )
    both = _edit(
        half,
        'expired_certificate = "x.pem"',
        'expired_certificate = "x.pem"\nexpired_private_key = "x.key"',
    )
    expired = _load(tmp_path, both).chargers[0]
    assert (expired.expired_certificate, expired.expired_private_key) == (
        str(tmp_path / "x.pem"),
        str(tmp_path / "x.key"),
    )


def test_not_toml_names_line_and_column(tmp_path: Path) -> None:
    text = _edit(EXAMPLE, 'name = "Acme CSMS"', "name = Acme CSMS")
    line = EXAMPLE.splitlines().index('name = "Acme CSMS"') + 1
    problem = _problem(tmp_path, text)
    assert re.fullmatch(rf"not valid TOML \(line {line}, column \d+\): .+", problem), problem


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.toml"
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    assert str(caught.value) == f"profile {path}: file not found"


def test_empty_chargers(tmp_path: Path) -> None:
    head, tail = EXAMPLE.split("[[chargers]]")
    text = "chargers = []\n" + head + tail.split("evses = 2\n", 1)[1]
    assert _problem(tmp_path, text) == "[[chargers]]: must not be empty"


def test_duplicate_charger_ids(tmp_path: Path) -> None:
    block = "".join(
        f'[[chargers]]\nid = "{id_}"\npassword = "p"\n\n' for id_ in ("X2", "UPI-TEST-01")
    )
    text = _edit(EXAMPLE, "[bank]\n", block + "[bank]\n")
    assert _problem(tmp_path, text) == '[[chargers]] #3 id: "UPI-TEST-01" duplicates #1'


def test_wrong_type_names_the_toml_type(tmp_path: Path) -> None:
    text = _edit(EXAMPLE, "evses = 2", 'evses = "2"')
    assert _problem(tmp_path, text) == "[[chargers]] #1 evses: must be an integer, got string"


def test_non_positive_timeout(tmp_path: Path) -> None:
    text = _edit(EXAMPLE, "connect = 5.0", "connect = -1")
    assert _problem(tmp_path, text) == "[timeouts] connect: must be greater than 0, got -1"


def test_unknown_template_placeholder(tmp_path: Path) -> None:
    text = _edit(EXAMPLE, '"{charger_id}-{evse}"', '"{charger}-{evse}"')
    assert _problem(tmp_path, text) == (
        "[static_qr] reference_template: unknown placeholder {charger} "
        "(use {charger_id} and {evse})"
    )


def test_errors_never_echo_a_secret(tmp_path: Path) -> None:
    text = _edit(EXAMPLE, f'"{PASSWORD}"', "[1234567]")
    problem = _problem(tmp_path, text)
    assert problem == "[[chargers]] #1 password: must be a string, got array"
    assert "1234567" not in problem


# --- digest and redaction ----------------------------------------------------------------------


def test_digest_is_stable_and_independent_of_location(tmp_path: Path) -> None:
    first = _load(tmp_path, EXAMPLE)
    second = load_profile(_write(tmp_path, EXAMPLE, name="copy.toml"))
    assert re.fullmatch(r"[0-9a-f]{64}", first.digest)
    assert first.digest == second.digest == _load(tmp_path, EXAMPLE).digest


def test_digest_redacts_secrets(tmp_path: Path) -> None:
    original = _load(tmp_path, EXAMPLE)
    rotated = _load(tmp_path, EXAMPLE.replace(SECRET, "other").replace(PASSWORD, "other"))
    assert rotated.digest == original.digest
    shown = json.dumps(original.redacted()) + repr(original)
    assert SECRET not in shown
    assert PASSWORD not in shown


def test_digest_follows_content_not_spelling(tmp_path: Path) -> None:
    original = _load(tmp_path, EXAMPLE)
    respelled = _load(tmp_path, _edit(EXAMPLE, '"10.00"', "10"))
    repriced = _load(tmp_path, _edit(EXAMPLE, '"10.00"', '"10.50"'))
    assert respelled.digest == original.digest
    assert repriced.digest != original.digest


# --- reference profile -------------------------------------------------------------------------


def _served(base: str = "http://127.0.0.1:9001") -> dict[str, str]:
    """What a reference CSMS's endpoints() says (tests/unit/test_csms_server.py checks that)."""
    return {
        "ocpp_url": "ws://127.0.0.1:9000/ocpp",
        "http_base_url": base,
        "bank_webhook_url": base + "/webhooks/bank",
        "static_qr_url_template": base + "/static-qr/{charger_id}/{evse}",
        "static_qr_image_url_template": base + "/static-qr-image/{charger_id}/{evse}",
        "trigger_url": base,
    }


def test_reference_profile_with_password() -> None:
    profile = reference_profile(
        _served(),
        secret="s3cret",
        password="pw-0123456789abcdef",
        price_per_kwh=Decimal("12.5"),
        tax_rate=Decimal("0.18"),
    )
    assert profile.source == REFERENCE_SOURCE
    assert profile.target.versions == VERSIONS
    assert profile.target.security_profile == 1
    assert [c.id for c in profile.chargers] == [ANY_IDENTITY]
    assert profile.chargers[0].password == "pw-0123456789abcdef"
    assert profile.bank.url == "http://127.0.0.1:9001/webhooks/bank"
    assert profile.bank.secret == "s3cret"
    assert profile.static_qr.link_url_template == (
        "http://127.0.0.1:9001/static-qr/{charger_id}/{evse}"
    )
    assert profile.tariff.price_per_kwh == Decimal("12.5")
    assert profile.tariff.tax_rate == Decimal("0.18")
    assert profile.timeouts.quiet_window == 0.5


def test_reference_profile_without_password_is_security_profile_0() -> None:
    profile = reference_profile(
        _served(), secret="s", password=None, price_per_kwh=Decimal("10"), tax_rate=Decimal("0")
    )
    assert profile.target.security_profile == 0
    assert profile.chargers[0].password is None
    assert profile.tariff.price_per_kwh == Decimal("10")


# --- the schema documents the profile ----------------------------------------------------------


def _tables(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found = [("(root)", schema)]
    for name, sub in schema["properties"].items():
        found.append((name, sub.get("items", sub)))
    return [(name, table) for name, table in found if table.get("type") == "object"]


def test_schema_is_valid_and_closed_and_documented() -> None:
    schema = json.loads(PROFILE_SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    for name, table in _tables(schema):
        assert table["additionalProperties"] is False, name
        for key, sub in table["properties"].items():
            assert sub.get("description"), f"{name}.{key} has no description"


def test_schema_versions_match_the_harness() -> None:
    schema = json.loads(PROFILE_SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["properties"]["csms"]["properties"]["versions"]["items"]["enum"] == list(VERSIONS)


def test_timeout_overrides_parse_each_named_deadline() -> None:
    from ocpp_upi.config import parse_timeout_overrides

    assert parse_timeout_overrides(["response=1.5", "settlement=4"]) == {
        "response": 1.5,
        "settlement": 4.0,
    }
    assert parse_timeout_overrides([]) == {}


@pytest.mark.parametrize(
    ("item", "complaint"),
    [
        ("respons=2", "NAME one of"),
        ("response", "expected NAME=SECONDS"),
        ("response=0", "not a positive number"),
        ("response=-1", "not a positive number"),
        ("response=nan", "not a positive number"),
        ("response=soon", "not a positive number"),
    ],
)
def test_a_bad_timeout_override_is_named(item: str, complaint: str) -> None:
    from ocpp_upi.config import parse_timeout_overrides

    with pytest.raises(ValueError, match=complaint) as caught:
        parse_timeout_overrides([item])
    assert repr(item) in str(caught.value)
