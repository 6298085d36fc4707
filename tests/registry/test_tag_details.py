"""Tag details (medicine, dose, notes) are searchable: search, the special-population and person
lists and the API find the insulin users by 胰岛素, scoped as everything else."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from shequ.core.scoping import scope_for
from shequ.registry import selectors, services
from shequ.registry.models import Household, Person, PersonTag

pytestmark = pytest.mark.django_db


def _tagged(actor: Any, household: Household, name: str, tag: str, note: str) -> Person:
    data = services.clean_person_fields(name=name, relation="other")
    return services.person_create(actor=actor, household=household, data=data, tags=[(tag, note)])


@pytest.fixture
def insulin(users: dict[str, Any], anchor_household: Household, other_grid_household: Household) -> dict[str, Person]:
    staff = users["staff"]
    return {
        "here": _tagged(staff, anchor_household, "赵糖一", "chronic", "胰岛素 每日2次"),
        "elsewhere": _tagged(staff, other_grid_household, "钱糖二", "chronic", "注射胰岛素，早晚各一次"),
        "metformin": _tagged(staff, anchor_household, "孙糖三", "chronic", "二甲双胍 0.5g"),
    }


def _all_use_insulin(persons: list[Person]) -> bool:
    return all(PersonTag.objects.filter(person=p, note__contains="胰岛素").exists() for p in persons)


def test_search_finds_the_insulin_users_by_their_tags_details(users: dict, insulin: dict[str, Person]) -> None:
    result = selectors.search(scope_for(users["secretary"]), "胰岛素")
    assert {insulin["here"], insulin["elsewhere"]} <= set(result.persons)
    assert insulin["metformin"] not in result.persons and _all_use_insulin(result.persons)


def test_search_by_details_is_scoped(users: dict, insulin: dict[str, Person]) -> None:
    grid1 = selectors.search(scope_for(users["grid1"]), "胰岛素").persons
    assert insulin["here"] in grid1 and insulin["elsewhere"] not in grid1
    assert selectors.search(scope_for(users["outsider"]), "胰岛素").persons == [] or all(
        p.community.code == "nanxincun" for p in selectors.search(scope_for(users["outsider"]), "胰岛素").persons)


def test_the_gate_screens_search_does_not_look_at_health_details(insulin: dict[str, Person],
                                                                  anchor_household: Household) -> None:
    result = selectors.search_within(persons=Person.objects.all(), households=Household.objects.none(), q="胰岛素")
    assert insulin["here"] not in result.persons


@pytest.mark.parametrize("route", ["registry:special", "registry:persons"])
def test_the_lists_filter_by_tag_details(login: Any, insulin: dict[str, Person], route: str) -> None:
    client = login("staff")
    listed = list(client.get(reverse(route), {"detail": "胰岛素"}).context["page"].object_list)
    assert {insulin["here"], insulin["elsewhere"]} <= set(listed) and _all_use_insulin(listed)
    with_tag = list(client.get(reverse(route), {"detail": "胰岛素", "tag": "chronic"}).context["page"].object_list)
    assert set(with_tag) == set(listed)
    other_tag = client.get(reverse(route), {"detail": "胰岛素", "tag": "elderly_alone"}).context["page"].object_list
    assert insulin["here"] not in list(other_tag)


def test_a_grid_workers_list_by_details_stays_in_the_grid(login: Any, insulin: dict[str, Person]) -> None:
    listed = list(login("grid1").get(reverse("registry:special"), {"detail": "胰岛素"}).context["page"].object_list)
    assert insulin["here"] in listed and insulin["elsewhere"] not in listed


def test_the_export_of_a_list_by_details_has_the_same_rows(login: Any, insulin: dict[str, Person]) -> None:
    import io

    from openpyxl import load_workbook

    client = login("staff")
    listed = client.get(reverse("registry:special"), {"detail": "二甲双胍"}).context["page"].paginator.count
    sheet = load_workbook(io.BytesIO(client.get(reverse("registry:special"), {"detail": "二甲双胍",
                                                                            "format": "xlsx"}).content)).active
    assert sheet.max_row - 1 == listed and any("孙糖三" in str(c.value) for c in sheet["E"])
    assert all("二甲双胍" in str(c.value) for c in sheet["M"][1:])  # the tags column


def test_the_api_finds_them_by_q_and_by_detail(login: Any, insulin: dict[str, Person]) -> None:
    client = login("grid1")
    by_q = {p["id"] for p in client.get(reverse("api:persons"), {"q": "胰岛素"}).json()}
    by_detail = {p["id"] for p in client.get(reverse("api:persons"), {"detail": "胰岛素", "limit": 500}).json()}
    assert insulin["here"].pk in by_q and insulin["here"].pk in by_detail
    assert insulin["elsewhere"].pk not in by_q | by_detail and insulin["metformin"].pk not in by_q | by_detail
    found = client.get(reverse("api:search"), {"q": "胰岛素"}).json()
    assert insulin["here"].pk in {p["id"] for p in found["persons"]}
