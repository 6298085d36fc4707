"""Containment services: a new level on a place replaces the one in force there."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from shequ.accounts.models import User
from shequ.containment import services
from shequ.containment.models import ContainmentArea, Level
from shequ.containment.selectors import in_force, levels_for_units

# On the fixed clock (tests/conftest.py): timezone.now() here and in the code under test is one moment.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def test_a_new_level_on_the_same_place_ends_the_old_one_and_others_stay(anchor_household: Any) -> None:
    staff = User.objects.get(username="staff")
    unit = anchor_household.room.unit
    building = unit.building
    now = timezone.now()
    sealed = services.area_create(actor=staff, level=Level.SEALED, place=unit, starts_at=now - dt.timedelta(hours=1))
    on_building = services.area_create(actor=staff, level=Level.PRECAUTION, place=building,
                                       starts_at=now - dt.timedelta(hours=1))
    assert levels_for_units([unit.pk], now)[unit.pk] == Level.SEALED
    relaxed = services.area_create(actor=staff, level=Level.CONTROLLED, place=unit, starts_at=now)
    sealed.refresh_from_db()
    on_building.refresh_from_db()
    assert sealed.ends_at == relaxed.starts_at
    assert on_building.ends_at is None  # another place keeps its level
    later = now + dt.timedelta(seconds=1)
    assert levels_for_units([unit.pk], later)[unit.pk] == Level.CONTROLLED
    assert list(ContainmentArea.objects.filter(in_force(later), unit=unit)) == [relaxed]
