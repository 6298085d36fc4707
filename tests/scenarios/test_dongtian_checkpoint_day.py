"""Dongtian's checkpoint day (seed scene): a gate staffed around the clock in three 8-hour shifts,
and a volunteer called out to fill a gap within 30 minutes. Replayed through the services on a
fixed clock, in the order the day went.

The day is told in parts that share one ``Day``: the workforce's (three shifts, a gap called out);
the disinfection rounds (five a day at the gate, the stairwell behind until it is done); the masks
prepared in advance, issued to the gate, the gate's days left falling."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

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


def disinfection_part(day: Day) -> None:
    """"每天消杀5次": five rounds at the gate, logged as they are done; the stairwell is behind on the
    board until its rounds are logged too."""
    from shequ.disinfection import selectors as disinfection
    from shequ.disinfection import services as rounds

    staff = day.users["staff"]
    compound = day.gate.compound
    gate_place = rounds.place_create(actor=staff, compound=compound, kind="gate", name=f"{day.gate.name}卡口",
                                     target_per_day=5)
    stairwell = rounds.place_create(actor=staff, compound=compound, kind="stairwell", name="1号楼楼道",
                                    target_per_day=2)
    scope = scope_for(staff)

    def row(place: Any, hour: int) -> Any:
        now = dt.datetime(2022, 1, 26, hour, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
        rows = [p for c in disinfection.board(scope, day=DAY, now=now) for p in c.places if p.place.pk == place.pk]
        assert len(rows) == 1
        return rows[0]

    for hour in (6, 10, 14, 18, 22):
        day.clock.set_local(2022, 1, 26, hour, 0)
        _round, created = rounds.round_record(actor=staff, place=gate_place, client_id=uuid.uuid4(), agent="84消毒液",
                                              concentration="500mg/L", operator="门岗")
        assert created
        assert not row(gate_place, hour).behind  # on time all day
    # A phone's queue sending the last round again: still five.
    again, created = rounds.round_record(actor=staff, place=gate_place, client_id=_round.client_id, agent="84消毒液",
                                         operator="门岗")
    assert not created and again.pk == _round.pk
    assert row(gate_place, 23).done == 5 and not row(gate_place, 23).behind
    assert row(stairwell, 23).behind and row(stairwell, 23).done == 0
    for hour in (9, 21):
        day.clock.set_local(2022, 1, 26, hour, 10)
        rounds.round_record(actor=staff, place=stairwell, client_id=uuid.uuid4(), agent="84消毒液", operator="物业")
    assert not row(stairwell, 23).behind


def masks_part(day: Day) -> None:
    """"提前准备口罩1.5万个": the masks prepared in advance at the warehouse, a supply moved to the gate,
    issued to each shift; the gate's days left fall as the days go by."""
    from shequ.stock import selectors as stock
    from shequ.stock import services as supplies

    staff = day.users["staff"]
    tz = ZoneInfo("Asia/Shanghai")
    masks = supplies.item_create(actor=staff, community=day.community, kind="mask", name="一次性医用口罩", unit="个")
    warehouse = supplies.store_create(actor=staff, community=day.community, kind="warehouse", name="社区仓库")
    at_gate = supplies.store_create(actor=staff, community=day.community, kind="gate", name=f"{day.gate.name}卡口")
    supplies.minimum_set(actor=staff, item=masks, store=at_gate, minimum=100)
    supplies.receive(actor=staff, item=masks, store=warehouse, quantity=15000, at=dt.datetime(2022, 1, 22, 9, tzinfo=tz))
    supplies.transfer(actor=staff, item=masks, source=warehouse, target=at_gate, quantity=600,
                      at=dt.datetime(2022, 1, 23, 9, tzinfo=tz))

    def gate_row(now: dt.datetime) -> Any:
        rows = [r for r in stock.sheet(scope_for(staff), now=now) if r.stock.store_id == at_gate.pk]
        assert len(rows) == 1
        return rows[0]

    left = []
    for d in (23, 24, 25, 26):
        for hour in (0, 8, 16):  # each shift takes its masks at the start of the shift
            supplies.issue(actor=staff, item=masks, store=at_gate, quantity=20, taken_by="门岗", post="卡口",
                           at=dt.datetime(2022, 1, d, hour, 5, tzinfo=tz), client_id=uuid.uuid4())
        left.append(gate_row(dt.datetime(2022, 1, d, 23, 0, tzinfo=tz)).days_left)
    row = gate_row(dt.datetime(2022, 1, 26, 23, 0, tzinfo=tz))
    assert row.stock.quantity == 600 - 4 * 60 and row.rate.per_day == 60
    assert left == sorted(left, reverse=True) and left[0] > left[-1] == 6  # 360 masks at 60 a day
    assert not row.flagged
    # Over an issue more than the gate holds: refused, nothing taken.
    with pytest.raises(ValidationError):
        supplies.issue(actor=staff, item=masks, store=at_gate, quantity=1000, taken_by="门岗",
                       at=dt.datetime(2022, 1, 26, 23, 30, tzinfo=tz))
    assert stock.sheet_quantity(masks, at_gate) == 360


# The parts of the day, in its order.
PARTS: list[Callable[[Day], None]] = [masks_part, workforce_part, disinfection_part]


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
