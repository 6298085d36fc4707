"""A property company sees one occupancy everywhere it looks: the room page, the floor plan, the
compound's building counts and the API count the same people (living there, in a household that
still lives there), and never names them."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from shequ.registry import selectors, services
from shequ.registry.models import Household, Room

pytestmark = pytest.mark.django_db


@pytest.fixture
def room(users: dict[str, Any], anchor_household: Household) -> Room:
    """A room of 富通小区 (managed by property1's company) with two persons living there, one who moved
    out, and a household that left with its member."""
    staff = users["staff"]
    unit = anchor_household.room.unit
    room = services.place_get_or_create(community=anchor_household.community, compound=unit.building.compound.name,
                                        building=unit.building.number, unit=unit.number, room="2901")
    living = services.household_create(actor=staff, room=room)
    for name in ("韩一", "韩二", "韩三"):
        services.person_create(actor=staff, household=living, data=services.clean_person_fields(name=name))
    services.person_move_out(actor=staff, person=living.persons.get(name="韩三"))
    left = services.household_create(actor=staff, room=room)
    services.person_create(actor=staff, household=left, data=services.clean_person_fields(name="韩四"))
    services.household_move_out(actor=staff, household=left)
    return room


def _cell(html: str, number: str) -> str:
    m = re.search(rf'<span class="no">{number}</span>\s*<span class="occ">([^<]*)</span>', html)
    assert m, f"room {number} on the floor plan"
    return m.group(1)


def test_the_room_page_and_the_floor_plan_agree_for_the_property_company(login: Any, room: Room) -> None:
    client = login("property1")
    page = client.get(reverse("registry:room", args=[room.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "此处无人居住" not in html and "Nobody lives here" not in html
    assert "1 户" in html and "2 人" in html
    assert "韩一" not in html and "韩二" not in html and reverse("registry:household", args=[
        room.households.filter(status="active").get().pk]) not in html
    plan = client.get(reverse("registry:building", args=[room.unit.building_id])).content.decode()
    assert _cell(plan, "2901").startswith("2")


def test_the_compound_page_counts_what_the_floor_plan_shows(login: Any, room: Room, users: dict[str, Any]) -> None:
    from shequ.core.scoping import scope_for

    scope = scope_for(users["property1"])
    building = room.unit.building
    plans = selectors.building_floor_plan(scope, building, with_tags=False)
    on_plan = sum(c.persons for p in plans for _f, cells in p.floors for c in cells)
    households_on_plan = sum(len(c.households) for p in plans for _f, cells in p.floors for c in cells)
    row = next(r for r in selectors.building_list(scope, building.compound) if r["building"].pk == building.pk)
    assert (row["persons"], row["households"]) == (on_plan, households_on_plan)
    assert selectors.room_occupancy(room) == (1, 2)

    api = login("property1").get(reverse("api:building", args=[building.pk])).json()
    assert next(r for r in api["rooms"] if r["id"] == room.pk)["persons"] == 2


def test_staff_see_the_same_counts_and_the_households(login: Any, room: Room) -> None:
    html = login("staff").get(reverse("registry:room", args=[room.pk])).content.decode()
    assert "1 户" in html and "2 人" in html
    assert reverse("registry:household", args=[room.households.filter(status="active").get().pk]) in html
