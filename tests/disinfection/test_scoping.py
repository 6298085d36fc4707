"""The declared scope paths of disinfection against the ground truth, by plain queries: the
community's rows for secretary and staff, the managed compounds' for a property company, the
street's communities' for the street office, nothing for the others."""

from __future__ import annotations

from typing import Any

import pytest

from shequ.accounts.access import scope_for
from shequ.accounts.models import Membership, User
from shequ.disinfection.models import Place
from shequ.registry.models import Compound
from tests.conftest import ROLES
from tests.disinfection.facts import place

pytestmark = pytest.mark.django_db


@pytest.fixture
def places(anchor_household: Any) -> list[Place]:
    return [place(c, f"门岗{c.pk}", kind="gate") for c in Compound.objects.order_by("id")]


@pytest.mark.parametrize("username", ROLES)
def test_places_seen_are_the_ground_truth(username: str, places: list[Place]) -> None:
    memberships = list(Membership.objects.filter(user__username=username))
    full = {m.community_id for m in memberships if m.role in ("secretary", "staff")}
    companies = {m.property_company_id for m in memberships if m.property_company_id}
    streets = {m.street_id for m in memberships if m.street_id}
    truth = {p.pk for p in Place.objects.select_related("compound", "community")
             if p.community_id in full or p.compound.property_company_id in companies
             or p.community.street_id in streets}
    seen = set(scope_for(User.objects.get(username=username)).filter(Place.objects.all()).values_list("id", flat=True))
    assert seen == truth
    if username == "property1":
        assert truth and truth != {p.pk for p in places}  # some, not all


@pytest.mark.parametrize("username", ROLES)
def test_the_place_a_round_is_recorded_at_is_found_exactly_where_the_scope_sees_it(username: str,
                                                                                  places: list[Place]) -> None:
    """selectors.place_for_record reads the place with one prepared statement and checks the scope
    on the row (Scope.sees, the property company's path read through the join): the places it finds
    are those Scope.filter finds, for every role; the others are 404."""
    from django.http import Http404

    from shequ.disinfection import selectors

    scope = scope_for(User.objects.get(username=username))
    seen = set(scope.filter(Place.objects.all()).values_list("id", flat=True))
    found = set()
    for p in places:
        try:
            got = selectors.place_for_record(scope, p.pk)
        except Http404:
            continue
        assert (got.pk, got.compound.pk, got.community.pk) == (p.pk, p.compound_id, p.community_id)
        found.add(p.pk)
    assert found == seen
    with pytest.raises(Http404):
        selectors.place_for_record(scope, max(x.pk for x in places) + 1000)
