"""Who sees and changes health data, and how its rows are reached (core/scoping.py). Registered
from HealthConfig.ready().

Health status is sensitive (PIPL art. 28): it is seen only by the roles that need it, the
secretary and staff of the community, the grid worker of the person's grid and the medical role
(the sampler, community-wide); every other role gets a 403 on health pages, and rows are reached
only ``within`` the communities where the user holds ``health.view``. A resident sees their own
household's orders and follow-ups (``health.own``), never the register. The gate guard holds none
of these: the gate learns from containment's restriction that a person may not leave, never why.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from shequ.core.scoping import Reach, Role, Scope, declare_capabilities, declare_scope, grant_provider

SECRETARY, STAFF, GRID_WORKER, SAMPLER, RESIDENT = (
    Role.SECRETARY, Role.STAFF, Role.GRID_WORKER, Role.SAMPLER, Role.RESIDENT)

CAPABILITIES = {
    # The health register, orders and follow-ups of the persons the user sees (sampler: the
    # community's; grid worker: their grid's).
    "health.view": {SECRETARY, STAFF, GRID_WORKER, SAMPLER},
    # Record a health status, order, change and end home quarantine or monitoring, set policies.
    "health.manage": {SECRETARY, STAFF},
    # Record follow-ups (the household visit, the phone page, the API).
    "health.followup": {SECRETARY, STAFF, GRID_WORKER, SAMPLER},
    # A resident's own household's orders and follow-ups, and the self-report.
    "health.own": {RESIDENT},
    # The epidemic-free status of every compound (no person): the community's office, the street.
    "health.epidemic_free": {SECRETARY, STAFF, Role.STREET},
}

VIEW = "health.view"


def medical_grants(user: Any, scope: Scope, context: Mapping[str, Any]) -> Mapping[str, Iterable[int]]:
    """The communities where the user holds the medical role (sampler); no query."""
    return {"medical": [c for c, roles in scope.roles_by_community.items() if SAMPLER in roles]}


def _person_paths(person: str, *, own: bool) -> dict[str, Any]:  # Reach values; Any so that ** may fill declare_scope
    paths = {
        "community": Reach("community_id", within=VIEW),
        "grid": Reach(f"{person}__household__room__unit__building__grid_id", within=VIEW),
        "medical": Reach("community_id", within=VIEW),
    }
    if own:
        paths["household"] = Reach(f"{person}__household_id", within="health.own")
    return paths


def register() -> None:
    from shequ.health.models import (
        Facility,
        FollowUp,
        HealthEntry,
        HomeChecklist,
        LeftBehind,
        OrderChange,
        QuarantineOrder,
        QuarantinePolicy,
        Transfer,
        TransferStep,
    )
    from shequ.registry.models import Building, Community, Person

    declare_capabilities(CAPABILITIES)
    grant_provider(medical_grants)
    # The health card of a person: the office, the grid worker of the person's grid, the medical role
    # (who sees the community's health data but no household card): health.selectors.health_person_get.
    declare_scope(Person, variant=VIEW, community=Reach("community_id", within=VIEW),
                  grid=Reach("household__room__unit__building__grid_id", within=VIEW),
                  medical=Reach("community_id", within=VIEW))
    # The buildings whose floor plan shows health marks (health.views.floor_plan): the office's, the
    # grid worker's grid's, the medical role's community's.
    declare_scope(Building, variant=VIEW, community=Reach("community_id", within=VIEW),
                  grid=Reach("grid_id", within=VIEW), medical=Reach("community_id", within=VIEW))
    declare_scope(HealthEntry, **_person_paths("person", own=False))
    declare_scope(QuarantineOrder, **_person_paths("person", own=True))
    # A follow-up carries its grid (copied from the home when the slot was made): the grid worker's
    # list is read by it without joins.
    declare_scope(FollowUp, community=Reach("community_id", within=VIEW), grid=Reach("grid_id", within=VIEW),
                  medical=Reach("community_id", within=VIEW),
                  household=Reach("household_id", within="health.own"))
    declare_scope(Transfer, **_person_paths("person", own=False))
    # The communities whose compounds' epidemic-free status the user reads: their own (secretary,
    # staff) and, for the street office, the street's.
    # (The community grant is the secretary's and staff's, who hold health.epidemic_free.)
    declare_scope(Community, variant="health.epidemic_free", community="id", street="street_id")
    # The history of an order or a transfer and a transfer's home checklist: where the person or
    # household is seen (the grid worker of their grid too).
    grid = "household__room__unit__building__grid_id"
    for model, path in ((OrderChange, f"order__person__{grid}"), (TransferStep, f"transfer__person__{grid}"),
                        (HomeChecklist, grid), (LeftBehind, f"checklist__{grid}")):
        declare_scope(model, community=Reach("community_id", within=VIEW), grid=Reach(path, within=VIEW),
                      medical=Reach("community_id", within=VIEW))
    # Facilities are the community's (the office and the medical role).
    declare_scope(Facility, community=Reach("community_id", within=VIEW), medical=Reach("community_id", within=VIEW))
    declare_scope(QuarantinePolicy, community=Reach("community_id", within=VIEW),
                  medical=Reach("community_id", within=VIEW))
