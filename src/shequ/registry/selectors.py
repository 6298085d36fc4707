"""Reads of the registry. Every function takes the caller's Scope and filters inside the query."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404

from shequ.core.address import parse_address, parse_place
from shequ.core.scoping import Role, Scope
from shequ.core.text import clean_text, compact, normalize
from shequ.registry.models import (
    Building,
    Community,
    Compound,
    Grid,
    Household,
    Person,
    PersonTag,
    PropertyCompany,
    Residence,
    Room,
    Unit,
)

ACTIVE = Person.Status.ACTIVE
# Who lives in a place, one definition for every count a page shows (floor plan, room, building,
# grid, community): a person living there, in a household that still lives there.
OCCUPANT = Q(status=ACTIVE, household__status=Household.Status.ACTIVE)


# -- lists for choices and pickers ----------------------------------------------------------------


def communities_where(scope: Scope, capability: str) -> QuerySet[Community]:
    """The communities where the user holds a capability (may import a roster, open a campaign...)."""
    return Community.objects.filter(pk__in=sorted(scope.communities_where(capability))).order_by("code")


def grids_in_scope(scope: Scope) -> QuerySet[Grid]:
    return scope.filter(Grid.objects.all()).order_by("community_id", "number")


def compounds_in_scope(scope: Scope) -> QuerySet[Compound]:
    return scope.filter(Compound.objects.all()).order_by("community_id", "name")


def buildings_in_scope(scope: Scope) -> QuerySet[Building]:
    return scope.filter(Building.objects.select_related("compound", "grid")).order_by(
        "compound__name", "sort_key", "number")


# -- single objects: outside the scope is the same as missing (404) ----------------------------


def compound_get(scope: Scope, pk: int) -> Compound:
    return get_object_or_404(scope.filter(Compound.objects.select_related("community", "property_company")), pk=pk)


def building_get(scope: Scope, pk: int) -> Building:
    return get_object_or_404(scope.filter(Building.objects.select_related("compound", "grid")), pk=pk)


def room_get(scope: Scope, pk: int) -> Room:
    return get_object_or_404(scope.filter(Room.objects.select_related("unit__building__compound")), pk=pk)


def grid_get(scope: Scope, pk: int) -> Grid:
    return get_object_or_404(scope.filter(Grid.objects.all()), pk=pk)


def household_get(scope: Scope, pk: int) -> Household:
    qs = Household.objects.select_related("room__unit__building__compound", "room__unit__building__grid", "community")
    return get_object_or_404(scope.filter(qs), pk=pk)


def person_get(scope: Scope, pk: int) -> Person:
    qs = Person.objects.select_related(
        "household__room__unit__building__compound", "household__room__unit__building__grid", "community"
    ).prefetch_related("tags")
    return get_object_or_404(scope.filter(qs), pk=pk)


def household_persons(scope: Scope, household: Household) -> tuple[list[Person], list[Person]]:
    """(people living there, people who used to) for a household card. Former members who now
    live elsewhere are listed only when the user may see them where they live now."""
    persons = list(household.persons.prefetch_related("tags").order_by("id"))
    order = {r: i for i, r in enumerate(Person.Relation.values)}
    living = sorted((p for p in persons if p.status == ACTIVE), key=lambda p: (order.get(p.relation, 99), p.id))
    former = [p for p in persons if p.status != ACTIVE]
    # People who moved in from elsewhere and left again also count as former residents.
    moved_away = scope.filter(
        Person.objects.filter(residences__household=household, status=ACTIVE).exclude(household=household)
    ).prefetch_related("tags").distinct()
    return living, former + list(moved_away)


def person_residences(person: Person) -> QuerySet[Residence]:
    return person.residences.select_related("household__room__unit__building__compound").order_by("started_at")


# -- lists ---------------------------------------------------------------------------------------


class CompoundCounts(TypedDict):
    building_count: int


if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


def compound_list(scope: Scope) -> QuerySet[WithAnnotations[Compound, CompoundCounts]]:
    return (
        scope.filter(Compound.objects.select_related("community", "property_company"))
        .annotate(building_count=Count("buildings", distinct=True))
        .order_by("community__code", "name")
    )


def building_list(scope: Scope, compound: Compound) -> list[dict[str, Any]]:
    buildings = scope.filter(compound.buildings.select_related("grid")).order_by("sort_key", "number")
    counts = dict(
        Household.objects.filter(room__unit__building__in=buildings, status=Household.Status.ACTIVE)
        .values_list("room__unit__building")
        .annotate(n=Count("id"))
    )
    people = dict(
        Person.objects.filter(OCCUPANT, household__room__unit__building__in=buildings)
        .values_list("household__room__unit__building")
        .annotate(n=Count("id"))
    )
    return [{"building": b, "households": counts.get(b.pk, 0), "persons": people.get(b.pk, 0)} for b in buildings]


def _occupancy(rooms: list[Room]) -> dict[int, tuple[list[Household], int]]:
    """room id -> (its active households, the persons living in them): what the floor plan and the
    room page both show, so that they never disagree."""
    households: dict[int, list[Household]] = defaultdict(list)
    for h in Household.objects.filter(room__in=rooms, status=Household.Status.ACTIVE).order_by("id"):
        households[h.room_id].append(h)
    persons = dict(
        Person.objects.filter(OCCUPANT, household__room__in=rooms).values_list("household__room_id")
        .annotate(n=Count("id"))
    )
    return {r.pk: (households.get(r.pk, []), persons.get(r.pk, 0)) for r in rooms}


def room_occupancy(room: Room) -> tuple[int, int]:
    """(households, persons) living in a room, as its cell on the floor plan counts them; for every
    role that may see the room, a property company included."""
    households, persons = _occupancy([room])[room.pk]
    return len(households), persons


@dataclass
class RoomCell:
    room: Room
    households: list[Household] = field(default_factory=list)
    persons: int = 0
    tags: set[str] = field(default_factory=set)


@dataclass
class UnitPlan:
    unit: Unit
    floors: list[tuple[int, list[RoomCell]]]


def building_floor_plan(scope: Scope, building: Building, *, with_tags: bool) -> list[UnitPlan]:
    """The rooms of each unit floor by floor (top floor first, as the building stands), with
    occupancy and, for roles that may see people, the special-population tags at a glance."""
    rooms = list(scope.filter(Room.objects.filter(unit__building=building)).select_related("unit"))
    cells = {r.pk: RoomCell(room=r) for r in rooms}
    for room_id, (households, persons) in _occupancy(rooms).items():
        cells[room_id].households, cells[room_id].persons = households, persons
    if with_tags:
        for room_id, tag in PersonTag.objects.filter(
            person__household__room__in=rooms, person__status=ACTIVE, person__household__status=Household.Status.ACTIVE
        ).values_list("person__household__room_id", "tag"):
            cells[room_id].tags.add(tag)
    by_unit: dict[int, dict[int, list[RoomCell]]] = defaultdict(lambda: defaultdict(list))
    units: dict[int, Unit] = {}
    for cell in cells.values():
        units[cell.room.unit_id] = cell.room.unit
        by_unit[cell.room.unit_id][cell.room.floor].append(cell)
    plans = []
    for unit in sorted(units.values(), key=lambda u: (u.sort_key, u.number)):
        floors = [
            (floor, sorted(by_unit[unit.pk][floor], key=lambda c: c.room.number))
            for floor in sorted(by_unit[unit.pk], reverse=True)
        ]
        plans.append(UnitPlan(unit=unit, floors=floors))
    return plans


def with_head(qs: QuerySet[Household]) -> QuerySet[Household]:
    """Households with ``head_name``: the name of the head living there ("" when none), which is how
    people tell apart two households in one room."""
    head = Person.objects.filter(household=OuterRef("pk"), relation=Person.Relation.HEAD, status=ACTIVE)
    return qs.annotate(head_name=Coalesce(Subquery(head.order_by("id").values("name")[:1]), Value("")))


def room_households(scope: Scope, room: Room) -> QuerySet[Household]:
    return with_head(scope.filter(room.households.all())).annotate(
        person_count=Count("persons", filter=Q(persons__status=ACTIVE))
    ).order_by("status", "id")


def persons_qs(scope: Scope) -> QuerySet[Person]:
    """Every person the user may see, with what lists and exports show."""
    return (
        scope.filter(Person.objects.all())
        .select_related("household__room__unit__building__compound", "household__room__unit__building__grid")
        .prefetch_related(Prefetch("tags", queryset=PersonTag.objects.order_by("tag")))
    )


def tag_detail_q(text: str) -> Q:
    """Tags whose details (medicine, dose, notes: "胰岛素 每日2次") contain ``text``, as the user
    typed it or folded to half-width (details are stored as typed, full-width punctuation and all)."""
    raw = clean_text(text)  # NUL and the like out: PostgreSQL refuses them in a query's text
    folded = normalize(raw)
    return Q(note__icontains=raw) | Q(note__icontains=folded) if folded != raw else Q(note__icontains=raw)


def person_list(
    scope: Scope,
    *,
    tag: str | None = None,
    detail: str | None = None,
    grid: int | None = None,
    compound: int | None = None,
    residency: str | None = None,
    include_former: bool = False,
) -> QuerySet[Person]:
    """``detail``: a tag's details contain it (of the tag ``tag`` when one is given)."""
    qs = persons_qs(scope)
    if not include_former:
        qs = qs.filter(status=ACTIVE)
    if detail and detail.strip():
        tags = PersonTag.objects.filter(tag_detail_q(detail))
        qs = qs.filter(id__in=(tags.filter(tag=tag) if tag else tags).values("person_id"))
    elif tag:
        qs = qs.filter(id__in=PersonTag.objects.filter(tag=tag).values("person_id"))
    if grid:
        qs = qs.filter(household__room__unit__building__grid_id=grid)
    if compound:
        qs = qs.filter(household__room__unit__building__compound_id=compound)
    if residency:
        qs = qs.filter(residency=residency)
    return qs.order_by(
        "household__room__unit__building__compound__name",
        "household__room__unit__building__sort_key",
        "household__room__unit__sort_key",
        "household__room__floor",
        "household__room__number",
        "household_id",
        "id",
    )


def special_population_list(scope: Scope, *, tag: str | None = None, detail: str | None = None,
                            grid: int | None = None, compound: int | None = None) -> QuerySet[Person]:
    qs = person_list(scope, tag=tag, detail=detail, grid=grid, compound=compound)
    if not tag and not detail:
        qs = qs.filter(id__in=PersonTag.objects.values("person_id"))
    return qs


def grid_list(scope: Scope) -> list[dict[str, Any]]:
    grids = list(scope.filter(Grid.objects.select_related("community")).order_by("community__code", "number"))
    ids = [g.pk for g in grids]
    buildings = dict(Building.objects.filter(grid_id__in=ids).values_list("grid_id").annotate(n=Count("id")))
    households = dict(
        Household.objects.filter(room__unit__building__grid_id__in=ids, status=Household.Status.ACTIVE)
        .values_list("room__unit__building__grid_id")
        .annotate(n=Count("id"))
    )
    persons = dict(
        Person.objects.filter(OCCUPANT, household__room__unit__building__grid_id__in=ids)
        .values_list("household__room__unit__building__grid_id")
        .annotate(n=Count("id"))
    )
    tagged = dict(
        Person.objects.filter(OCCUPANT, household__room__unit__building__grid_id__in=ids, tags__isnull=False)
        .values_list("household__room__unit__building__grid_id")
        .annotate(n=Count("id", distinct=True))
    )
    workers: dict[int, list[str]] = defaultdict(list)
    # The grid's workers, through the reverse relation of accounts.Membership.grid (the registry sits
    # below accounts and imports nothing of it).
    for grid_id, first, username in Grid.objects.filter(
        id__in=ids, membership__role=Role.GRID_WORKER
    ).order_by("membership__id").values_list("id", "membership__user__first_name", "membership__user__username"):
        workers[grid_id].append(first or username)
    return [
        {
            "grid": g,
            "buildings": buildings.get(g.pk, 0),
            "households": households.get(g.pk, 0),
            "persons": persons.get(g.pk, 0),
            "special": tagged.get(g.pk, 0),
            "workers": workers.get(g.pk, []),
        }
        for g in grids
    ]


def grid_buildings(scope: Scope, grid: Grid) -> QuerySet[Building]:
    return scope.filter(grid.buildings.select_related("compound")).order_by("compound__name", "sort_key")


# -- search --------------------------------------------------------------------------------------


@dataclass
class SearchResult:
    households: Sequence[Household]
    persons: list[Person]
    kind: str  # "address" | "digits" | "pinyin" | "name" | ""
    more: bool = False  # more households matched than were listed (a whole building)


def search(scope: Scope, q: str, *, limit: int = 50) -> SearchResult:
    """What a community worker types: a name, pinyin initials ("zs" for 张三), the last digits of an
    ID or phone number, an address (9-2-502, 9号楼2单元502, 9栋2单元502室, 富通小区9-2-502), a
    building or stairwell (九号楼, 9号楼二单元, 9-2: its households), or words of a tag's details
    (胰岛素 finds the insulin users)."""
    return search_within(
        persons=persons_qs(scope),
        households=scope.filter(Household.objects.select_related("room__unit__building__compound")),
        q=q, limit=limit, tag_details=True,
    )


def search_within(*, persons: QuerySet[Person], households: QuerySet[Household], q: str, limit: int = 50,
                  tag_details: bool = False) -> SearchResult:
    """``search`` over given (already scoped) persons and households: the gate screen searches the
    persons of its compound with it. ``tag_details``: words also match tags' details, which are
    health facts (medicines): for the roles that see the registry's lists, not at a gate."""
    text = normalize(q)
    if not text:
        return SearchResult([], [], "")
    address = parse_address(text)
    place = parse_place(text) if address is None else None
    if address is not None or place is not None:
        where = address or place
        assert where is not None
        rooms = Room.objects.filter(unit__building__number=where.building)
        if where.room:
            rooms = rooms.filter(number=where.room)
        if where.unit:
            rooms = rooms.filter(unit__number=where.unit)
        if where.compound:
            rooms = rooms.filter(unit__building__compound__name__contains=where.compound)
        found = list(
            with_head(households.filter(room__in=rooms))
            .annotate(person_count=Count("persons", filter=Q(persons__status=ACTIVE)))
            .order_by("status", "room__unit__sort_key", "room__floor", "room__number", "id")[:limit + 1]
        )
        more = len(found) > limit
        found = found[:limit]
        # A building or stairwell nobody may see here may still be a name that looks like one (王一楼).
        if found or address is not None:
            people = list(
                persons.filter(household__in=[h.pk for h in found], status=ACTIVE).order_by("household_id", "id")
            )
            return SearchResult(found, people, "address", more=more)
    digits = compact(text).upper()
    qs = persons
    if len(digits) >= 4 and (digits.isdigit() or (digits[:-1].isdigit() and digits[-1] == "X")):
        qs = qs.filter(Q(id_number__endswith=digits) | Q(phone__endswith=digits))
        kind = "digits"
    elif text.isascii() and text.replace(" ", "").isalpha():
        letters = text.replace(" ", "").lower()
        qs = qs.filter(Q(name_initials__startswith=letters) | Q(name_pinyin__startswith=letters))
        kind = "pinyin"
    else:
        found_by = Q(name__contains=text)
        if tag_details:
            found_by |= Q(id__in=PersonTag.objects.filter(tag_detail_q(q)).values("person_id"))
        qs = qs.filter(found_by)
        kind = "name"
    return SearchResult([], list(qs.order_by("status", "name", "id")[:limit]), kind)


# -- counts --------------------------------------------------------------------------------------


def community_counts(communities: QuerySet[Community]) -> list[dict[str, Any]]:
    """Counts per community, no personal detail: what the street office reads."""
    ids = [c.pk for c in communities]
    def per(qs: QuerySet, key: str = "community_id") -> dict[int, int]:
        return dict(qs.filter(community_id__in=ids).values_list(key).annotate(n=Count("id")))

    compounds = per(Compound.objects.all())
    buildings = per(Building.objects.all())
    households = per(Household.objects.filter(status=Household.Status.ACTIVE))
    persons = per(Person.objects.filter(OCCUPANT))
    migrants = per(Person.objects.filter(OCCUPANT, residency__in=[Person.Residency.MIGRANT,
                                                                       Person.Residency.TEMPORARY,
                                                                       Person.Residency.NON_RESIDENT]))
    tag_rows = (
        PersonTag.objects.filter(community_id__in=ids, person__status=ACTIVE,
                                 person__household__status=Household.Status.ACTIVE)
        .values_list("community_id", "tag")
        .annotate(n=Count("id"))
    )
    tags: dict[int, dict[str, int]] = defaultdict(dict)
    for community_id, tag, n in tag_rows:
        tags[community_id][tag] = n
    return [
        {
            "community": c,
            "compounds": compounds.get(c.pk, 0),
            "buildings": buildings.get(c.pk, 0),
            "households": households.get(c.pk, 0),
            "persons": persons.get(c.pk, 0),
            "non_residents": migrants.get(c.pk, 0),
            "tags": [(label, tags[c.pk].get(value, 0)) for value, label in PersonTag.Tag.choices],
        }
        for c in communities
    ]


def communities_for_counts(scope: Scope) -> QuerySet[Community]:
    return scope.filter(Community.objects.select_related("street")).order_by("code")


def households_for_move(scope: Scope, person: Person, address_text: str) -> list[Household]:
    """Active households at an address typed on the move form, inside the person's community."""
    address = parse_address(address_text)
    if address is None:
        return []
    qs = Household.objects.filter(
        community_id=person.community_id,
        status=Household.Status.ACTIVE,
        room__number=address.room,
        room__unit__building__number=address.building,
    ).select_related("room__unit__building__compound")
    if address.unit:
        qs = qs.filter(room__unit__number=address.unit)
    if address.compound:
        qs = qs.filter(room__unit__building__compound__name__contains=address.compound)
    return list(with_head(scope.filter(qs)).order_by("id")[:20])


def buildings_for_grids(scope: Scope, community: Community) -> list[dict[str, Any]]:
    """Every building of the community with its grid and active households, by compound (drawing grids)."""
    if not scope.can("registry.setup", community.pk):
        return []
    buildings = list(scope.filter(Building.objects.filter(community=community))
                     .select_related("compound", "grid").order_by("compound__name", "sort_key", "number"))
    households = dict(Household.objects.filter(community=community, status=Household.Status.ACTIVE)
                      .values_list("room__unit__building_id").annotate(n=Count("id")))
    return [{"building": b, "households": households.get(b.pk, 0)} for b in buildings]


# -- property companies (set-up) ------------------------------------------------------------------


def property_companies_for_setup(scope: Scope, community: Community) -> list[dict[str, Any]]:
    """The community's property companies with the compounds each manages, for one who sets the
    community up (registry.setup there; nobody else reaches this)."""
    if not scope.can("registry.setup", community.pk):
        raise Http404
    compounds = list(Compound.objects.filter(community=community).order_by("name"))
    return [{"company": c, "compounds": [x for x in compounds if x.property_company_id == c.pk]}
            for c in PropertyCompany.objects.filter(community=community).order_by("name")]


def compounds_for_setup(scope: Scope, community: Community) -> list[Compound]:
    if not scope.can("registry.setup", community.pk):
        raise Http404
    return list(Compound.objects.filter(community=community).select_related("property_company").order_by("name"))


def property_company_for_setup(scope: Scope, pk: int) -> PropertyCompany:
    """A property company of a community the reader sets up; any other is a 404."""
    company = get_object_or_404(PropertyCompany.objects.select_related("community"), pk=pk)
    if not scope.can("registry.setup", company.community_id):
        raise Http404
    return company



def households_qs(scope: Scope) -> QuerySet[Household]:
    """Every household the user may see, with its place (the lists of other apps start here)."""
    return scope.filter(Household.objects.all()).select_related("room__unit__building__compound")


# -- the daily report's figures (reports.figures reads them) --------------------------------------------

def report_figures(community_ids: Sequence[int], *, since: Any, until: Any) -> dict[str, dict[int, int]]:
    """Households and persons per community for the daily report (counts, no person). The roster
    keeps no history of who lived where when: these are the counts at the moment of computing,
    which the report freezes (reports.services.report_compute)."""
    def per(qs: QuerySet[Any]) -> dict[int, int]:
        return dict(qs.filter(community_id__in=community_ids).values_list("community_id").annotate(n=Count("id")))

    return {"households": per(Household.objects.filter(status=Household.Status.ACTIVE)),
            "persons": per(Person.objects.filter(OCCUPANT))}
