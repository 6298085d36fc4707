"""The order letter (one page per person or one per household) and the door notice: PDFs in Chinese
from the order's page; the door notice names nobody in full and shows no ID number and no phone.
Printing is for staff and is audited as an export."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from shequ.core.masking import mask_id_number, mask_name
from shequ.health import services
from tests.campaigns.test_missing_exports import pdf_text
from tests.health.conftest import EXPOSED

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("cjk_font")]


@pytest.fixture
def household_orders(march: Any, members: list[Any], staff: Any, policy77: Any) -> list[Any]:
    done = services.orders_for_household(actor=staff, household=members[0].household, policy=policy77,
                                         last_exposure_on=EXPOSED, reason="密接")
    return done.ordered


def test_the_letter_names_the_person_with_the_id_number_masked(household_orders: list[Any], login: Any,
                                                                audit_log: Any) -> None:
    order = household_orders[0]
    person = order.person
    response = login("staff").get(reverse("health:order_letter", args=[order.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "居家" in text and person.name in text and "2022-03-01" in text
    others = [o.person.name for o in household_orders[1:]]
    assert not any(name in text for name in others if name not in person.name)
    if person.id_number:
        assert mask_id_number(person.id_number) in text and person.id_number not in text
    if person.phone:
        assert person.phone not in text
    [event] = audit_log(action="export")
    assert event.actor_username == "staff" and event.summary == "order letter pdf: 1 rows"


def test_the_household_letter_names_every_member_on_one_page(household_orders: list[Any], login: Any) -> None:
    from io import BytesIO

    from pypdf import PdfReader

    response = login("staff").get(reverse("health:order_letter", args=[household_orders[0].pk]), {"household": "1"})
    assert len(PdfReader(BytesIO(response.content)).pages) == 1
    text = pdf_text(response.content)
    assert all(o.person.name in text for o in household_orders)


def test_the_door_notice_shows_no_name_id_number_or_phone(household_orders: list[Any], login: Any,
                                                           audit_log: Any) -> None:
    response = login("secretary").get(reverse("health:door_notice", args=[household_orders[0].pk]))
    assert response.status_code == 200
    text = pdf_text(response.content)
    room = household_orders[0].person.household.room
    assert "居家隔离" in text and room.number in text
    for o in household_orders:
        assert mask_name(o.person.name) in text
        assert o.person.name not in text
        if o.person.id_number:
            assert o.person.id_number[-4:] not in text
        if o.person.phone:
            assert o.person.phone[-4:] not in text
    [event] = audit_log(action="export")
    assert event.summary == f"door notice pdf: {len(household_orders)} rows"


@pytest.mark.parametrize(("role", "status"), [("grid1", 403), ("sampler1", 403), ("gate1", 403),
                                               ("resident1", 403), ("street", 403), ("outsider", 404)])
def test_only_staff_of_the_community_print(role: str, status: int, household_orders: list[Any], login: Any,
                                           audit_log: Any) -> None:
    client = login(role)
    for name in ("health:order_letter", "health:door_notice"):
        assert client.get(reverse(name, args=[household_orders[0].pk])).status_code == status
    assert not audit_log(action="export")


def test_the_order_page_links_the_prints(household_orders: list[Any], login: Any) -> None:
    page = login("staff").get(reverse("health:order", args=[household_orders[0].pk])).content.decode()
    assert reverse("health:order_letter", args=[household_orders[0].pk]) in page
    assert reverse("health:door_notice", args=[household_orders[0].pk]) in page
    grid = login("grid1").get(reverse("health:order", args=[household_orders[0].pk])).content.decode()
    assert reverse("health:door_notice", args=[household_orders[0].pk]) not in grid
