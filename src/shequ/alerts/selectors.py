"""Alerts a user may read."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from shequ.alerts.models import Alert


def alert_list(scope: object, *, open_only: bool = True) -> QuerySet[Alert]:
    """The whole community's alerts for secretary and staff; for a grid worker, the alerts about
    persons of their grid (``Alert.grids``)."""
    qs = scope.community_rows(Alert.objects.all())  # type: ignore[attr-defined]
    grids = sorted(scope.grids)  # type: ignore[attr-defined]
    if grids:
        of_my_grids = Exists(Alert.grids.through.objects.filter(alert_id=OuterRef("pk"), grid_id__in=grids))
        qs = Alert.objects.filter(Q(pk__in=qs.values("pk")) | of_my_grids)
    if open_only:
        qs = qs.filter(acknowledged_at__isnull=True)
    return qs.select_related("community").order_by("-created_at")
