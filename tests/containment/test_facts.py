"""containment.selectors.place_facts, the one statement the gates read per passage, says what the
ORM selectors of containment say: restrictions in force, the strictest level over a home, the exit
quota in force at a compound. Both are containment's, and so is this test that keeps them in step."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from shequ.containment.models import ContainmentArea, Level, MovementRestriction, RestrictionKind
from shequ.containment.selectors import levels_for_units, place_facts, quota_in_force, restrictions_in_force
from shequ.containment.services import exit_quota_set
from shequ.registry.models import Household, Person, Unit

pytestmark = pytest.mark.django_db


def _area(level: str, place: Any, at: dt.datetime, starts: dt.timedelta, ends: dt.timedelta | None) -> None:
    ContainmentArea.objects.create(community_id=place.community_id, level=level,
                                   **{type(place).__name__.lower(): place}, starts_at=at + starts,
                                   ends_at=None if ends is None else at + ends)


def test_the_one_statement_agrees_with_the_containment_selectors(anchor_household: Household, clock: Any) -> None:
    now = clock.at
    compound = anchor_household.room.unit.building.compound
    units = list(Unit.objects.filter(building__compound=compound).select_related("building").order_by("id")[:16])
    for i, unit in enumerate(units[:12]):
        place = [unit, unit.building, unit.building][i % 3] if i % 4 else compound
        level = [Level.SEALED, Level.CONTROLLED, Level.PRECAUTION][i % 3] if place != compound else Level.PRECAUTION
        _area(level, place, now, dt.timedelta(hours=-(i % 5)), dt.timedelta(hours=i % 3) if i % 3 else None)
    exit_quota_set(actor=None, compound=compound, persons=1, days=2, starts_at=now - dt.timedelta(hours=1),
                   ends_at=now + dt.timedelta(hours=2))
    persons = list(Person.objects.filter(status="active", household__room__unit__in=units)
                   .select_related("household__room__unit__building__compound").order_by("id"))
    for p in persons[::7]:
        MovementRestriction.objects.create(community_id=p.community_id, person=p, kind=RestrictionKind.OTHER,
                                           starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=1))
    seen: set[tuple[str | None, bool, bool]] = set()
    for at in (now - dt.timedelta(hours=6), now, now + dt.timedelta(minutes=90), now + dt.timedelta(hours=3)):
        levels = levels_for_units([p.household.room.unit_id for p in persons], at)
        restricted = restrictions_in_force([p.pk for p in persons], at)
        quota = quota_in_force(compound.pk, at)
        for p in persons:
            got_restricted, got_level, got_quota, _permit = place_facts(
                person_id=p.pk, room=p.household.room, gate_compound_id=compound.pk, at=at)
            assert (got_level, got_restricted) == (levels.get(p.household.room.unit_id), p.pk in restricted), (p, at)
            assert got_quota == (quota.pk if quota else None), (p, at)
            seen.add((got_level, got_restricted, got_quota is not None))
    assert {level for level, _r, _q in seen} == {None, "sealed", "controlled", "precaution"}
    assert {r for _l, r, _q in seen} == {True, False}
    assert {q for _l, _r, q in seen} == {True, False}
