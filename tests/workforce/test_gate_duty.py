"""Who is on duty at a gate now (the gate screen's "on duty" line), on a fixed clock: the day shifts,
and a shift that runs past midnight (22:00-06:00), which belongs to the day it starts and may
overlap the community's other shifts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from shequ.gates import selectors, services
from shequ.gates.models import Gate
from shequ.workforce.models import Assignment, Shift

pytestmark = pytest.mark.django_db
DAY = dt.date(2022, 1, 26)


@pytest.fixture
def gate() -> Gate:
    """富通小区 东门 with nobody on its roster: the facts of each test are its own."""
    found = Gate.objects.get(community__code="futong", compound__name="富通小区", name="东门")
    Assignment.objects.filter(post__gate=found).delete()
    return found


@pytest.fixture
def night(users: dict[str, Any], gate: Gate) -> Shift:
    """A custom night watch 22:00-06:00 beside the default three shifts, volunteer1 on it on DAY."""
    services.shifts_ensure_default(community_id=gate.community_id)
    shift = services.shift_create(actor=users["staff"], community=gate.community, name="夜岗",
                                  starts=dt.time(22), ends=dt.time(6))
    services.duty_assign(actor=users["staff"], gate=gate, shift=shift, date=DAY, guard=users["volunteer1"])
    return shift


def _on_duty(gate: Gate, clock: Any, *at: int) -> set[str]:
    moment = clock.set_local(*at)
    return {u.username for u in selectors.on_duty(gate, moment)}


@pytest.mark.parametrize(("at", "on"), [
    ((2022, 1, 26, 21, 59), False),
    ((2022, 1, 26, 22, 0), True),
    ((2022, 1, 26, 23, 30), True),
    ((2022, 1, 27, 0, 0), True),
    ((2022, 1, 27, 5, 59), True),
    ((2022, 1, 27, 6, 0), False),
    ((2022, 1, 27, 23, 30), False),  # the next night has nobody on the roster
])
def test_a_past_midnight_shift_is_on_duty_from_its_start_until_the_next_morning(
        gate: Gate, night: Shift, clock: Any, at: tuple[int, ...], on: bool) -> None:
    assert ("volunteer1" in _on_duty(gate, clock, *at)) is on


def test_overlapping_shifts_are_all_on_duty(users: dict[str, Any], gate: Gate, night: Shift, clock: Any) -> None:
    """At 23:30 the default 16:00-24:00 shift and the 22:00-06:00 watch both run: both guards count."""
    evening = Shift.objects.get(community=gate.community, starts=dt.time(16), ends=dt.time(0))
    services.duty_assign(actor=users["staff"], gate=gate, shift=evening, date=DAY, guard=users["gate1"])
    assert _on_duty(gate, clock, 2022, 1, 26, 23, 30) == {"gate1", "volunteer1"}
    assert _on_duty(gate, clock, 2022, 1, 26, 21, 0) == {"gate1"}
    assert _on_duty(gate, clock, 2022, 1, 27, 1, 0) == {"volunteer1"}


def test_the_gate_screen_shows_the_night_watch_as_on_duty(login: Any, gate: Gate, night: Shift, clock: Any) -> None:
    clock.set_local(2022, 1, 27, 2, 15)
    html = login("gate1").get(reverse("gates:screen", args=[gate.pk])).content.decode()
    assert "夜岗" in html and "22:00–06:00" in html
    clock.set_local(2022, 1, 27, 7, 0)
    html = login("gate1").get(reverse("gates:screen", args=[gate.pk])).content.decode()
    assert 'id="on-duty"' in html and "夜岗" not in html


def test_a_day_shift_ends_at_its_end(users: dict[str, Any], gate: Gate, clock: Any) -> None:
    services.shifts_ensure_default(community_id=gate.community_id)
    morning = Shift.objects.get(community=gate.community, starts=dt.time(8))
    services.duty_assign(actor=users["staff"], gate=gate, shift=morning, date=DAY, guard=users["gate1"])
    assert _on_duty(gate, clock, 2022, 1, 26, 7, 59) == set()
    assert _on_duty(gate, clock, 2022, 1, 26, 8, 0) == {"gate1"}
    assert _on_duty(gate, clock, 2022, 1, 26, 15, 59) == {"gate1"}
    assert _on_duty(gate, clock, 2022, 1, 26, 16, 0) == set()
