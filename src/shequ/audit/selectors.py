"""Reads of the audit log, through the caller's Scope (audit/access.py)."""

from __future__ import annotations

from django.db.models import QuerySet

from shequ.audit.models import AuditEvent
from shequ.core.scoping import Scope


def event_list(scope: Scope, *, action: str = "", username: str = "") -> QuerySet[AuditEvent]:
    """The events of the communities where the user reads the log, the latest first."""
    events = scope.filter(AuditEvent.objects.all())
    if action:
        events = events.filter(action=action)
    if username:
        events = events.filter(actor_username__icontains=username)
    return events.select_related("actor").order_by("-at", "-id")
