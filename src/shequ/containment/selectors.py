"""What is in force at a moment: restrictions of persons, the containment level of households, exit
quotas and permits; for pages (the ORM) and for the gates (one statement per passage)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import connection
from django.db.models import Count, Q, QuerySet

from shequ.containment.models import (
    STRICTNESS,
    ContainmentArea,
    ExitQuota,
    Level,
    MovementRestriction,
    Permit,
    RestrictionKind,
)
from shequ.core.scoping import Scope
from shequ.registry.models import Room, Unit


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


def restriction_list(scope: Scope, *, current_at: dt.datetime | None = None) -> QuerySet[MovementRestriction]:
    qs = scope.filter(MovementRestriction.objects.all())
    if current_at is not None:
        qs = qs.filter(in_force(current_at))
    return qs.select_related("person", "person__household__room__unit__building__compound").order_by("-starts_at")


def area_list(scope: Scope, *, current_at: dt.datetime | None = None) -> QuerySet[ContainmentArea]:
    qs = scope.filter(ContainmentArea.objects.all())
    if current_at is not None:
        qs = qs.filter(in_force(current_at))
    return qs.select_related("compound", "building__compound", "unit__building__compound").order_by("-starts_at")


def permit_list(scope: Scope) -> QuerySet[Permit]:
    """The permits of the communities the user may manage containment in (secretary, staff)."""
    qs = scope.filter(Permit.objects.all())
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
        if permit.person_id is not None:  # (all of them: the filter names persons)
            found.setdefault(permit.person_id, []).append(permit)
    return found


# -- what holds over a person and their home at a gate, in one statement -------------------------------
# The gates read these for every passage (gates.services.standing_of); they are containment's rules,
# so containment owns the SQL. The ORM selectors above answer the same questions for pages.

# A restriction of the person in force, the strictest containment level over their home, the id of
# the exit quota in force at the gate's compound, the id of the permit in force for them there.
Facts = tuple[bool, str | None, int | None, int | None]


def quota_in_force(compound_id: int, at: dt.datetime) -> ExitQuota | None:
    return ExitQuota.objects.filter(in_force(at), compound_id=compound_id).order_by("-starts_at").first()


def quota_list(scope: Scope) -> QuerySet[ExitQuota]:
    """Exit quotas of the compounds of the communities the user runs whole, the latest first."""
    return scope.filter(ExitQuota.objects.select_related("compound")).order_by("-starts_at", "-id")


def facts_exprs(person: str, room: str, unit: str, building: str, compound: str, *, visitor: bool = False) -> list[str]:
    """The four expressions of what holds over a subject and their household's place, built
    from the models' table names: a restriction of the person in force, the strictest containment
    level (by containment.models.STRICTNESS) over the unit, building or compound, the exit quota in
    force at the gate's compound, and the permit in force for the subject at a place that is or
    contains the room (the person's, or for a visitor, matched by ``%(phone)s``, their host's).
    ``person`` .. ``compound`` are SQL (a placeholder, or a column of the statement they are part
    of); ``%(at)s``, ``%(gate_compound)s`` and ``%(phone)s`` are parameters."""
    restriction = MovementRestriction._meta.db_table
    area = ContainmentArea._meta.db_table
    quota = ExitQuota._meta.db_table
    permit = Permit._meta.db_table
    approved = Permit.Status.APPROVED.value
    strictness = " ".join(f"WHEN '{level.value}' THEN {rank}" for level, rank in STRICTNESS.items())
    in_force = "{t}.starts_at <= %(at)s AND ({t}.ends_at IS NULL OR {t}.ends_at > %(at)s)"
    holder = "p.person_id IS NULL AND p.visitor_phone = %(phone)s" if visitor else f"p.person_id = {person}"
    # Table names and codes come from the models, never from input; values are parameters.
    return [
        f"EXISTS (SELECT 1 FROM {restriction} r WHERE r.person_id = {person} AND {in_force.format(t='r')})",  # noqa: S608
        f"(SELECT MAX(CASE a.level {strictness} ELSE 0 END) FROM {area} a WHERE {in_force.format(t='a')} "  # noqa: S608
        f"AND (a.unit_id = {unit} OR a.building_id = {building} OR a.compound_id = {compound}))",
        f"(SELECT q.id FROM {quota} q WHERE q.compound_id = %(gate_compound)s AND {in_force.format(t='q')} "  # noqa: S608
        "ORDER BY q.starts_at DESC LIMIT 1)",
        # A permit's window always has an end (starts_at <= at < ends_at).
        f"(SELECT p.id FROM {permit} p WHERE {holder} AND p.status = '{approved}' "  # noqa: S608
        "AND p.starts_at <= %(at)s AND p.ends_at > %(at)s "
        f"AND (p.room_id = {room} OR p.unit_id = {unit} OR p.building_id = {building} OR p.compound_id = {compound}) "
        "ORDER BY p.ends_at DESC LIMIT 1)",
    ]


def facts_select(columns: Mapping[str, str]) -> tuple[str, list[str]]:
    """The facts of ``place_facts`` as a select list over the columns of another statement (``columns``:
    "person", "room", "unit", "building", "compound" -> a column of it; the gates read them with a
    scanned pass this way), with ``%s`` placeholders and the names of their parameters in order
    ("at", "gate_compound"). Built once per set of columns."""
    key = tuple(sorted(columns.items()))
    if key not in _SELECTS:
        _SELECTS[key] = _positional(", ".join(facts_exprs(*(columns[c] for c in _PLACE_COLUMNS))))
    return _SELECTS[key]


_PLACE_COLUMNS = ("person", "room", "unit", "building", "compound")
_SELECTS: dict[tuple[tuple[str, str], ...], tuple[str, list[str]]] = {}


def _facts_sql(*, visitor: bool) -> str:
    """One statement for the facts of a person (or a visitor) and a place given as parameters."""
    return "SELECT " + ", ".join(facts_exprs("%(person)s", "%(room)s", "%(unit)s", "%(building)s", "%(compound)s",
                                              visitor=visitor))


def _positional(sql: str) -> tuple[str, list[str]]:
    """``%(name)s`` placeholders -> ``%s``, with the names in the order they appear."""
    names: list[str] = []

    def one(m: re.Match[str]) -> str:
        names.append(m.group(1))
        return "%s"

    return re.sub(r"%\((\w+)\)s", one, sql), names


_FACTS_SQL: dict[bool, str] = {}
_LEVEL_OF_RANK = {rank: level.value for level, rank in STRICTNESS.items()}


def place_facts(*, person_id: int | None, room: Room, gate_compound_id: int, at: dt.datetime,
                 visitor_phone: str = "") -> Facts:
    """(a restriction of the person in force, the strictest containment level over the room's unit,
    building or compound, the id of the exit quota in force at the gate's compound, the id of the
    permit in force for the person there, or with ``visitor_phone`` for that visitor), in one round
    trip: this runs for every passage. tests/containment/test_facts.py holds it to the selectors
    above (restrictions_in_force, levels_for_units, quota_in_force) and Permit.in_force."""
    visitor = person_id is None and bool(visitor_phone)
    if visitor not in _FACTS_SQL:
        _FACTS_SQL[visitor] = _facts_sql(visitor=visitor)
    at_db = connection.ops.adapt_datetimefield_value(at)
    unit = room.unit
    params = {"person": person_id or 0, "room": room.pk, "unit": unit.pk, "building": unit.building_id,
              "compound": unit.building.compound_id, "gate_compound": gate_compound_id, "at": at_db,
              "phone": visitor_phone}
    sql = _FACTS_SQL[visitor]
    with connection.cursor() as cursor:
        cursor.execute(sql, {k: v for k, v in params.items() if f"%({k})s" in sql})
        return facts_of(cursor.fetchone())


def facts_of(row: Sequence[Any]) -> Facts:
    restricted, rank, quota_id, permit_id = row
    return bool(restricted), _LEVEL_OF_RANK.get(rank or 0), quota_id, permit_id


# -- the daily report's figures (reports.figures reads them) --------------------------------------------

def report_figures(community_ids: Sequence[int], *, since: dt.datetime, until: dt.datetime) -> dict[str, dict[int, int]]:
    """Persons under each kind of restriction and places at each containment level, in force at
    ``until`` (the daily report's cut-off): started by then and not ended by then."""
    def in_force(qs: QuerySet[Any]) -> QuerySet[Any]:
        return qs.filter(community_id__in=community_ids, starts_at__lte=until).filter(
            Q(ends_at__isnull=True) | Q(ends_at__gt=until))

    out: dict[str, dict[int, int]] = {}
    for key, kind in (("home_quarantine", RestrictionKind.HOME_QUARANTINE),
                      ("home_monitoring", RestrictionKind.HOME_MONITORING),
                      ("central_quarantine", RestrictionKind.CENTRAL_QUARANTINE)):
        out[key] = dict(in_force(MovementRestriction.objects.filter(kind=kind)).values_list("community_id")
                        .annotate(n=Count("person_id", distinct=True)))
    for key, level in (("sealed_places", Level.SEALED), ("controlled_places", Level.CONTROLLED),
                       ("precaution_places", Level.PRECAUTION)):
        out[key] = dict(in_force(ContainmentArea.objects.filter(level=level)).values_list("community_id")
                        .annotate(n=Count("id")))
    return out
