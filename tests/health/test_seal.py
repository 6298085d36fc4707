"""Seal from the case card (issue 12.6): staff seal the unit, building or compound of a case or close
contact in one step, a containment area made by containment's service; the gates obey it. Refused
for a person with no risk status, and for roles that may not manage health or containment."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.urls import reverse

from shequ.containment.models import ContainmentArea
from shequ.health import services
from tests.health.conftest import EXPOSED

pytestmark = pytest.mark.django_db


@pytest.fixture
def new_areas(db: Any) -> Any:
    """The containment areas made since the test began (the demo world has some)."""
    before = set(ContainmentArea.objects.values_list("pk", flat=True))
    return lambda: list(ContainmentArea.objects.exclude(pk__in=before))


@pytest.fixture
def contact(march: Any, members: list[Any], staff: Any) -> Any:
    services.entry_record(actor=staff, person=members[0], status="close_contact", source="list",
                          last_exposure_on=EXPOSED)
    return members[0]


def seal(client: Any, person: Any, place: str, key: str | None = None) -> Any:
    return client.post(reverse("health:person", args=[person.pk]), {
        "action": "seal", "place": place, "reason": "封控", "submission_key": key or uuid.uuid4().hex})


@pytest.mark.parametrize("place", ["unit", "building", "compound"])
def test_staff_seal_the_place_in_one_step(place: str, contact: Any, login: Any, audit_log: Any,
                                          new_areas: Any) -> None:
    page = login("staff").get(reverse("health:person", args=[contact.pk])).content.decode()
    assert 'value="seal"' in page
    key = uuid.uuid4().hex
    assert seal(login("staff"), contact, place, key).status_code == 302
    assert seal(login("staff"), contact, place, key).status_code == 302  # the same form again
    [area] = new_areas()
    room = contact.household.room
    expected = {"unit": room.unit, "building": room.unit.building, "compound": room.unit.building.compound}[place]
    assert getattr(area, place) == expected and area.level == "sealed" and area.reason == "封控"
    [event] = audit_log(object_type="containmentarea")
    assert event.action == "create" and event.actor_username == "staff"
    assert event.summary == f"sealed {place}={expected.pk}"


def test_the_gate_obeys_the_seal(contact: Any, login: Any) -> None:
    from django.utils import timezone

    from shequ.containment.selectors import levels_for_units

    seal(login("secretary"), contact, "building")
    unit_id = contact.household.room.unit_id
    assert levels_for_units([unit_id], timezone.now())[unit_id] == "sealed"


def test_a_person_without_a_risk_status_is_not_sealed_from_the_card(march: Any, members: list[Any],
                                                                     login: Any, new_areas: Any) -> None:
    page = login("staff").get(reverse("health:person", args=[members[0].pk])).content.decode()
    assert 'value="seal"' not in page
    response = seal(login("staff"), members[0], "unit")
    assert response.status_code == 200 and response.context["seal_form"].non_field_errors()
    assert not new_areas()


def test_a_place_that_is_not_one_is_refused(contact: Any, login: Any, new_areas: Any) -> None:
    response = seal(login("staff"), contact, "street")
    assert response.status_code == 200 and response.context["seal_form"].errors["place"]
    assert not new_areas()


@pytest.mark.parametrize(("role", "status"), [("grid1", 403), ("sampler1", 403), ("grid2", 404),
                                               ("gate1", 403), ("street", 403), ("resident1", 403),
                                               ("outsider", 404)])
def test_other_roles_may_not_seal(role: str, status: int, contact: Any, login: Any, new_areas: Any) -> None:
    assert seal(login(role), contact, "unit").status_code == status
    assert not new_areas()
