"""What is in force at a moment: restrictions of persons and the containment level of households."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Q, QuerySet

from shequ.containment.models import STRICTNESS, ContainmentArea, Level, MovementRestriction, Permit
from shequ.registry.models import Unit


def in_force(at: dt.datetime) -> Q:
    return Q(starts_at__lte=at) & (Q(ends_at__isnull=True) | Q(ends_at__gt=at))


def restrictions_in_force(person_ids: Iterable[int], at: dt.datetime) -> dict[int, list[MovementRestriction]]:
    """person id -> restrictions in force at ``at``."""
    found: dict[int, list[MovementRestriction]] = {}
    for r in MovementRestriction.objects.filter(in_force(at), person_id__in=list(person_ids)).order_by("starts_at"):
        found.setdefault(r.person_id, []).append(r)
    return found


def levels_for_units(unit_ids: Iterable[int], at: dt.datetime) -> dict[int, str]:
    """unit id -> the strictest containment level in force over the unit, its building or compound.
    Units at no level are left out."""
    unit_ids = list(set(unit_ids))
    if not unit_ids:
        return {}
    places = {u: (b, c) for u, b, c in Unit.objects.filter(id__in=unit_ids).values_list(
        "id", "building_id", "building__compound_id")}
    buildings = {b for b, _ in places.values()}
    compounds = {c for _, c in places.values()}
    areas = ContainmentArea.objects.filter(in_force(at)).filter(
        Q(unit_id__in=unit_ids) | Q(building_id__in=buildings) | Q(compound_id__in=compounds)
    ).values_list("level", "unit_id", "building_id", "compound_id")
    by_unit: dict[int, str] = {}
    by_building: dict[int, str] = {}
    by_compound: dict[int, str] = {}

    def stricter(table: dict[int, str], key: int, level: str) -> None:
        if key not in table or STRICTNESS[Level(level)] > STRICTNESS[Level(table[key])]:
            table[key] = level

    for level, unit_id, building_id, compound_id in areas:
        if unit_id:
            stricter(by_unit, unit_id, level)
        elif building_id:
            stricter(by_building, building_id, level)
        else:
            stricter(by_compound, compound_id, level)
    result: dict[int, str] = {}
    for unit_id, (building_id, compound_id) in places.items():
        for table, key in ((by_unit, unit_id), (by_building, building_id), (by_compound, compound_id)):
            if key in table:
                stricter(result, unit_id, table[key])
    return result


def restriction_list(scope: object, *, current_at: dt.datetime | None = None) -> QuerySet[MovementRestriction]:
    qs = scope.persons_related(MovementRestriction.objects.all(), "person")  # type: ignore[attr-defined]
    if current_at is not None:
        qs = qs.filter(in_force(current_at))
    return qs.select_related("person", "person__household__room__unit__building__compound").order_by("-starts_at")


def area_list(scope: object, *, current_at: dt.datetime | None = None) -> QuerySet[ContainmentArea]:
    qs = scope.community_rows(ContainmentArea.objects.all())  # type: ignore[attr-defined]
    if current_at is not None:
        qs = qs.filter(in_force(current_at))
    return qs.select_related("compound", "building__compound", "unit__building__compound").order_by("-starts_at")


def permit_list(scope: object) -> QuerySet[Permit]:
    """The permits of the communities the user may manage containment in (secretary, staff)."""
    qs = scope.community_rows(Permit.objects.all())  # type: ignore[attr-defined]
    return qs.select_related(
        "person__household__room__unit__building__compound", "compound", "building__compound",
        "unit__building__compound", "room__unit__building__compound", "requested_by", "decided_by", "revoked_by",
    ).order_by("-created_at", "-id")


def permits_for_persons(person_ids: Iterable[int], at: dt.datetime) -> dict[int, list[Permit]]:
    """person id -> approved permits not yet over at ``at`` (in force, or starting later), soonest
    end last. The caller checks that a permit's place covers the person's home (Permit.covers)."""
    found: dict[int, list[Permit]] = {}
    rows = (Permit.objects.filter(person_id__in=list(person_ids), status=Permit.Status.APPROVED, ends_at__gt=at)
            .select_related("decided_by").order_by("starts_at", "id"))
    for permit in rows:
        found.setdefault(permit.person_id, []).append(permit)  # type: ignore[arg-type]
    return found
