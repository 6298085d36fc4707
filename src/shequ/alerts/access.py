"""Who reads and acknowledges alerts (core/scoping.py). Registered from AlertsConfig.ready()."""

from __future__ import annotations

from django.db.models import Q

from shequ.core.scoping import Role, declare_capabilities, declare_scope

CAPABILITIES = {
    # Alerts (a refusal at a gate, a positive tube): the community's for secretary and staff, those
    # about persons of their grid for grid workers (Alert.grids).
    "alerts.read": {Role.SECRETARY, Role.STAFF, Role.GRID_WORKER},
    # Acknowledging one for the office ("someone is on it"): not a grid worker's call.
    "alerts.acknowledge": {Role.SECRETARY, Role.STAFF},
}


def _about_grids(grid_ids: list[int]) -> Q:
    from shequ.alerts.models import Alert

    return Q(pk__in=Alert.grids.through.objects.filter(grid_id__in=grid_ids).values("alert_id"))


def register() -> None:
    from shequ.alerts.models import Alert

    declare_capabilities(CAPABILITIES)
    declare_scope(Alert, community="community_id", grid=_about_grids)
