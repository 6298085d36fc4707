"""Who writes notices and who tells households at their door (core/scoping.py). Registered from
NoticesConfig.ready().

Notices are the community's: the secretary and staff write, publish and withdraw them, print the
poster and copy the WeChat texts. A grid worker sees the community's published notices and the
door-knock list of the households of their own grid, and ticks who was told. A resident sees the
published notices that reach their household. Property companies, gate guards, samplers and
volunteers see nothing of this app.
"""

from __future__ import annotations

from shequ.core.scoping import Role, declare_capabilities, declare_scope

SECRETARY, STAFF, GRID_WORKER, RESIDENT = Role.SECRETARY, Role.STAFF, Role.GRID_WORKER, Role.RESIDENT

CAPABILITIES = {
    # Write, publish and withdraw notices; the poster, the WeChat texts, who is told in person.
    "notices.manage": {SECRETARY, STAFF},
    # The door-knock list of a published notice (one's own grid for a grid worker), ticking who was told.
    "notices.knock": {SECRETARY, STAFF, GRID_WORKER},
    # A resident's notices: those that reach their household.
    "notices.own": {RESIDENT},
}


def register() -> None:
    from shequ.notices.models import InPerson, Knock, Notice

    declare_capabilities(CAPABILITIES)
    declare_scope(Notice, community="community_id")
    # Published notices are public to the community's members (the door-knock pages of a grid
    # worker, a resident's own notices: the selectors narrow them to published ones).
    declare_scope(Notice, variant="member", member="community_id")
    for model in (Knock, InPerson):
        declare_scope(model, community="community_id", grid="household__room__unit__building__grid_id")
