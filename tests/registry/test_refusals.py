"""What the registry refuses when moving people and households, through the service and the page: the
reason is shown, nothing changes, and nothing is written to the audit log."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from tests.webforms import form_data

from shequ.registry import services
from shequ.registry.models import Household, Person, Residence

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_en(login: Any) -> Any:
    client = login("staff")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _form(client: Any, url: str, **values: Any) -> dict[str, Any]:
    return form_data(client.get(url).content.decode(), with_field="reason", **values)


def _member(household: Household) -> Person:
    return household.persons.filter(status="active").order_by("id").first()


def _unchanged(person: Person) -> None:
    stored = Person.objects.get(pk=person.pk)
    assert (stored.household_id, stored.status) == (person.household_id, person.status)
    assert Residence.objects.filter(person=person, ended_at__isnull=True).count() == (
        1 if person.status == "active" else 0)


def test_a_move_to_another_community_is_refused(users: dict[str, Any], anchor_household: Household,
                                                audit_log: Any) -> None:
    person = _member(anchor_household)
    elsewhere = Household.objects.exclude(community_id=person.community_id).filter(status="active").first()
    with pytest.raises(ValidationError) as refused:
        services.person_move(actor=users["staff"], person=person, household=elsewhere)
    assert "household" in refused.value.message_dict
    _unchanged(person)
    assert audit_log() == []


def test_a_move_into_a_household_that_moved_out_is_refused(users: dict[str, Any], anchor_household: Household,
                                                           audit_log: Any) -> None:
    person = _member(anchor_household)
    gone = services.household_create(actor=users["staff"], room=anchor_household.room)
    services.household_move_out(actor=users["staff"], household=gone, reason="出售")
    logged = len(audit_log())
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.person_move(actor=users["staff"], person=person, household=Household.objects.get(pk=gone.pk))
    assert refused.value.message_dict == {"household": ["that household has moved out"]}
    _unchanged(person)
    assert len(audit_log()) == logged


def test_a_move_into_ones_own_household_is_refused_on_the_form(staff_en: Any, anchor_household: Household,
                                                               audit_log: Any) -> None:
    person = _member(anchor_household)
    url = reverse("registry:person_move", args=[person.pk])
    room = anchor_household.room
    data = _form(staff_en, url, address=f"{room.unit.building.compound.name}{room.address}", reason="搬家")
    # The household named, as the form's second step does when a room has several: this person's own.
    data["household"] = str(anchor_household.pk)
    response = staff_en.post(url, data)
    assert response.status_code == 200
    assert "the person already lives in this household" in str(response.context["form"].errors)
    _unchanged(person)
    assert audit_log() == []


def test_moving_out_someone_who_no_longer_lives_here_is_refused_with_a_message(
        staff_en: Any, users: dict[str, Any], anchor_household: Household, audit_log: Any) -> None:
    person = _member(anchor_household)
    services.person_move_out(actor=users["staff"], person=person, reason="回老家")
    person.refresh_from_db()
    logged = len(audit_log())
    url = reverse("registry:person_move_out", args=[person.pk])
    response = staff_en.post(url, _form(staff_en, url, reason="again"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("registry:person", args=[person.pk])
    assert "this person no longer lives here" in [str(m) for m in response.context["messages"]]
    assert Person.objects.get(pk=person.pk).status == "moved_out" and len(audit_log()) == logged
    with pytest.raises(ValidationError):
        services.person_move_out(actor=users["staff"], person=person, deceased=True)
    assert Person.objects.get(pk=person.pk).status == "moved_out"


def test_moving_out_a_household_twice_is_refused_with_a_message(staff_en: Any, users: dict[str, Any],
                                                                anchor_household: Household, audit_log: Any) -> None:
    services.household_move_out(actor=users["staff"], household=anchor_household, reason="出售")
    events = audit_log()
    members = anchor_household.persons.count()
    assert [e.object_type for e in events] == ["person"] * members + ["household"]
    assert {e.action for e in events} == {"move_out"}
    url = reverse("registry:household_move_out", args=[anchor_household.pk])
    response = staff_en.post(url, _form(staff_en, url, reason="again"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("registry:household", args=[anchor_household.pk])
    assert "this household has already moved out" in [str(m) for m in response.context["messages"]]
    assert len(audit_log()) == len(events)


def test_a_person_cannot_be_added_to_a_household_that_moved_out(login: Any, users: dict[str, Any],
                                                                 anchor_household: Household) -> None:
    services.household_move_out(actor=users["staff"], household=anchor_household)
    response = login("staff").post(reverse("registry:person_create", args=[anchor_household.pk]),
                                   {"name": "新来的", "sex": "unknown", "residency": "resident", "relation": "other"})
    assert response.status_code == 404
    assert not Person.objects.filter(name="新来的").exists()
