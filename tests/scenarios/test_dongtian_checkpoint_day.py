"""Dongtian's checkpoint day (seed scene): a gate staffed around the clock in three 8-hour shifts,
and a volunteer called out to fill a gap within 30 minutes. Replayed through the services on a
fixed clock, in the order the day went.

The day is told in parts that share one ``Day``: the workforce's here; the disinfection rounds (five
a day) and the masks issued to the gate with the stock's days left falling belong to the hygiene
app and join PARTS as their own functions, run in the order of the day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from shequ.accounts.access import scope_for
from shequ.gates import roster
from shequ.gates import services as gates
from shequ.gates.models import Gate
from shequ.registry.models import Community
from shequ.workforce import selectors, services
from shequ.workforce.models import Assignment, CallOut, Shift

pytestmark = pytest.mark.django_db
DAY = dt.date(2022, 1, 26)


@dataclass
class Day:
    clock: Any
    users: dict[str, Any]
    community: Community
    gate: Gate
    shifts: dict[str, Shift]
    people: dict[str, Any] = field(default_factory=dict)  # name in the story -> user


def _volunteer(day: Day, name: str, phone: str) -> Any:
    signup, _new = services.volunteer_signup(community=day.community, name=name, phone=phone,
                                             availability="随叫随到")
    account = services.volunteer_approve(actor=day.users["staff"], volunteer=signup)
    assert account is not None
    services.health_declare(actor=account.user, community=day.community, temperature="36.4")
    return account.user


def workforce_part(day: Day) -> None:
    staff = day.users["staff"]
    # The evening before. Three shifts at the gate for the 26th, one person each: the guard, and two
    # volunteers who signed up from the poster and were vetted; a third volunteer is on standby.
    day.clock.set_local(2022, 1, 25, 20, 0)
    day.people = {"guard": day.users["gate1"], "wang": _volunteer(day, "王志愿", "13900110001"),
                  "li": _volunteer(day, "李志愿", "13900110002"), "zhao": _volunteer(day, "赵志愿", "13900110003")}
    plan = {"夜班": "li", "早班": "guard", "中班": "wang"}
    for shift_name, who in plan.items():
        gates.duty_assign(actor=staff, gate=day.gate, shift=day.shifts[shift_name], date=DAY, guard=day.people[who])
    shifts = list(day.shifts.values())
    # 3:00 on the 26th: the night shift (00:00-08:00, the day's first) has Li at the gate.
    day.clock.set_local(2022, 1, 26, 3, 0)
    assert [u.username for u in selectors.on_duty_at_gate(day.gate.pk, day.community.pk)] == [day.people["li"].username]
    day.clock.set_local(2022, 1, 26, 9, 0)
    assert not roster.unstaffed([day.gate], shifts)  # now and next are covered

    # 15:20. Wang, due at 16:00, reports a fever: not on duty today, and their shift is now a gap.
    day.clock.set_local(2022, 1, 26, 15, 20)
    services.health_declare(actor=day.people["wang"], community=day.community, temperature="37.9")
    reason = selectors.unassignable_reason(day.people["wang"], day.community.pk, DAY)
    assert "fever" in reason or "发热" in reason
    evening = Assignment.objects.get(post__gate=day.gate, shift=day.shifts["中班"], date=DAY)
    services.assignment_remove(actor=staff, duty=evening)
    scope = scope_for(staff)
    board = selectors.board(scope, day.community, posts=[day.gate.workforce_post])
    assert [(c.shift.name, c.when) for _r, c in board.gaps] == [("中班", "next")]
    assert [u.when for u in roster.unstaffed([day.gate], shifts)] == ["next"]

    # 15:25. The office calls the evening shift out; Wang cannot take it back, Zhao on standby does.
    day.clock.set_local(2022, 1, 26, 15, 25)
    callout = services.callout_create(actor=staff, post=day.gate.workforce_post, shift=day.shifts["中班"], date=DAY)
    offered = selectors.callouts_offered(scope_for(day.people["zhao"]), since=DAY)
    assert list(offered) == [callout]
    with pytest.raises(ValidationError, match="fever|发热"):
        services.callout_accept(actor=day.people["wang"], callout=callout)
    day.clock.set_local(2022, 1, 26, 15, 43)
    services.callout_accept(actor=day.people["zhao"], callout=callout)
    callout = CallOut.objects.get(pk=callout.pk)
    assert callout.accepted_by == day.people["zhao"] and callout.minutes_to_fill == 18
    assert callout.minutes_to_fill is not None and callout.minutes_to_fill <= 30  # "补位 30 分钟内到岗"

    # 16:30. The evening shift is at the gate; the gate screen names Zhao; the day has no gap left
    # (the board already points at the next night, the 27th, which nobody has planned yet).
    day.clock.set_local(2022, 1, 26, 16, 30)
    assert [u.username for u in selectors.on_duty_at_gate(day.gate.pk, day.community.pk)] == [
        day.people["zhao"].username]
    board = selectors.board(scope, day.community, posts=[day.gate.workforce_post])
    assert [(c.shift.name, c.date, c.when) for _r, c in board.gaps] == [("夜班", DAY + dt.timedelta(days=1), "next")]
    assert [u.when for u in roster.unstaffed([day.gate], shifts)] == ["next"]

    # The next morning: every shift of the day served, 8 hours each, the hours on each one's record.
    day.clock.set_local(2022, 1, 27, 9, 0)
    served = {s.user.username: s.hours for s in selectors.hours_served(scope, day.community)
              if s.user.username in {u.username for u in day.people.values()}}
    assert served[day.people["zhao"].username] == 8 and served[day.people["li"].username] == 8
    assert day.people["wang"].username not in served


# The parts of the day, in its order. The hygiene app adds its own (five disinfection rounds logged
# at the gate and the stairwells; masks issued to the gate, the stock's days left falling).
PARTS: list[Callable[[Day], None]] = [workforce_part]


def test_dongtian_checkpoint_day(clock: Any, users: dict[str, Any]) -> None:
    community = Community.objects.get(code="futong")
    gate = Gate.objects.filter(community=community, status="open").exclude(
        workforce_post__assignments__isnull=False).order_by("id").first()
    assert gate is not None  # an open gate nobody guards in the demo
    gates.gate_posts_ensure([gate])
    gate.refresh_from_db()
    day = Day(clock=clock, users=users, community=community, gate=gate,
              shifts={s.name: s for s in services.shifts_ensure_default(community_id=community.pk)})
    for part in PARTS:
        part(day)
