"""Fixtures of the gate tests."""

from __future__ import annotations

import datetime as dt

import pytest

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


class Clock:
    """``timezone.now()`` for the whole process, at a moment the test chooses and moves."""

    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at

    def move(self, **delta: float) -> dt.datetime:
        self.at += dt.timedelta(**delta)
        return self.at


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """A fixed clock: 2022-04-05 12:00 in Shanghai unless the test sets ``clock.at``. Every
    ``django.utils.timezone.now()`` reads it (services, forms, auto_now_add)."""
    from django.utils import timezone

    fixed = Clock(dt.datetime(2022, 4, 5, 12, 0, tzinfo=SHANGHAI))
    monkeypatch.setattr(timezone, "now", fixed)
    return fixed
