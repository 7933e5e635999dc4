"""Pure pieces of the reference CSMS: references, sticker, handshake rules, meter readings."""

import base64

import pytest

from ocpp_upi.csms.handshake import basic_credentials, charger_id_from_path, choose_subprotocol
from ocpp_upi.csms.meter import energy_register_wh
from ocpp_upi.csms.references import ReferenceFormat
from ocpp_upi.csms.sticker import static_qr_link


def test_reference_round_trip_with_default_template() -> None:
    references = ReferenceFormat("{charger_id}-{evse}")
    assert references.format("EVSE1234", 1) == "EVSE1234-1"
    assert references.parse("EVSE1234-1") == ("EVSE1234", 1)
    assert references.parse("EVSE-12-3") == ("EVSE-12", 3)
    for bad in ("EVSE1234", "EVSE1234-", "EVSE1234-0", "EVSE1234-x", "-1", "EVSE1234-1 "):
        assert references.parse(bad) is None


def test_reference_custom_template() -> None:
    references = ReferenceFormat("CPO.{evse}.{charger_id}")
    assert references.format("CP9", 2) == "CPO.2.CP9"
    assert references.parse("CPO.2.CP9") == ("CP9", 2)
    assert references.parse("CPOX2.CP9") is None


def test_reference_template_needs_both_placeholders() -> None:
    with pytest.raises(ValueError):
        ReferenceFormat("{charger_id}")
    with pytest.raises(ValueError):
        ReferenceFormat("{charger_id}-{evse}-{evse}")


def test_static_qr_link_matches_the_seed_without_amount() -> None:
    link = static_qr_link("cpo123@hdfcbank", "CPO-Name", "EVSE1234-1")
    assert link == "upi://pay?pa=cpo123@hdfcbank&pn=CPO-Name&tr=EVSE1234-1&cu=INR"
    assert "am=" not in link
    assert "pn=Green%20Charge%20%26%20Co" in static_qr_link("a@b", "Green Charge & Co", "X-1")


def test_charger_id_from_path() -> None:
    assert charger_id_from_path("/ocpp/CP1") == "CP1"
    assert charger_id_from_path("/ocpp/CP%201?x=1") == "CP 1"
    for bad in ("/", "/ocpp", "/ocpp/", "/ocpp/a/b", "/other/CP1"):
        assert charger_id_from_path(bad) is None


def test_choose_subprotocol_follows_the_charger_preference() -> None:
    versions = ("1.6", "2.0.1", "2.1")
    assert choose_subprotocol(["ocpp2.1", "ocpp1.6"], versions) == "ocpp2.1"
    assert choose_subprotocol(["ocpp1.6", "ocpp2.1"], versions) == "ocpp1.6"
    assert choose_subprotocol(["ocpp1.5", "ocpp2.0.1"], versions) == "ocpp2.0.1"
    assert choose_subprotocol(["ocpp1.5"], versions) is None
    assert choose_subprotocol([], versions) is None
    assert choose_subprotocol(["ocpp2.1"], ("1.6",)) is None


def test_basic_credentials() -> None:
    token = base64.b64encode(b"CP1:pa:ss").decode()
    assert basic_credentials(f"Basic {token}") == ("CP1", "pa:ss")
    assert basic_credentials(None) is None
    assert basic_credentials("Bearer abc") is None


def test_energy_register_from_16_and_2x_meter_values() -> None:
    v16 = [
        {"sampled_value": [{"value": "1.5", "unit": "kWh"}, {"value": "7", "measurand": "Voltage"}]}
    ]
    assert energy_register_wh(v16) == 1500
    v2 = [
        {"sampled_value": [{"value": 2.0, "unit_of_measure": {"unit": "kWh", "multiplier": 1}}]},
        {"sampled_value": [{"value": 21000}]},
    ]
    assert energy_register_wh(v2) == 21000
    assert energy_register_wh(None) is None
    assert energy_register_wh([{"sampled_value": [{"value": "x"}]}]) is None
