"""Alerts a user may read."""

from __future__ import annotations

from django.db.models import QuerySet

from shequ.alerts.models import Alert


def alert_list(scope: object, *, open_only: bool = True) -> QuerySet[Alert]:
    qs = scope.community_rows(Alert.objects.all())  # type: ignore[attr-defined]
    if open_only:
        qs = qs.filter(acknowledged_at__isnull=True)
    return qs.select_related("community").order_by("-created_at")
