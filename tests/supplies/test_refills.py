"""Refills due (resident services' care plans) become urgent medicine orders, once per refill."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.urls import reverse

from shequ.alerts.models import Alert
from shequ.registry.models import Person, PersonTag
from shequ.services import services as care
from shequ.supplies.models import Order

pytestmark = pytest.mark.django_db


def test_a_refill_running_out_becomes_one_urgent_medicine_order(users: Any, anchor_household: Any, login: Any,
                                                                 clock: Any) -> None:
    clock.set_local(2022, 11, 12, 9, 0)
    person = Person.objects.filter(household=anchor_household, status="active").order_by("id").first()
    PersonTag.objects.get_or_create(community=person.community, person=person, tag="chronic")
    care.care_plan_create(actor=users["staff"], person=person, assignee=users["grid1"], tasks=[{
        "kind": "refill", "every_days": 30, "starts_on": dt.date(2022, 11, 10), "medicine": "胰岛素",
        "dose": "每日20单位", "runs_out_on": dt.date(2022, 11, 14)}])
    client = login("staff")
    page = client.get(reverse("supplies:orders")).content.decode()
    assert reverse("supplies:refills") in page
    key = uuid.uuid4().hex
    before = Alert.objects.filter(kind="supplies_urgent").count()
    assert client.post(reverse("supplies:refills"), {"submission_key": key}).status_code == 302
    assert client.post(reverse("supplies:refills"), {"submission_key": uuid.uuid4().hex}).status_code == 302
    orders = Order.objects.filter(household=anchor_household, source="care")
    assert orders.count() == 1
    order = orders.get()
    assert (order.kind, order.urgent, [i.name for i in order.items.all()]) == ("medicine", True, ["胰岛素"])
    assert "2022-11-14" in order.note and "每日20单位" in order.note
    assert Alert.objects.filter(kind="supplies_urgent").count() == before + 1
