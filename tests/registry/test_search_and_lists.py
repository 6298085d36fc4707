"""Search as community workers type it, filtered lists and their Excel exports."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from shequ.accounts.access import scope_for
from shequ.core.masking import mask_id_number, mask_phone
from shequ.registry import selectors
from shequ.registry.models import Household, Person
from shequ.registry.views import EXPORT_HEADERS

pytestmark = pytest.mark.django_db


@pytest.fixture
def chronic_pair(users: dict) -> list[Person]:
    """Two chronic patients of grid 1 with known numbers: one with a mobile, one with a landline."""
    from shequ.registry.services import clean_person_fields, person_create

    household = Household.objects.filter(community__code="futong", status="active",
                                         room__unit__building__grid__number=1).order_by("id").first()
    made = []
    for name, id_number, phone in (("孙慢病", "11010519491231002X", "13912340002"),
                                   ("李慢病", "110105201003070033", "027-8765 4321")):
        data = clean_person_fields(name=name, id_number=id_number, phone=phone)
        made.append(person_create(actor=users["secretary"], household=household, data=data,
                                  tags=[("chronic", "胰岛素")]))
    return made


@pytest.mark.parametrize("q", ["9-2-502", "9号楼2单元502", "9栋2单元502室", "9幢二单元502", "富通小区9-2-502",
                               "富通小区9号楼2单元502室", "９－２－５０２"])
def test_address_forms_find_the_household(q: str, users: dict, anchor_household: Household) -> None:
    result = selectors.search(scope_for(users["grid1"]), q)
    assert result.kind == "address"
    assert [h.pk for h in result.households] == [anchor_household.pk]


def test_address_search_is_scoped(users: dict, anchor_household: Household) -> None:
    assert anchor_household.room.unit.building.grid.number == 1  # the anchor's grid (tests/conftest.py)
    assert [h.pk for h in selectors.search(scope_for(users["grid1"]), "9-2-502").households] == [anchor_household.pk]
    assert selectors.search(scope_for(users["grid2"]), "9-2-502").households == []
    # nanxincun has a room 9-2-502 too: its staff find theirs, never futong's.
    outsider = selectors.search(scope_for(users["outsider"]), "9-2-502").households
    assert outsider and {h.community.code for h in outsider} == {"nanxincun"}


def test_pinyin_initials_find_by_name(users: dict, anchor_household: Household) -> None:
    person = anchor_household.persons.filter(status="active").first()
    result = selectors.search(scope_for(users["secretary"]), person.name_initials)
    assert result.kind == "pinyin" and person in result.persons


def test_last_digits_of_id_and_phone(users: dict, chronic_pair: list[Person]) -> None:
    mobile, landline = chronic_pair
    grid1, grid2 = scope_for(users["grid1"]), scope_for(users["grid2"])
    assert [p.pk for p in selectors.search(grid1, mobile.id_number[-6:]).persons] == [mobile.pk]
    assert mobile in selectors.search(grid1, mobile.phone[-4:]).persons
    assert landline in selectors.search(grid1, landline.phone[-4:]).persons
    assert landline in selectors.search(grid1, landline.id_number[-4:]).persons
    assert mobile not in selectors.search(grid2, mobile.id_number[-6:]).persons


def test_name_search_and_page_masks_numbers(login: Any, chronic_pair: list[Person]) -> None:
    for person in chronic_pair:
        html = login("grid1").get(reverse("registry:search"), {"q": person.name}).content.decode()
        assert person.name in html and mask_id_number(person.id_number) in html and mask_phone(person.phone) in html
        assert person.id_number not in html and person.phone not in html


def test_special_population_filter_by_tag_and_grid(users: dict, chronic_pair: list[Person]) -> None:
    scope = scope_for(users["secretary"])
    chronic = set(selectors.special_population_list(scope, tag="chronic").values_list("id", flat=True))
    truth = set(Person.objects.filter(community__code="futong", status="active", tags__tag="chronic")
                .values_list("id", flat=True))
    assert chronic == truth and {p.pk for p in chronic_pair} <= chronic
    grid = chronic_pair[0].household.room.unit.building.grid_id
    in_grid = selectors.special_population_list(scope, tag="chronic", grid=grid)
    assert set(in_grid.values_list("id", flat=True)) == set(
        Person.objects.filter(pk__in=truth, household__room__unit__building__grid_id=grid).values_list("id", flat=True))
    untagged = selectors.special_population_list(scope)
    assert not untagged.filter(tags__isnull=True).exists()


def test_grid_worker_list_holds_only_their_grid(users: dict) -> None:
    scope = scope_for(users["grid1"])
    grids = set(selectors.person_list(scope).values_list("household__room__unit__building__grid__number", flat=True))
    assert grids == {1}


def _sheet(response: Any) -> list[tuple]:
    wb = load_workbook(io.BytesIO(response.content), read_only=True)
    return list(wb.active.iter_rows(values_only=True))


NAME_COL, ID_COL, PHONE_COL = (EXPORT_HEADERS.index(h) for h in ("name", "ID number", "phone"))


def _rows_by_name(response: Any) -> dict[str, tuple]:
    rows = _sheet(response)
    assert len(rows[0]) == len(EXPORT_HEADERS)
    return {r[NAME_COL]: r for r in rows[1:]}


def test_export_is_masked_for_grid_worker_in_every_column_and_audited(login: Any, chronic_pair: list[Person],
                                                                      audit_log: Any) -> None:
    response = login("grid1").get(reverse("registry:special"), {"tag": "chronic", "format": "xlsx"})
    assert response.status_code == 200
    rows = _rows_by_name(response)
    for person in chronic_pair:
        row = rows[person.name]
        assert (row[ID_COL], row[PHONE_COL]) == (mask_id_number(person.id_number), mask_phone(person.phone))
    cells = [str(v) for r in rows.values() for v in r if v is not None]
    numbers = set(Person.objects.filter(community__code="futong").exclude(phone="").values_list("phone", flat=True))
    numbers |= set(Person.objects.filter(community__code="futong").exclude(id_number=None)
                   .values_list("id_number", flat=True))
    assert not [c for c in cells if c in numbers]
    [event] = audit_log(action="export")
    assert event.actor_username == "grid1" and "masked" in event.summary and "unmasked" not in event.summary


def test_export_is_full_for_staff(login: Any, chronic_pair: list[Person], audit_log: Any) -> None:
    response = login("staff").get(reverse("registry:special"), {"tag": "chronic", "format": "xlsx"})
    rows = _rows_by_name(response)
    for person in chronic_pair:
        assert (rows[person.name][ID_COL], rows[person.name][PHONE_COL]) == (person.id_number, person.phone)
    [event] = audit_log(action="export")
    assert event.actor_username == "staff" and "unmasked" in event.summary


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
