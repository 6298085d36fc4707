"""The registry's bulk move (registry/services.py ``persons_move``): what the single move and the
roster import both use for a person's address history."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from shequ.registry import services
from shequ.registry.models import Household, Person, Residence

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def history(person: Person) -> list[tuple[int, bool, str]]:
    return [(r.household_id, r.ended_at is None, r.reason)
            for r in Residence.objects.filter(person=person).order_by("started_at", "id")]


def test_a_batch_closes_each_open_residence_and_opens_one(anchor_household: Household) -> None:
    persons = list(anchor_household.persons.filter(status="active").order_by("id"))[:2]
    target = (Household.objects.filter(community=anchor_household.community, status="active")
              .exclude(pk=anchor_household.pk).order_by("id").first())
    before = {p.pk: history(p) for p in persons}
    at = timezone.now() + dt.timedelta(hours=1)
    for p in persons:
        services.person_moved_to(p, target.pk)
    services.persons_move(community_id=target.community_id, moved=persons, at=at, reason="换房")
    for p in persons:
        old = [(h, False, r) for h, _open, r in before[p.pk]]
        assert history(p) == [*old, (target.pk, True, "换房")]
        assert Residence.objects.get(person=p, ended_at__isnull=True).started_at == at
        assert p.status == Person.Status.ACTIVE


def test_the_single_move_goes_through_it(users: dict[str, Any], anchor_household: Household,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    person = anchor_household.persons.filter(status="active").order_by("id").first()
    target = (Household.objects.filter(community=anchor_household.community, status="active")
              .exclude(pk=anchor_household.pk).order_by("id").first())
    calls: list[list[int]] = []
    real = services.persons_move

    def spy(**kwargs: Any) -> None:
        calls.append([p.pk for p in kwargs["moved"]])
        real(**kwargs)

    monkeypatch.setattr(services, "persons_move", spy)
    services.person_move(actor=users["staff"], person=person, household=target, reason="搬家")
    assert calls == [[person.pk]]
    person.refresh_from_db()
    assert person.household_id == target.pk and history(person)[-1] == (target.pk, True, "搬家")
