"""Who runs the posts and shifts, and who sees which duties (core/scoping.py). Registered from
WorkforceConfig.ready().

Posts, shifts, the duty board, volunteers' vetting and call-outs are the community's (secretary,
staff). Anyone who is put on duty (a gate guard, a volunteer, a staff member, a grid worker) sees
their own duties: the ``workforce_user`` grant holds the user's own id, and an Assignment is reached
through its ``user_id``; ``workforce_community`` holds the communities where they may be called out
(a call-out's link opens for them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from shequ.core.scoping import Role, Scope, declare_capabilities, declare_scope, grant_provider

SECRETARY, STAFF, GRID_WORKER, GATE_GUARD, VOLUNTEER = (
    Role.SECRETARY, Role.STAFF, Role.GRID_WORKER, Role.GATE_GUARD, Role.VOLUNTEER)

CAPABILITIES = {
    # Posts, shift templates, putting people on duty, the duty board, vetting volunteers, call-outs,
    # hours served and certificates.
    "workforce.manage": {SECRETARY, STAFF},
    # One's own shifts, the call-outs offered to one, one's health status for the day.
    "workforce.own": {SECRETARY, STAFF, GRID_WORKER, GATE_GUARD, VOLUNTEER},
}

# Roles that may be put on duty at a post (the roster's choice of people).
DUTY_ROLES = frozenset({SECRETARY, STAFF, GRID_WORKER, GATE_GUARD, VOLUNTEER})


def own_grants(user: Any, scope: Scope, context: Mapping[str, Any]) -> Mapping[str, Iterable[int]]:
    """``workforce_user``: the user's own id, for the duties (and call-outs) that are theirs."""
    if user is None or user.pk is None or not scope.roles & DUTY_ROLES:
        return {}
    return {"workforce_user": [user.pk], "workforce_community": scope.communities_where("workforce.own")}


def register() -> None:
    from shequ.workforce.models import Assignment, CallOut, HealthDeclaration, Post, Shift, Volunteer

    declare_capabilities(CAPABILITIES)
    declare_scope(Post, community="community_id")
    declare_scope(Shift, community="community_id")
    declare_scope(Assignment, community="community_id", workforce_user="user_id")
    declare_scope(Volunteer, community="community_id")
    declare_scope(HealthDeclaration, community="community_id", workforce_user="user_id")
    declare_scope(CallOut, community="community_id")
    # A call-out is offered to everyone who may be called out in its community (the link on their
    # phone): the office's rows, and the open ones of the user's communities.
    declare_scope(CallOut, variant="offered", community="community_id", workforce_community="community_id")
    grant_provider(own_grants)
