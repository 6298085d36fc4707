"""Alerts a user may read."""

from __future__ import annotations

from django.db.models import QuerySet

from shequ.alerts.models import Alert
from shequ.core.scoping import Scope


def alert_list(scope: Scope, *, open_only: bool = True) -> QuerySet[Alert]:
    """The whole community's alerts for secretary and staff; for a grid worker, the alerts about
    persons of their grid (``Alert.grids``)."""
    qs = scope.filter(Alert.objects.all())
    if open_only:
        qs = qs.filter(acknowledged_at__isnull=True)
    return qs.select_related("community").order_by("-created_at")
