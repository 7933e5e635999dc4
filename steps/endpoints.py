"""Judging an answer of a CSMS endpoint before judging the CSMS: is the endpoint there at all?

Every webhook delivery passes through :func:`check_answered`; negative checks register the
endpoint they rest on with :func:`rests_on`, and :func:`require_positive_controls` (run when the
scenario ends) turns a negative verdict on an unproven endpoint into ERROR "endpoint missing".
"""

from __future__ import annotations

from ocpp_upi.bank.notifier import WebhookExchange
from ocpp_upi.suite.fixtures.world import World
from ocpp_upi.verdicts import EndpointMissing

# A route that does not exist, or exists for another method: never a judgement on the content.
NEVER_A_REFUSAL = (405, 501)
NOT_FOUND = 404
# What a genuine request to a route that should exist must never get.
MISSING_STATUSES = (NOT_FOUND, *NEVER_A_REFUSAL)


def _answer(exchange: WebhookExchange) -> str:
    if exchange.status is None:
        return f"did not answer ({exchange.error})"
    body = " ".join(exchange.response_body.split())[:200]
    return (
        f"answered HTTP {exchange.status}: {body}" if body else f"answered HTTP {exchange.status}"
    )


def check_answered(exchange: WebhookExchange, what: str, *, genuine: bool) -> None:
    """Raise ERROR "endpoint missing" when the answer says the route is not there.

    405/501 and no answer at all always; 404 for a genuine request, or for a hostile one on an
    endpoint that has not yet proven itself in this run (then the scenario's positive control
    decides, see :func:`require_positive_controls`)."""
    if exchange.status is None or exchange.status in NEVER_A_REFUSAL:
        raise EndpointMissing(what, exchange.url, _answer(exchange))
    if exchange.status == NOT_FOUND and genuine:
        raise EndpointMissing(what, exchange.url, _answer(exchange))


def rests_on(world: World, endpoint: str | None) -> None:
    """A negative check of this scenario is only as good as ``endpoint``'s positive control."""
    if endpoint is not None:
        world.state.negatives_rest_on.add(endpoint)


def notice_sent_to(world: World, endpoint: str) -> None:
    """This scenario's payment notice (genuine or hostile) went to ``endpoint``."""
    world.state.notice_endpoint = endpoint


def prove_notice_endpoint(world: World, evidence: str) -> None:
    """The scenario's genuine payment notice led to a remote start: its endpoint works."""
    if world.state.notice_endpoint is not None:
        world.endpoints.prove(world.state.notice_endpoint, evidence)


def require_positive_controls(world: World) -> None:
    unproven = sorted(e for e in world.state.negatives_rest_on if not world.endpoints.is_proven(e))
    if unproven:
        raise EndpointMissing(
            "no positive control for",
            ", ".join(unproven),
            "- no genuine payment through it started anything in this run, so 'refused' or "
            "'starts nothing' proves nothing about the CSMS",
        )
