"""Requirement ids as Allure links: a reviewer clicks from a scenario to what it checks.

A scenario's requirement tags (``@seed:3.2``, ``@uc:F02``, ``@tc:TC_011_1``) become links of the
tag's kind. Without configuration a link names the id and points at the public document that
defines it (no per-id page exists there). A team with its own requirement tracker passes
allure-pytest-bdd's ``--allure-link-pattern uc:https://tracker.example/{}``: the link of that
kind then carries the id, and the pattern makes it a URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

OCPP_SPECIFICATIONS = "https://openchargealliance.org/protocols/open-charge-point-protocol/"


@dataclass(frozen=True)
class RequirementSource:
    describes: str  # what an id of this kind is, in a reviewer's words
    document_url: str


SOURCES: Mapping[str, RequirementSource] = {
    "seed": RequirementSource(
        "section of the OCA white paper 'OCPP & UPI mobile payments' v1.0",
        "https://openchargealliance.org/ocpp-info-whitepapers/",
    ),
    "uc": RequirementSource("OCPP 2.x Part 2 use case", OCPP_SPECIFICATIONS),
    "tc": RequirementSource("OCPP requirement or OCTT-style test case id", OCPP_SPECIFICATIONS),
}


@dataclass(frozen=True)
class RequirementLink:
    url: str  # a URL, or the bare id when a link pattern of this kind will make it one
    link_type: str
    name: str


def requirement_link(tag: str, patterns: Mapping[str, str]) -> RequirementLink | None:
    """The link for one scenario tag; None for a tag that is not a known requirement kind."""
    kind, sep, ident = tag.partition(":")
    source = SOURCES.get(kind)
    if not sep or not ident or source is None:
        return None
    name = f"{tag} ({source.describes} {ident})"
    url = ident if kind in patterns else source.document_url
    return RequirementLink(url=url, link_type=kind, name=name)
