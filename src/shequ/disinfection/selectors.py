"""Reads of disinfection, each through the caller's Scope: places, rounds, the day's board per
property company, the final disinfections waiting, the reminders a company received."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from shequ.core.rows import ChainReader
from shequ.core.scoping import Scope
from shequ.disinfection.models import Place, Reminder, Round
from shequ.health.models import TRANSFER_LIVE, HomeChecklist, Transfer, TransferState
from shequ.registry.models import Community, Compound

# A home is left for its final disinfection once the household's first member has been picked up.
LEFT_HOME = tuple(s for s in (*TRANSFER_LIVE, TransferState.DISCHARGED, TransferState.RETURNED)
                  if s not in (TransferState.REQUESTED, TransferState.APPROVED, TransferState.VEHICLE))


def local_day(at: dt.datetime) -> dt.date:
    return at.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE)).date()


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    start = dt.datetime.combine(day, dt.time(), tzinfo=zone)
    return start, dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone)


def expected_by(target: int, day: dt.date, now: dt.datetime) -> int:
    """Rounds a place should have had by ``now`` on ``day``: the target spread evenly over the day
    (5 a day: one by 04:48, two by 09:36...), the whole target for a day past, none for a day ahead."""
    start, end = day_bounds(day)
    if now >= end:
        return target
    if now <= start:
        return 0
    return int(target * (now - start).total_seconds() // 86400)


def compound_choices(scope: Scope) -> list[Compound]:
    """The compounds of the scope, for a new place."""
    return list(scope.filter(Compound.objects.all()).select_related("community").order_by("community_id", "name"))


def place_list(scope: Scope, *, active_only: bool = True) -> QuerySet[Place]:
    qs = scope.filter(Place.objects.all())
    if active_only:
        qs = qs.filter(active=True)
    return qs.select_related("compound__property_company", "community").order_by(
        "community__code", "compound__name", "kind", "name", "id")


def place_get(scope: Scope, pk: int) -> Place:
    return get_object_or_404(place_list(scope), pk=pk)


_PLACE_ROW = ChainReader([(Place, None, None), (Compound, "compound_id", "compound"),
                          (Community, "community_id", "community")], "t0.id = %s")


def place_for_record(scope: Scope, pk: int) -> Place:
    """A place to record a round of (the API, several a minute per company), with its compound and
    community, in one prepared statement (core/rows.py), the scope checked on the row read;
    404 outside the scope (bench/services.py: the API's recording figure)."""
    place = _PLACE_ROW.first([pk])
    if place is None:
        raise Http404
    place.community = place.compound.community
    if not scope.sees(Place, id=place.pk, community_id=place.community_id,
                      compound__property_company_id=place.compound.property_company_id,
                      community__street_id=place.community.street_id):
        raise Http404
    return place


def round_list(scope: Scope) -> QuerySet[Round]:
    return scope.filter(Round.objects.all()).select_related("place", "compound", "room__unit__building")


def round_get(scope: Scope, pk: int) -> Round:
    return get_object_or_404(round_list(scope), pk=pk)


def rounds_of_day(scope: Scope, *, day: dt.date) -> list[Round]:
    start, end = day_bounds(day)
    return list(round_list(scope).filter(at__gte=start, at__lt=end).order_by("-at", "-id"))


@dataclass
class PlaceRow:
    place: Place
    done: int
    expected: int

    @property
    def behind(self) -> bool:
        return self.done < self.expected


@dataclass
class CompanyRow:
    """The places of one property company in one community (``company`` None: the compounds
    without a property company, which the community looks after itself)."""

    community: Any
    company: Any
    places: list[PlaceRow] = field(default_factory=list)

    @property
    def behind(self) -> list[PlaceRow]:
        return [p for p in self.places if p.behind]


def board(scope: Scope, *, day: dt.date, now: dt.datetime) -> list[CompanyRow]:
    """Every place of the scope with the day's rounds against what it should have had by ``now``,
    grouped by community and property company: two queries, whatever the number of rounds."""
    places = list(place_list(scope))
    start, end = day_bounds(day)
    counts: dict[int, int] = dict(
        Round.objects.filter(community_id__in={p.community_id for p in places}, kind=Round.Kind.ROUND,
                             at__gte=start, at__lt=end)
        .values_list("place_id").annotate(n=Count("id")).values_list("place_id", "n"))
    rows: dict[tuple[int, int | None], CompanyRow] = {}
    for p in places:
        key = (p.community_id, p.compound.property_company_id)
        row = rows.get(key)
        if row is None:
            row = rows[key] = CompanyRow(community=p.community, company=p.compound.property_company)
        row.places.append(PlaceRow(place=p, done=counts.get(p.pk, 0), expected=expected_by(p.target_per_day, day, now)))
    return sorted(rows.values(), key=lambda r: (r.community.code, r.company is None,
                                                r.company.name if r.company else ""))


@dataclass(frozen=True)
class FinalTask:
    """A home waiting for its final disinfection: the room only, never who lived there."""

    group: Any
    room: Any
    since: dt.datetime | None


def final_tasks(scope: Scope) -> list[FinalTask]:
    """Homes of the scope's compounds whose household has been picked up for a transfer and whose
    final disinfection is not recorded yet (health's home checklist holds when it is)."""
    compounds = scope.filter(Compound.objects.all()).values("id")
    moved = Transfer.objects.filter(state__in=LEFT_HOME).values("group")
    checklists = (HomeChecklist.objects.filter(disinfected_at__isnull=True, group__in=moved,
                                               household__room__unit__building__compound_id__in=compounds)
                  .select_related("household__room__unit__building__compound").order_by("id"))
    picked: dict[Any, dt.datetime] = {}
    for group, at in (Transfer.objects.filter(group__in=[c.group for c in checklists], steps__state=TransferState.PICKED_UP)
                      .values_list("group", "steps__at")):
        picked[group] = min(at, picked.get(group, at))
    return [FinalTask(group=c.group, room=c.household.room, since=picked.get(c.group)) for c in checklists]


def final_task_get(scope: Scope, group: Any) -> FinalTask:
    for task in final_tasks(scope):
        if str(task.group) == str(group):
            return task
    from django.http import Http404

    raise Http404


def reminders_for(scope: Scope, *, day: dt.date) -> list[Reminder]:
    return list(scope.filter(Reminder.objects.filter(day=day)).select_related("property_company").order_by("id"))
