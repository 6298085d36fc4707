"""A per-process memory of recently authenticated API tokens (gate devices and sampling phones post
several times a second with the same token).

What is remembered for a token is what authenticating it produced (its user and Scope) for at most
``settings.API_TOKEN_CACHE_SECONDS`` (``SHEQU_API_TOKEN_CACHE_SECONDS``, default 5; 0 turns it off).
This is the one trade it makes, decided in docs/deployment.md ("API tokens"): a token revoked, a
user deactivated or a membership changed in *another* app-server process is still honoured there for
at most that many seconds. In the process that made the change it takes effect at once: revoking a
token, and saving or deleting a user, membership or gate binding, forgets everything remembered here.

Why not Django's cache framework: the value is a live User object and a Scope, per process by
design (no cross-process cache exists on the intranet deployments, and a shared one would cost the
round trip this saves).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from django.conf import settings

_MAX_ENTRIES = 4096
_entries: dict[str, tuple[float, Any]] = {}
_lock = threading.Lock()
_clock = time.monotonic


def ttl() -> float:
    return float(getattr(settings, "API_TOKEN_CACHE_SECONDS", 0) or 0)


def recall(key_hash: str) -> Any | None:
    """What was remembered for the token, if it is still fresh."""
    entry = _entries.get(key_hash)
    if entry is None:
        return None
    if entry[0] <= _clock():
        _entries.pop(key_hash, None)
        return None
    return entry[1]


def remember(key_hash: str, value: Any) -> None:
    seconds = ttl()
    if seconds <= 0:
        return
    with _lock:
        if len(_entries) >= _MAX_ENTRIES:
            _entries.clear()  # far more tokens than devices: start over rather than track ages
        _entries[key_hash] = (_clock() + seconds, value)


def forget_all(**_signal_kwargs: Any) -> None:
    """Forget every token (also usable as a signal receiver)."""
    with _lock:
        _entries.clear()
