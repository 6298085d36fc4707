"""Purchase lists per shop (sums, Excel, shortages back to orders), delivery runs (walking order,
staff only into a risk place, receipts) and the phone screen."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from shequ.containment.services import area_create
from shequ.core.scoping import Scope
from shequ.supplies import selectors, services
from shequ.supplies.models import Order, OrderItem, Run


def _order(users: Any, household: Any, items: list[dict[str, Any]], *, to: str = "confirmed", urgent: bool = False) -> Order:
    order = services.order_create(actor=users["staff"], household=household, kind="order", urgent=urgent,
                                  items=items, source="phone")
    for step in ("confirmed", "purchased", "packed")[: ("received", "confirmed", "purchased", "packed").index(to)]:
        order = services.order_advance(actor=users["staff"], order=order, to=step)
    return order


@pytest.fixture
def neighbours(anchor_household: Any) -> list[Any]:
    """The anchor and two more active households of its building (grid 1), each alone in its room."""
    from shequ.registry.models import Household

    others = [h for h in Household.objects.filter(status="active", room__unit__building=anchor_household.room.unit.building)
              .exclude(pk=anchor_household.pk).select_related("room__unit__building").order_by("-room__floor", "id")
              if Household.objects.filter(room=h.room, status="active").count() == 1][:2]
    assert len(others) == 2
    return [anchor_household, *others]


@pytest.mark.django_db
def test_the_purchase_list_sums_items_per_shop_and_marks_go_back_to_orders(users: Any, neighbours: Any) -> None:
    community = neighbours[0].community
    shop = services.shop_create(actor=users["staff"], community=community, name="测试超市", kind="supermarket")
    pharmacy = services.shop_create(actor=users["staff"], community=community, name="测试药房", kind="pharmacy")
    package = services.package_create(actor=users["staff"], community=community, name="测试蔬菜套餐A",
                                      contents="土豆 白菜", price=Decimal("39.90"), shop=shop)
    a = _order(users, neighbours[0], [{"name": "测试面粉", "quantity": 5, "unit": "斤"},
                                      {"name": "套餐A", "quantity": 1}])
    b = _order(users, neighbours[1], [{"name": "测试面粉", "quantity": "2.5", "unit": "斤"},
                                      {"name": "测试蔬菜套餐A", "quantity": 2, "unit": "份"}])
    _order(users, neighbours[2], [{"name": "测试面粉", "quantity": 9, "unit": "斤"}], to="received")  # not confirmed
    OrderItem.objects.filter(order__in=[a, b], name="测试面粉").update(shop=shop)
    c = _order(users, neighbours[2], [{"name": "测试胰岛素", "quantity": 2, "unit": "支", "shop_id": pharmacy.pk}],
               urgent=True)
    assert a.items.get(package__isnull=False).package == package and a.amount is None  # flour is priced at the shop
    scope = Scope(user_id=users["staff"].pk, roles_by_community={community.pk: {"staff"}}, roles={"staff"},
                  grants={"community": {community.pk}})
    lists = {pl.shop.name: pl for pl in selectors.purchase_lists(scope, community_id=community.pk) if pl.shop}
    lines = {(ln.name, ln.unit): ln for ln in lists["测试超市"].lines}
    assert lines[("测试面粉", "斤")].quantity == Decimal("7.5") and len(lines[("测试面粉", "斤")].orders) == 2
    assert lines[("测试蔬菜套餐A", "份")].quantity == Decimal(3)
    assert [(ln.name, ln.urgent) for ln in lists["测试药房"].lines] == [("测试胰岛素", True)]
    # Flour is short: both orders behind the line are marked.
    services.items_mark_supply(actor=users["staff"], supply="short",
                               items=list(OrderItem.objects.filter(id__in=lines[("测试面粉", "斤")].item_ids)))
    assert set(OrderItem.objects.filter(order__in=[a, b], name="测试面粉").values_list("supply", flat=True)) == {"short"}
    assert c.items.get().supply == ""
    with pytest.raises(ValidationError):
        services.items_mark_supply(actor=users["staff"], supply="substituted", substitute="",
                                   items=list(a.items.all()))


@pytest.mark.django_db
def test_the_purchase_list_prints_and_downloads(login: Any, users: Any, neighbours: Any, audit_log: Any) -> None:
    _order(users, neighbours[0], [{"name": "测试挂面", "quantity": 3, "unit": "把"}])
    _order(users, neighbours[1], [{"name": "测试挂面", "quantity": 2, "unit": "把"}])
    client = login("staff")
    page = client.get(reverse("supplies:purchases")).content.decode()
    assert "测试挂面" in page and ">5 把" in page
    response = client.get(reverse("supplies:purchases_xlsx"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert any(r[1] == "测试挂面" and r[2] == 5 and r[5] == 2 for r in rows), rows
    assert audit_log(action="export")


@pytest.mark.django_db
def test_a_run_goes_in_walking_order_urgent_first(users: Any, neighbours: Any) -> None:
    orders = [_order(users, h, [{"name": "米", "quantity": 1, "unit": "袋"}], to="packed") for h in neighbours]
    urgent = _order(users, neighbours[1], [{"name": "胰岛素", "quantity": 1, "unit": "支"}], to="packed", urgent=True)
    run = services.run_create(actor=users["staff"], community=neighbours[0].community, courier=users["volunteer1"],
                              orders=[*orders, urgent], courier_roles={"volunteer"})
    stops = selectors.run_orders(run)
    assert stops[0] == urgent
    # Stairwell by stairwell, floor by floor.
    walk = [(o.household.room.unit.sort_key, o.household.room.unit.number, o.household.room.floor) for o in stops[1:]]
    assert walk == sorted(walk)
    with pytest.raises(ValidationError):  # an order is on one run only
        services.run_create(actor=users["staff"], community=neighbours[0].community, courier=users["staff"],
                            orders=orders[:1], courier_roles={"staff"})


@pytest.mark.django_db
def test_a_volunteer_is_refused_a_run_into_a_risk_place(users: Any, neighbours: Any, clock: Any) -> None:
    area_create(actor=users["staff"], level="sealed", place=neighbours[0].room.unit, reason="密接")
    clock.advance(minutes=1)
    order = _order(users, neighbours[0], [{"name": "米", "quantity": 1, "unit": "袋"}], to="packed")
    with pytest.raises(ValidationError) as refused:
        services.run_create(actor=users["staff"], community=neighbours[0].community, courier=users["volunteer1"],
                            orders=[order], courier_roles={"volunteer"})
    assert "courier" in refused.value.message_dict
    run = services.run_create(actor=users["staff"], community=neighbours[0].community, courier=users["staff"],
                              orders=[order], courier_roles={"staff"})
    assert run.into_risk_place


@pytest.mark.django_db
def test_a_close_contact_in_the_building_makes_it_staff_only_until_cleared(users: Any, neighbours: Any,
                                                                          clock: Any) -> None:
    """Tonghua: staff alone where a building had a confirmed case or close contact, sealed or not. A
    close contact on another floor of the building (the health register, no containment area) makes
    the building a risk place for supplies; cleared, it is not one any more."""
    from shequ.health.services import entry_record
    from shequ.registry.models import Person

    contact = Person.objects.filter(household=neighbours[2], status="active").first()
    assert contact is not None
    entry_record(actor=users["staff"], person=contact, status="close_contact", source="list")
    clock.advance(minutes=1)
    order = _order(users, neighbours[0], [{"name": "米", "quantity": 1, "unit": "袋"}], to="packed")
    with pytest.raises(ValidationError) as refused:
        services.run_create(actor=users["staff"], community=neighbours[0].community, courier=users["volunteer1"],
                            orders=[order], courier_roles={"volunteer"})
    assert "courier" in refused.value.message_dict
    entry_record(actor=users["staff"], person=contact, status="cleared", source="staff")
    run = services.run_create(actor=users["staff"], community=neighbours[0].community, courier=users["volunteer1"],
                              orders=[order], courier_roles={"volunteer"})
    assert not run.into_risk_place


@pytest.mark.django_db
def test_the_runs_page_says_why_a_volunteer_is_refused(login: Any, users: Any, neighbours: Any, clock: Any) -> None:
    area_create(actor=users["staff"], level="sealed", place=neighbours[0].room.unit.building, reason="确诊")
    clock.advance(minutes=1)
    order = _order(users, neighbours[0], [{"name": "米", "quantity": 1, "unit": "袋"}], to="packed")
    response = login("staff").post(reverse("supplies:runs"), {"order": str(order.pk),
                                                              "courier": str(users["volunteer1"].pk)}, follow=True)
    assert response.status_code == 200
    assert not Run.objects.filter(orders=order).exists()
    assert "志愿者" in response.content.decode() or "volunteer" in response.content.decode()


@pytest.mark.django_db
def test_the_volunteer_s_phone_run_delivers_and_the_resident_confirms(login: Any, users: Any, neighbours: Any) -> None:
    mine = _order(users, neighbours[0], [{"name": "米", "quantity": 1, "unit": "袋"}], to="packed")
    other = _order(users, neighbours[1], [{"name": "面", "quantity": 1, "unit": "袋"}], to="packed")
    run = services.run_create(actor=users["staff"], community=neighbours[0].community, courier=users["volunteer1"],
                              orders=[mine, other], courier_roles={"volunteer"})
    courier = login("volunteer1")
    url = reverse("supplies:run", args=[run.pk])
    page = courier.get(url).content.decode()
    assert neighbours[0].room.address in page and "138" not in page  # doors and items, no phone numbers
    courier.post(url, {"action": "start"})
    courier.post(url, {"action": "left", "order": mine.pk})
    mine.refresh_from_db()
    assert mine.status == Order.Status.OUT and mine.left_at_door_at is not None
    # The resident taps "received" in their account (resident1 lives at the anchor).
    resident = login("resident1")
    assert mine.receipt_code in resident.get(reverse("supplies:mine")).content.decode()
    resident.post(reverse("supplies:mine"), {"action": "receipt", "order": mine.pk})
    mine.refresh_from_db()
    assert (mine.status, mine.receipt) == (Order.Status.DELIVERED, "tap")
    # The neighbour reads the code out over the phone; a wrong code delivers nothing.
    courier.post(url, {"action": "code", "order": other.pk, "code": "x"})
    other.refresh_from_db()
    assert other.status == Order.Status.OUT
    courier.post(url, {"action": "code", "order": other.pk, "code": other.receipt_code})
    other.refresh_from_db()
    run.refresh_from_db()
    assert other.status == Order.Status.DELIVERED and run.status == Run.Status.DONE
    # The volunteer sees their run, not the orders list.
    assert courier.get(reverse("supplies:orders")).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["a4", "thermal"])
def test_bag_labels_print_one_per_order_with_the_door_in_large_type(login: Any, users: Any, neighbours: Any,
                                                                  cjk_font: Any, fmt: str) -> None:
    from pypdf import PdfReader

    orders = [_order(users, h, [{"name": "测试大米", "quantity": 1, "unit": "袋"}], to="purchased")
              for h in neighbours[:2]]
    response = login("staff").get(reverse("supplies:labels"), {"format": fmt})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages).replace("\x00", "")
    for o in orders:
        assert o.household.room.address in text and f"#{o.pk}" in text
    assert "测试大米" in text
    if fmt == "thermal":
        box = reader.pages[0].mediabox
        assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (60, 40)
        assert len(reader.pages) >= 2


@pytest.mark.django_db
def test_a_government_pack_goes_to_every_household_and_shows_who_is_waiting(users: Any, neighbours: Any,
                                                                            login: Any) -> None:
    from shequ.registry.models import Household

    compound = neighbours[0].room.unit.building.compound
    pack = services.distribution_create(actor=users["staff"], community=compound.community, name="保供包第1批",
                                        contents="米 油 面", compound_id=compound.pk)
    households = Household.objects.filter(status="active", room__unit__building__compound=compound).count()
    orders = Order.objects.filter(distribution=pack)
    assert orders.count() == households and {o.payment for o in orders} == {"free"}
    first = orders.get(household=neighbours[0])
    services.order_advance(actor=users["staff"], order=first, to="packed")
    run = services.run_create(actor=users["staff"], community=compound.community, courier=users["staff"],
                              orders=[first], courier_roles={"staff"})
    services.run_start(actor=users["staff"], run=run)
    services.order_receipt(actor=users["staff"], order=first, how="courier")
    progress = {r["building"].pk: r for r in selectors.distribution_progress(pack)}
    row = progress[neighbours[0].room.unit.building_id]
    assert row["received"] == 1 and neighbours[0].room.address not in row["waiting"]
    assert neighbours[1].room.address in row["waiting"]
    page = login("staff").get(reverse("supplies:distribution", args=[pack.pk])).content.decode()
    assert neighbours[1].room.address in page
    assert login("outsider").get(reverse("supplies:distribution", args=[pack.pk])).status_code == 404


@pytest.mark.django_db
def test_the_day_s_figures_reconcile_money_per_payment_and_courier(users: Any, neighbours: Any, login: Any) -> None:
    community = neighbours[0].community
    shop = services.shop_create(actor=users["staff"], community=community, name="测试超市二", kind="supermarket")
    services.package_create(actor=users["staff"], community=community, name="测试套餐Z", contents="菜",
                            price=Decimal("30"), shop=shop)
    paid = []
    for h, payment in zip(neighbours[:2], ("cash", "shop"), strict=True):
        o = services.order_create(actor=users["staff"], household=h, kind="order", urgent=False, payment=payment,
                                  items=[{"name": "测试套餐Z", "quantity": 2, "unit": "份"}], source="phone")
        for step in ("confirmed", "purchased", "packed"):
            o = services.order_advance(actor=users["staff"], order=o, to=step)
        paid.append(o)
    run = services.run_create(actor=users["staff"], community=community, courier=users["volunteer1"], orders=paid,
                              courier_roles={"volunteer"})
    services.run_start(actor=users["staff"], run=run)
    for o in paid:
        services.order_receipt(actor=users["volunteer1"], order=o, how="courier")
    import datetime as dt

    from django.utils import timezone

    scope = Scope(user_id=users["staff"].pk, roles_by_community={community.pk: {"staff"}}, roles={"staff"},
                  grants={"community": {community.pk}})
    now = timezone.now()
    day = selectors.day_figures(scope, community.pk, now - dt.timedelta(hours=1), now + dt.timedelta(hours=1))
    assert day["per_payment"]["cash"] == Decimal(60) and day["per_payment"]["shop"] == Decimal(60)
    assert day["cash_per_courier"] == {"volunteer1": Decimal(60)}
    assert day["per_shop"]["测试超市二"] == Decimal(120)
    assert login("staff").get(reverse("supplies:day")).status_code == 200


@pytest.mark.django_db
def test_odd_posts_to_the_run_and_my_orders_are_not_found(login: Any, users: Any, neighbours: Any) -> None:
    order = _order(users, neighbours[0], [{"name": "米", "quantity": 1, "unit": "袋"}], to="packed")
    run = services.run_create(actor=users["staff"], community=neighbours[0].community, courier=users["staff"],
                              orders=[order], courier_roles={"staff"})
    url = reverse("supplies:run", args=[run.pk])
    client = login("staff")
    assert client.post(url, {"action": "entered", "building": "x"}).status_code == 404
    assert client.post(url, {"action": "entered", "building": "999999999"}).status_code == 404
    assert login("resident1").post(reverse("supplies:mine"), {"action": "receipt", "order": "x"}).status_code == 404
