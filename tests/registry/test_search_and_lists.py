"""Search as community workers type it, filtered lists and their Excel exports."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from shequ.audit.models import AuditEvent
from shequ.core.masking import mask_id_number
from shequ.core.scoping import scope_for
from shequ.registry import selectors
from shequ.registry.models import Household, Person

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("q", ["9-2-502", "9号楼2单元502", "9栋2单元502室", "9幢二单元502", "富通小区9-2-502",
                               "富通小区9号楼2单元502室", "９－２－５０２"])
def test_address_forms_find_the_household(q: str, users: dict, anchor_household: Household) -> None:
    result = selectors.search(scope_for(users["grid1"]), q)
    assert result.kind == "address"
    assert [h.pk for h in result.households] == [anchor_household.pk]


def test_address_search_is_scoped(users: dict, anchor_household: Household) -> None:
    staff_result = selectors.search(scope_for(users["outsider"]), "9-2-502")
    assert staff_result.households and all(h.community.code == "nanxincun" for h in staff_result.households)
    assert selectors.search(scope_for(users["grid2"]), "9-2-502").households == [] or \
        anchor_household.room.unit.building.grid.number == 2


def test_pinyin_initials_find_by_name(users: dict, anchor_household: Household) -> None:
    person = anchor_household.persons.filter(status="active").first()
    result = selectors.search(scope_for(users["secretary"]), person.name_initials)
    assert result.kind == "pinyin" and person in result.persons


def test_last_digits_of_id_and_phone(users: dict, anchor_household: Household) -> None:
    person = anchor_household.persons.exclude(id_number=None).exclude(phone="").first()
    scope = scope_for(users["grid1"])
    assert person in selectors.search(scope, person.id_number[-6:]).persons
    assert person in selectors.search(scope, person.phone[-4:]).persons


def test_name_search_and_page_masks_numbers(login: Any, anchor_household: Household) -> None:
    person = anchor_household.persons.exclude(id_number=None).first()
    html = login("grid1").get(reverse("registry:search"), {"q": person.name}).content.decode()
    assert person.name in html and person.id_number not in html and mask_id_number(person.id_number) in html


def test_special_population_filter_by_tag_and_grid(users: dict) -> None:
    scope = scope_for(users["secretary"])
    elderly = selectors.special_population_list(scope, tag="elderly_alone")
    assert elderly.count() >= 40
    assert all(p.tags.filter(tag="elderly_alone").exists() for p in elderly[:20])
    grid_ids = {p.household.room.unit.building.grid_id for p in selectors.special_population_list(
        scope, tag="elderly_alone", grid=elderly[0].household.room.unit.building.grid_id)}
    assert len(grid_ids) == 1


def test_grid_worker_list_holds_only_their_grid(users: dict) -> None:
    scope = scope_for(users["grid1"])
    grids = set(selectors.person_list(scope).values_list("household__room__unit__building__grid__number", flat=True))
    assert grids == {1}


def _sheet(response: Any) -> list[tuple]:
    wb = load_workbook(io.BytesIO(response.content), read_only=True)
    return list(wb.active.iter_rows(values_only=True))


def test_export_is_masked_for_grid_worker_and_audited(login: Any) -> None:
    response = login("grid1").get(reverse("registry:special"), {"tag": "chronic", "format": "xlsx"})
    assert response.status_code == 200
    rows = _sheet(response)
    header, body = rows[0], rows[1:]
    assert body
    id_col = header.index("身份证号") if "身份证号" in header else header.index("ID number")
    assert all(v is None or "*" in v for v in (r[id_col] for r in body))
    event = AuditEvent.objects.filter(action="export").latest("id")
    assert event.actor_username == "grid1" and "masked" in event.summary


def test_export_is_full_for_staff(login: Any) -> None:
    response = login("staff").get(reverse("registry:persons"), {"format": "xlsx", "residency": "migrant"})
    rows = _sheet(response)
    header, body = rows[0], rows[1:]
    id_col = header.index("身份证号") if "身份证号" in header else header.index("ID number")
    numbers = [r[id_col] for r in body if r[id_col]]
    assert numbers and all("*" not in n and len(n) == 18 for n in numbers)
    assert Person.objects.filter(id_number=numbers[0], residency="migrant").exists()


def test_grid_list_export(login: Any) -> None:
    response = login("secretary").get(reverse("registry:grids"), {"format": "xlsx"})
    rows = _sheet(response)
    assert len(rows) == 1 + 6


def test_street_sees_counts_only(login: Any) -> None:
    client = login("street")
    html = client.get(reverse("home")).content.decode()
    assert "富通社区" in html and "南新村社区" in html
    counts = client.get(reverse("api:counts")).json()
    futong = next(c for c in counts if c["community"] == "futong")
    assert futong["households"] == Household.objects.filter(community__code="futong", status="active").count()
    assert client.get(reverse("api:persons")).status_code == 403
