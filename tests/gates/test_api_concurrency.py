"""Copies arriving at the same moment, on real transactions and separate database connections."""

from __future__ import annotations

import uuid
from typing import Any

from shequ.gates import services
from shequ.gates.models import Passage
from shequ.registry.models import Household
from tests.concurrency import at_once, database_for_threads, postgresql_only
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


def test_passages_recorded_outside_any_transaction_keep_presence_and_idempotency(world_tx: None,
                                                                                   clock: Any) -> None:
    """Outside a transaction (as under the API), PostgreSQL writes a passage and the presence in one
    statement, SQLite in a short transaction: the same outcomes either way."""
    import datetime as dt

    from django.db import connection

    from shequ.gates.models import Presence

    assert not connection.in_atomic_block
    person = members(_anchor())[0]
    now = clock.at

    def record(direction: str, minutes_ago: int, *, client_id: uuid.UUID | None = None, mask: bool = True,
               offline: str = "") -> services.PassageResult:
        checks = services.parse_checks(direction=direction, temperature="36.5", health_code="green", mask=mask)
        return services.record_passage(gate=post_gate(), actor=None, checks=checks, client_id=client_id or uuid.uuid4(),
                                       recorded_at=now - dt.timedelta(minutes=minutes_ago),
                                       credential=token_of(person), offline_decision=offline)

    first = record("out", 10)
    assert first.created and first.passage.pk and Presence.objects.get(person=person).passage_id == first.passage.pk
    newer = record("in", 5)
    assert Presence.objects.get(person=person).passage_id == newer.passage.pk
    late = record("out", 8, offline="allow")  # queued offline, older than the one that stands
    assert late.passage.offline and Passage.objects.get(pk=late.passage.pk).offline_decision == "allow"
    assert Presence.objects.get(person=person).passage_id == newer.passage.pk
    refused = record("out", 1, mask=False)
    assert refused.passage.decision == "deny" and Passage.objects.get(pk=refused.passage.pk).reasons == ["no_mask"]
    assert Presence.objects.get(person=person).passage_id == newer.passage.pk
    again = record("out", 0, client_id=newer.passage.client_id)
    assert not again.created and again.passage.pk == newer.passage.pk and again.passage.direction == "in"
    assert Passage.objects.filter(client_id=newer.passage.client_id).count() == 1
    stored = Passage.objects.get(pk=newer.passage.pk)
    assert (stored.person_id, stored.household_id, stored.direction, stored.decision, stored.temperature) == (
        person.pk, person.household_id, "in", "allow", newer.passage.temperature)
    assert stored.received_at is not None and stored.recorded_at == newer.passage.recorded_at


def test_the_second_exit_under_a_quota_waits_for_the_first_households_lock(world_tx: None,
                                                                          monkeypatch: Any) -> None:
    """The household's row lock, not luck, keeps the last exit for one member: the first member's
    transaction is held right after it counted the household's exits (0 used), and the second
    member's exit must wait for it instead of counting 0 too. The waiting is bounded by the second
    connection's lock_timeout, so the test ends either way: with the lock the second exit gives up
    waiting (and is refused when retried after the first committed); without it, it is let through
    and the household has two exits on a quota of one."""
    import threading

    from django.db import OperationalError, connection

    postgresql_only("SQLite takes the database's write lock at BEGIN (IMMEDIATE), so writing transactions never "
                    "overlap and a row lock means nothing there (Django ignores select_for_update on SQLite); the "
                    "two-exits race above runs on both databases")
    household = next(h for h in Household.objects.filter(
        status="active", room__unit__building__compound__name="江南家园").exclude(
        room__unit__building__number="3", room__unit__number="1").order_by("id")
        if len(members(h)) >= 2 and not h.persons.filter(restrictions__isnull=False).exists())
    first, second = members(household)[:2]
    code = household.community.code
    east, south = gate("江南家园", "东门", code), gate("江南家园", "南门", code)
    tokens = token_of(first), token_of(second)
    checks = services.parse_checks(direction="out", temperature="36.5", health_code="green", mask=True)
    counted, second_done = threading.Event(), threading.Event()
    held = threading.local()
    real_exits_used = services.exits_used

    def exits_used(**kwargs: Any) -> int:
        used = real_exits_used(**kwargs)
        if getattr(held, "hold", False) and connection.in_atomic_block:
            counted.set()  # the first member's count is made, inside its transaction, not committed
            assert second_done.wait(timeout=60)
        return used

    monkeypatch.setattr(services, "exits_used", exits_used)
    outcome: dict[str, Any] = {}

    def leave_first() -> None:
        held.hold = True
        try:
            outcome["first"] = services.record_passage(gate=east, actor=None, checks=checks, client_id=uuid.uuid4(),
                                                       credential=tokens[0]).passage.decision
        finally:
            counted.set()
            connection.close()

    def leave_second() -> None:
        try:
            assert counted.wait(timeout=60)
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = '300ms'")
            outcome["second"] = services.record_passage(gate=south, actor=None, checks=checks,
                                                        client_id=uuid.uuid4(), credential=tokens[1]).passage.decision
        except OperationalError as exc:
            outcome["second"] = f"waited: {exc.__class__.__name__}"
        finally:
            second_done.set()
            connection.close()

    with database_for_threads():
        threads = [threading.Thread(target=leave_first), threading.Thread(target=leave_second)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        retried = at_once(1, lambda i: services.record_passage(
            gate=south, actor=None, checks=checks, client_id=uuid.uuid4(), credential=tokens[1]).passage)[0]
        allowed = at_once(1, lambda i: Passage.objects.filter(household=household, direction="out",
                                                                decision="allow").count())[0]
    assert outcome["first"] == "allow"
    assert outcome["second"].startswith("waited"), outcome
    assert (retried.decision, retried.reasons) == ("deny", ["exit_quota_used"])
    assert allowed == 1
