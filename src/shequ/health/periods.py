"""Period arithmetic of home quarantine and monitoring orders: pure functions, no database.

Days are counted from the last exposure: day *n* is ``last_exposure_on + n days`` (the day of the
exposure is day 0). A policy of Q quarantine days and M monitoring days puts the person under home
quarantine for days 1..Q and under home health monitoring for days Q+1..Q+M; each phase ends at the
community's local midnight that starts the next day. An order cannot start in the past: it starts
when it is ordered, so a contact reported on day 5 of "7+7" is under quarantine for days 5..7.
tests/health/test_periods.py holds these rules as a table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils import timezone

# Named presets a community starts with (name, quarantine days, monitoring days, test days):
# "14" (the 2020 rule), "7+7" (seven of central or home quarantine, seven of home monitoring) and
# "7+3" (the 2022 ninth edition for close contacts), and home monitoring alone for 7 days.
PRESETS: tuple[tuple[str, int, int, str], ...] = (
    ("14", 14, 0, "1,4,7,14"),
    ("7+7", 7, 7, "1,4,7"),
    ("7+3", 7, 3, "1,2,3,5,7"),
    ("monitoring 7", 0, 7, "1,3,7"),
)
DEFAULT_PRESET = "7+7"


@dataclass(frozen=True)
class Period:
    starts_at: dt.datetime
    quarantine_ends_at: dt.datetime
    ends_at: dt.datetime

    @property
    def quarantine(self) -> tuple[dt.datetime, dt.datetime] | None:
        """The home quarantine part, or None when none is left."""
        return (self.starts_at, self.quarantine_ends_at) if self.quarantine_ends_at > self.starts_at else None

    @property
    def monitoring(self) -> tuple[dt.datetime, dt.datetime] | None:
        start = max(self.starts_at, self.quarantine_ends_at)
        return (start, self.ends_at) if self.ends_at > start else None


def local_zone() -> ZoneInfo:
    return ZoneInfo(timezone.get_current_timezone_name())


def day_start(day: dt.date, zone: dt.tzinfo | None = None) -> dt.datetime:
    """The local midnight that starts ``day``, aware."""
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=zone or local_zone())


def day_of(exposure: dt.date, n: int) -> dt.date:
    return exposure + dt.timedelta(days=n)


def period_for(*, last_exposure_on: dt.date, quarantine_days: int, monitoring_days: int, at: dt.datetime,
               zone: dt.tzinfo | None = None) -> Period:
    """The period of an order made at ``at``: quarantine to the end of day Q, monitoring to the end
    of day Q+M. A phase already over when ordered is empty (its end is clamped to ``at``)."""
    zone = zone or local_zone()
    # Without quarantine days the monitoring starts when ordered (not after the day of the exposure).
    quarantine_end = day_start(day_of(last_exposure_on, quarantine_days + 1), zone) if quarantine_days else at
    end = day_start(day_of(last_exposure_on, quarantine_days + monitoring_days + 1), zone)
    return Period(starts_at=at, quarantine_ends_at=max(quarantine_end, at), ends_at=max(end, at))


def with_end(period: Period, ends_at: dt.datetime) -> Period:
    """A new end of the whole order (extended or shortened): an end inside the quarantine cuts the
    monitoring off and the quarantine short; a later end lengthens the monitoring (or, without
    monitoring, the quarantine)."""
    ends_at = max(ends_at, period.starts_at)
    if ends_at <= period.quarantine_ends_at or period.ends_at == period.quarantine_ends_at:
        return Period(period.starts_at, ends_at, ends_at)
    return Period(period.starts_at, period.quarantine_ends_at, ends_at)


def test_dates(last_exposure_on: dt.date, days: list[int]) -> list[dt.date]:
    return [day_of(last_exposure_on, n) for n in days]
