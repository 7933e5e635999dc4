"""WebPaymentsCtrlr.URLTemplate filling: case-insensitive names, escaping, loud mistakes."""

from __future__ import annotations

import pytest

from ocpp_upi.upi.url_template import fill_url_template, template_placeholders

TEMPLATE = "https://csms.example/qr/{chargingStationId}/{evse}/{totp}/{version}"
VALUES = {"chargingStationId": "CP1", "evse": 2, "totp": "CN63y502maVh", "version": "v1"}


def test_fills_the_mandatory_placeholders() -> None:
    assert fill_url_template(TEMPLATE, VALUES) == "https://csms.example/qr/CP1/2/CN63y502maVh/v1"


def test_names_are_case_insensitive_in_template_and_values() -> None:
    template = "https://x/{chargingstationid}/{EVSE}/{Totp}/{VERSION}"
    values = {"CHARGINGSTATIONID": "CP1", "Evse": 1, "totp": "abc", "version": "v1"}
    assert fill_url_template(template, values) == "https://x/CP1/1/abc/v1"


def test_values_are_url_escaped() -> None:
    values = {**VALUES, "chargingStationId": "DE*GEF S1/2?x=1&y"}
    filled = fill_url_template(TEMPLATE, values)
    assert filled == "https://csms.example/qr/DE%2AGEF%20S1%2F2%3Fx%3D1%26y/2/CN63y502maVh/v1"


def test_optional_placeholders_take_values_or_become_empty() -> None:
    template = TEMPLATE + "?maxEnergy={maxEnergy}&maxTime={maxtime}&cost={maxCost}"
    template += "&cs={roamingCSId}&evse={roamingEVSEId}"
    values = {**VALUES, "maxEnergy": 20000, "roamingCSId": "DE*GEF*S12345678"}
    assert fill_url_template(template, values).endswith(
        "?maxEnergy=20000&maxTime=&cost=&cs=DE%2AGEF%2AS12345678&evse="
    )


def test_unknown_placeholders_are_named_in_the_error() -> None:
    with pytest.raises(ValueError, match=r"\{stationid\}, \{foo\}"):
        fill_url_template("https://x/{stationid}/{evse}/{foo}", VALUES)


def test_missing_mandatory_value_and_unknown_value_name_raise() -> None:
    with pytest.raises(ValueError, match="totp"):
        fill_url_template(TEMPLATE, {k: v for k, v in VALUES.items() if k != "totp"})
    with pytest.raises(ValueError, match="colour"):
        fill_url_template(TEMPLATE, {**VALUES, "colour": "red"})


def test_a_template_without_placeholders_is_left_alone() -> None:
    assert fill_url_template("https://x/static", VALUES) == "https://x/static"
    assert template_placeholders(TEMPLATE) == ["chargingStationId", "evse", "totp", "version"]


def test_the_station_display_is_a_qr_image_a_phone_reads_back() -> None:
    """The mock charger renders its C25 URL as a QR code (segno); an independent decoder
    (zxing-cpp) reads back exactly that URL."""
    from ocpp_upi.upi.qr_image import QrImageError, decode_png, render_png

    url = "https://csms.example/qr/CS-0001/1/Ab3dE9fGh2Kl/v1?lang=en&x=%20"
    assert decode_png(render_png(url)) == [url]
    with pytest.raises(QrImageError, match="no readable QR code"):
        from io import BytesIO

        from PIL import Image

        blank = BytesIO()
        Image.new("L", (64, 64), 255).save(blank, format="PNG")
        decode_png(blank.getvalue())
    with pytest.raises(QrImageError, match="not an image"):
        decode_png(b"<svg/>")
