"""Shift windows: the shift running now and the next one. Pure computation on Shift rows.

A shift belongs to the day it starts (Assignment.date); a shift that ends at or before its start
time runs past midnight. Times are the community's local time (settings.TIME_ZONE).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from shequ.workforce.models import Shift


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


def watched_windows(shifts: list[Shift], at: dt.datetime | None = None) -> frozenset[tuple[int, dt.date]]:
    """(shift id, day) of the current and the next shift: gaps there are highlighted."""
    return frozenset((w.shift.pk, w.date) for w in current_and_next(shifts, at or timezone.now()) if w is not None)


def running_at(shifts: list[Shift], at: dt.datetime) -> list[ShiftWindow]:
    """Every shift running at ``at`` with the day it started, the latest start first. A community's
    shifts may overlap (a 22:00-06:00 watch beside the default three)."""
    today = timezone.localdate(at, timezone.get_default_timezone())
    running = [w for shift in shifts for w in (window(shift, today - dt.timedelta(days=1)), window(shift, today))
               if w.start <= at < w.end]
    return sorted(running, key=lambda w: (w.start, w.shift.pk), reverse=True)
