"""Who sets movement restrictions and containment levels, and who sees them (core/scoping.py).
Registered from ContainmentConfig.ready()."""

from __future__ import annotations

from shequ.core.scoping import Role, declare_capabilities, declare_scope
from shequ.registry.access import person_paths

CAPABILITIES = {
    # Set and end movement restrictions and containment levels.
    "containment.manage": {Role.SECRETARY, Role.STAFF},
}


def register() -> None:
    from shequ.containment.models import ContainmentArea, ExitQuota, MovementRestriction, Permit

    declare_capabilities(CAPABILITIES)
    # A restriction is seen where its person is; areas, exit quotas and permits by the whole community.
    declare_scope(MovementRestriction, **person_paths("person"))
    for model in (ContainmentArea, ExitQuota, Permit):
        declare_scope(model, community="community_id")
