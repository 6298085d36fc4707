"""Who keeps the prevention supplies (防疫物资) and who sees them (core/scoping.py). Registered
from StockConfig.ready(). Items, stores, stock and movements are the community's (secretary,
staff): the community warehouse and each gate's shelf."""

from __future__ import annotations

from shequ.core.scoping import Role, declare_capabilities, declare_scope

SECRETARY, STAFF = Role.SECRETARY, Role.STAFF

CAPABILITIES = {
    # The stock sheet (quantities, minimum, burn rate, days left), its Excel, the ledger; flags on the home page.
    "stock.view": {SECRETARY, STAFF},
    # Items, stores and minimums; receipts, issues and transfers between stores.
    "stock.manage": {SECRETARY, STAFF},
}


def register() -> None:
    from shequ.stock.models import Item, Movement, Stock, Store

    declare_capabilities(CAPABILITIES)
    for model in (Item, Store, Stock, Movement):
        declare_scope(model, community="community_id")
