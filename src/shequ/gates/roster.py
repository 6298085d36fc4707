"""The gate roster: the week grid of the gates, and the gates nobody guards. A gate is a post of kind
"gate" in shequ.workforce, which holds the shifts and the duties; this module adds what only gates
know (which gates are open: a closed gate needs no guard).

A shift belongs to the day it starts (Assignment.date); a shift that ends at or before its start
time runs past midnight. Times are the community's local time (settings.TIME_ZONE).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from shequ.core.scoping import Scope
from shequ.gates.access import POSTED_ROLES
from shequ.gates.models import Gate
from shequ.registry.models import Community
from shequ.workforce import selectors as workforce
from shequ.workforce.models import Assignment, Shift
from shequ.workforce.shifts import ShiftWindow, current_and_next, watched_windows, window

__all__ = ["ShiftWindow", "current_and_next", "eligible_guards", "unstaffed", "unstaffed_for_scope",
           "watched_windows", "week_grid", "week_start", "window"]


def eligible_guards(community: Community) -> list[Any]:
    """Users who may be put on gate duty: a gate guard or volunteer membership in the community."""
    return workforce.people_for_duty(community, POSTED_ROLES)


def week_start(day: dt.date) -> dt.date:
    """The Monday of ``day``'s week."""
    return day - dt.timedelta(days=day.weekday())


@dataclass
class Cell:
    date: dt.date
    duties: list[Assignment] = field(default_factory=list)
    # The current or next shift window, open gate, nobody assigned: highlighted on the grid.
    unstaffed: bool = False
    # The shift of this day is over: nobody is posted to it from the grid ("+" is not offered).
    ended: bool = False


@dataclass
class ShiftRow:
    shift: Shift
    cells: list[Cell]


@dataclass
class GateRows:
    gate: Gate
    shifts: list[ShiftRow]


def week_grid(gates: list[Gate], shifts: list[Shift], monday: dt.date,
              watch: frozenset[tuple[int, dt.date]] = frozenset(),
              at: dt.datetime | None = None) -> tuple[list[dt.date], list[GateRows]]:
    """Gate x shift x day for seven days from ``monday``, with the assigned guards (one query).
    ``watch`` holds the (shift id, day) of the current and next shift: empty cells there are flagged;
    a shift that ended before ``at`` (now) is marked ended."""
    days = [monday + dt.timedelta(days=i) for i in range(7)]
    at = at or timezone.now()
    ended = {(s.pk, day) for s in shifts for day in days if window(s, day).end <= at}
    by_key: dict[tuple[int, int, dt.date], list[Assignment]] = {}
    for d in workforce.gate_duties_between([g.pk for g in gates], days[0], days[-1]):
        assert d.post.gate_id is not None  # gate duties only
        by_key.setdefault((d.post.gate_id, d.shift_id, d.date), []).append(d)
    rows = [
        GateRows(gate=g, shifts=[
            ShiftRow(shift=s, cells=[
                Cell(date=day, duties=by_key.get((g.pk, s.pk, day), []),
                     unstaffed=g.status == Gate.Status.OPEN and (s.pk, day) in watch
                     and not by_key.get((g.pk, s.pk, day)), ended=(s.pk, day) in ended)
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


def unstaffed(gates: list[Gate], shifts: list[Shift], at: dt.datetime | None = None) -> list[Unstaffed]:
    """Open gates that nobody guards in the current shift and in the next one. A closed gate needs no
    guard. Windows with every gate staffed are left out; an empty list means all is well."""
    current, upcoming = current_and_next(shifts, at or timezone.now())
    open_gates = [g for g in gates if g.status == Gate.Status.OPEN]
    result = []
    for when, w in (("now", current), ("next", upcoming)):
        if w is None:
            continue
        staffed = workforce.staffed_gates([g.pk for g in open_gates], w.shift, w.date)
        missing = [g for g in open_gates if g.pk not in staffed]
        if missing:
            result.append(Unstaffed(when=when, window=w, gates=missing))
    return result


def unstaffed_for_scope(scope: Scope, at: dt.datetime | None = None) -> list[Unstaffed]:
    """For the dashboard: unstaffed gates of every community the user manages."""
    result: list[Unstaffed] = []
    from shequ.gates import selectors

    for community in selectors.roster_communities(scope):
        shifts = workforce.community_shifts(community.pk)
        result += unstaffed(list(selectors.community_gates(scope, community)), shifts, at)
    return result
