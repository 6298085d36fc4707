"""Who takes, buys, packs and delivers orders, and who sees them (core/scoping.py). Registered from
SuppliesConfig.ready().

Orders are seen by the whole community (secretary, staff), by the grid worker of the household's
grid, by the resident of the household (their own orders), and by the courier of the run an order
is on (a volunteer sees the doors and items of their run and nothing else: the ``supplies_run``
grant, given by ``run_grants`` from the runs assigned to the user). The inbox, shops,
packages and purchase lists are the community's (secretary, staff).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from shequ.core.scoping import Role, Scope, declare_capabilities, declare_scope, grant_provider

SECRETARY, STAFF, GRID_WORKER, VOLUNTEER, RESIDENT = (
    Role.SECRETARY, Role.STAFF, Role.GRID_WORKER, Role.VOLUNTEER, Role.RESIDENT)

CAPABILITIES = {
    # Paste group messages, review and confirm them (the help requests they open are resident services').
    "supplies.inbox": {SECRETARY, STAFF},
    # Take an order for a household (phone calls), see the orders of one's scope and move them on;
    # parse messages through the API.
    "supplies.order": {SECRETARY, STAFF, GRID_WORKER},
    # Shops, packages, purchase lists, packing, labels, delivery runs, the day's figures.
    "supplies.manage": {SECRETARY, STAFF},
    # The phone screen of a run assigned to the user.
    "supplies.deliver": {SECRETARY, STAFF, GRID_WORKER, VOLUNTEER},
    # A resident's own orders: order, see, confirm receipt.
    "supplies.own": {RESIDENT},
}

# Roles that may carry a run into a risk place (a building with a confirmed case or close contact).
RISK_PLACE_COURIERS = frozenset({SECRETARY, STAFF, GRID_WORKER})


def run_grants(user: Any, scope: Scope, context: Mapping[str, Any]) -> Mapping[str, Iterable[int]]:
    """The runs assigned to the user, open or not (a courier looks back at the day's runs)."""
    if not scope.roles & {VOLUNTEER, GRID_WORKER, STAFF, SECRETARY}:
        return {}
    from shequ.supplies.models import Run

    return {"supplies_run": list(Run.objects.filter(courier_id=user.pk).values_list("id", flat=True))}


def register() -> None:
    from shequ.supplies.models import (
        Distribution,
        InboxMessage,
        Order,
        OrderItem,
        Package,
        Run,
        RunStep,
        Shop,
    )

    declare_capabilities(CAPABILITIES)
    grant_provider(run_grants)
    declare_scope(Order, community="community_id", grid="household__room__unit__building__grid_id",
                  household="household_id", supplies_run="run_id")
    declare_scope(OrderItem, community="community_id", grid="order__household__room__unit__building__grid_id",
                  household="order__household_id", supplies_run="order__run_id")
    declare_scope(Run, community="community_id", grid="grid_id", supplies_run="id")
    declare_scope(RunStep, community="community_id", supplies_run="run_id")
    for model in (InboxMessage, Shop, Package, Distribution):
        declare_scope(model, community="community_id")
    # A grid worker and a resident see the packages on offer to order from (the names and prices).
    declare_scope(Package, variant="offer", community="community_id", member="community_id")
