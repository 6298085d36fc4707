"""Reads for accounts: the accounts a secretary, staff member or street office may see and manage.

An account is in a scope when it holds a role in a community the reader manages (accounts.manage)
or, for the street office, in a community of its street (accounts.street). Anything else is a 404.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from shequ.accounts.models import Membership, User
from shequ.core.address import parse_address
from shequ.core.scoping import Role, Scope
from shequ.registry.models import Community, Household, Street


def managed_communities(scope: Scope) -> list[Community]:
    """Communities whose accounts the reader manages (secretary and staff)."""
    return list(Community.objects.filter(pk__in=sorted(scope.communities_where("accounts.manage"))).order_by("code"))


def street_communities(scope: Scope) -> QuerySet[Community]:
    """The communities of the reader's street offices."""
    return Community.objects.filter(street_id__in=sorted(scope.granted("street"))).select_related("street").order_by("code")


def own_streets(scope: Scope) -> QuerySet[Street]:
    """The street offices the reader works for."""
    return Street.objects.filter(pk__in=sorted(scope.granted("street"))).order_by("code")


def _visible_community_ids(scope: Scope) -> list[int]:
    ids = {c.pk for c in managed_communities(scope)}
    ids |= set(street_communities(scope).values_list("id", flat=True))
    return sorted(ids)


def _with_memberships(qs: QuerySet[User]) -> QuerySet[User]:
    return qs.prefetch_related(Prefetch(
        "memberships",
        queryset=Membership.objects.select_related("community", "grid", "property_company",
                                                   "household__room__unit__building__compound", "person")
        .order_by("community__code", "role"),
    ))


def member_list(scope: Scope, *, community: Community | None = None, role: str | None = None,
                q: str = "", residents: bool = False) -> QuerySet[User]:
    """Accounts holding a role in the reader's communities (one community, one role, a name or
    username); residents only with ``residents`` or ``role=Role.RESIDENT``, as they are many."""
    ids = _visible_community_ids(scope)
    if community is not None:
        ids = [c for c in ids if c == community.pk]
    memberships = Membership.objects.filter(community_id__in=ids)
    if role:
        memberships = memberships.filter(role=role)
    elif not residents:
        memberships = memberships.exclude(role=Role.RESIDENT)
    users = User.objects.filter(id__in=memberships.values("user_id"))
    if q.strip():
        text = q.strip()
        users = users.filter(Q(username__icontains=text) | Q(first_name__icontains=text) | Q(phone__endswith=text))
    return _with_memberships(users).order_by("-is_active", "first_name", "username")


def member_get(scope: Scope, pk: int) -> User:
    user = _with_memberships(User.objects.filter(
        pk=pk, memberships__community_id__in=_visible_community_ids(scope))).distinct().first()
    if user is None:
        raise Http404
    return user


def role_counts(communities: list[Community]) -> dict[int, Counter[str]]:
    """Active accounts per role and community (the street office's overview)."""
    counts: dict[int, Counter[str]] = {c.pk: Counter() for c in communities}
    rows = (Membership.objects.filter(community_id__in=list(counts), user__is_active=True)
            .values_list("community_id", "role"))
    for community_id, role in rows:
        counts[community_id][role] += 1
    return counts


def joined_households(scope: Scope, community: Community) -> QuerySet[Membership]:
    """Residents and relatives who joined households of the community, with the household's address."""
    if not scope.can("accounts.manage", community.pk):
        return Membership.objects.none()
    return (Membership.objects.filter(community=community, role=Role.RESIDENT)
            .select_related("user", "person", "household__room__unit__building__compound")
            .order_by("household__room__unit__building__compound__name", "household__room__unit__building__sort_key",
                      "household__room__unit__sort_key", "household__room__number", "user__username"))


def households_at(scope: Scope, community: Community, address_text: str) -> list[Household]:
    """Active households of the community at an address typed on a form (9-2-502, 富通小区9-2-502)."""
    address = parse_address(address_text)
    if address is None or not scope.can("accounts.manage", community.pk):
        return []
    qs = Household.objects.filter(community=community, status=Household.Status.ACTIVE, room__number=address.room,
                                  room__unit__building__number=address.building)
    if address.unit:
        qs = qs.filter(room__unit__number=address.unit)
    if address.compound:
        qs = qs.filter(room__unit__building__compound__name__contains=address.compound)
    return list(scope.filter(qs.select_related("room__unit__building__compound")).order_by("id")[:20])


def households_by_id(scope: Scope, ids: list[int]) -> QuerySet[Household]:
    """The households among ``ids`` the reader may see (the invite codes' door notices)."""
    return scope.filter(Household.objects.filter(pk__in=ids)).select_related("room__unit__building__compound")


def membership_links(membership: Membership) -> Any:
    """What the role is tied to, for a list: the grid, company or household."""
    return membership.grid or membership.property_company or membership.household
