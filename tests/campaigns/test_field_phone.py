"""The grid worker's phone pages (issue 9.10): two households in one room are told apart by their
head; a grid worker calls a missing person of their own grid with one tap (a logged reveal); the
visit form's temperature placeholder does not look like a value."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from shequ.audit.models import AuditEvent
from shequ.campaigns.forms import VisitForm
from shequ.campaigns.models import Kind, Target
from shequ.registry import services as registry
from shequ.registry.models import Person
from tests.campaigns.conftest import open_round

pytestmark = pytest.mark.django_db


def test_two_households_in_one_room_show_their_heads_on_the_visit_list(login: Any, users: dict[str, Any],
                                                                      anchor_household: Any, building9: Any) -> None:
    secretary = users["secretary"]
    second = registry.household_create(actor=secretary, room=anchor_household.room, note="合租")
    registry.person_create(actor=secretary, household=second, data=registry.clean_person_fields(
        name="租客甲", residency="migrant", relation="head"))
    screening = open_round(secretary, kind=Kind.SCREENING, name="入户排查", buildings=[building9])
    page = login("grid1").get(reverse("campaigns:visits", args=[screening.pk]))
    rows = [t for t in page.context["page"].object_list if t.household.room_id == anchor_household.room_id]
    assert {t.household_id for t in rows} == {anchor_household.pk, second.pk}
    head = anchor_household.persons.filter(status="active", relation="head").first() or \
        anchor_household.persons.filter(status="active").order_by("id").first()
    assert {t.household_id: t.head_name for t in rows} == {anchor_household.pk: head.name, second.pk: "租客甲"}
    html = page.content.decode()
    assert "租客甲" in html and head.name in html
    visit = login("grid1").get(reverse("campaigns:household", args=[screening.pk, second.pk])).content.decode()
    assert "租客甲" in visit.split("</h1>")[0]  # the visit page's title names the household too


def test_the_temperature_placeholder_is_not_a_value() -> None:
    person = Person(pk=1, name="x")
    widget = VisitForm(persons=[person]).fields["temp_1"].widget
    placeholder = widget.attrs.get("placeholder", "")
    assert not any(c.isdigit() for c in placeholder)


@pytest.fixture
def missing_in_grid1(users: dict[str, Any], building9: Any) -> Any:
    campaign = open_round(users["secretary"], buildings=[building9])
    target = (Target.objects.filter(campaign=campaign).exclude(person__phone="").select_related("person")
              .order_by("id").first())
    assert target is not None, "the test needs a person with a phone in building 9"
    return campaign, target


def test_a_grid_worker_calls_a_missing_person_of_their_grid_in_one_tap(login: Any,
                                                                       missing_in_grid1: Any) -> None:
    campaign, target = missing_in_grid1
    client = login("grid1")
    page = client.get(reverse("campaigns:missing", args=[campaign.pk])).content.decode()
    call = reverse("campaigns:call", args=[campaign.pk, target.pk])
    assert f'action="{call}"' in page and target.person.phone not in page  # masked until asked
    before = AuditEvent.objects.filter(action="reveal", object_id=str(target.person_id)).count()
    r = client.post(call, HTTP_ACCEPT="application/json")
    assert r.status_code == 200 and r["Cache-Control"].startswith("no-store")
    assert r.json() == {"phone": target.person.phone, "tel": f"tel:{target.person.phone}"}
    event = AuditEvent.objects.filter(action="reveal", object_id=str(target.person_id)).latest("id")
    assert AuditEvent.objects.filter(action="reveal", object_id=str(target.person_id)).count() == before + 1
    assert event.actor.username == "grid1"
    # Without JavaScript: a page with the number to tap.
    r = client.post(call)
    assert r.status_code == 200 and f'href="tel:{target.person.phone}"' in r.content.decode()


def test_only_a_grid_worker_of_the_persons_grid_calls(login: Any, missing_in_grid1: Any) -> None:
    campaign, target = missing_in_grid1
    call = reverse("campaigns:call", args=[campaign.pk, target.pk])
    assert login("grid2").post(call).status_code == 404
    assert login("sampler1").post(call).status_code == 403
    assert login("outsider").post(call).status_code in (403, 404)
    assert login("grid1").get(call).status_code == 405
    assert not AuditEvent.objects.filter(action="reveal", object_id=str(target.person_id)).exists()
    # Staff see numbers masked on the list too, and call through the same audited reveal.
    staff = login("staff")
    page = staff.get(reverse("campaigns:missing", args=[campaign.pk])).content.decode()
    assert f'action="{call}"' in page and target.person.phone not in page
    assert staff.post(call, HTTP_ACCEPT="application/json").json()["phone"] == target.person.phone
    assert AuditEvent.objects.filter(action="reveal", object_id=str(target.person_id),
                                     actor__username="staff").count() == 1
