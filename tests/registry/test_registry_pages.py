"""Registry pages: household card, person page, reveal, create, move, move out, double submit."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse
from tests.facts import give_numbers

from shequ.audit.models import AuditEvent
from shequ.core.masking import mask_id_number, mask_phone
from shequ.registry.models import Household, Person, Residence

pytestmark = pytest.mark.django_db


def _person_with_numbers(household: Household) -> Person:
    """The household's first member, given an ID number and a phone of their own (tests/facts.py)."""
    return give_numbers(household.persons.filter(status="active").order_by("id").first())


def test_household_card_masks_numbers(login: Any, anchor_household: Household) -> None:
    person = _person_with_numbers(anchor_household)
    html = login("grid1").get(reverse("registry:household", args=[anchor_household.pk])).content.decode()
    assert person.id_number not in html and person.phone not in html
    assert mask_id_number(person.id_number) in html
    assert mask_phone(person.phone) in html


def test_resident_sees_own_household_masked_and_cannot_reveal(login: Any, anchor_household: Household) -> None:
    person = _person_with_numbers(anchor_household)
    client = login("resident1")
    # Elder mode (a resident's default): home is the tiles, the first one the household card.
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert f'href="{reverse("registry:household", args=[anchor_household.pk])}"' in response.content.decode()
    client.cookies["shequ_elder"] = "0"
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("registry:household",
                                                                            args=[anchor_household.pk])
    assert client.post(reverse("registry:person", args=[person.pk])).status_code == 403


def test_staff_reveal_shows_full_numbers_and_is_audited(login: Any, anchor_household: Household) -> None:
    person = _person_with_numbers(anchor_household)
    client = login("staff")
    page = client.get(reverse("registry:person", args=[person.pk])).content.decode()
    assert person.id_number not in page
    before = AuditEvent.objects.filter(action="reveal").count()
    revealed = client.post(reverse("registry:person", args=[person.pk]))
    assert revealed.status_code == 200
    html = revealed.content.decode()
    assert person.id_number in html and person.phone in html
    assert "no-store" in revealed["Cache-Control"]
    event = AuditEvent.objects.filter(action="reveal").latest("id")
    assert AuditEvent.objects.filter(action="reveal").count() == before + 1
    assert event.actor_username == "staff" and event.object_id == str(person.pk)
    assert event.ip_address == "127.0.0.1"


def test_grid_worker_cannot_reveal(login: Any, anchor_household: Household) -> None:
    person = _person_with_numbers(anchor_household)
    assert login("grid1").post(reverse("registry:person", args=[person.pk])).status_code == 403
    assert not AuditEvent.objects.filter(action="reveal", object_id=str(person.pk)).exists()


def _form(client: Any, url: str) -> dict[str, str]:
    html = client.get(url).content.decode()
    key = re.search(r'name="submission_key" value="([0-9a-f]{32})"', html)
    assert key, "the form carries a one-time submission key"
    return {"submission_key": key.group(1)}


def test_person_create_derives_sex_and_birth_from_id_and_double_submit_creates_one(
    login: Any, anchor_household: Household
) -> None:
    client = login("grid1")
    url = reverse("registry:person_create", args=[anchor_household.pk])
    data = {**_form(client, url), "name": "  王小明 ", "id_number": "11010520100307005x", "phone": "+86 139 0000 1111",
            "sex": "unknown", "residency": "tenant", "relation": "other", "notes": "",
            "tag_chronic": "on", "tag_chronic_note": "胰岛素 每日2次"}
    first = client.post(url, data)
    second = client.post(url, data)
    assert first.status_code == 302 and second.status_code == 302
    assert first["Location"] == second["Location"]
    people = Person.objects.filter(name="王小明")
    assert people.count() == 1
    p = people.get()
    assert p.id_number == "11010520100307005X" and p.sex == "male" and str(p.birth_date) == "2010-03-07"
    assert p.phone == "13900001111" and p.name_initials == "wxm"
    assert p.tags.get().note == "胰岛素 每日2次"
    assert Residence.objects.filter(person=p, ended_at=None, household=anchor_household).count() == 1
    event = AuditEvent.objects.filter(action="create", object_type="person", object_id=str(p.pk)).get()
    assert event.after["id_number"] == mask_id_number(p.id_number)


def test_person_create_reports_bad_fields_and_keeps_valid_input(login: Any, anchor_household: Household) -> None:
    client = login("staff")
    url = reverse("registry:person_create", args=[anchor_household.pk])
    data = {**_form(client, url), "name": "李四", "id_number": "110105201003070011", "phone": "12345",
            "sex": "unknown", "residency": "resident", "relation": "child"}
    response = client.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "check character" in html or "校验" in html
    assert 'value="李四"' in html
    assert not Person.objects.filter(name="李四", household=anchor_household).exists()


def test_duplicate_id_number_is_refused(login: Any, anchor_household: Household) -> None:
    existing = _person_with_numbers(anchor_household)
    client = login("staff")
    url = reverse("registry:person_create", args=[anchor_household.pk])
    data = {**_form(client, url), "name": "重复", "id_number": existing.id_number, "sex": "unknown",
            "residency": "resident", "relation": "other"}
    response = client.post(url, data)
    assert response.status_code == 200
    assert Person.objects.filter(id_number=existing.id_number).count() == 1


def test_move_person_keeps_history(login: Any, anchor_household: Household, other_grid_household: Household) -> None:
    person = _person_with_numbers(anchor_household)
    client = login("staff")
    url = reverse("registry:person_move", args=[person.pk])
    room = other_grid_household.room
    address = f"{room.unit.building.compound.name}{room.unit.building.number}号楼{room.unit.number}单元{room.number}室"
    # The household named, as the form's second step does when the room has several.
    data = {**_form(client, url), "address": address, "reason": "搬家", "household": str(other_grid_household.pk)}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    person.refresh_from_db()
    assert person.household_id == other_grid_household.pk
    history = list(Residence.objects.filter(person=person).order_by("started_at"))
    assert history[-1].household_id == other_grid_household.pk and history[-1].ended_at is None
    assert history[-2].household_id == anchor_household.pk and history[-2].ended_at is not None
    event = AuditEvent.objects.filter(action="move", object_id=str(person.pk)).get()
    assert event.before == {"household": anchor_household.pk} and event.after == {"household": other_grid_household.pk}
    # The old household card lists them as a former member, the new one as living there.
    old_card = client.get(reverse("registry:household", args=[anchor_household.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert person.pk in [p.pk for p in old_card.context["former"]]
    assert person.pk not in [p.pk for p in old_card.context["living"]]
    html = old_card.content.decode()
    assert reverse("registry:person", args=[person.pk]) in html[html.index("Former members"):]
    new_card = client.get(reverse("registry:household", args=[other_grid_household.pk]))
    assert person.pk in [p.pk for p in new_card.context["living"]]


def test_grid_worker_cannot_move_into_another_grid(login: Any, anchor_household: Household,
                                                   other_grid_household: Household) -> None:
    person = _person_with_numbers(anchor_household)
    client = login("grid1")
    url = reverse("registry:person_move", args=[person.pk])
    room = other_grid_household.room
    response = client.post(url, {**_form(client, url), "address": f"{room.unit.building.compound.name}{room.address}"})
    assert response.status_code == 200
    person.refresh_from_db()
    assert person.household_id == anchor_household.pk


def test_mark_moved_out_twice_is_safe(login: Any, anchor_household: Household) -> None:
    person = _person_with_numbers(anchor_household)
    client = login("staff")
    url = reverse("registry:person_move_out", args=[person.pk])
    data = {**_form(client, url), "reason": "回老家"}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    person.refresh_from_db()
    assert person.status == "moved_out"
    assert AuditEvent.objects.filter(action="move_out", object_id=str(person.pk)).count() == 1
    assert not Residence.objects.filter(person=person, ended_at=None).exists()


def test_household_moved_out_marks_everyone(login: Any, anchor_household: Household) -> None:
    client = login("secretary")
    url = reverse("registry:household_move_out", args=[anchor_household.pk])
    assert client.post(url, {**_form(client, url), "reason": "出售"}).status_code == 302
    anchor_household.refresh_from_db()
    assert anchor_household.status == "vacated"
    assert not anchor_household.persons.filter(status="active").exists()


def test_add_household_in_room_once(login: Any, anchor_household: Household) -> None:
    client = login("staff")
    url = reverse("registry:room", args=[anchor_household.room_id])
    others = " ".join(str(h.pk) for h in Household.objects.filter(room=anchor_household.room, status="active").order_by("id"))
    data = {**_form(client, url), "note": "合租", "confirm_room": others}
    before = Household.objects.filter(room=anchor_household.room).count()
    r1, r2 = client.post(url, data), client.post(url, data)
    assert r1.status_code == 302 and r1["Location"] == r2["Location"]
    assert Household.objects.filter(room=anchor_household.room).count() == before + 1


def test_building_floor_plan_shows_rooms_and_tags(login: Any, anchor_household: Household) -> None:
    building = anchor_household.room.unit.building
    html = login("grid1").get(reverse("registry:building", args=[building.pk])).content.decode()
    assert ">502<" in html
    assert reverse("registry:household", args=[anchor_household.pk]) in html or reverse(
        "registry:room", args=[anchor_household.room_id]) in html


def test_property_company_sees_floor_plan_without_people(login: Any, anchor_household: Household) -> None:
    building = anchor_household.room.unit.building
    html = login("property1").get(reverse("registry:building", args=[building.pk])).content.decode()
    assert ">502<" in html
    assert "dot tag-" not in html
    assert reverse("registry:household", args=[anchor_household.pk]) not in html


@pytest.mark.django_db
def test_person_and_household_pages_link_to_passes_and_restrictions_by_role(login: Any, anchor_household: Any) -> None:
    person = anchor_household.persons.filter(status="active").first()
    staff = login("staff").get(reverse("registry:person", args=[person.pk])).content.decode()
    assert reverse("gates:pass_person", args=[person.pk]) in staff
    assert reverse("containment:person", args=[person.pk]) in staff
    grid = login("grid1").get(reverse("registry:person", args=[person.pk])).content.decode()
    assert reverse("gates:pass_person", args=[person.pk]) in grid
    assert reverse("containment:person", args=[person.pk]) not in grid  # grid workers do not set restrictions
    resident = login("resident1").get(reverse("registry:household", args=[anchor_household.pk])).content.decode()
    assert reverse("gates:pass_cards_household", args=[anchor_household.pk]) not in resident
