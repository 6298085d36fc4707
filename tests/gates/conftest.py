"""Fixtures of the gate tests: the fixed clock is tests/conftest.py's ``clock``."""

from __future__ import annotations

import datetime as dt

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
