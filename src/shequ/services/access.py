"""Who handles help requests and care tasks, and who sees them (core/scoping.py). Registered from
ServicesConfig.ready().

Help requests are seen by the community (secretary, staff), by the grid worker of the request's
grid, and by the resident of the household (their own requests). Care plans are the community's;
an assignee (a staff member, grid worker or volunteer) sees the plans assigned to them and nothing
else (the ``care_plan`` grant, given by ``care_grants``). Property companies see nothing here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from shequ.core.scoping import Role, Scope, declare_capabilities, declare_scope, grant_provider

SECRETARY, STAFF, GRID_WORKER, VOLUNTEER, RESIDENT = (
    Role.SECRETARY, Role.STAFF, Role.GRID_WORKER, Role.VOLUNTEER, Role.RESIDENT)

CAPABILITIES = {
    # Take a request (phone, visit, gate), see the requests of one's scope, handle them: assign,
    # record steps, resolve, call back, close.
    "services.requests": {SECRETARY, STAFF, GRID_WORKER},
    # The ledger of help requests (by day, category and grid) and its Excel export.
    "services.ledger": {SECRETARY, STAFF},
    # A resident's own requests: ask for help, follow it.
    "services.own": {RESIDENT},
    # Care plans: make them, assign them, see every plan of the community.
    "services.care": {SECRETARY, STAFF},
    # Today's care tasks of the signed-in person (the plans assigned to them).
    "services.tasks": {SECRETARY, STAFF, GRID_WORKER, VOLUNTEER},
}


def care_grants(user: Any, scope: Scope, context: Mapping[str, Any]) -> Mapping[str, Iterable[int]]:
    """The open care plans assigned to the user."""
    if not scope.roles & {VOLUNTEER, GRID_WORKER, STAFF, SECRETARY}:
        return {}
    from shequ.services.models import CarePlan

    return {"care_plan": list(CarePlan.objects.filter(assignee_id=user.pk, ended_at__isnull=True)
                              .values_list("id", flat=True))}


def register() -> None:
    from shequ.services.models import CarePlan, CareTask, CareVisit, HelpRequest, HelpStep

    declare_capabilities(CAPABILITIES)
    grant_provider(care_grants)
    declare_scope(HelpRequest, community="community_id", grid="grid_id", household="household_id")
    declare_scope(HelpStep, community="community_id", grid="help_request__grid_id",
                  household="help_request__household_id")
    # The community sees every plan; an assignee only their own (not the grid's: a volunteer's
    # person is theirs alone).
    declare_scope(CarePlan, community="community_id", care_plan="id")
    declare_scope(CareTask, community="community_id", care_plan="plan_id")
    declare_scope(CareVisit, community="community_id", care_plan="task__plan_id")
