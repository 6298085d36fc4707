"""The epidemic-free rule (Wuhan 2020 preset) as a table of event sequences: a case revokes and the
14 days start again, a suspect or close contact suspends, a ruled-out suspect restores with the
suspended days counted; the checklist when the community requires it."""

from __future__ import annotations

import datetime as dt

import pytest

from shequ.health.epidemic_free import State, verdict

T0 = dt.datetime(2020, 3, 1, 8, tzinfo=dt.UTC)


def day(n: float) -> dt.datetime:
    return T0 + dt.timedelta(days=n)


# (events as (day, who, status), asked on day, checklist done) -> (state, free since day)
TABLE = [
    ([], 0, True, State.FREE, None),
    ([(0, "a", "confirmed")], 13.9, True, State.COUNTING, None),
    ([(0, "a", "confirmed")], 14, True, State.FREE, 14),
    # A new case on day 10 starts the 14 days again.
    ([(0, "a", "confirmed"), (10, "b", "confirmed")], 20, True, State.COUNTING, None),
    ([(0, "a", "confirmed"), (10, "b", "confirmed")], 24, True, State.FREE, 24),
    # A close contact on day 16 suspends the status; ruled out on day 18 it is restored.
    ([(0, "a", "confirmed"), (16, "c", "close_contact")], 17, True, State.SUSPENDED, None),
    ([(0, "a", "confirmed"), (16, "c", "close_contact"), (18, "c", "cleared")], 18, True, State.FREE, 18),
    # A suspect during the count, ruled out on day 12: the suspended days count, free on day 14.
    ([(0, "a", "confirmed"), (5, "s", "suspected"), (12, "s", "cleared")], 14, True, State.FREE, 14),
    # The suspect turns out a case: revoked, counted again from day 12.
    ([(0, "a", "confirmed"), (5, "s", "suspected"), (12, "s", "confirmed")], 14, True, State.COUNTING, None),
    # Fever at a gate suspends too; a secondary contact or an arrival does not.
    ([(1, "f", "fever")], 2, True, State.SUSPENDED, None),
    ([(1, "x", "secondary_contact"), (1, "y", "risk_arrival")], 2, True, State.FREE, None),
    # The checklist required and not done: not free, whatever the register says.
    ([], 30, False, State.CHECKLIST, None),
    # Events after the moment asked about do not count.
    ([(0, "a", "confirmed"), (20, "b", "confirmed")], 15, True, State.FREE, 14),
]


@pytest.mark.parametrize(("events", "asked", "checklist", "state", "since"), TABLE)
def test_the_status_follows_the_events(events: list, asked: float, checklist: bool, state: str,
                                       since: float | None) -> None:
    found = verdict([(day(d), who, status) for d, who, status in events], at=day(asked), checklist_done=checklist)
    assert found.state == state
    assert found.since == (day(since) if since is not None else None)
