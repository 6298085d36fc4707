"""Who runs and works campaigns, and what of them each user sees (core/scoping.py). Registered from
CampaignsConfig.ready().

Secretary and staff see their community's campaigns whole; a grid worker sees the campaigns of their
community, but only the targets, households and re-tests of their grid; a sampler sees every target
of their community and looks people up anywhere in it (they call whole compounds down): the
``"sampling"`` grant, for campaign reads only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from shequ.core.scoping import Reach, Role, Scope, declare_capabilities, declare_scope, grant_provider

SECRETARY, STAFF, GRID_WORKER, SAMPLER = Role.SECRETARY, Role.STAFF, Role.GRID_WORKER, Role.SAMPLER

CAPABILITIES = {
    # Open, close and follow campaigns (screening and test rounds), import results.
    "campaigns.manage": {SECRETARY, STAFF},
    # Field work in a campaign: screening visits, sample registration.
    "campaigns.field": {SECRETARY, STAFF, GRID_WORKER, SAMPLER},
    # Call a person from a campaign's missing list: one tap reveals the phone number (audited like
    # any reveal) and dials it. The lists show numbers masked to everyone, so the office calls the
    # same way as a grid worker. Scoped by the Person's scope (a grid worker: their own grid),
    # checked by campaigns.views.call.
    "person.call": {SECRETARY, STAFF, GRID_WORKER},
}

# The persons a campaign field worker may look up: what the Person's own scope allows, plus every
# person of a community where the user is a sampler.
FIELD = "campaigns.field"


def sampling_grants(user: Any, scope: Scope, context: Mapping[str, Any]) -> Mapping[str, Iterable[int]]:
    """The communities where the user is a sampler (no query: the roles are in the Scope)."""
    return {"sampling": [c for c, roles in scope.roles_by_community.items() if SAMPLER in roles]}


def register() -> None:
    from shequ.campaigns.models import Campaign, Target, TargetHousehold
    from shequ.registry.models import Person

    declare_capabilities(CAPABILITIES)
    declare_scope(Campaign, member=Reach("community_id", within="campaigns.field"))
    # Target-like rows carry the place columns of the snapshot, the grid included.
    for model in (Target, TargetHousehold):
        declare_scope(model, community="community_id", sampling="community_id", grid="grid_id")
    declare_scope(Person, variant=FIELD, community="community_id", sampling="community_id",
                  grid="household__room__unit__building__grid_id", household="household_id")
    grant_provider(sampling_grants)
