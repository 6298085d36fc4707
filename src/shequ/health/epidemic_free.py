"""The epidemic-free status (无疫情) of a compound, computed from the register: a pure function over
the compound's health events, with Wuhan's 2020 rule as the default preset.

- A confirmed case (or asymptomatic infection) *revokes* the status: the count of days starts again
  from the case's report, and the compound is "counting" until ``days`` have passed.
- A suspected case, a person with fever or a close contact still under observation *suspends* it.
- Ruling them out (any later status that is none of those) *restores* it: the days counted while
  suspended still count, because only a case restarts the count.
- A community may require the six-item control checklist before the status counts.

tests/health/test_epidemic_free.py holds the rule as a table of event sequences.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from shequ.health.models import CASES, Status

OBSERVED = (Status.SUSPECTED, Status.FEVER, Status.CLOSE_CONTACT)


class State:
    FREE = "epidemic_free"
    COUNTING = "counting"
    SUSPENDED = "suspended"
    CHECKLIST = "checklist"


@dataclass(frozen=True)
class Verdict:
    state: str
    # Free since (when the last condition was met); None unless free.
    since: dt.datetime | None
    # When the count of days without a case ends (None: there never was a case).
    count_ends: dt.datetime | None
    observing: int

    @property
    def free(self) -> bool:
        return self.state == State.FREE


def verdict(events: Iterable[tuple[dt.datetime, Hashable, str]], *, at: dt.datetime, days: int = 14,
            checklist_done: bool = True, counted_from: dt.datetime | None = None) -> Verdict:
    """``events``: (reported at, who, status) of the compound's persons, in any order; events after
    ``at`` are ignored. ``counted_from``: when the register began (a compound with no case at all is
    free from then, if nothing else holds it back)."""
    current: dict[Hashable, str] = {}
    last_case: dt.datetime | None = None
    last_cleared: dt.datetime | None = None
    for when, who, status in sorted(events, key=lambda e: e[0]):
        if when > at:
            break
        before = current.get(who)
        current[who] = status
        if status in CASES:
            last_case = when
        elif before in OBSERVED and status not in OBSERVED:
            last_cleared = when
    observing = sum(1 for s in current.values() if s in OBSERVED)
    count_ends = last_case + dt.timedelta(days=days) if last_case is not None else None
    if count_ends is not None and at < count_ends:
        return Verdict(State.COUNTING, None, count_ends, observing)
    if observing:
        return Verdict(State.SUSPENDED, None, count_ends, observing)
    if not checklist_done:
        return Verdict(State.CHECKLIST, None, count_ends, 0)
    moments = [m for m in (count_ends, last_cleared, counted_from) if m is not None]
    return Verdict(State.FREE, max(moments) if moments else None, count_ends, 0)
