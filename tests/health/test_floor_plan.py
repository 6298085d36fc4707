"""Cases and contacts on the floor plan (issue 12.6): a health page draws the building from registry's
floor plan selector and marks the rooms of persons with a current status, for the roles that may see
health data (the grid worker: their grid's buildings), audited as a list shown; registry's own floor
plan shows no health data (registry may not import health)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from shequ.health import services
from tests.health.conftest import EXPOSED

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact(march: Any, members: list[Any], staff: Any) -> Any:
    services.entry_record(actor=staff, person=members[0], status="close_contact", source="list",
                          last_exposure_on=EXPOSED)
    return members[0]


def url(person: Any) -> str:
    return reverse("health:floor_plan", args=[person.household.room.unit.building_id])


@pytest.mark.parametrize("role", ["secretary", "staff", "grid1", "sampler1"])
def test_the_contact_is_marked_on_the_floor_plan(role: str, contact: Any, login: Any, audit_log: Any) -> None:
    response = login(role).get(url(contact))
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("health:person", args=[contact.pk]) in html and contact.name in html
    [(room, _marks)] = response.context["listed"]
    assert room == contact.household.room
    if role != "sampler1":  # the medical role sees no registry rooms: the plan is empty, the list is not
        [cell] = [c for _unit, floors in response.context["rows"] for _f, cells in floors for c, m in cells if m]
        assert cell.room == contact.household.room
    [event] = audit_log(action="export")
    assert event.actor_username == role
    assert event.summary == f"health floor plan: 1 rows, shown on the page; building={contact.household.room.unit.building_id}"


def test_the_registry_floor_plan_shows_no_health_data(contact: Any, login: Any) -> None:
    html = login("secretary").get(reverse("registry:building", args=[contact.household.room.unit.building_id]))
    assert "health-marked" not in html.content.decode()
    # The health card links its floor plan.
    card = login("secretary").get(reverse("health:person", args=[contact.pk])).content.decode()
    assert url(contact) in card


@pytest.mark.parametrize(("role", "status"), [("grid2", 404), ("outsider", 404), ("gate1", 403),
                                               ("volunteer1", 403), ("property1", 403), ("street", 403),
                                               ("resident1", 403)])
def test_roles_that_may_not_see_health_data_are_refused(role: str, status: int, contact: Any, login: Any,
                                                         audit_log: Any) -> None:
    assert login(role).get(url(contact)).status_code == status
    assert not audit_log(action="export")
