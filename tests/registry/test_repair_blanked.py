"""``shequ repair-blanked``: values that a save emptied without the user emptying them come back
from the audit log, through the registry service, audited as a repair; a dry run changes nothing."""

from __future__ import annotations

import dataclasses
import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from shequ.audit.models import AuditEvent
from shequ.registry import services
from shequ.registry.models import Household, Person

pytestmark = pytest.mark.django_db

BIRTH = dt.date(2021, 3, 28)


def _person(actor: Any, household: Household, name: str, **fields: Any) -> Person:
    data = services.clean_person_fields(name=name, birth_date=BIRTH, relation="child", **fields)
    return services.person_create(actor=actor, household=household, data=data)


def _save_as_the_old_form_did(actor: Any, person: Person, **changes: Any) -> None:
    """The person edit form in Chinese before the fix: the date came back empty with the user's change."""
    person = Person.objects.get(pk=person.pk)
    data = services.clean_person_fields(name=person.name, id_number=person.id_number, phone=person.phone,
                                        sex=person.sex, birth_date=None, residency=person.residency,
                                        relation=person.relation, notes=person.notes)
    services.person_update(actor=actor, person=person, data=dataclasses.replace(data, **changes))


def _data_of(person: Person, **changes: Any) -> services.PersonData:
    person = Person.objects.get(pk=person.pk)
    data = services.clean_person_fields(name=person.name, id_number=person.id_number, phone=person.phone,
                                        sex=person.sex, birth_date=person.birth_date, residency=person.residency,
                                        relation=person.relation, notes=person.notes)
    return dataclasses.replace(data, **changes)


def _run(*args: str) -> str:
    out = StringIO()
    call_command("repair_blanked", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def staff(users: dict[str, Any]) -> Any:
    return users["staff"]


def test_a_dry_run_lists_the_damage_and_changes_nothing(staff: Any, anchor_household: Household) -> None:
    infant = _person(staff, anchor_household, "王小宝", notes="早产")
    _save_as_the_old_form_did(staff, infant, notes="早产 已随访")
    damage = AuditEvent.objects.filter(object_id=str(infant.pk), action="update").get()
    assert damage.before == {"birth_date": "2021-03-28", "notes": "早产"}
    events = AuditEvent.objects.count()

    out = _run()
    assert "王小宝" in out and "2021-03-28" in out and f"{damage.pk}" in out and "--apply" in out
    assert Person.objects.get(pk=infant.pk).birth_date is None
    assert AuditEvent.objects.count() == events


def test_apply_restores_through_the_service_audited_as_a_repair_and_only_once(
    staff: Any, anchor_household: Household
) -> None:
    infant = _person(staff, anchor_household, "王小宝", notes="早产")
    _save_as_the_old_form_did(staff, infant, notes="早产 已随访")
    _save_as_the_old_form_did(staff, infant, notes="早产 已随访 接种")  # the date was already gone: not in this diff
    damage = AuditEvent.objects.filter(object_id=str(infant.pk), action="update").order_by("id").first()

    out = _run("--apply")
    assert "王小宝" in out
    infant = Person.objects.get(pk=infant.pk)
    assert infant.birth_date == BIRTH and infant.notes == "早产 已随访 接种"
    repair = AuditEvent.objects.filter(object_id=str(infant.pk), action="update").latest("id")
    assert repair.summary == f"repair of audit event {damage.pk}" and repair.actor_username == "cli"
    assert repair.before == {"birth_date": None} and repair.after == {"birth_date": "2021-03-28"}

    events = AuditEvent.objects.count()
    assert "王小宝" not in _run("--apply")
    assert AuditEvent.objects.count() == events


def test_what_the_user_changed_since_or_emptied_on_purpose_is_left_alone(
    staff: Any, anchor_household: Household
) -> None:
    typed_again = _person(staff, anchor_household, "甲")
    _save_as_the_old_form_did(staff, typed_again)
    services.person_update(actor=staff, person=typed_again, data=_data_of(typed_again, birth_date=dt.date(2021, 4, 1)))

    on_purpose = _person(staff, anchor_household, "乙")
    services.person_update(actor=staff, person=on_purpose, data=_data_of(on_purpose, birth_date=None),
                           cleared=["birth_date"])

    note_removed = _person(staff, anchor_household, "丙", notes="要删掉的备注")
    services.person_update(actor=staff, person=note_removed, data=_data_of(note_removed, notes=""))

    out = _run("--apply")
    assert Person.objects.get(pk=typed_again.pk).birth_date == dt.date(2021, 4, 1)
    assert Person.objects.get(pk=on_purpose.pk).birth_date is None
    assert Person.objects.get(pk=note_removed.pk).notes == ""
    assert "甲" not in out and "乙" not in out and "丙" not in out


def test_emptied_again_after_a_new_value_restores_the_newer_value(staff: Any, anchor_household: Household) -> None:
    infant = _person(staff, anchor_household, "王小宝")
    _save_as_the_old_form_did(staff, infant)
    services.person_update(actor=staff, person=infant, data=_data_of(infant, birth_date=dt.date(2021, 3, 29)))
    _save_as_the_old_form_did(staff, infant, notes="改了备注")
    _run("--apply")
    assert Person.objects.get(pk=infant.pk).birth_date == dt.date(2021, 3, 29)


def test_it_can_be_limited_to_one_community_or_event(staff: Any, users: dict[str, Any],
                                                      anchor_household: Household) -> None:
    first = _person(staff, anchor_household, "王小宝")
    second = _person(staff, anchor_household, "王小贝")
    _save_as_the_old_form_did(staff, first)
    _save_as_the_old_form_did(staff, second)
    event = AuditEvent.objects.filter(object_id=str(second.pk), action="update").get()
    assert "王小宝" not in _run("--community", "nanxincun")
    out = _run("--apply", "--event", str(event.pk))
    assert "王小贝" in out and "王小宝" not in out
    assert Person.objects.get(pk=second.pk).birth_date == BIRTH
    assert Person.objects.get(pk=first.pk).birth_date is None
