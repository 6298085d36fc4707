"""Matching rows to the registry: the community's places, households and persons loaded once and
indexed, so that each row finds its person in memory (the same ID number, or without one the same
name in the same room); a second row for one person is refused. ``_merge`` is the rule that an
empty cell keeps what the registry has."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.utils.translation import gettext as _

# Rows per write transaction. One transaction per batch rather than one for the whole file: SQLite has
# a single writer, and a 100,000-row import takes long enough that pages saving a form meanwhile would
from shequ.registry.importer.check import PlaceKey, Problem
from shequ.registry.importer.read import ID_NUMBER, NAME, NOTE, PHONE, RELATION, RESIDENCY, SEX
from shequ.registry.models import (
    Building,
    Community,
    Compound,
    Household,
    Person,
    PersonTag,
    Room,
    Unit,
)
from shequ.registry.services import (
    PersonData,
)


class Matcher:
    """The loading and matching of a run (mixed into the run)."""

    # What the run (write._RosterImport) sets up.
    community: Community
    seen_ids: dict[str, int]
    seen_names: dict[tuple[PlaceKey, str], tuple[int, bool]]
    claimed: dict[int, int]

    def _load_places(self) -> None:
        c = self.community
        # Places and households by key: their pk, or None until a new one is written (never, in a dry
        # run). Tens of thousands of rooms, so as plain values rather than model instances.
        self.compounds: dict[str, int | None] = dict(Compound.objects.filter(community=c).values_list("name", "pk"))
        compound_name = {pk: name for name, pk in self.compounds.items()}
        self.buildings: dict[tuple[str, str], int | None] = {}
        building_key: dict[int, tuple[str, str]] = {}
        for pk, compound_id, number in Building.objects.filter(community=c).values_list("pk", "compound_id", "number"):
            building_key[pk] = (compound_name[compound_id], number)
            self.buildings[building_key[pk]] = pk
        self.units: dict[tuple[str, str, str], int | None] = {}
        unit_key: dict[int, tuple[str, str, str]] = {}
        for pk, building_id, number in Unit.objects.filter(community=c).values_list("pk", "building_id", "number"):
            unit_key[pk] = (*building_key[building_id], number)
            self.units[unit_key[pk]] = pk
        self.rooms: dict[PlaceKey, int | None] = {}
        self.room_key: dict[int, PlaceKey] = {}
        for pk, unit_id, number in Room.objects.filter(community=c).values_list("pk", "unit_id", "number"):
            self.room_key[pk] = (*unit_key[unit_id], number)
            self.rooms[self.room_key[pk]] = pk
        # One household per room for the import: the oldest active one.
        self.households: dict[PlaceKey, int | None] = {}
        active = Household.objects.filter(community=c, status=Household.Status.ACTIVE).order_by("created_at", "id")
        for pk, room_id in active.values_list("pk", "room_id"):
            self.households.setdefault(self.room_key[room_id], pk)
        self.new_compounds: list[str] = []
        self.new_buildings: list[tuple[str, str]] = []
        self.new_units: list[tuple[str, str, str]] = []
        self.new_rooms: list[PlaceKey] = []
        self.new_households: list[PlaceKey] = []

    def _load_persons(self) -> None:
        self.by_id_number: dict[str, int] = {}
        self.by_name_without_id: dict[tuple[PlaceKey, str], int] = {}
        self.by_name: dict[tuple[PlaceKey, str], int] = {}
        self.person_place: dict[int, PlaceKey] = {}
        self.deceased: set[int] = set()
        rows = Person.objects.filter(community=self.community).values_list(
            "pk", "id_number", "name", "household__room_id", "status"
        )
        for pk, id_number, name, room_id, status in rows.iterator(chunk_size=10000):
            place = self.room_key[room_id]
            self.person_place[pk] = place
            if id_number:
                self.by_id_number[id_number] = pk
            else:
                self.by_name_without_id.setdefault((place, name), pk)
            self.by_name.setdefault((place, name), pk)
            if status == Person.Status.DECEASED:
                self.deceased.add(pk)

    def _check_repeat(self, number: int, data: PersonData, place: PlaceKey) -> Problem | int | None:
        """Reject a second row for the same person; otherwise the pk of the person the row updates."""
        key = (place, data.name)
        if data.id_number and data.id_number in self.seen_ids:
            earlier = self.seen_ids[data.id_number]
            return ID_NUMBER, _("the ID number is repeated: it is already on row %(row)d") % {"row": earlier}
        if key in self.seen_names:
            earlier, had_id = self.seen_names[key]
            # Two people of the same name in one room are two people only when both have an ID number.
            if not (had_id and data.id_number):
                return NAME, _("the same person (name and room) is already on row %(row)d") % {"row": earlier}
        if data.id_number:
            pk = self.by_id_number.get(data.id_number) or self.by_name_without_id.get(key)
        else:
            pk = self.by_name_without_id.get(key) or self.by_name.get(key)
        if pk is not None and pk in self.claimed:
            return NAME, _("this row names the same person as row %(row)d") % {"row": self.claimed[pk]}
        if pk is not None and pk in self.deceased:
            return NAME, _("this person is registered as deceased; correct the registry before importing them")
        if data.id_number:
            self.seen_ids[data.id_number] = number
        self.seen_names.setdefault(key, (number, bool(data.id_number)))
        if pk is not None:
            self.claimed[pk] = number
        return pk


def _persons_with_tags(pks: list[int]) -> dict[int, Person]:
    """Persons by pk with their tags loaded, so that person_snapshot() runs no query per person.

    This fills the cache that prefetch_related("tags") would fill, the way Django's prefetch does it
    (a queryset with its result cache set), because prefetch_related itself costs ~0.1 ms per person
    (a queryset clone each), which was a third of re-importing a 100,000-row roster. Should Django
    change that cache, person.tags.all() falls back to one query per person: slower, still correct.
    """
    if not pks:
        return {}
    persons = {p.pk: p for p in Person.objects.filter(pk__in=pks)}
    tags: dict[int, list[PersonTag]] = {}
    for tag in PersonTag.objects.filter(person_id__in=pks):
        tags.setdefault(tag.person_id, []).append(tag)
    no_tags = _loaded_queryset([])
    for pk, person in persons.items():
        cache = vars(person).setdefault("_prefetched_objects_cache", {})
        cache[_TAGS_CACHE] = _loaded_queryset(tags[pk]) if pk in tags else no_tags
    return persons


_TAGS_CACHE = Person.tags.rel.get_accessor_name()


def _loaded_queryset(tags: list[PersonTag]) -> Any:
    queryset = PersonTag.objects.all()
    queryset._result_cache = tags
    queryset._prefetch_done = True  # type: ignore[attr-defined]  # Django's own flag (see above), not in its stubs
    return queryset


def _merge(person: Person, data: PersonData, given: frozenset[str]) -> PersonData:
    """The row's data over the person's: an empty cell keeps what the registry has."""
    keep: dict[str, Any] = {}
    if ID_NUMBER not in given:
        keep["id_number"] = person.id_number
        keep["birth_date"] = person.birth_date
        # The ID number, when there is one, stays the authority on sex.
        if person.id_number or SEX not in given:
            keep["sex"] = person.sex
    for name, attribute in ((PHONE, "phone"), (RESIDENCY, "residency"), (RELATION, "relation"), (NOTE, "notes")):
        if name not in given:
            keep[attribute] = getattr(person, attribute)
    return dataclasses.replace(data, **keep)

