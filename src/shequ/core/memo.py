"""A per-process memory of values for a few seconds, for the hot paths of devices that post several
times a second (the API tokens of accounts/tokencache.py, the gate rows of gates/gatecache.py).

Each value is remembered for at most ``settings.API_TOKEN_CACHE_SECONDS`` (``SHEQU_API_TOKEN_CACHE_SECONDS``,
default 5; 0 turns it off): a change made through another app-server process is obeyed here within
that time, one made in this process at once, because the service that makes it forgets what its
memory holds (never a signal: a ``QuerySet.update()`` sends none). Values are immutable or are
copied on the way out, so nothing remembered is shared between requests as a live object.

Why not Django's cache framework: the memory is per process by design (no cross-process cache exists
on the intranet deployments, and a shared one would cost the round trip this saves).
"""

from __future__ import annotations

import threading
import time
from typing import Generic, TypeVar

from django.conf import settings
from django.db import transaction

_clock = time.monotonic  # tests move it (the token_clock fixture); read through the module at each call

V = TypeVar("V")


def ttl() -> float:
    return float(getattr(settings, "API_TOKEN_CACHE_SECONDS", 0) or 0)


class Memo(Generic[V]):
    """key -> value, each for ``ttl()`` seconds; at most ``max_entries`` (then it starts over)."""

    def __init__(self, max_entries: int = 4096) -> None:
        self._entries: dict[object, tuple[float, V]] = {}
        self._lock = threading.Lock()
        self._max = max_entries

    def recall(self, key: object) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= _clock():
            self._entries.pop(key, None)
            return None
        return entry[1]

    def remember(self, key: object, value: V) -> None:
        seconds = ttl()
        if seconds <= 0:
            return
        with self._lock:
            if len(self._entries) >= self._max:
                self._entries.clear()  # far more keys than devices: start over rather than track ages
            self._entries[key] = (_clock() + seconds, value)

    def forget_all(self) -> None:
        with self._lock:
            self._entries.clear()

    def forget_on_change(self) -> None:
        """For a service that changes what is remembered: forget now, and again when its transaction
        commits (a request between the two must not remember the old row for the full time)."""
        self.forget_all()
        transaction.on_commit(self.forget_all)
