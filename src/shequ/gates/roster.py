"""Reads of the duty roster: the week grid, the shift running now and the next one, gates nobody guards.

A shift belongs to the day it starts (DutyAssignment.date); a shift that ends at or before its start
time runs past midnight. Times are the community's local time (settings.TIME_ZONE).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from shequ.accounts.models import Membership, User
from shequ.core.scoping import Scope
from shequ.gates.access import POSTED_ROLES
from shequ.gates.models import DutyAssignment, Gate, Shift
from shequ.registry.models import Community


@dataclass(frozen=True)
class ShiftWindow:
    """One shift on one day, as aware datetimes [start, end)."""

    shift: Shift
    date: dt.date
    start: dt.datetime
    end: dt.datetime


def window(shift: Shift, day: dt.date) -> ShiftWindow:
    tz = timezone.get_default_timezone()
    start = timezone.make_aware(dt.datetime.combine(day, shift.starts), tz)
    end_day = day if shift.ends > shift.starts else day + dt.timedelta(days=1)
    end = timezone.make_aware(dt.datetime.combine(end_day, shift.ends), tz)
    return ShiftWindow(shift, day, start, end)


def current_and_next(shifts: list[Shift], at: dt.datetime) -> tuple[ShiftWindow | None, ShiftWindow | None]:
    """The shift running at ``at`` (None in a gap between custom shifts) and the next one to start."""
    if not shifts:
        return None, None
    today = timezone.localdate(at, timezone.get_default_timezone())
    windows = sorted(
        (window(s, today + dt.timedelta(days=d)) for d in (-1, 0, 1) for s in shifts),
        key=lambda w: (w.start, w.shift.pk),
    )
    running = [w for w in windows if w.start <= at < w.end]
    current = running[-1] if running else None
    upcoming = [w for w in windows if w.start > at]
    return current, (upcoming[0] if upcoming else None)


def eligible_guards(community: Community) -> list[Any]:
    """Users who may be put on gate duty: a gate guard or volunteer membership in the community."""
    ids = Membership.objects.filter(community=community, role__in=sorted(POSTED_ROLES)).values("user_id")
    return list(User.objects.filter(id__in=ids, is_active=True).order_by("username"))


def week_start(day: dt.date) -> dt.date:
    """The Monday of ``day``'s week."""
    return day - dt.timedelta(days=day.weekday())


@dataclass
class Cell:
    date: dt.date
    duties: list[DutyAssignment] = field(default_factory=list)
    # The current or next shift window, open gate, nobody assigned: highlighted on the grid.
    unstaffed: bool = False


@dataclass
class ShiftRow:
    shift: Shift
    cells: list[Cell]


@dataclass
class GateRows:
    gate: Gate
    shifts: list[ShiftRow]


def week_grid(gates: list[Gate], shifts: list[Shift], monday: dt.date,
              watch: frozenset[tuple[int, dt.date]] = frozenset()) -> tuple[list[dt.date], list[GateRows]]:
    """Gate x shift x day for seven days from ``monday``, with the assigned guards (one query).
    ``watch`` holds the (shift id, day) of the current and next shift: empty cells there are flagged."""
    days = [monday + dt.timedelta(days=i) for i in range(7)]
    duties = DutyAssignment.objects.filter(
        gate_id__in=[g.pk for g in gates], date__gte=days[0], date__lte=days[-1]
    ).select_related("guard").order_by("guard__username")
    by_key: dict[tuple[int, int, dt.date], list[DutyAssignment]] = {}
    for d in duties:
        by_key.setdefault((d.gate_id, d.shift_id, d.date), []).append(d)
    rows = [
        GateRows(gate=g, shifts=[
            ShiftRow(shift=s, cells=[
                Cell(date=day, duties=by_key.get((g.pk, s.pk, day), []),
                     unstaffed=g.status == Gate.Status.OPEN and (s.pk, day) in watch
                     and not by_key.get((g.pk, s.pk, day)))
                for day in days])
            for s in shifts
        ])
        for g in gates
    ]
    return days, rows


@dataclass(frozen=True)
class Unstaffed:
    """Open gates with nobody assigned in one shift window ("now" or "next")."""

    when: str  # "now" | "next"
    window: ShiftWindow
    gates: list[Gate]


def watched_windows(shifts: list[Shift], at: dt.datetime | None = None) -> frozenset[tuple[int, dt.date]]:
    """(shift id, day) of the current and the next shift."""
    return frozenset((w.shift.pk, w.date) for w in current_and_next(shifts, at or timezone.now()) if w is not None)


def unstaffed(gates: list[Gate], shifts: list[Shift], at: dt.datetime | None = None) -> list[Unstaffed]:
    """Open gates that nobody guards in the current shift and in the next one. A closed gate needs no
    guard. Windows with every gate staffed are left out; an empty list means all is well."""
    current, upcoming = current_and_next(shifts, at or timezone.now())
    open_gates = [g for g in gates if g.status == Gate.Status.OPEN]
    result = []
    for when, w in (("now", current), ("next", upcoming)):
        if w is None:
            continue
        staffed = set(DutyAssignment.objects.filter(
            gate_id__in=[g.pk for g in open_gates], shift=w.shift, date=w.date).values_list("gate_id", flat=True))
        missing = [g for g in open_gates if g.pk not in staffed]
        if missing:
            result.append(Unstaffed(when=when, window=w, gates=missing))
    return result


def unstaffed_for_scope(scope: Scope, at: dt.datetime | None = None) -> list[Unstaffed]:
    """For the dashboard: unstaffed gates of every community the user manages."""
    result: list[Unstaffed] = []
    from shequ.gates import selectors

    for community in selectors.roster_communities(scope):
        shifts = list(Shift.objects.filter(community=community))
        result += unstaffed(list(selectors.community_gates(scope, community)), shifts, at)
    return result
