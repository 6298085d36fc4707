"""Ground truth for supplies' scope paths: who sees which orders and runs (plain queries)."""

from __future__ import annotations

from typing import Any

import pytest

from shequ.accounts.access import scope_for
from shequ.accounts.models import Membership
from shequ.supplies import selectors, services
from shequ.supplies.models import Order, Run

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_orders(users: Any, anchor_household: Any, other_grid_household: Any) -> tuple[Order, Order]:
    make = [services.order_create(actor=users["staff"], household=h, kind="order", urgent=False,
                                  items=[{"name": "米", "quantity": 1}], source="phone")
            for h in (anchor_household, other_grid_household)]
    return make[0], make[1]


def test_each_role_sees_the_orders_its_grants_reach(users: Any, two_orders: tuple[Order, Order]) -> None:
    anchor, other = two_orders
    grid_of = dict(Membership.objects.filter(role="grid_worker").values_list("user__username", "grid_id"))
    for username, user in users.items():
        seen = set(selectors.order_list(scope_for(user)).filter(pk__in=[anchor.pk, other.pk])
                   .values_list("id", flat=True))
        expected = set()
        for order in (anchor, other):
            grid = order.household.room.unit.building.grid_id
            if username in ("secretary", "staff") or grid_of.get(username) == grid or (
                    username == "resident1" and order == anchor):
                expected.add(order.pk)
        assert seen == expected, username


def test_a_courier_sees_the_orders_of_their_run_only(users: Any, two_orders: tuple[Order, Order]) -> None:
    anchor, other = two_orders
    for order in (anchor, other):
        for step in ("confirmed", "purchased", "packed"):
            services.order_advance(actor=users["staff"], order=order, to=step)
    run = services.run_create(actor=users["staff"], community=anchor.community, courier=users["volunteer1"],
                              orders=[anchor], courier_roles={"volunteer"})
    scope = scope_for(users["volunteer1"])
    assert set(selectors.order_list(scope).values_list("id", flat=True)) == {anchor.pk}
    assert set(selectors.run_list(scope).values_list("id", flat=True)) == set(
        Run.objects.filter(courier=users["volunteer1"]).values_list("id", flat=True)) == {run.pk}
    assert not selectors.inbox_list(scope).exists() and not selectors.shop_list(scope).exists()


def test_the_household_an_order_is_taken_for_is_found_exactly_where_the_scope_sees_it(
        users: Any, anchor_household: Any, other_grid_household: Any) -> None:
    """selectors.household_for_order (the API's one prepared read, the scope checked on the row)
    finds the households Scope.filter finds, for each role, with the room, unit, building and
    community the service needs; the others are 404."""
    from django.http import Http404

    from shequ.registry.models import Household

    households = [anchor_household, other_grid_household]
    for username, user in users.items():
        scope = scope_for(user)
        seen = set(scope.filter(Household.objects.filter(pk__in=[h.pk for h in households]))
                   .values_list("id", flat=True))
        found = set()
        for household in households:
            try:
                got = selectors.household_for_order(scope, household.pk)
            except Http404:
                continue
            assert (got.room.address, got.room.unit.building.grid_id, got.community.pk) == (
                household.room.address, household.room.unit.building.grid_id, household.community_id)
            found.add(household.pk)
        assert found == seen, username
    with pytest.raises(Http404):
        selectors.household_for_order(scope_for(users["staff"]), max(h.pk for h in households) + 100000)
