"""Requirement tags become Allure links; a team's link pattern turns the id into its URL."""

from __future__ import annotations

import pytest

from ocpp_upi.reports.requirement_links import SOURCES, requirement_link


def test_a_use_case_links_to_the_ocpp_specifications_by_default() -> None:
    link = requirement_link("uc:F02", {})
    assert link is not None
    assert link.link_type == "uc"
    assert link.url == SOURCES["uc"].document_url
    assert link.name == "uc:F02 (OCPP 2.x Part 2 use case F02)"


def test_a_link_pattern_of_the_kind_receives_the_bare_id() -> None:
    link = requirement_link("tc:TC_011_1", {"tc": "https://tracker.example/{}"})
    assert link is not None and link.url == "TC_011_1"


def test_a_pattern_of_another_kind_changes_nothing() -> None:
    link = requirement_link("seed:3.2", {"tc": "https://tracker.example/{}"})
    assert link is not None and link.url == SOURCES["seed"].document_url


@pytest.mark.parametrize("tag", ["flow:static_qr", "needs:psp", "security", "uc:", "ocpp2.1"])
def test_tags_that_are_not_requirements_give_no_link(tag: str) -> None:
    assert requirement_link(tag, {}) is None
