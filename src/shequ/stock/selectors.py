"""Reads of the prevention supplies, through the caller's Scope: items, stores, the stock sheet with
each stock's burn rate and days left, the flags for the home page, the ledger."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Count, F, Min, QuerySet
from django.shortcuts import get_object_or_404

from shequ.core.scoping import Scope
from shequ.stock.models import Item, Movement, Stock, Store

# The burn rate is measured over the last seven days (today included)...
WINDOW_DAYS = 7
# ...and a stock is flagged when it lasts fewer days than this at that rate.
RUNNING_OUT_DAYS = 3


def item_list(scope: Scope) -> QuerySet[Item]:
    return scope.filter(Item.objects.all()).order_by("community_id", "kind", "name", "id")


def store_list(scope: Scope) -> QuerySet[Store]:
    return scope.filter(Store.objects.all()).order_by("community_id", "kind", "name", "id")


def item_get(scope: Scope, pk: int) -> Item:
    return get_object_or_404(item_list(scope), pk=pk)


def store_get(scope: Scope, pk: int) -> Store:
    return get_object_or_404(store_list(scope), pk=pk)


def movement_list(scope: Scope) -> QuerySet[Movement]:
    return scope.filter(Movement.objects.all()).select_related("item", "store").order_by("-at", "-id")


def _local_day(at: dt.datetime) -> dt.date:
    return at.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE)).date()


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))


@dataclass(frozen=True)
class BurnRate:
    """Issued per day over the days of data in the window: ``issued`` over ``days`` (1 to 7 calendar
    days: from the stock's first movement, or seven). Days without an issue count as days of zero."""

    issued: int
    days: int

    @property
    def per_day(self) -> Decimal:
        if not self.days:
            return Decimal(0)
        return (Decimal(self.issued) / self.days).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    def days_left(self, quantity: int) -> Decimal | None:
        """How long ``quantity`` lasts at this rate; None when nothing is being used."""
        if not self.issued:
            return None
        return (Decimal(quantity) * self.days / self.issued).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def burn_rate(*, first_at: dt.datetime | None, issued_by_day: dict[dt.date, int], now: dt.datetime) -> BurnRate:
    """The arithmetic, apart from the queries (tests hold it with a fixed clock)."""
    if first_at is None:
        return BurnRate(issued=0, days=0)
    today = _local_day(now)
    start = max(_local_day(first_at), today - dt.timedelta(days=WINDOW_DAYS - 1))
    if start > today:
        return BurnRate(issued=0, days=0)
    days = (today - start).days + 1
    issued = sum(n for day, n in issued_by_day.items() if start <= day <= today)
    return BurnRate(issued=issued, days=days)


@dataclass(frozen=True)
class SheetRow:
    stock: Stock
    rate: BurnRate

    @property
    def days_left(self) -> Decimal | None:
        return self.rate.days_left(self.stock.quantity)

    @property
    def below_minimum(self) -> bool:
        return self.stock.quantity < self.stock.minimum

    @property
    def running_out(self) -> bool:
        left = self.days_left
        return left is not None and left < RUNNING_OUT_DAYS

    @property
    def flagged(self) -> bool:
        return self.below_minimum or self.running_out


def sheet(scope: Scope, *, now: dt.datetime) -> list[SheetRow]:
    """Every stock of the scope with its burn rate: three queries, whatever the number of movements."""
    stocks = list(scope.filter(Stock.objects.all()).select_related("item", "store")
                  .order_by("store__kind", "store__name", "item__kind", "item__name", "id"))
    if not stocks:
        return []
    communities = sorted({s.community_id for s in stocks})
    since = _day_start(_local_day(now) - dt.timedelta(days=WINDOW_DAYS - 1))
    firsts: dict[tuple[int, int], dt.datetime] = {}
    for item_id, store_id, at in (Movement.objects.filter(community_id__in=communities, at__lte=now)
                                  .values_list("item_id", "store_id").annotate(first=Min("at"))
                                  .values_list("item_id", "store_id", "first")):
        firsts[(item_id, store_id)] = at
    issued: dict[tuple[int, int], dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))
    for item_id, store_id, at, n in (Movement.objects.filter(community_id__in=communities, kind=Movement.Kind.ISSUE,
                                                             at__gte=since, at__lte=now)
                                     .values_list("item_id", "store_id", "at", "quantity")):
        issued[(item_id, store_id)][_local_day(at)] += n
    return [SheetRow(stock=s, rate=burn_rate(first_at=firsts.get((s.item_id, s.store_id)),
                                             issued_by_day=issued.get((s.item_id, s.store_id), {}), now=now))
            for s in stocks]


def flagged(scope: Scope, *, now: dt.datetime) -> list[SheetRow]:
    """The stocks below their minimum or running out within three days (the home page)."""
    return [row for row in sheet(scope, now=now) if row.flagged]


def sheet_quantity(item: Item, store: Store) -> int:
    """The stock of an item at a store already read through the scope (0 where none was kept)."""
    return Stock.objects.filter(item=item, store=store).values_list("quantity", flat=True).first() or 0


# -- the daily report's figures (reports.figures reads them) --------------------------------------------

def report_figures(community_ids: Sequence[int], *, since: dt.datetime, until: dt.datetime) -> dict[str, dict[int, int]]:
    """Prevention supplies below their minimum per community (stock rows: an item at a store), as
    the stock stands when the report is computed (stock keeps the movements, not a daily balance)."""
    return {"stock_below_minimum": dict(Stock.objects.filter(community_id__in=community_ids,
                                                             quantity__lt=F("minimum"))
                                        .values_list("community_id").annotate(n=Count("id")))}
