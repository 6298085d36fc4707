"""Copies arriving at the same moment, on real transactions and separate database connections."""

from __future__ import annotations

import uuid

from shequ.gates import services
from shequ.gates.models import Passage
from shequ.registry.models import Household
from tests.concurrency import at_once, database_for_threads
from tests.gates.test_api_helpers import (
    api_client,
    body,
    device_token,
    gate,
    members,
    post,
    post_gate,
    token_of,
)


def _anchor() -> Household:
    return Household.objects.get(community__code="futong", status="active", room__number="502",
                                 room__unit__number="2", room__unit__building__number="9",
                                 room__unit__building__compound__name="富通小区")


def test_two_copies_posted_at_the_same_moment_make_one_passage(world_tx: None) -> None:
    key = device_token(post_gate().pk)
    data = body(token_of(members(_anchor())[0]))
    clients = [api_client(key), api_client(key)]
    gate_id = post_gate().pk
    with database_for_threads():
        responses = at_once(2, lambda i: post(clients[i], gate_id, data))
        rows = at_once(1, lambda i: list(Passage.objects.filter(client_id=data["client_id"])
                                          .values_list("pk", flat=True)))[0]
    assert sorted(r.status_code for r in responses) == [200, 201], [r.content for r in responses]
    ids = {r.json()["passage_id"] for r in responses}
    assert len(ids) == 1 and rows == list(ids)
    assert {r.json()["decision"] for r in responses} == {"allow"}


def test_two_members_leaving_at_once_cannot_both_take_the_last_exit(world_tx: None) -> None:
    """江南家园 allows one exit per household every two days; two members at two gates, same moment."""
    household = next(h for h in Household.objects.filter(
        status="active", room__unit__building__compound__name="江南家园").exclude(
        room__unit__building__number="3", room__unit__number="1").order_by("id")
        if len(members(h)) >= 2 and not h.persons.filter(restrictions__isnull=False).exists())
    first, second = members(household)[:2]
    code = household.community.code
    gates = [gate("江南家园", "东门", code), gate("江南家园", "南门", code)]
    tokens = [token_of(first), token_of(second)]
    checks = services.parse_checks(direction="out", temperature="36.5", health_code="green", mask=True)

    def leave(i: int) -> str:
        return services.record_passage(gate=gates[i], actor=None, checks=checks, client_id=uuid.uuid4(),
                                       credential=tokens[i]).passage.decision

    with database_for_threads():
        decisions = at_once(2, leave)
        allowed = at_once(1, lambda i: Passage.objects.filter(household=household, direction="out",
                                                                decision="allow").count())[0]
    assert sorted(decisions) == ["allow", "deny"]
    assert allowed == 1
