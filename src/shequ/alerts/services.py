"""Raising and acknowledging alerts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from shequ.alerts.kinds import AlertKind, code_of
from shequ.alerts.models import Alert
from shequ.audit.models import AuditEvent
from shequ.audit.services import audit_record


def alert_raise(*, community_id: int, kind: AlertKind | str, params: dict[str, Any], url: str = "",
                grids: Iterable[int] = ()) -> Alert:
    """Called inside the transaction of whatever raised it, so an alert exists iff its cause does.
    ``grids``: the grids of the persons concerned, whose grid workers see the alert as well."""
    alert = Alert.objects.create(community_id=community_id, kind=code_of(kind), params=params, url=url[:300])
    grid_ids = sorted({g for g in grids if g is not None})
    if grid_ids:
        alert.grids.set(grid_ids)
    return alert


@transaction.atomic
def alert_acknowledge(*, actor: Any, alert: Alert, request: Any = None) -> Alert:
    """The first acknowledgement counts; acknowledging again changes nothing (and is not logged)."""
    if alert.acknowledged_at is None:
        alert.acknowledged_at = timezone.now()
        alert.acknowledged_by = actor
        alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, community=alert.community, obj=alert,
                     summary=f"acknowledged {alert.kind}", request=request)
    return alert


def alerts_settle(*, actor: Any, community_id: int, kind: AlertKind | str, key: str, value: Any, request: Any = None) -> int:
    """Acknowledge, as ``actor``, the open alerts of ``kind`` whose parameter ``key`` is ``value``:
    the thing they asked a person to act on has been dealt with (a permit request decided)."""
    settled = 0
    for alert in Alert.objects.filter(community_id=community_id, kind=code_of(kind),
                                      acknowledged_at__isnull=True):
        if alert.params.get(key) == value:
            alert_acknowledge(actor=actor, alert=alert, request=request)
            settled += 1
    return settled
