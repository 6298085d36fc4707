"""A user's Scope, built from their memberships (core/scoping.py says what a Scope is).

Each membership grants what its role's link names: secretary and staff their whole community, a grid
worker a grid, a property company user the company, a resident a household, the street office a
street. Every community membership also makes the user a member there (``"member"``: the
communities whose pages they work in). Apps add their own grants through providers
(``core.scoping.grant_provider``: a guard's gate posts, a device token's gate).
"""

from __future__ import annotations

from typing import Any

from shequ.core.scoping import ANONYMOUS, GRANT_PROVIDERS, Role, Scope, declare_capabilities

CAPABILITIES = {
    # The community's accounts: add (one or from a list), change a role, deactivate, one-time
    # passwords, sign out a lost phone; invite codes and residents who joined. What each role may
    # grant is accounts.services.GRANTS (staff: everything but secretaries).
    "accounts.manage": {Role.SECRETARY, Role.STAFF},
    # The street office: add communities and their secretaries, see who holds which role in its
    # communities, deactivate an account there (the "street" grant).
    "accounts.street": {Role.STREET},
}

# role -> (kind of grant, the Membership column that holds the granted id)
MEMBERSHIP_GRANTS: dict[str, tuple[str, str]] = {
    Role.SECRETARY: ("community", "community_id"),
    Role.STAFF: ("community", "community_id"),
    Role.GRID_WORKER: ("grid", "grid_id"),
    Role.PROPERTY: ("property_company", "property_company_id"),
    Role.RESIDENT: ("household", "household_id"),
    Role.STREET: ("street", "street_id"),
}
_COLUMNS = ("role", "community_id", "street_id", "grid_id", "property_company_id", "household_id")


def scope_for(user: Any, **context: Any) -> Scope:
    """The Scope of a user: one query for the memberships, plus what the grant providers read
    (``context`` goes to them: ``device_gate=`` for a device token whose gate is known,
    ``api_token_id=`` for one whose gate is to be read)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return ANONYMOUS
    from shequ.accounts.models import Membership

    roles_by_community: dict[int, set[str]] = {}
    grants: dict[str, set[int]] = {}
    roles: set[str] = set()
    for row in Membership.objects.filter(user_id=user.pk).values_list(*_COLUMNS):
        values = dict(zip(_COLUMNS, row, strict=True))
        role, community_id = values["role"], values["community_id"]
        roles.add(role)
        if community_id is not None:
            roles_by_community.setdefault(community_id, set()).add(role)
            grants.setdefault("member", set()).add(community_id)
        if role in MEMBERSHIP_GRANTS:
            kind, column = MEMBERSHIP_GRANTS[role]
            grants.setdefault(kind, set()).add(values[column])
    scope = Scope(user_id=user.pk, is_superuser=user.is_superuser, roles=frozenset(roles),
                  roles_by_community={c: frozenset(r) for c, r in roles_by_community.items()},
                  grants={k: frozenset(ids) for k, ids in grants.items()})
    extra: dict[str, set[int]] = {}
    for provider in GRANT_PROVIDERS:
        for kind, ids in provider(user, scope, context).items():
            extra.setdefault(kind, set()).update(ids)
    return scope.with_grants(extra) if extra else scope


def register() -> None:
    declare_capabilities(CAPABILITIES)
