"""Reads of supplies: each takes the caller's Scope (an object outside it is a 404)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Aggregate, Count, Q, QuerySet, Sum, TextField
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404

from shequ.containment.models import Level
from shequ.containment.selectors import levels_for_units
from shequ.core.rows import ChainReader
from shequ.core.scoping import Scope
from shequ.health.selectors import risk_places
from shequ.registry.models import Building, Community, Household, Room, Unit
from shequ.supplies.models import (
    FLOW,
    Distribution,
    InboxMessage,
    Order,
    OrderItem,
    Package,
    Run,
    Shop,
)


# -- risk places ---------------------------------------------------------------------------------------
def staff_only_units(unit_ids: Iterable[int], at: dt.datetime) -> set[int]:
    """The units, of those given, that are a risk place at ``at``: deliveries there are staff-only.

    The one place supplies decides it: a unit whose building or unit has a confirmed case, an
    asymptomatic infection or a close contact whose status is current (health's ``risk_places``, the
    register as it stands now), or that lies in a sealed area over the unit, its building or its
    compound (containment, at ``at``)."""
    ids = set(unit_ids)
    if not ids:
        return set()
    sealed = {u for u, level in levels_for_units(ids, at).items() if level == Level.SEALED}
    units = list(Unit.objects.filter(id__in=ids).values_list("id", "building_id", "community_id"))
    risk = risk_places(community_ids={community for _u, _b, community in units})
    return sealed | {u for u, building, _c in units if risk.covers(unit_id=u, building_id=building)}


# -- addresses -----------------------------------------------------------------------------------------
UNKNOWN, AMBIGUOUS = "unknown", "ambiguous"


def resolve_address(community_id: int, address: str | None, compound: str = "",
                    compound_id: int | None = None) -> tuple[Household | None, str]:
    """building-unit-room (as the parser gives it) -> (the active household there, "") or (None,
    "unknown" | "ambiguous" | "" when no address was given). Several compounds with that building
    number, or several households in the room, are ambiguous unless the compound was named in the
    message or is the group's (``compound_id``: the paste came from one compound's group)."""
    if not address:
        return None, ""
    building, _sep, rest = address.partition("-")
    unit, _sep, room = rest.partition("-")
    qs = Household.objects.filter(community_id=community_id, status=Household.Status.ACTIVE,
                                  room__unit__building__number=building, room__unit__number=unit,
                                  room__number=room).select_related("room__unit__building__compound")
    if compound_id is not None and not compound:
        qs = qs.filter(room__unit__building__compound_id=compound_id)
    found = list(qs[:5])
    if compound and len(found) > 1:
        named = [h for h in found if h.room.unit.building.compound.name.startswith(compound[:2])]
        found = named or found
    if not found:
        return None, UNKNOWN
    if len(found) > 1:
        return None, AMBIGUOUS
    return found[0], ""


# -- the household of an order ------------------------------------------------------------------------
_HOUSEHOLD_ROW = ChainReader([(Household, None, None), (Room, "room_id", "room"), (Unit, "unit_id", "unit"),
                              (Building, "building_id", "building"), (Community, "community_id", "community")],
                             "t0.id = %s")


def household_for_order(scope: Scope, pk: int) -> Household:
    """A household to take an order for (the API: order intake), with its room, unit, building and
    community, in one prepared statement (core/rows.py), the scope checked on the row read; 404
    outside the scope (bench/supplies.py, order intake: the ORM's select_related read took a fifth
    of the request)."""
    household = _HOUSEHOLD_ROW.first([pk])
    if household is None:
        raise Http404
    building = household.room.unit.building
    if building.community_id == household.community_id:  # as the registry writes every row
        household.community = building.community
    if not scope.sees(Household, id=household.pk, community_id=household.community_id,
                      room__unit__building__grid_id=building.grid_id):
        raise Http404
    return household


# -- the inbox, help ----------------------------------------------------------------------------------
def inbox_list(scope: Scope, *, status: str | None = InboxMessage.Status.OPEN) -> QuerySet[InboxMessage]:
    qs = scope.filter(InboxMessage.objects.select_related("household__room__unit__building__compound"))
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-urgent", "pasted_at", "position")


def inbox_get(scope: Scope, pk: int) -> InboxMessage:
    return get_object_or_404(inbox_list(scope, status=None), pk=pk)


# -- orders --------------------------------------------------------------------------------------------
def order_list(scope: Scope, *, status: str | Iterable[str] | None = None) -> QuerySet[Order]:
    """Urgent first, then the longest waiting."""
    qs = scope.filter(Order.objects.select_related("household__room__unit__building__compound", "run"))
    if isinstance(status, str):
        qs = qs.filter(status=status)
    elif status is not None:
        qs = qs.filter(status__in=list(status))
    return qs.prefetch_related("items__package").order_by("-urgent", "received_at", "id")


def order_get(scope: Scope, pk: int) -> Order:
    return get_object_or_404(order_list(scope), pk=pk)


def order_items_get(scope: Scope, ids: Iterable[int]) -> list[OrderItem]:
    """The items of a purchase-list line; any of them outside the user's scope (or none at all): 404."""
    wanted = set(ids)
    items = list(scope.filter(OrderItem.objects.filter(id__in=sorted(wanted))).select_related("order", "community"))
    if not wanted or len(items) != len(wanted):
        raise Http404
    return items


def shop_list(scope: Scope) -> QuerySet[Shop]:
    return scope.filter(Shop.objects.all())


def shop_get(scope: Scope, pk: int) -> Shop:
    return get_object_or_404(shop_list(scope), pk=pk)


def package_list(scope: Scope, *, offer: bool = False) -> QuerySet[Package]:
    """``offer``: the packages on offer, as a grid worker or resident sees them to order from."""
    qs = scope.filter(Package.objects.select_related("shop"), variant="offer" if offer else "")
    return qs.filter(active=True) if offer else qs


# -- purchase lists ------------------------------------------------------------------------------------
@dataclass
class PurchaseLine:
    name: str
    unit: str
    quantity: Decimal = Decimal(0)
    uncounted: int = 0  # lines without a quantity ("降压药")
    orders: list[int] = field(default_factory=list)
    item_ids: list[int] = field(default_factory=list)
    short: int = 0
    urgent: bool = False


@dataclass
class PurchaseList:
    shop: Shop | None
    lines: list[PurchaseLine]


class _Ids(Aggregate):
    """The ids of a group as one comma-separated text: GROUP_CONCAT (SQLite), STRING_AGG (PostgreSQL)."""

    function = "GROUP_CONCAT"
    output_field = TextField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, function="STRING_AGG",
                           template="%(function)s((%(expressions)s)::text, ',')", **extra)


def _ids(text: str | None) -> list[int]:
    return list(map(int, text.split(","))) if text else []


def purchase_lists(scope: Scope, *, community_id: int | None = None, shop_id: int | None = None) -> list[PurchaseList]:
    """Confirmed orders' items summed across households, per shop (items with no shop under None):
    per (name, unit), with the orders behind each line. Urgent lines first.

    One query that sums in the database, per line, with the line's item and order ids as text
    (bench/supplies.py, street_purchase_list_s: reading the street's 150,000 items one by one, their
    quantities converted to Decimal, took 1.8 s against the aim of 1 s)."""
    items = scope.filter(OrderItem.objects.filter(order__status=Order.Status.CONFIRMED))
    if community_id is not None:
        items = items.filter(community_id=community_id)
    if shop_id is not None:
        items = items.filter(shop_id=shop_id)
    rows = (items.annotate(line=Coalesce("package__name", "name")).values("shop_id", "line", "unit")
            .annotate(total=Sum("quantity"), counted=Count("quantity"), n=Count("id"),
                      short_n=Count("id", filter=Q(supply=OrderItem.Supply.SHORT)),
                      urgent_n=Count("id", filter=Q(order__urgent=True)), item_text=_Ids("id"),
                      order_text=_Ids("order_id"))
            .order_by())
    by_shop: dict[int | None, list[PurchaseLine]] = defaultdict(list)
    for row in rows:
        by_shop[row["shop_id"]].append(PurchaseLine(
            name=row["line"], unit=row["unit"] or "", quantity=row["total"] or Decimal(0),
            uncounted=row["n"] - row["counted"], orders=_ids(row["order_text"]), item_ids=_ids(row["item_text"]),
            short=row["short_n"], urgent=row["urgent_n"] > 0))
    shops = {s.pk: s for s in Shop.objects.filter(id__in=[k for k in by_shop if k is not None])}
    result = []
    for shop_key in sorted(by_shop, key=lambda k: (k is None, shops[k].name if k is not None else "")):
        lines = sorted(by_shop[shop_key], key=lambda ln: (not ln.urgent, ln.name))
        result.append(PurchaseList(shop=shops.get(shop_key) if shop_key is not None else None, lines=lines))
    return result


def distribution_list(scope: Scope) -> QuerySet[Distribution]:
    return scope.filter(Distribution.objects.select_related("compound"))


def distribution_get(scope: Scope, pk: int) -> Distribution:
    return get_object_or_404(distribution_list(scope), pk=pk)


def distribution_progress(distribution: Distribution) -> list[dict[str, Any]]:
    """Per building (with its grid): households, received, and the addresses still waiting."""
    rows: dict[int, dict[str, Any]] = {}
    orders = (Order.objects.filter(distribution=distribution)
              .select_related("household__room__unit__building__grid", "household__room__unit__building__compound")
              .order_by("household__room__unit__building__sort_key", "household__room__unit__sort_key",
                        "household__room__floor", "household__room__number"))
    for o in orders:
        b = o.household.room.unit.building
        row = rows.setdefault(b.pk, {"building": b, "grid": b.grid, "households": 0, "received": 0, "waiting": []})
        row["households"] += 1
        if o.status == Order.Status.DELIVERED:
            row["received"] += 1
        elif o.status != Order.Status.CANCELLED:
            row["waiting"].append(o.household.room.address)
    return list(rows.values())


# -- runs ----------------------------------------------------------------------------------------------
def run_list(scope: Scope) -> QuerySet[Run]:
    return scope.filter(Run.objects.select_related("courier", "grid"))


def run_get(scope: Scope, pk: int) -> Run:
    return get_object_or_404(run_list(scope), pk=pk)


def run_orders(run: Run) -> list[Order]:
    """The orders of a run in walking order (the caller has the run through its Scope)."""
    return list(Order.objects.filter(run=run).select_related("household__room__unit__building__compound")
                .prefetch_related("items").order_by("run_position", "id"))


@dataclass
class StopItem:
    name: str
    quantity: Decimal | None
    unit: str
    supply: str
    substitute: str


@dataclass
class RunStop:
    """One door of a run's phone screen: the order's state, where it goes, what goes there."""

    order_id: int
    status: str
    urgent: bool
    left_at_door_at: dt.datetime | None
    receipt: str
    address: str  # building-unit-room, as Room.address
    compound: str
    building_id: int
    items: list[StopItem] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return str(Order.Status(self.status).label)

    @property
    def receipt_label(self) -> str:
        return str(Order.Receipt(self.receipt).label) if self.receipt else ""


def run_stops(run: Run) -> list[RunStop]:
    """The doors of a run in walking order, with their items (the caller has the run through its
    Scope): two queries of the values the phone screen shows (bench/supplies.py, run_page_s: loading
    the orders with five related models and their items as instances took a quarter of the page)."""
    stops = [RunStop(order_id=pk, status=status, urgent=urgent, left_at_door_at=left, receipt=receipt,
                     address=f"{building}-{unit}-{room}", compound=compound, building_id=building_id)
             for pk, status, urgent, left, receipt, building, unit, room, compound, building_id in
             Order.objects.filter(run=run).order_by("run_position", "id").values_list(
                 "id", "status", "urgent", "left_at_door_at", "receipt", "household__room__unit__building__number",
                 "household__room__unit__number", "household__room__number",
                 "household__room__unit__building__compound__name", "household__room__unit__building_id")]
    by_order = {stop.order_id: stop.items for stop in stops}
    for order_id, name, quantity, unit, supply, substitute in OrderItem.objects.filter(order__run=run).order_by(
            "order_id", "id").values_list("order_id", "name", "quantity", "unit", "supply", "substitute"):
        by_order[order_id].append(StopItem(name, quantity, unit, supply, substitute))
    return stops


# -- figures ---------------------------------------------------------------------------------------------
def waited(order: Order, now: dt.datetime) -> dt.timedelta:
    """How long the order has waited, or took, from received to receipt."""
    return (order.delivered_at or now) - order.received_at


def day_figures(scope: Scope, community_id: int, start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    """Orders received in [start, end): counts per status, delivered, the median time to receipt,
    and money per shop (by the shop of the items) and per courier."""
    orders = list(scope.filter(Order.objects.filter(community_id=community_id, received_at__gte=start,
                                                      received_at__lt=end)).select_related("delivered_by"))
    by_status = {s: 0 for s in [*FLOW, Order.Status.CANCELLED]}
    for o in orders:
        by_status[o.status] += 1
    times = sorted((o.delivered_at - o.received_at).total_seconds() for o in orders if o.delivered_at)
    median = times[len(times) // 2] if times else None
    per_courier: dict[str, Decimal] = defaultdict(Decimal)
    per_payment: dict[str, Decimal] = defaultdict(Decimal)
    per_shop: dict[str, Decimal] = defaultdict(Decimal)
    delivered_ids = [o.pk for o in orders if o.status == Order.Status.DELIVERED]
    for shop, price, quantity in (OrderItem.objects.filter(order_id__in=delivered_ids, package__isnull=False)
                                  .exclude(supply=OrderItem.Supply.SHORT)
                                  .values_list("package__shop__name", "package__price", "quantity")):
        per_shop[shop or ""] += price * (quantity or 1)
    for o in orders:
        if o.amount is not None and o.status == Order.Status.DELIVERED:
            per_payment[o.payment or ""] += o.amount
            if o.payment == Order.Payment.CASH and o.delivered_by is not None:
                per_courier[o.delivered_by.get_username()] += o.amount
    return {"orders": len(orders), "by_status": by_status, "delivered": by_status[Order.Status.DELIVERED],
            "median_seconds_to_receipt": median, "urgent": sum(o.urgent for o in orders),
            "per_payment": dict(per_payment), "cash_per_courier": dict(per_courier), "per_shop": dict(per_shop)}


# -- the daily report's figures (reports.figures reads them) --------------------------------------------

def report_figures(community_ids: Sequence[int], *, since: dt.datetime, until: dt.datetime) -> dict[str, dict[int, int]]:
    """Supply figures per community for the daily report: orders received in [since, until], orders
    delivered in [since, until], urgent orders received then, and the longest wait in minutes of an
    urgent order from received to delivered (or to the cut-off when not yet delivered)."""
    orders = Order.objects.filter(community_id__in=community_ids)
    received = orders.filter(received_at__gte=since, received_at__lte=until)

    def per(qs: QuerySet[Any]) -> dict[int, int]:
        return dict(qs.values_list("community_id").annotate(n=Count("id")))

    waits: dict[int, int] = {}
    for community_id, at, delivered in received.filter(urgent=True).values_list(
            "community_id", "received_at", "delivered_at"):
        end = delivered if delivered is not None and delivered <= until else until
        waits[community_id] = max(waits.get(community_id, 0), int((end - at).total_seconds() // 60))
    return {
        "orders_today": per(received),
        "deliveries_today": per(orders.filter(delivered_at__gte=since, delivered_at__lte=until)),
        "urgent_orders_today": per(received.filter(urgent=True)),
        "urgent_wait_max_min": waits,
    }
