"""The summaries of audit events that code reads back, written and parsed in one place.

A summary is stored as written (the log reads the same later), in English; the audit log page
turns the ones below into sentences in the reader's language, and ``shequ repair-blanked`` reads
the first two to tell a deliberate emptying from damage and a repair from an edit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_CLEARED = "emptied by the user: "
_REPAIR = re.compile(r"^repair of audit event (\d+)")


def cleared_summary(fields: Iterable[str]) -> str:
    """An update in which the user emptied these fields on purpose (the edit form knows it)."""
    names = sorted(set(fields))
    return _CLEARED + ", ".join(names) if names else ""


def cleared_fields(summary: str) -> set[str]:
    if not summary.startswith(_CLEARED):
        return set()
    return {n.strip() for n in summary[len(_CLEARED):].split(",") if n.strip()}


def repair_summary(event_id: int) -> str:
    """An update that puts back what audit event ``event_id`` emptied."""
    return f"repair of audit event {event_id}"


def repaired_event(summary: str) -> int | None:
    m = _REPAIR.match(summary)
    return int(m.group(1)) if m else None
