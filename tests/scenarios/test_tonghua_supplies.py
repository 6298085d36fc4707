"""Tonghua, 富通社区, 27 January 2022: a day of supplies for sealed households, end to end.

Messages from three buildings' WeChat groups and two phone calls become orders; the purchase lists
of one supermarket and one pharmacy; labelled bags; two runs, one into a building with a close
contact (staff only: the volunteer is refused); receipts; insulin that arrives at 1 a.m. is
delivered first; and the day's figures at the end (30+ orders delivered). The facts are built
here (shops, the sealed building, the messages), on the demo registry's households."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from shequ.containment.services import area_create
from shequ.core.scoping import Scope
from shequ.registry.models import Building, Household
from shequ.supplies import selectors, services
from shequ.supplies.labels import Label, labels_pdf
from shequ.supplies.models import Order, OrderItem

pytestmark = pytest.mark.django_db

TEXTS = ["面粉5斤，鸡蛋一打", "大米10公斤", "土豆、洋葱各2斤", "+1 蔬菜套餐A 一份", "猪肉三斤半", "挂面两把 酱油一瓶",
         "牛奶2箱", "白菜一颗，豆腐2块", "婴儿奶粉两罐", "降压药一盒"]


def _solo_households(building: Building) -> list[Household]:
    return [h for h in Household.objects.filter(status="active", room__unit__building=building)
            .select_related("room__unit__building__compound").order_by("room__unit__sort_key", "room__floor", "id")
            if Household.objects.filter(room=h.room, status="active").count() == 1]


def test_tonghua_27_january(users: Any, clock: Any, cjk_font: Any) -> None:
    staff, volunteer = users["staff"], users["volunteer1"]
    clock.set_local(2022, 1, 27, 8, 0)
    buildings = [b for b in Building.objects.filter(community__code="futong", compound__name="富通小区")
                 .order_by("sort_key") if len(_solo_households(b)) >= 10][:3]
    assert len(buildings) == 3
    community = buildings[0].community
    supermarket = services.shop_create(actor=staff, community=community, name="欧亚超市", kind="supermarket",
                                       contact="王经理", phone="13800000001")
    pharmacy = services.shop_create(actor=staff, community=community, name="通化大药房", kind="pharmacy")
    services.package_create(actor=staff, community=community, name="蔬菜套餐A", contents="土豆 白菜 胡萝卜 洋葱",
                            price=39, shop=supermarket)
    # A close contact in the third building since the morning: it is a risk place (sealed).
    area_create(actor=staff, level="sealed", place=buildings[2], reason="密接")
    clock.advance(minutes=5)

    # Each building's group: ten households write; staff paste the run and confirm each reading.
    orders: list[Order] = []
    for building in buildings:
        households = _solo_households(building)[:10]
        paste = "\n".join(f"{h.room.address} 邻居{i}: {h.room.address} {TEXTS[i]}" for i, h in enumerate(households))
        paste += "\n谢谢社区: 辛苦了"
        messages = services.paste_messages(actor=staff, community=community, paste=paste,
                                           compound_id=building.compound_id)
        assert len(messages) == 11 and messages[-1].kind == "other"
        for message in messages[:-1]:
            assert message.household is not None, message.text
            parsed = message.parsed
            items = [{**i, "shop_id": pharmacy.pk if parsed["kind"] == "medicine" else supermarket.pk}
                     for i in parsed["items"]]
            orders.append(services.message_confirm(actor=staff, message=message, household=message.household,
                                                   kind=parsed["kind"], urgent=parsed["urgent"], items=items))
        clock.advance(minutes=20)
    # Two phone calls from the elderly without smartphones.
    for household, items in ((_solo_households(buildings[0])[10], [{"name": "挂面", "quantity": 3, "unit": "把"}]),
                             (_solo_households(buildings[1])[10], [{"name": "鸡蛋", "quantity": 12, "unit": "个"}])):
        phoned = services.order_create(actor=staff, household=household, kind="order", urgent=False, items=items,
                                       source="phone")
        for item in phoned.items.all():
            item.shop = supermarket
            item.save(update_fields=["shop"])
        orders.append(services.order_advance(actor=staff, order=phoned, to="confirmed"))
    assert len(orders) == 32

    scope = Scope(user_id=staff.pk, roles_by_community={community.pk: {"staff"}}, roles={"staff"},
                  grants={"community": {community.pk}})
    lists = {pl.shop.pk: pl for pl in selectors.purchase_lists(scope, community_id=community.pk) if pl.shop}
    flour = next(ln for ln in lists[supermarket.pk].lines if ln.name == "面粉")
    assert flour.quantity == 15 and len(flour.orders) == 3
    assert [ln.name for ln in lists[pharmacy.pk].lines] == ["降压药"] and lists[pharmacy.pk].lines[0].urgent
    assert any(ln.name == "蔬菜套餐A" and ln.quantity == 3 for ln in lists[supermarket.pk].lines)

    clock.set_local(2022, 1, 27, 11, 0)
    for order in orders:
        for step in ("purchased", "packed"):
            services.order_advance(actor=staff, order=order, to=step)
    labels = [Label(order_id=o.pk, address=o.household.room.address, compound="富通小区", head="", urgent=o.urgent,
                    items="、".join(i.name for i in o.items.all())) for o in orders]
    assert labels_pdf(labels, title="bags").startswith(b"%PDF")

    risky = [o for o in orders if o.household.room.unit.building_id == buildings[2].pk]
    others = [o for o in orders if o not in risky]
    with pytest.raises(ValidationError):
        services.run_create(actor=staff, community=community, courier=volunteer, orders=risky,
                            courier_roles={"volunteer"})
    staff_run = services.run_create(actor=staff, community=community, courier=staff, orders=risky,
                                    courier_roles={"staff"})
    volunteer_run = services.run_create(actor=staff, community=community, courier=volunteer, orders=others,
                                        courier_roles={"volunteer"})
    assert staff_run.into_risk_place and not volunteer_run.into_risk_place

    clock.set_local(2022, 1, 27, 14, 0)
    for run, courier in ((staff_run, staff), (volunteer_run, volunteer)):
        services.run_start(actor=courier, run=run)
        for i, order in enumerate(selectors.run_orders(run)):
            clock.advance(minutes=3)
            services.order_left_at_door(actor=courier, order=order)
            how = "code" if i % 3 == 0 else "courier"
            services.order_receipt(actor=courier, order=order, how=how, code=order.receipt_code)
        services.run_finish_if_done(actor=courier, run=run)
        run.refresh_from_db()
        assert run.status == "done"

    # Insulin, at 1 a.m.: urgent, at the top of every list, on its own run, delivered at once.
    clock.set_local(2022, 1, 28, 1, 0)
    late = services.order_create(actor=staff, household=_solo_households(buildings[0])[0], kind="medicine",
                                 urgent=False, items=[{"name": "胰岛素", "quantity": 2, "unit": "支",
                                                       "shop_id": pharmacy.pk}], source="phone")
    assert late.urgent and selectors.order_list(scope, status="received").first() == late
    for step in ("confirmed", "purchased", "packed"):
        clock.advance(minutes=5)
        services.order_advance(actor=staff, order=late, to=step)
    night = services.run_create(actor=staff, community=community, courier=staff, orders=[late], courier_roles={"staff"})
    services.run_start(actor=staff, run=night)
    clock.advance(minutes=10)
    late = services.order_receipt(actor=staff, order=late, how="courier")
    assert late.delivered_at - late.received_at == dt.timedelta(minutes=25)

    day = selectors.day_figures(scope, community.pk, clock.at - dt.timedelta(hours=18), clock.at)
    assert day["delivered"] >= 30 and day["orders"] == 33
    assert day["median_seconds_to_receipt"] is not None
    assert not OrderItem.objects.filter(order__in=orders, supply="short").exists()
