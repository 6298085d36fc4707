"""Follow-ups: today's list in walking order, one visit per household, recorded once (double tap,
retry by client_id, a second phone), alerts for fever, symptoms and three missed slots, overdue
buckets, the API and the resident's self-report."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from shequ.accounts.access import scope_for
from shequ.alerts.models import Alert
from shequ.health import selectors, services
from shequ.health.models import FollowUp
from tests.health.conftest import EXPOSED

pytestmark = pytest.mark.django_db


@pytest.fixture
def ordered(march: Any, members: list[Any], staff: Any, policy77: Any) -> list[Any]:
    outcome = services.orders_for_household(actor=staff, household=members[0].household, policy=policy77,
                                            last_exposure_on=EXPOSED)
    return outcome.ordered


def slot(person: Any, day: int, name: str) -> FollowUp:
    return FollowUp.objects.get(person=person, due_on=dt.date(2022, 3, day), slot=name)


def test_todays_list_has_the_household_once_with_every_member(ordered: list[Any], users: dict[str, Any],
                                                              members: list[Any]) -> None:
    due = selectors.due_today(scope_for(users["grid1"]), at=dt.datetime(2022, 3, 2, 2, tzinfo=dt.UTC))
    mine = [h for h in due if h.household.pk == members[0].household_id]
    assert len(mine) == 1
    assert sorted(f.person_id for f in mine[0].visit) == [m.pk for m in members]
    assert {f.slot for f in mine[0].visit} == {"morning"}
    # grid2 does not see grid 1's household; the gate guard has no health data at all.
    assert not [h for h in selectors.due_today(scope_for(users["grid2"]), at=dt.datetime(2022, 3, 2, 2, tzinfo=dt.UTC))
                if h.household.pk == members[0].household_id]
    assert not selectors.due_today(scope_for(users["gate1"]), at=dt.datetime(2022, 3, 2, 2, tzinfo=dt.UTC))


def test_the_list_is_in_walking_order(ordered: list[Any], members: list[Any], users: dict[str, Any],
                                      staff: Any, policy77: Any) -> None:
    from shequ.registry.models import Household

    lower = (Household.objects.filter(room__unit=members[0].household.room.unit, status="active",
                                      room__floor__lt=members[0].household.room.floor, persons__status="active")
             .order_by("-room__floor").first())
    services.orders_for_household(actor=staff, household=lower, policy=policy77, last_exposure_on=EXPOSED)
    due = selectors.due_today(scope_for(users["grid1"]), at=dt.datetime(2022, 3, 2, 2, tzinfo=dt.UTC))
    ids = [h.household.pk for h in due]
    assert ids.index(lower.pk) < ids.index(members[0].household_id)


def test_a_visit_recorded_twice_is_one_visit(ordered: list[Any], members: list[Any], users: dict[str, Any]) -> None:
    grid1 = users["grid1"]
    first = slot(members[0], 2, "morning")
    client_id = uuid.uuid4()
    done = services.followup_record(actor=grid1, followup=first, outcome="seen", temperature=Decimal("36.5"),
                                    client_id=client_id)
    retry = services.followup_record(actor=grid1, followup=first, outcome="seen", temperature=Decimal("36.5"),
                                     client_id=client_id)
    other_phone = services.followup_record(actor=users["staff"], followup=first, outcome="not_seen",
                                           client_id=uuid.uuid4())
    assert done.created and not retry.created and not other_phone.created
    first.refresh_from_db()
    assert (first.outcome, first.temperature, first.recorded_by) == ("seen", Decimal("36.5"), grid1)


def test_fever_and_symptoms_alert_the_office_and_the_grid_worker(ordered: list[Any], members: list[Any],
                                                                 users: dict[str, Any]) -> None:
    done = services.followup_record(actor=users["grid1"], followup=slot(members[0], 2, "morning"), outcome="seen",
                                    temperature=Decimal("37.8"), symptoms="咳嗽")
    assert done.alerts == ["health_fever", "health_symptom"]
    fever = Alert.objects.get(kind="health_fever")
    assert fever.params["temperature"] == "37.8" and members[0].name not in json.dumps(fever.params)
    assert list(fever.grids.values_list("id", flat=True)) == [members[0].household.room.unit.building.grid_id]
    calm = services.followup_record(actor=users["grid1"], followup=slot(members[1], 2, "morning"), outcome="seen",
                                    temperature=Decimal("37.2"))
    assert calm.alerts == []


def test_three_missed_slots_in_a_row_alert_once(ordered: list[Any], members: list[Any], users: dict[str, Any],
                                                march: Any) -> None:
    person = members[0]
    march.set_local(2022, 3, 3, 19)
    services.followup_record(actor=users["grid1"], followup=slot(person, 2, "morning"), outcome="unreachable")
    services.followup_record(actor=users["grid1"], followup=slot(person, 2, "afternoon"), outcome="not_seen")
    assert not Alert.objects.filter(kind="health_missed").exists()
    third = services.followup_record(actor=users["grid1"], followup=slot(person, 3, "morning"), outcome="refused")
    assert third.alerts == ["health_missed"]
    # The sweep (for slots nobody recorded) does not raise it again for the same run.
    assert Alert.objects.filter(kind="health_missed").count() == 1


def test_the_sweep_alerts_for_slots_nobody_recorded(ordered: list[Any], members: list[Any], march: Any) -> None:
    march.set_local(2022, 3, 3, 12, 30)
    raised = services.followups_sweep()
    assert raised == len(members)  # 3-2 morning, 3-2 afternoon, 3-3 morning: nobody went
    assert services.followups_sweep() == 0


def test_overdue_buckets(ordered: list[Any], members: list[Any], users: dict[str, Any], march: Any) -> None:
    a, b = members[0], members[1]
    services.followup_record(actor=users["grid1"], followup=slot(a, 2, "morning"), outcome="seen")
    services.followup_record(actor=users["grid1"], followup=slot(b, 2, "morning"), outcome="seen")
    services.followup_record(actor=users["grid1"], followup=slot(b, 2, "afternoon"), outcome="seen")
    scope = scope_for(users["staff"])
    # 3-3 13:00: a missed 3-2 afternoon and 3-3 morning (one day), b missed one slot.
    buckets = selectors.overdue_buckets(scope, at=dt.datetime(2022, 3, 3, 5, tzinfo=dt.UTC))
    assert a.pk in buckets["day"] and b.pk in buckets["slot"]
    others = [m.pk for m in members[2:]]
    assert all(pk in buckets["never_seen"] for pk in others)
    later = selectors.overdue_buckets(scope, at=dt.datetime(2022, 3, 6, 11, tzinfo=dt.UTC))
    assert a.pk in later["three_days"] and b.pk in later["three_days"]


def _buckets_by_definition(at: dt.datetime, per_day: int = 2) -> dict[str, list[int]]:
    """The overdue buckets from their definition, over every slot in Python: the slots after a
    person's last seen one, of the three days before ``at``; never seen when no slot was ever seen."""
    from shequ.health.models import QuarantineOrder

    slots: dict[int, list[tuple[dt.datetime, str]]] = {}
    for person_id, due_at, outcome in (FollowUp.objects.filter(order__state=QuarantineOrder.State.ACTIVE,
                                                               due_at__lte=at)
                                       .values_list("person_id", "due_at", "outcome")):
        slots.setdefault(person_id, []).append((due_at, outcome))
    buckets: dict[str, list[int]] = {b: [] for b in selectors.BUCKETS}
    for person_id, rows in sorted(slots.items()):
        rows.sort()
        seen = [due for due, outcome in rows if outcome == "seen"]
        run = [due for due, _ in rows if (not seen or due > seen[-1]) and due > at - dt.timedelta(days=3)]
        if not run:
            continue
        if not seen:
            buckets["never_seen"].append(person_id)
            continue
        days = len(run) / per_day
        buckets["three_days" if days >= 3 else "two_days" if days >= 2 else "day" if days >= 1 else "slot"].append(
            person_id)
    return buckets


def test_overdue_buckets_agree_with_their_definition_on_random_records(
        ordered: list[Any], members: list[Any], users: dict[str, Any], march: Any) -> None:
    """Outcomes drawn at random over the household's 14 days (seen, missed, caught up, never seen,
    seen only before the window), one member's order ended: the buckets at several moments are those
    of the definition, computed independently."""
    import random

    from shequ.health.models import QuarantineOrder

    ended = members[-1]
    QuarantineOrder.objects.filter(person=ended).update(state=QuarantineOrder.State.ENDED)
    scope = scope_for(users["staff"])
    rnd = random.Random(2022)
    slots = list(FollowUp.objects.filter(person__in=members).order_by("due_at", "id"))
    nonempty = 0
    for trial in range(25):
        mood = rnd.random()  # some trials mostly seen, some mostly missed
        for s in slots:
            s.outcome = rnd.choice(["seen", "seen", "not_seen", "unreachable", ""] if mood > 0.5
                                   else ["seen", "not_seen", "not_seen", "refused", ""])
        if trial % 5 == 0:  # one member never seen at all
            for s in slots:
                if s.person_id == members[0].pk:
                    s.outcome = "not_seen"
        FollowUp.objects.bulk_update(slots, ["outcome"])
        for day, hour in ((3, 5), (4, 13), (6, 11), (9, 2), (14, 9)):
            at = dt.datetime(2022, 3, day, hour, tzinfo=dt.UTC)
            got = selectors.overdue_buckets(scope, at=at)
            assert got == _buckets_by_definition(at), (trial, at)
            assert ended.pk not in [p for ids in got.values() for p in ids]
            nonempty += sum(1 for ids in got.values() if ids)
    assert nonempty > 25 * 5  # the draws filled buckets, not only empty lists


def test_the_api_records_once_by_client_id(ordered: list[Any], members: list[Any], login: Any, march: Any) -> None:
    client = login("grid1")
    due = client.get(reverse("api:health_followups_due")).json()
    home = next(h for h in due if h["household_id"] == members[0].household_id)
    records = [{"client_id": str(uuid.uuid4()), "followup_id": s["followup_id"], "outcome": "seen",
                "temperature": "36.6" if i else "37.8"} for i, s in enumerate(home["slots"])]
    url = reverse("api:health_followups_record")
    first = client.post(url, json.dumps({"records": records}), content_type="application/json")
    assert first.status_code == 201
    assert [r["status"] for r in first.json()["results"]] == ["created"] * len(records)
    assert first.json()["results"][0]["alerts"] == ["health_fever"]
    again = client.post(url, json.dumps({"records": records}), content_type="application/json")
    assert again.status_code == 200 and {r["status"] for r in again.json()["results"]} == {"existing"}
    assert Alert.objects.filter(kind="health_fever").count() == 1
    bad = client.post(url, json.dumps({"records": [{"client_id": str(uuid.uuid4()), "followup_id": 10**9,
                                                     "outcome": "seen"}]}), content_type="application/json")
    assert bad.json()["results"][0]["status"] == "rejected"
    # grid2 is told "no such follow-up" for grid 1's, like one that does not exist.
    other = login("grid2").post(url, json.dumps({"records": [{**records[0], "client_id": str(uuid.uuid4())}]}),
                                content_type="application/json")
    assert other.json()["results"][0]["problem"] == bad.json()["results"][0]["problem"]


def test_a_resident_reports_for_themselves(ordered: list[Any], members: list[Any], login: Any, march: Any) -> None:
    client = login("resident1")
    page = client.get(reverse("health:mine"))
    assert page.status_code == 200
    # Health's "Orders" are quarantine orders (管控), not the supplies app's purchase orders (订单).
    assert "<h2>管控</h2>" in page.content.decode() and "<h2>订单</h2>" not in page.content.decode()
    key = uuid.uuid4().hex
    body = {"person": members[0].pk, "temperature": "36.4", "symptoms": "", "submission_key": key}
    assert client.post(reverse("health:mine"), body).status_code == 302
    assert client.post(reverse("health:mine"), body).status_code == 302  # the same form again
    recorded = FollowUp.objects.filter(person=members[0]).exclude(outcome="")
    assert [(f.outcome, f.temperature, f.self_reported) for f in recorded] == [("seen", Decimal("36.4"), True)]


@pytest.mark.parametrize("username", ["staff", "grid1", "grid2", "sampler1", "resident1", "gate1", "street",
                                      "outsider"])
def test_the_slot_a_follow_up_is_recorded_for_is_found_exactly_where_the_scope_sees_it(
        username: str, ordered: list[Any], members: list[Any], users: dict[str, Any]) -> None:
    """selectors.followup_for_record (the API's one prepared read, the scope checked on the row)
    finds the slots Scope.filter finds, for each role, with the order the service reads; the
    others, and a slot that does not exist, are 404."""
    from django.http import Http404

    slots = list(FollowUp.objects.filter(person__in=members).select_related("order").order_by("id")[:6])
    scope = scope_for(users[username])
    seen = set(scope.filter(FollowUp.objects.all()).values_list("id", flat=True)) & {f.pk for f in slots}
    found = set()
    for f in slots:
        try:
            got = selectors.followup_for_record(scope, f.pk)
        except Http404:
            continue
        assert (got.due_at, got.slot, got.household_id, got.order.state, got.order.ends_at) == (
            f.due_at, f.slot, f.household_id, f.order.state, f.order.ends_at)
        found.add(f.pk)
    assert found == seen
    assert bool(found) is (username in ("staff", "grid1", "sampler1", "resident1"))
    with pytest.raises(Http404):
        selectors.followup_for_record(scope, max(f.pk for f in slots) + 10_000)
