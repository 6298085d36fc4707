"""Person and household updates are audited, in the same transaction, with only what changed (numbers
masked), and an edit that changes nothing leaves no event. The services are what the edit pages, the
roster import and the campaigns call; the pages' POSTs are tested with the edit forms."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from shequ.core.masking import mask_id_number, mask_phone
from shequ.registry import services
from shequ.registry.models import Household, Person
from shequ.registry.services import clean_person_fields

pytestmark = pytest.mark.django_db

ID_NUMBER = "11010519491231002X"
OTHER_ID_NUMBER = "110105201003070033"  # born 2010-03-07, male
PHONE, NEW_PHONE = "13912345678", "13787654321"


@pytest.fixture
def household(users: dict[str, Any], anchor_household: Household) -> Household:
    """A new household in the anchor room (9-2-502), with a note."""
    return services.household_create(actor=users["secretary"], room=anchor_household.room, note="合租 两人")


@pytest.fixture
def person(users: dict[str, Any], household: Household) -> Person:
    data = clean_person_fields(name="赵老师", id_number=ID_NUMBER, phone=PHONE, residency="tenant",
                               relation="head", notes="夜班")
    return services.person_create(actor=users["secretary"], household=household, data=data,
                                  tags=[("chronic", "胰岛素")])


def _edit(person: Person, **changes: Any) -> services.PersonData:
    fields = {"name": person.name, "id_number": person.id_number, "phone": person.phone, "sex": person.sex,
              "birth_date": person.birth_date, "residency": person.residency, "relation": person.relation,
              "notes": person.notes} | changes
    return clean_person_fields(**fields)


def test_a_person_update_is_one_event_with_the_changed_fields_only(users: dict[str, Any], person: Person,
                                                                    audit_log: Any) -> None:
    request = RequestFactory().post("/", REMOTE_ADDR="192.0.2.8")
    services.person_update(actor=users["grid1"], person=person, data=_edit(person, phone=NEW_PHONE, notes="白班"),
                           tags=[("chronic", "胰岛素")], request=request)
    [event] = audit_log()
    assert (event.action, event.object_type, event.object_id) == ("update", "person", str(person.pk))
    assert (event.actor_username, event.community_id, event.ip_address) == ("grid1", person.community_id, "192.0.2.8")
    assert event.before == {"phone": mask_phone(PHONE), "notes": "夜班"}
    assert event.after == {"phone": mask_phone(NEW_PHONE), "notes": "白班"}
    stored = Person.objects.get(pk=person.pk)
    assert (stored.phone, stored.notes, stored.id_number) == (NEW_PHONE, "白班", ID_NUMBER)


def test_a_changed_id_number_is_logged_masked_with_what_it_derives(users: dict[str, Any], person: Person,
                                                                   audit_log: Any) -> None:
    new_number = OTHER_ID_NUMBER
    services.person_update(actor=users["staff"], person=person, data=_edit(person, id_number=new_number), tags=None)
    [event] = audit_log()
    assert event.before["id_number"] == mask_id_number(ID_NUMBER)
    assert event.after == {"id_number": mask_id_number(new_number), "sex": "male", "birth_date": "2010-03-07"}
    assert ID_NUMBER not in str(event.before) and new_number not in str(event.after)
    assert Person.objects.get(pk=person.pk).birth_date == dt.date(2010, 3, 7)


def test_tags_changed_alone_are_an_update_too(users: dict[str, Any], person: Person, audit_log: Any) -> None:
    services.person_update(actor=users["staff"], person=person, data=_edit(person),
                           tags=[("chronic", "胰岛素 每日两次"), ("elderly_alone", "")])
    [event] = audit_log()
    assert event.before == {"tags": ["chronic:胰岛素"]}
    assert event.after == {"tags": ["chronic:胰岛素 每日两次", "elderly_alone:"]}


def test_an_edit_that_changes_nothing_leaves_no_event(users: dict[str, Any], person: Person, audit_log: Any) -> None:
    services.person_update(actor=users["staff"], person=person, data=_edit(person), tags=[("chronic", "胰岛素")])
    assert audit_log() == []


def test_a_refused_update_changes_nothing_and_logs_nothing(users: dict[str, Any], person: Person,
                                                          household: Household, audit_log: Any) -> None:
    services.person_create(actor=users["staff"], household=household,
                           data=clean_person_fields(name="钱同学", id_number=OTHER_ID_NUMBER))
    logged = len(audit_log())
    with pytest.raises(ValidationError) as refused:
        services.person_update(actor=users["staff"], person=person,
                               data=_edit(person, id_number=OTHER_ID_NUMBER, notes="改了"), tags=None)
    assert "id_number" in refused.value.message_dict
    assert len(audit_log()) == logged
    stored = Person.objects.get(pk=person.pk)
    assert (stored.id_number, stored.notes) == (ID_NUMBER, "夜班")


def test_a_household_update_is_audited_with_its_note_before_and_after(users: dict[str, Any], household: Household,
                                                                       audit_log: Any) -> None:
    services.household_update(actor=users["grid1"], household=household, note="合租 三人")
    [event] = audit_log()
    assert (event.action, event.object_type, event.object_id, event.actor_username) == (
        "update", "household", str(household.pk), "grid1")
    assert event.before == {"note": "合租 两人"} and event.after == {"note": "合租 三人"}
    assert Household.objects.get(pk=household.pk).note == "合租 三人"
    services.household_update(actor=users["grid1"], household=household, note="合租 三人")
    assert len(audit_log()) == 1  # the same note again: nothing changed, nothing logged
