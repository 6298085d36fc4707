"""Edit forms show ID and phone numbers masked, keep the stored ones unless a new one is typed, and
offer the person page's audited reveal to the roles that may reveal."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse
from tests.browserlike import form_data

from shequ.audit.models import AuditEvent
from shequ.core.masking import mask_id_number, mask_phone
from shequ.registry import services
from shequ.registry.models import Household, Person

pytestmark = pytest.mark.django_db

ID_NUMBER = "11010519491231002X"
PHONE = "13800138000"


@pytest.fixture
def adult(users: dict[str, Any], anchor_household: Household) -> Person:
    data = services.clean_person_fields(name="李建国", id_number=ID_NUMBER, phone=PHONE, relation="other")
    return services.person_create(actor=users["staff"], household=anchor_household, data=data)


def _url(person: Person) -> str:
    return reverse("registry:person_edit", args=[person.pk])


@pytest.mark.parametrize("role", ["grid1", "staff", "secretary"])
def test_no_edit_form_carries_a_full_number(login: Any, adult: Person, role: str) -> None:
    reveals = AuditEvent.objects.filter(action="reveal").count()
    response = login(role).get(_url(adult))
    html = response.content.decode()
    assert response.status_code == 200
    assert ID_NUMBER not in html and PHONE not in html and ID_NUMBER.lower() not in html
    assert f'value="{mask_id_number(ID_NUMBER)}"' in html and f'value="{mask_phone(PHONE)}"' in html
    assert AuditEvent.objects.filter(action="reveal").count() == reveals
    assert "no-store" in response["Cache-Control"]


def test_no_household_edit_form_carries_a_full_number(login: Any, adult: Person) -> None:
    html = login("staff").get(reverse("registry:household_edit", args=[adult.household_id])).content.decode()
    assert ID_NUMBER not in html and PHONE not in html


def test_numbers_left_masked_keep_the_stored_ones_and_a_new_one_replaces_them(login: Any, adult: Person) -> None:
    client = login("grid1")
    data = form_data(client.get(_url(adult)).content, "phone")
    data.update({"notes": "独居", "edited": "notes"})
    assert client.post(_url(adult), data).status_code == 302
    adult.refresh_from_db()
    assert adult.id_number == ID_NUMBER and adult.phone == PHONE and adult.notes == "独居"

    data = form_data(client.get(_url(adult)).content, "phone")
    data.update({"phone": "139 0000 2222", "edited": "phone"})
    assert client.post(_url(adult), data).status_code == 302
    adult.refresh_from_db()
    assert adult.phone == "13900002222" and adult.id_number == ID_NUMBER
    event = AuditEvent.objects.filter(action="update", object_id=str(adult.pk)).latest("id")
    assert event.before == {"phone": mask_phone(PHONE)} and event.after == {"phone": mask_phone("13900002222")}


def test_a_masked_number_edited_in_place_is_refused_with_a_reason(login: Any, adult: Person) -> None:
    client = login("staff")
    data = form_data(client.get(_url(adult)).content, "phone")
    data.update({"id_number": mask_id_number(ID_NUMBER)[:-1] + "3", "edited": "id_number"})
    response = client.post(_url(adult), data)
    assert response.status_code == 200
    assert "****" in response.content.decode()
    assert response.context["form"].errors["id_number"]
    adult.refresh_from_db()
    assert adult.id_number == ID_NUMBER


def test_staff_reveal_on_the_edit_page_is_the_audited_reveal(login: Any, adult: Person) -> None:
    client = login("staff")
    response = client.post(_url(adult), {"reveal": "1"})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert ID_NUMBER in html and PHONE in html
    event = AuditEvent.objects.filter(action="reveal").latest("id")
    assert event.actor_username == "staff" and event.object_id == str(adult.pk)
    # Shown beside the form; the inputs still hold the masked numbers.
    inputs = dict(re.findall(r'<input[^>]*name="(id_number|phone)"[^>]*value="([^"]*)"', html))
    assert inputs == {"id_number": mask_id_number(ID_NUMBER), "phone": mask_phone(PHONE)}
    adult.refresh_from_db()
    assert adult.id_number == ID_NUMBER and adult.phone == PHONE


def test_grid_worker_cannot_reveal_on_the_edit_page(login: Any, adult: Person) -> None:
    client = login("grid1")
    assert "reveal" not in form_data(client.get(_url(adult)).content, "phone")
    assert client.post(_url(adult), {"reveal": "1"}).status_code == 403
    assert not AuditEvent.objects.filter(action="reveal", object_id=str(adult.pk)).exists()
