"""Period arithmetic of orders as a table (health/periods.py): presets counted from the last
exposure, an order made late in its period, a new end (extension, shortening), no database."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from shequ.health import periods

Z = ZoneInfo("Asia/Shanghai")


def at(month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(2022, month, day, hour, minute, tzinfo=Z)


EXPOSED = dt.date(2022, 3, 1)  # day 0

# (preset, ordered at) -> (home quarantine ends, whole order ends): day n ends at the midnight
# that starts day n+1.
PRESET_TABLE = [
    ("14", at(3, 2, 3), at(3, 16), at(3, 16)),
    ("7+7", at(3, 2, 3), at(3, 9), at(3, 16)),
    ("7+3", at(3, 2, 3), at(3, 9), at(3, 12)),
    ("monitoring 7", at(3, 2, 3), at(3, 2, 3), at(3, 9)),
    # monitoring only, ordered on the day of the exposure: it starts at once.
    ("monitoring 7", at(3, 1, 20), at(3, 1, 20), at(3, 9)),
    # reported on day 5 of 7+7: quarantine for what is left of days 5..7, then monitoring.
    ("7+7", at(3, 6, 10), at(3, 9), at(3, 16)),
    # reported on day 10 of 7+7: the quarantine is over, monitoring only.
    ("7+7", at(3, 11, 9), at(3, 11, 9), at(3, 16)),
    # reported after the whole period: nothing left (the service refuses such an order).
    ("7+3", at(3, 20), at(3, 20), at(3, 20)),
]


@pytest.mark.parametrize(("preset", "ordered", "quarantine_ends", "ends"), PRESET_TABLE)
def test_the_period_is_counted_from_the_last_exposure(preset: str, ordered: dt.datetime,
                                                      quarantine_ends: dt.datetime, ends: dt.datetime) -> None:
    _name, q, m, _tests = {p[0]: p for p in periods.PRESETS}[preset]
    period = periods.period_for(last_exposure_on=EXPOSED, quarantine_days=q, monitoring_days=m, at=ordered, zone=Z)
    assert (period.starts_at, period.quarantine_ends_at, period.ends_at) == (ordered, quarantine_ends, ends)


def test_phases_are_empty_when_over() -> None:
    late = periods.period_for(last_exposure_on=EXPOSED, quarantine_days=7, monitoring_days=7, at=at(3, 11), zone=Z)
    assert late.quarantine is None and late.monitoring == (at(3, 11), at(3, 16))
    over = periods.period_for(last_exposure_on=EXPOSED, quarantine_days=7, monitoring_days=3, at=at(3, 20), zone=Z)
    assert over.quarantine is None and over.monitoring is None


def test_a_new_exposure_restarts_the_count() -> None:
    first = periods.period_for(last_exposure_on=EXPOSED, quarantine_days=7, monitoring_days=7, at=at(3, 2), zone=Z)
    # A household member turned positive on day 5: counted again from 3-6, the start stays.
    again = periods.period_for(last_exposure_on=dt.date(2022, 3, 6), quarantine_days=7, monitoring_days=7,
                               at=first.starts_at, zone=Z)
    assert (again.starts_at, again.quarantine_ends_at, again.ends_at) == (at(3, 2), at(3, 14), at(3, 21))


P77 = periods.Period(at(3, 2), at(3, 9), at(3, 16))
P14 = periods.Period(at(3, 2), at(3, 16), at(3, 16))

# (period, new end) -> (quarantine ends, ends)
NEW_END_TABLE = [
    (P77, at(3, 20), at(3, 9), at(3, 20)),   # extended: the monitoring is longer
    (P77, at(3, 12), at(3, 9), at(3, 12)),   # shortened inside the monitoring
    (P77, at(3, 5), at(3, 5), at(3, 5)),     # shortened inside the quarantine: no monitoring left
    (P14, at(3, 20), at(3, 20), at(3, 20)),  # no monitoring: the quarantine is longer
    (P14, at(3, 10), at(3, 10), at(3, 10)),
    (P77, at(3, 1), at(3, 2), at(3, 2)),     # an end before the start is the start (ended)
]


@pytest.mark.parametrize(("period", "new_end", "quarantine_ends", "ends"), NEW_END_TABLE)
def test_a_new_end_extends_or_shortens_the_right_phase(period: periods.Period, new_end: dt.datetime,
                                                        quarantine_ends: dt.datetime, ends: dt.datetime) -> None:
    changed = periods.with_end(period, new_end)
    assert (changed.starts_at, changed.quarantine_ends_at, changed.ends_at) == (period.starts_at, quarantine_ends,
                                                                                  ends)


def test_test_days_are_days_after_the_exposure() -> None:
    assert periods.test_dates(EXPOSED, [1, 4, 7]) == [dt.date(2022, 3, 2), dt.date(2022, 3, 5), dt.date(2022, 3, 8)]
