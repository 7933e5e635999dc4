"""NOT APPLICABLE is decided from the profile's declared capabilities, with a reason."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from ocpp_upi.config import reference_profile
from ocpp_upi.suite.fixtures.applicability import (
    UnknownCapability,
    missing_capability,
    version_reason,
)

PROFILE = reference_profile(
    {
        "ocpp_url": "ws://127.0.0.1:1/ocpp",
        "bank_webhook_url": "http://127.0.0.1:2/webhooks/bank",
        "static_qr_url_template": "http://127.0.0.1:2/static-qr/{charger_id}/{evse}",
        "static_qr_image_url_template": "http://127.0.0.1:2/static-qr-image/{charger_id}/{evse}",
        "trigger_url": "http://127.0.0.1:2",
    },
    secret="s",
    password=None,
    price_per_kwh=Decimal("10"),
    tax_rate=Decimal("0.18"),
)


def test_the_bundled_reference_csms_offers_everything() -> None:
    assert missing_capability(frozenset({"needs:psp", "needs:basic_auth"}), None) is None


def test_each_missing_capability_is_named() -> None:
    tags = frozenset({"needs:psp", "needs:pay_page", "needs:basic_auth", "flow:refunds"})
    reason = missing_capability(tags, PROFILE)
    assert reason is not None
    assert "no [psp] table" in reason and "no [pay_page] table" in reason
    assert "security_profile is 0" in reason


def test_declared_capabilities_apply() -> None:
    no_sticker = replace(PROFILE, static_qr=replace(PROFILE.static_qr, link_url_template=None))
    assert missing_capability(frozenset({"needs:static_qr_link"}), PROFILE) is None
    reason = missing_capability(frozenset({"needs:static_qr_link"}), no_sticker)
    assert reason is not None and "link_url_template" in reason


def test_a_typo_in_a_needs_tag_is_refused() -> None:
    with pytest.raises(UnknownCapability, match="pps"):
        missing_capability(frozenset({"needs:pps"}), PROFILE)


def test_version_reason() -> None:
    assert version_reason(["2.1"]) == "the scenario is defined for OCPP 2.1 only"


def test_an_ocpp_only_profile_leaves_payments_not_applicable() -> None:
    ocpp_only = replace(PROFILE, bank=None, tariff=None)
    for tag, why in (("bank", "no [bank] table"), ("tariff", "no [tariff] table")):
        reason = missing_capability(frozenset({f"needs:{tag}"}), ocpp_only)
        assert reason is not None and why in reason
    no_card = replace(PROFILE, target=replace(PROFILE.target, local_id_tag=None))
    assert missing_capability(frozenset({"needs:local_id_tag"}), PROFILE) is None
    reason = missing_capability(frozenset({"needs:local_id_tag"}), no_card)
    assert reason is not None and "local_id_tag" in reason
