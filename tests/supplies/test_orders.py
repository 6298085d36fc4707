"""The inbox, orders and their life cycle (services and pages): nothing pasted is lost, distress
alerts at once, each step once only, double submits make one order."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from shequ.alerts.models import Alert
from shequ.supplies import services
from shequ.supplies.models import FLOW, InboxMessage, Order

PASTE = """张嫂子: 富通小区9-2-502 面粉5斤，鸡蛋一打
路人: 谢谢社区
无名: 我不想活了
老王: 富通小区9-2-502 急！胰岛素2盒

一行看不懂的话"""


@pytest.fixture
def futong(anchor_household: Any) -> Any:
    return anchor_household.community


@pytest.mark.django_db
def test_every_pasted_message_is_kept_in_the_inbox(users: Any, futong: Any, anchor_household: Any) -> None:
    stored = services.paste_messages(actor=users["staff"], community=futong, paste=PASTE)
    assert [m.text for m in stored] == ["富通小区9-2-502 面粉5斤，鸡蛋一打", "谢谢社区", "我不想活了",
                                        "富通小区9-2-502 急！胰岛素2盒", "一行看不懂的话"]
    assert [m.kind for m in stored] == ["order", "other", "distress", "medicine", "other"]
    assert stored[0].household == anchor_household and stored[3].household == anchor_household
    assert stored[4].household is None and stored[4].status == InboxMessage.Status.OPEN
    assert InboxMessage.objects.filter(batch=stored[0].batch).count() == 5


@pytest.mark.django_db
def test_confirming_a_corrected_reading_makes_one_order(users: Any, futong: Any, anchor_household: Any) -> None:
    message = services.paste_messages(actor=users["staff"], community=futong, paste="张嫂子: 9-2-502 面粉5斤")[0]
    assert message.household is None and message.address_problem == "ambiguous"
    items = [{"name": "面粉", "quantity": "10", "unit": "斤"}]
    order = services.message_confirm(actor=users["staff"], message=message, household=anchor_household,
                                     kind="order", urgent=False, items=items)
    again = services.message_confirm(actor=users["staff"], message=message, household=anchor_household,
                                     kind="order", urgent=False, items=items)
    assert again.pk == order.pk and Order.objects.filter(message=message).count() == 1
    assert order.status == Order.Status.CONFIRMED and order.confirmed_at is not None
    assert [(i.name, str(i.quantity), i.unit) for i in order.items.all()] == [("面粉", "10.00", "斤")]
    message.refresh_from_db()
    assert message.status == InboxMessage.Status.ORDERED and message.household == anchor_household


@pytest.mark.django_db
def test_each_step_of_the_life_cycle_is_taken_once(users: Any, anchor_household: Any, clock: Any) -> None:
    order = services.order_create(actor=users["staff"], household=anchor_household, kind="order", urgent=False,
                                  items=[{"name": "米", "quantity": 1, "unit": "袋"}], source="phone")
    with pytest.raises(ValidationError):  # no skipping
        services.order_advance(actor=users["staff"], order=order, to=Order.Status.PACKED)
    for step in FLOW[1:-1]:
        clock.advance(minutes=10)
        order = services.order_advance(actor=users["staff"], order=order, to=step)
        first = getattr(order, f"{step}_at")
        clock.advance(minutes=10)
        order = services.order_advance(actor=users["staff"], order=order, to=step)  # again: nothing changes
        assert getattr(order, f"{step}_at") == first
    with pytest.raises(ValidationError):  # delivered needs a receipt
        services.order_advance(actor=users["staff"], order=order, to=Order.Status.DELIVERED)
    with pytest.raises(ValidationError):
        services.order_receipt(actor=users["staff"], order=order, how="code", code="nope")
    order = services.order_receipt(actor=users["staff"], order=order, how="code", code=order.receipt_code)
    assert order.status == Order.Status.DELIVERED and order.receipt == "code"
    assert order.delivered_at - order.received_at == __import__("datetime").timedelta(minutes=80)
    with pytest.raises(ValidationError):
        services.order_cancel(actor=users["staff"], order=order)


@pytest.mark.django_db
def test_a_cancelled_order_moves_no_further(users: Any, anchor_household: Any) -> None:
    order = services.order_create(actor=users["staff"], household=anchor_household, kind="errand", urgent=False,
                                  items=[], note="交电费", source="phone")
    services.order_cancel(actor=users["staff"], order=order, reason="resident asked")
    services.order_cancel(actor=users["staff"], order=order)  # once
    with pytest.raises(ValidationError):
        services.order_advance(actor=users["staff"], order=order, to=Order.Status.CONFIRMED)


@pytest.mark.django_db
def test_the_same_client_id_is_the_same_order(users: Any, anchor_household: Any) -> None:
    cid = uuid.uuid4()
    args = {"actor": users["staff"], "household": anchor_household, "kind": "order", "urgent": False,
            "items": [{"name": "米", "quantity": 1}], "source": "phone", "client_id": cid}
    assert services.order_create(**args).pk == services.order_create(**args).pk
    assert Order.objects.filter(client_id=cid).count() == 1


@pytest.mark.django_db
def test_urgent_medicine_pages_the_staff(users: Any, anchor_household: Any) -> None:
    before = Alert.objects.filter(kind="supplies_urgent").count()
    order = services.order_create(actor=users["staff"], household=anchor_household, kind="medicine", urgent=False,
                                  items=[{"name": "胰岛素", "quantity": 2, "unit": "支"}], source="phone")
    assert order.urgent
    assert Alert.objects.filter(kind="supplies_urgent").count() == before + 1


@pytest.mark.django_db
def test_an_order_of_goods_needs_an_item_and_names_the_bad_one(users: Any, anchor_household: Any) -> None:
    with pytest.raises(ValidationError) as err:
        services.order_create(actor=users["staff"], household=anchor_household, kind="order", urgent=False,
                              items=[], source="phone")
    assert "items" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        services.order_create(actor=users["staff"], household=anchor_household, kind="order", urgent=False,
                              items=[{"name": "米", "quantity": "abc"}], source="phone")
    assert "Item 1" in str(err.value) or "第" in str(err.value)


@pytest.mark.django_db
def test_the_paste_page_submitted_twice_pastes_once(login: Any, anchor_household: Any) -> None:
    client = login("staff")
    page = client.get(reverse("supplies:inbox"))
    assert page.status_code == 200
    key = page.context["form"].initial["submission_key"]
    body = {"community": anchor_household.community_id, "paste": "张嫂子: 富通小区9-2-502 面粉5斤",
            "submission_key": key, "compound": anchor_household.room.unit.building.compound_id}
    first = client.post(reverse("supplies:inbox"), body)
    second = client.post(reverse("supplies:inbox"), body)
    assert first.status_code == second.status_code == 302
    assert InboxMessage.objects.filter(text="富通小区9-2-502 面粉5斤").count() == 1


@pytest.mark.django_db
def test_the_review_form_confirms_and_a_resubmission_makes_no_second_order(login: Any, users: Any,
                                                                             anchor_household: Any) -> None:
    message = services.paste_messages(actor=users["staff"], community=anchor_household.community,
                                      paste="张嫂子: 富通小区9-2-502 面粉5斤")[0]
    client = login("staff")
    body = {"address": "富通小区9-2-502", "kind": "order", "items": "面粉 6 斤\n葱 1 把", "action": "confirm",
            "submission_key": uuid.uuid4().hex}
    assert client.post(reverse("supplies:message", args=[message.pk]), body).status_code == 302
    body["submission_key"] = uuid.uuid4().hex  # "back" and submit again: a new key
    assert client.post(reverse("supplies:message", args=[message.pk]), body).status_code in (200, 302)
    order = Order.objects.get(message=message)
    assert [(i.name, i.unit) for i in order.items.all()] == [("面粉", "斤"), ("葱", "把")]


@pytest.mark.django_db
def test_outsiders_do_not_see_futong_orders(login: Any, users: Any, anchor_household: Any) -> None:
    order = services.order_create(actor=users["staff"], household=anchor_household, kind="order", urgent=False,
                                  items=[{"name": "米", "quantity": 1}], source="phone")
    assert login("outsider").get(reverse("supplies:order", args=[order.pk])).status_code == 404
    assert login("resident1").get(reverse("supplies:mine")).content.decode().count(f"#{order.pk}") == 1
    assert login("volunteer1").get(reverse("supplies:order", args=[order.pk])).status_code == 403
