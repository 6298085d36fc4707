"""Reads of the campaigns app. Every function takes the caller's Scope.

Who sees what: secretary and staff see their community's campaigns whole; a grid worker sees the
campaigns of their community, but only the targets, households and re-tests of their grid; a
sampler sees every target of their community (they call whole compounds down). Coverage is
aggregated in SQL over ``Target`` alone (place columns copied at the snapshot), one GROUP BY per
call, never a loop over persons.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, Exists, OuterRef, Q, QuerySet, Subquery, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from shequ.campaigns.access import FIELD
from shequ.campaigns.models import (
    Campaign,
    Kind,
    Result,
    Retest,
    RetestStatus,
    Sample,
    SamplingPoint,
    Target,
    TargetHousehold,
    Tube,
    Visit,
)
from shequ.core.scoping import Scope
from shequ.registry.models import Building, Compound, Grid, Household, Person, PersonTag, Unit


def campaign_list(scope: Scope) -> QuerySet[Campaign]:
    """Campaigns of the communities where the user does field work."""
    return scope.filter(Campaign.objects.select_related("community", "grid"))


def campaign_get(scope: Scope, pk: int) -> Campaign:
    """A campaign of a community where the user does field work (404 otherwise)."""
    return get_object_or_404(campaign_list(scope).select_related("previous"), pk=pk)


def campaign_for_device(scope: Scope, pk: int) -> Campaign:
    """The campaign for an API call: the same scope as ``campaign_get``, fewer joins."""
    return get_object_or_404(scope.filter(Campaign.objects.select_related("community")), pk=pk)


def manages(scope: Scope, campaign: Campaign) -> bool:
    return scope.can("campaigns.manage", campaign.community_id)


def targets(scope: Scope, campaign: Campaign) -> QuerySet[Target]:
    return scope.filter(Target.objects.filter(campaign=campaign))


def target_households(scope: Scope, campaign: Campaign) -> QuerySet[TargetHousehold]:
    return scope.filter(TargetHousehold.objects.filter(campaign=campaign))


def target_get(scope: Scope, campaign: Campaign, pk: int) -> Target:
    return get_object_or_404(targets(scope, campaign).select_related("person", "campaign__community"), pk=pk)


def field_persons(scope: Scope, campaign: Campaign) -> QuerySet[Person]:
    """Persons of the campaign's community a field worker may look up (a sampler: all of them)."""
    return scope.filter(Person.objects.filter(community_id=campaign.community_id), FIELD)


def person_to_call(scope: Scope, target: Target) -> Person:
    """The target's person, if they are in the caller's own scope now (a grid worker's grid, not
    only the grid the round was opened with); 404 otherwise."""
    return get_object_or_404(scope.filter(Person.objects.filter(pk=target.person_id)))


def household_target_get(scope: Scope, campaign: Campaign, household_pk: int) -> TargetHousehold:
    qs = target_households(scope, campaign).select_related("household__room__unit__building__compound")
    return get_object_or_404(qs, household_id=household_pk)


# -- coverage ---------------------------------------------------------------------------------------


@dataclass
class Counts:
    targeted: int = 0
    reached: int = 0
    exempt: int = 0
    added: int = 0

    @property
    def missing(self) -> int:
        return self.targeted - self.reached - self.exempt

    @property
    def percent(self) -> int:
        base = self.targeted - self.exempt
        return 100 if base <= 0 else int(100 * self.reached / base)

    def add(self, other: Counts) -> None:
        self.targeted += other.targeted
        self.reached += other.reached
        self.exempt += other.exempt
        self.added += other.added


@dataclass
class CoverageRow:
    key: int | None
    label: str
    counts: Counts
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Coverage:
    total: Counts
    compounds: list[CoverageRow]
    buildings: list[CoverageRow]
    units: list[CoverageRow]
    grids: list[CoverageRow]
    households: Counts  # targeted = households, reached = visited (screening) or with someone reached


def coverage(scope: Scope, campaign: Campaign) -> Coverage:
    """Targeted, reached, missing and exempt by compound, building, unit and grid: one GROUP BY unit
    in SQL, rolled up in Python over the (few thousand) unit rows."""
    rows = (
        targets(scope, campaign).order_by().values("compound_id", "building_id", "unit_id", "grid_id")
        .annotate(
            targeted=Count("id"),
            # Not "reached": the name of Target's property (django-stubs checks annotations against it).
            reached_count=Count("id", filter=Q(reached_at__isnull=False)),
            exempt=Count("id", filter=Q(reached_at__isnull=True) & ~Q(exempt_reason="")),
            added=Count("id", filter=Q(added_mid_round=True)),
        )
    )
    total = Counts()
    # Every target has a compound, a building and a unit; not every one a grid.
    by: dict[str, dict[int, Counts]] = {"compound": {}, "building": {}, "unit": {}}
    by_grid: dict[int | None, Counts] = {}
    for r in rows:
        c = Counts(r["targeted"], r["reached_count"], r["exempt"], r["added"])
        total.add(c)
        for level in by:
            by[level].setdefault(r[f"{level}_id"], Counts()).add(c)
        by_grid.setdefault(r["grid_id"], Counts()).add(c)
    compounds = dict(Compound.objects.filter(pk__in=[k for k in by["compound"] if k]).values_list("id", "name"))
    buildings = {b.pk: b for b in Building.objects.filter(pk__in=[k for k in by["building"] if k])}
    units = {u.pk: u for u in Unit.objects.filter(pk__in=[k for k in by["unit"] if k])}
    grids = {g.pk: g for g in Grid.objects.filter(pk__in=[k for k in by_grid if k])}

    def building_label(pk: int) -> str:
        b = buildings[pk]
        return f"{compounds.get(b.compound_id, '')} {b}"

    def unit_label(pk: int) -> str:  # the address form, as in 9-2-502
        u = units[pk]
        b = buildings[u.building_id]
        return f"{compounds.get(b.compound_id, '')} {b.number}-{u.number}"

    hh = target_households(scope, campaign).order_by().aggregate(
        n=Count("id"),
        visited=Count("id", filter=Q(last_outcome__in=["visited", "moved_out"])),
    )
    households = Counts(targeted=hh["n"], reached=hh["visited"])
    if campaign.kind == Kind.TEST_ROUND:
        reached_households = (targets(scope, campaign).filter(reached_at__isnull=False).order_by()
                              .values("household_id").distinct().count())
        households = Counts(targeted=hh["n"], reached=reached_households)
    return Coverage(
        total=total,
        compounds=sorted((CoverageRow(k, compounds.get(k, ""), c) for k, c in by["compound"].items()),
                         key=lambda r: r.label),
        buildings=sorted((CoverageRow(k, building_label(k), c, {"building": buildings[k]})
                          for k, c in by["building"].items()),
                         key=lambda r: (r.extra["building"].compound_id, r.extra["building"].sort_key, r.label)),
        units=sorted((CoverageRow(k, unit_label(k), c, {"unit": units[k]}) for k, c in by["unit"].items()),
                     key=lambda r: (r.extra["unit"].building_id, r.extra["unit"].sort_key)),
        # Grids in their order (第一, 第二, 第三...), not by name; buildings in no grid last.
        grids=sorted((CoverageRow(k, grids[k].name if k in grids else "-", c) for k, c in by_grid.items()),
                     key=lambda r: (r.key not in grids, grids[r.key].number if r.key in grids else 0)),
        households=households,
    )


def missing_targets(scope: Scope, campaign: Campaign, *, compound: int | None = None, building: int | None = None,
                    unit: int | None = None, grid: int | None = None) -> QuerySet[Target]:
    """Persons not reached and not exempt, with their address, ordered for a walk through the
    buildings (building, unit, floor, room)."""
    qs = targets(scope, campaign).filter(reached_at__isnull=True, exempt_reason="")
    for name, value in (("compound_id", compound), ("building_id", building), ("unit_id", unit),
                        ("grid_id", grid)):
        if value:
            qs = qs.filter(**{name: value})
    return qs.select_related("person", "household__room__unit__building__compound").order_by(
        "compound_id", "building__sort_key", "building__number", "unit__sort_key", "household__room__floor",
        "household__room__number", "person_id")


def _head_name() -> Subquery:
    """The name a household goes by: its head's, else its first member's (two households in one
    room are told apart by it)."""
    members = Person.objects.filter(household_id=OuterRef("household_id"), status=Person.Status.ACTIVE)
    head_first = Case(When(relation=Person.Relation.HEAD, then=Value(0)), default=Value(1))
    return Subquery(members.order_by(head_first, "id").values("name")[:1])


def unvisited_households(scope: Scope, campaign: Campaign) -> QuerySet[TargetHousehold]:
    """Households without a visit that settled them (never visited, nobody home, refused), in walking
    order: building, unit, floor, with the head's name and the number of persons."""
    members = Person.objects.filter(household_id=OuterRef("household_id"), status=Person.Status.ACTIVE)
    return (
        target_households(scope, campaign).exclude(last_outcome__in=["visited", "moved_out"])
        .annotate(head_name=_head_name(),
                  persons=Subquery(members.order_by().values("household_id").annotate(n=Count("id")).values("n")))
        .select_related("household__room__unit__building__compound")
        .order_by("compound_id", "building__sort_key", "building__number", "unit__sort_key", "floor",
                  "household__room__number")
    )


# -- door-to-door sampling ---------------------------------------------------------------------------

DOOR_TO_DOOR_TAGS = (PersonTag.Tag.ELDERLY_ALONE, PersonTag.Tag.DISABLED, PersonTag.Tag.BEDRIDDEN)


def door_to_door(scope: Scope, campaign: Campaign, *, at: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Targets who cannot come down: elderly living alone, disabled or bedridden (registry tags),
    people under a movement restriction in force (home quarantine...), and everyone not reached yet
    in a sealed place (a sealed unit, building or compound: containment's strictest level over the
    unit). Not yet reached first, then in walking order."""
    from shequ.containment.models import ContainmentArea, Level, MovementRestriction
    from shequ.containment.selectors import in_force, levels_for_units

    at = at or timezone.now()
    missing = targets(scope, campaign).filter(reached_at__isnull=True, exempt_reason="")
    sealed_units: list[int] = []
    # The common case, no sealed area in the community, costs one query.
    if ContainmentArea.objects.filter(in_force(at), community_id=campaign.community_id, level=Level.SEALED).exists():
        units = set(missing.order_by().values_list("unit_id", flat=True).distinct())
        sealed_units = sorted(u for u, level in levels_for_units(units, at).items() if level == Level.SEALED)
    restricted = MovementRestriction.objects.filter(in_force(at), person_id=OuterRef("person_id"))
    tagged = PersonTag.objects.filter(person_id=OuterRef("person_id"), tag__in=DOOR_TO_DOOR_TAGS)
    qs = (
        targets(scope, campaign).filter(exempt_reason="")
        .annotate(restricted=Exists(restricted), tagged=Exists(tagged))
        .filter(Q(restricted=True) | Q(tagged=True) | Q(unit_id__in=sealed_units, reached_at__isnull=True))
        .select_related("person", "household__room__unit__building__compound")
        .order_by("compound_id", "building__sort_key", "unit__sort_key", "household__room__floor",
                  "household__room__number", "person_id")
    )
    found = list(qs)
    person_ids = [t.person_id for t in found if t.tagged or t.restricted]
    tags: dict[int, list[str]] = {}
    for pid, tag in PersonTag.objects.filter(person_id__in=person_ids, tag__in=DOOR_TO_DOOR_TAGS).values_list(
            "person_id", "tag"):
        tags.setdefault(pid, []).append(str(PersonTag.Tag(tag).label))
    kinds: dict[int, list[str]] = {}
    for r in MovementRestriction.objects.filter(in_force(at), person_id__in=person_ids):
        kinds.setdefault(r.person_id, []).append(str(r.get_kind_display()))
    sealed = set(sealed_units)
    sealed_label = str(Level.SEALED.label)
    rows: list[dict[str, Any]] = [{"target": t, "reasons": tags.get(t.person_id, []) + kinds.get(t.person_id, [])
             + ([sealed_label] if t.unit_id in sealed and t.reached_at is None else [])} for t in found]
    rows.sort(key=lambda r: r["target"].reached_at is not None)
    return rows


# -- tubes and re-tests -----------------------------------------------------------------------------


def tube_list(scope: Scope, campaign: Campaign) -> QuerySet[Tube]:
    return Tube.objects.filter(campaign=campaign).select_related("point").order_by("-created_at", "-id")


def tube_get(scope: Scope, campaign: Campaign, pk: int) -> Tube:
    return get_object_or_404(Tube.objects.filter(campaign=campaign).select_related("point", "campaign"), pk=pk)


def tube_samples(scope: Scope, tube: Tube) -> list[Sample]:
    """The tube's samples; persons outside the user's scope are left out (a grid worker opening a
    tube from the alert sees their own grid's people in it)."""
    visible = scope.filter(Person.objects.filter(pk=OuterRef("person_id")), FIELD)
    return list(Sample.objects.filter(tube=tube).annotate(visible=Exists(visible)).filter(visible=True)
                .select_related("person__household__room__unit__building__compound").order_by("id"))


def retest_list(scope: Scope, campaign: Campaign, *, pending_only: bool = False) -> QuerySet[Retest]:
    """Persons to re-test, with their households and buildings, the source tube first."""
    visible = Exists(scope.filter(Person.objects.filter(pk=OuterRef("person_id")), FIELD))
    return (
        Retest.objects.filter(campaign=campaign, **({"status": RetestStatus.PENDING} if pending_only else {}))
        .filter(visible)
        .select_related("person__household__room__unit__building__compound", "person__household__room__unit__building__grid",
                        "source_tube", "resolved_tube")
        .order_by("status", "source_tube__code", "person__household__room__unit__building__sort_key",
                  "person__household__room__unit__sort_key", "person__household__room__number", "person_id")
    )


def point_list(scope: Scope, campaign: Campaign) -> list[SamplingPoint]:
    return list(SamplingPoint.objects.filter(campaign=campaign).prefetch_related(
        "slots__slot_buildings__building__compound"))


# -- comparison with the previous round ---------------------------------------------------------------


def sampled_last_time_not_now(scope: Scope, campaign: Campaign) -> QuerySet[Target]:
    """Targets of this round not reached yet who were reached in the previous round: the people most
    likely to be at home and simply forgotten."""
    if campaign.previous_id is None:
        return Target.objects.none()
    before = Target.objects.filter(campaign_id=campaign.previous_id, person_id=OuterRef("person_id"),
                                   reached_at__isnull=False)
    return missing_targets(scope, campaign).filter(Exists(before))


def lookup_persons(scope: Scope, campaign: Campaign, q: str, *, limit: int = 60) -> list[Person]:
    """Persons for the sampling page by name, pinyin initials, phone, ID number or address (9-2-502)."""
    from shequ.core.address import parse_address
    from shequ.core.text import compact, normalize

    text = normalize(q).strip()
    if not text:
        return []
    qs = field_persons(scope, campaign).filter(status=Person.Status.ACTIVE)
    address = None if text.isdigit() else parse_address(text)
    stairwell = re.fullmatch(r"(\d+)[-－](\d+)", text)
    if stairwell:  # "9-2": everyone of building 9, unit 2 (a sampler calling a stairwell down)
        limit = max(limit, 200)  # the whole stairwell, even where two compounds have a 9-2
        qs = qs.filter(household__room__unit__building__number=stairwell[1],
                       household__room__unit__number=stairwell[2])
    elif text.isdigit() and len(text) >= 4:
        qs = qs.filter(Q(phone__endswith=text) | Q(id_number__endswith=text))
    elif address is not None:
        qs = qs.filter(household__room__number=address.room, household__room__unit__number=address.unit or "1",
                       household__room__unit__building__number=address.building)
        if address.compound:
            qs = qs.filter(household__room__unit__building__compound__name__startswith=address.compound)
    else:
        key = compact(text)
        qs = qs.filter(Q(name__startswith=text) | Q(name_initials__startswith=key.lower()))
    return list(qs.select_related("household__room__unit__building__compound").order_by(
        "household__room__unit__building__compound_id", "household__room__unit__building__sort_key",
        "household__room__unit__sort_key", "household__room__floor", "household__room__number", "id")[:limit])


def sampled_tubes(campaign: Campaign, person_ids: list[int]) -> dict[int, list[str]]:
    """person id -> codes of the tubes they were sampled into in this round (for the look-up's
    results: who is in the tube being filled, who was sampled already). The caller has scoped the
    persons."""
    found: dict[int, list[str]] = {}
    if person_ids:
        for person_id, code in (Sample.objects.filter(campaign=campaign, person_id__in=person_ids)
                                .order_by("id").values_list("person_id", "tube__code")):
            found.setdefault(person_id, []).append(code)
    return found


def households_of(person_ids: list[int]) -> dict[int, Household]:
    return {h.pk: h for h in Household.objects.filter(persons__id__in=person_ids).select_related(
        "room__unit__building__compound")}


# -- the daily report's figures (reports.figures reads them) --------------------------------------------

def report_figures(community_ids: Sequence[int], *, since: dt.datetime, until: dt.datetime) -> dict[str, dict[int, int]]:
    """Screening and testing figures per community for the daily report, as at ``until`` (the
    cut-off): households screened in [since, until] and up to until in all, persons sampled and the
    tubes they went into in [since, until], tubes whose result came in [since, until] and those of
    them found positive (the result of an earlier day's tube may come today), re-tests asked for by
    until and not resolved by then."""
    def per(qs: QuerySet[Any], field: str = "id") -> dict[int, int]:
        return dict(qs.filter(community_id__in=community_ids).values_list("community_id")
                    .annotate(n=Count(field, distinct=True)))

    visits = Visit.objects.filter(campaign__kind=Kind.SCREENING, visited_at__lte=until)
    samples = Sample.objects.filter(sampled_at__gte=since, sampled_at__lte=until)
    resulted = Tube.objects.filter(result_at__gte=since, result_at__lte=until)
    return {
        "screened_today": per(visits.filter(visited_at__gte=since), "household_id"),
        "screened_total": per(visits, "household_id"),
        "tested_today": per(samples, "person_id"),
        "tubes_today": per(samples, "tube_id"),
        "results_today": per(resulted),
        "positives_today": per(resulted.filter(result=Result.POSITIVE)),
        "retests_pending": per(Retest.objects.filter(created_at__lte=until).filter(
            Q(resolved_at__isnull=True) | Q(resolved_at__gt=until))),
    }
