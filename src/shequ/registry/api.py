"""Registry reads for devices and integrations, scoped exactly like the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from shequ.core.http import ScopedRequest
from shequ.core.masking import mask_id_number, mask_phone
from shequ.registry import selectors
from shequ.registry.models import Building, Household, Person, PersonTag

router = Router(tags=["registry"])


def _need(request: ScopedRequest, capability: str) -> None:
    if not request.scope.can(capability):
        raise PermissionDenied


class CompoundOut(Schema):
    id: int
    community: str
    name: str
    kind: str
    property_company: str | None
    building_count: int


class BuildingOut(Schema):
    id: int
    compound_id: int
    compound: str
    number: str
    grid_id: int | None
    households: int
    persons: int


class RoomOut(Schema):
    id: int
    number: str
    floor: int
    unit: str
    households: list[int]
    persons: int


class BuildingDetailOut(Schema):
    id: int
    compound: str
    number: str
    grid_id: int | None
    rooms: list[RoomOut]


class TagOut(Schema):
    tag: str
    note: str


class PersonOut(Schema):
    id: int
    household_id: int
    name: str
    sex: str
    birth_date: dt.date | None
    id_number_masked: str
    phone_masked: str
    residency: str
    relation: str
    status: str
    address: str
    tags: list[TagOut]


class HouseholdOut(Schema):
    id: int
    community: str
    compound: str
    building: str
    unit: str
    room: str
    address: str
    status: str
    persons: list[PersonOut]


class GridOut(Schema):
    id: int
    number: int
    name: str
    buildings: int
    households: int
    persons: int


class SearchOut(Schema):
    kind: str
    households: list[int]
    persons: list[PersonOut]


class CommunityCountsOut(Schema):
    community: str
    name: str
    compounds: int
    buildings: int
    households: int
    persons: int
    non_residents: int


class PersonFilter(Schema):
    q: str | None = Field(None, max_length=100, description="name, pinyin initials, last digits or an address")
    tag: str | None = Field(None, max_length=20)
    detail: str | None = Field(None, max_length=100, description="a tag's details contain this (胰岛素)")
    grid: int | None = None
    compound: int | None = None
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0)


def _person(p: Person) -> dict[str, Any]:
    room = p.household.room
    return {
        "id": p.pk,
        "household_id": p.household_id,
        "name": p.name,
        "sex": p.sex,
        "birth_date": p.birth_date,
        "id_number_masked": mask_id_number(p.id_number),
        "phone_masked": mask_phone(p.phone),
        "residency": p.residency,
        "relation": p.relation,
        "status": p.status,
        "address": f"{room.unit.building.compound.name} {room.address}",
        "tags": [{"tag": t.tag, "note": t.note} for t in p.tags.all()],
    }


@router.get("/compounds", response=list[CompoundOut], summary="Compounds in scope")
def compounds(request: ScopedRequest) -> list[dict[str, Any]]:
    _need(request, "registry.view_places")
    return [
        {"id": c.pk, "community": c.community.code, "name": c.name, "kind": c.kind,
         "property_company": c.property_company.name if c.property_company else None,
         "building_count": c.building_count}
        for c in selectors.compound_list(request.scope)
    ]


@router.get("/compounds/{compound_id}/buildings", response=list[BuildingOut], summary="Buildings of a compound")
def buildings(request: ScopedRequest, compound_id: int) -> list[dict[str, Any]]:
    _need(request, "registry.view_places")
    compound = selectors.compound_get(request.scope, compound_id)
    return [
        {"id": r["building"].pk, "compound_id": compound.pk, "compound": compound.name,
         "number": r["building"].number, "grid_id": r["building"].grid_id,
         "households": r["households"], "persons": r["persons"]}
        for r in selectors.building_list(request.scope, compound)
    ]


@router.get("/buildings/{building_id}", response=BuildingDetailOut, summary="A building's rooms with occupancy")
def building(request: ScopedRequest, building_id: int) -> dict[str, Any]:
    _need(request, "registry.view_places")
    b: Building = selectors.building_get(request.scope, building_id)
    plans = selectors.building_floor_plan(request.scope, b, with_tags=False)
    rooms = [
        {"id": c.room.pk, "number": c.room.number, "floor": c.room.floor, "unit": plan.unit.number,
         "households": [h.pk for h in c.households], "persons": c.persons}
        for plan in plans for _floor, cells in plan.floors for c in cells
    ]
    return {"id": b.pk, "compound": b.compound.name, "number": b.number, "grid_id": b.grid_id, "rooms": rooms}


@router.get("/households/{household_id}", response=HouseholdOut, summary="A household card (numbers masked)")
def household(request: ScopedRequest, household_id: int) -> dict[str, Any]:
    _need(request, "registry.view_persons")
    h: Household = selectors.household_get(request.scope, household_id)
    living, _former = selectors.household_persons(request.scope, h)
    room = h.room
    return {
        "id": h.pk, "community": h.community.code, "compound": room.unit.building.compound.name,
        "building": room.unit.building.number, "unit": room.unit.number, "room": room.number,
        "address": room.address, "status": h.status, "persons": [_person(p) for p in living],
    }


@router.get("/persons", response=list[PersonOut], summary="Persons in scope, filtered")
def persons(request: ScopedRequest, filters: Query[PersonFilter]) -> list[dict[str, Any]]:
    _need(request, "registry.lists")
    scope = request.scope
    if filters.tag and filters.tag not in PersonTag.Tag.values:
        raise HttpError(422, _("unknown tag: %(value)s") % {"value": filters.tag[:20]})
    if filters.q:
        found = selectors.search(scope, filters.q, limit=filters.offset + filters.limit).persons
        return [_person(p) for p in found[filters.offset:]]
    qs = selectors.person_list(scope, tag=filters.tag, detail=filters.detail, grid=filters.grid,
                               compound=filters.compound)
    return [_person(p) for p in qs[filters.offset: filters.offset + filters.limit]]


@router.get("/persons/{person_id}", response=PersonOut, summary="One person (numbers masked)")
def person(request: ScopedRequest, person_id: int) -> dict[str, Any]:
    _need(request, "registry.view_persons")
    return _person(selectors.person_get(request.scope, person_id))


@router.get("/grids", response=list[GridOut], summary="Grids in scope with counts")
def grids(request: ScopedRequest) -> list[dict[str, Any]]:
    _need(request, "registry.lists")
    return [
        {"id": r["grid"].pk, "number": r["grid"].number, "name": r["grid"].name, "buildings": r["buildings"],
         "households": r["households"], "persons": r["persons"]}
        for r in selectors.grid_list(request.scope)
    ]


@router.get("/search", response=SearchOut, summary="Search as on the search page")
def search(request: ScopedRequest, q: Query[str] = "") -> dict[str, Any]:
    _need(request, "registry.lists")
    result = selectors.search(request.scope, q[:100])
    return {"kind": result.kind, "households": [h.pk for h in result.households],
            "persons": [_person(p) for p in result.persons]}


@router.get("/counts", response=list[CommunityCountsOut], summary="Counts per community (street office, secretary)")
def counts(request: ScopedRequest) -> list[dict[str, Any]]:
    scope = request.scope
    if not (scope.can("street.counts") or scope.can("community.dashboard")):
        raise PermissionDenied
    return [
        {"community": r["community"].code, "name": r["community"].name, "compounds": r["compounds"],
         "buildings": r["buildings"], "households": r["households"], "persons": r["persons"],
         "non_residents": r["non_residents"]}
        for r in selectors.community_counts(selectors.communities_for_counts(scope))
    ]
