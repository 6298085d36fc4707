"""The person and household edit forms, posted as a browser posts them: changing one field leaves
every other stored value as it was, the update is audited with before and after, and a stored value
is never emptied unless the user emptied it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation
from tests.browserlike import form_data

from shequ.audit.models import AuditEvent
from shequ.registry import services
from shequ.registry.models import Household, Person, PersonTag

pytestmark = pytest.mark.django_db

LANGUAGES = ["zh-hans", "en"]


def _stored(person: Person) -> dict[str, Any]:
    person = Person.objects.get(pk=person.pk)
    return {
        "name": person.name, "id_number": person.id_number, "phone": person.phone, "sex": person.sex,
        "birth_date": person.birth_date, "residency": person.residency, "relation": person.relation,
        "status": person.status, "household": person.household_id, "notes": person.notes,
        "tags": sorted((t.tag, t.note) for t in PersonTag.objects.filter(person=person)),
    }


@pytest.fixture
def infant(users: dict[str, Any], anchor_household: Household) -> Person:
    """No ID number, so the birth date is what was typed in."""
    data = services.clean_person_fields(name="王小宝", birth_date=dt.date(2021, 3, 28), sex="female",
                                        phone="13900001111", relation="child", residency="resident", notes="早产")
    return services.person_create(actor=users["staff"], household=anchor_household, data=data,
                                  tags=[("chronic", "胰岛素 每日2次")])


@pytest.fixture
def adult(users: dict[str, Any], anchor_household: Household) -> Person:
    data = services.clean_person_fields(name="李建国", id_number="11010519491231002X", phone="13800138000",
                                        relation="other", residency="tenant", notes="")
    return services.person_create(actor=users["staff"], household=anchor_household, data=data)


def _edit_url(person: Person) -> str:
    return reverse("registry:person_edit", args=[person.pk])


def _page(client: Any, url: str, language: str) -> str:
    client.cookies["django_language"] = language
    return client.get(url).content.decode()


def _last_update(obj: Any) -> AuditEvent:
    return AuditEvent.objects.filter(action="update", object_type=obj._meta.model_name,
                                     object_id=str(obj.pk)).latest("id")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("field", "value", "snapshot"), [
    ("notes", "早产 已随访", {"notes": "早产 已随访"}),
    ("relation", "grandchild", {"relation": "grandchild"}),
    ("residency", "temporary", {"residency": "temporary"}),
    ("birth_date", "2021-03-29", {"birth_date": "2021-03-29"}),
    ("tag_chronic_note", "胰岛素 每日3次", {"tags": ["chronic:胰岛素 每日3次"]}),
])
def test_changing_one_field_keeps_every_other_stored_value(
    login: Any, infant: Person, field: str, value: str, snapshot: dict[str, Any], language: str
) -> None:
    client = login("staff")
    before = _stored(infant)
    data = form_data(_page(client, _edit_url(infant), language), "notes")
    data[field] = value
    data["edited"] = field  # what the page's script reports for a user who changed this one field
    assert client.post(_edit_url(infant), data).status_code == 302
    after = _stored(infant)
    changed = {k for k in after if after[k] != before[k]}
    assert changed == {"tags" if field.startswith("tag_") else field}
    event = _last_update(infant)
    assert event.after == snapshot
    assert set(event.before) == set(snapshot) and event.actor_username == "staff"


@pytest.mark.parametrize("language", LANGUAGES)
def test_saving_without_changes_changes_nothing_and_records_nothing(login: Any, adult: Person, language: str) -> None:
    client = login("staff")
    before = _stored(adult)
    updates = AuditEvent.objects.filter(action="update").count()
    data = form_data(_page(client, _edit_url(adult), language), "notes")
    assert client.post(_edit_url(adult), data).status_code == 302
    assert _stored(adult) == before
    assert AuditEvent.objects.filter(action="update").count() == updates


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_date_the_page_sends_back_empty_keeps_its_stored_value(login: Any, infant: Person, language: str) -> None:
    """The user changed the note; the date input came back empty (as the Chinese date format made it)."""
    client = login("staff")
    data = form_data(_page(client, _edit_url(infant), language), "notes")
    data.update({"notes": "早产 已随访", "birth_date": "", "edited": "notes"})
    assert client.post(_edit_url(infant), data).status_code == 302
    assert _stored(infant)["birth_date"] == dt.date(2021, 3, 28)
    assert _last_update(infant).after == {"notes": "早产 已随访"}


def test_a_field_missing_from_the_submission_keeps_its_stored_value(login: Any, infant: Person) -> None:
    client = login("staff")
    data = form_data(_page(client, _edit_url(infant), "zh-hans"), "notes")
    for missing in ("birth_date", "phone", "tag_chronic_note", "edited"):
        del data[missing]
    data["notes"] = "早产 已随访"
    assert client.post(_edit_url(infant), data).status_code == 302
    stored = _stored(infant)
    assert stored["birth_date"] == dt.date(2021, 3, 28) and stored["phone"] == "13900001111"
    assert stored["tags"] == [("chronic", "胰岛素 每日2次")] and stored["notes"] == "早产 已随访"


def test_the_user_who_empties_a_field_empties_it_and_the_log_says_so(login: Any, infant: Person) -> None:
    client = login("staff")
    data = form_data(_page(client, _edit_url(infant), "zh-hans"), "notes")
    data.update({"birth_date": "", "edited": "birth_date"})
    assert client.post(_edit_url(infant), data).status_code == 302
    assert _stored(infant)["birth_date"] is None
    event = _last_update(infant)
    assert event.before == {"birth_date": "2021-03-28"} and event.after == {"birth_date": None}
    assert event.summary == "emptied by the user: birth_date"


@pytest.mark.parametrize("language", LANGUAGES)
def test_without_the_script_emptying_a_field_is_asked_first(login: Any, infant: Person, language: str) -> None:
    client = login("staff")
    data = form_data(_page(client, _edit_url(infant), language), "notes")
    assert data["edited"] == "-"  # as the server wrote it: no script ran
    data.update({"birth_date": "", "notes": "早产 已随访"})
    asked = client.post(_edit_url(infant), data)
    assert asked.status_code == 200
    html = asked.content.decode()
    with translation.override(language):
        assert "2021-03-28" in html and str(Person._meta.get_field("birth_date").verbose_name) in html
    assert 'name="confirm_empty" value="birth_date"' in html
    assert _stored(infant)["birth_date"] == dt.date(2021, 3, 28) and _stored(infant)["notes"] == "早产"

    confirmed = form_data(html, "notes")
    assert "confirm_empty" not in confirmed  # the box is not ticked until the user ticks it
    confirmed["confirm_empty"] = "birth_date"
    assert client.post(_edit_url(infant), confirmed).status_code == 302
    assert _stored(infant)["birth_date"] is None and _stored(infant)["notes"] == "早产 已随访"
    assert _last_update(infant).summary == "emptied by the user: birth_date"


def test_a_confirmation_covers_only_the_fields_it_listed(login: Any, infant: Person) -> None:
    client = login("staff")
    data = form_data(_page(client, _edit_url(infant), "en"), "notes")
    data.update({"birth_date": "", "phone": "", "confirm_empty": "birth_date"})
    asked = client.post(_edit_url(infant), data)
    assert asked.status_code == 200 and 'name="confirm_empty" value="phone"' in asked.content.decode()
    assert _stored(infant)["birth_date"] == dt.date(2021, 3, 28) and _stored(infant)["phone"] == "13900001111"


@pytest.mark.parametrize("language", LANGUAGES)
def test_household_note_edit_keeps_the_rest_and_is_audited(
    login: Any, anchor_household: Household, language: str
) -> None:
    client = login("staff")
    url = reverse("registry:household_edit", args=[anchor_household.pk])
    before = Household.objects.values("room_id", "status", "note").get(pk=anchor_household.pk)
    data = form_data(_page(client, url, language), "note")
    data.update({"note": "租户 两人", "edited": "note"})
    assert client.post(url, data).status_code == 302
    after = Household.objects.values("room_id", "status", "note").get(pk=anchor_household.pk)
    assert {k: v for k, v in after.items() if k != "note"} == {k: v for k, v in before.items() if k != "note"}
    assert after["note"] == "租户 两人"
    event = _last_update(anchor_household)
    assert event.before == {"note": before["note"]} and event.after == {"note": "租户 两人"}


def test_household_note_emptied_without_the_script_is_asked_first(login: Any, anchor_household: Household) -> None:
    services.household_update(actor=None, household=anchor_household, note="楼上漏水")
    client = login("staff")
    url = reverse("registry:household_edit", args=[anchor_household.pk])
    data = form_data(_page(client, url, "zh-hans"), "note")
    data["note"] = ""
    assert client.post(url, data).status_code == 200
    assert Household.objects.get(pk=anchor_household.pk).note == "楼上漏水"
