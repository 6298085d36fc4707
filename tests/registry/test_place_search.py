"""Search by a building or stairwell, in digits or Chinese numerals (九号楼, 九号楼二单元, 9-2): the
households there that the user may see."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from shequ.core.scoping import scope_for
from shequ.registry import selectors, services
from shequ.registry.models import Household

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("q", ["九号楼二单元", "9号楼2单元", "9-2", "富通小区9-2", "富通小区九栋二单元", "九幢两单元"])
def test_a_stairwell_lists_its_households(users: dict[str, Any], anchor_household: Household, q: str) -> None:
    result = selectors.search(scope_for(users["grid1"]), q)
    assert result.kind == "address" and anchor_household in result.households
    unit = anchor_household.room.unit
    assert all(h.room.unit_id == unit.pk for h in result.households)


@pytest.mark.parametrize("q", ["九号楼", "富通小区9号楼", "9栋"])
def test_a_building_lists_its_households_in_scope(users: dict[str, Any], anchor_household: Household,
                                                 q: str) -> None:
    result = selectors.search(scope_for(users["grid1"]), q)
    assert anchor_household in result.households
    grid = anchor_household.room.unit.building.grid_id
    assert all(h.room.unit.building.number == "9" and h.room.unit.building.grid_id == grid
               for h in result.households)


def test_a_name_that_looks_like_a_building_is_still_found(users: dict[str, Any], anchor_household: Household) -> None:
    data = services.clean_person_fields(name="王一楼", relation="other")
    person = services.person_create(actor=users["staff"], household=anchor_household, data=data)
    assert person in selectors.search(scope_for(users["grid1"]), "王一楼").persons


def test_the_search_page_says_when_a_building_has_more_households_than_listed(login: Any) -> None:
    response = login("staff").get(reverse("registry:search"), {"q": "九号楼"})
    result = response.context["result"]
    assert len(result.households) == 50 and result.more
    assert "9-2" in response.content.decode()
