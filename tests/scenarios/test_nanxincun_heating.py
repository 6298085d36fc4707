"""Nanxincun, 12 November: the owner of 9-502 calls the community. Two decoration workers are
trapped in the flat under lockdown, without food and without heating. The call becomes a help
request (heating, and food); the heating company's engineer is let into building 9 under a permit
(containment's permit service); an estate agent and his client trapped in 302 of the same building
are registered (registry) and fed (a supplies order); the owner is called back and the request is
closed. The facts are built here on the demo's 南新村社区 (its staff member is the "outsider"
account), with rooms of building 9 made through the registry's services."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from shequ.accounts.access import scope_for
from shequ.containment.models import Permit
from shequ.containment.services import permit_grant
from shequ.registry import services as registry
from shequ.registry.models import Community, Household, Person
from shequ.services import selectors
from shequ.services import services as requests
from shequ.supplies import services as supplies

pytestmark = pytest.mark.django_db


def test_nanxincun_12_november(users: Any, clock: Any) -> None:
    staff = users["outsider"]  # staff of 南新村社区
    clock.set_local(2022, 11, 12, 8, 30)
    community = Community.objects.get(code="nanxincun")
    room_502 = registry.place_get_or_create(community=community, compound="南新村小区", building="9", unit="1",
                                            room="502")
    room_302 = registry.place_get_or_create(community=community, compound="南新村小区", building="9", unit="1",
                                            room="302")
    building = room_502.unit.building
    owner_home = (Household.objects.filter(room=room_502, status="active").first()
                  or registry.household_create(actor=staff, room=room_502, note="业主外出，房屋装修中"))

    # 08:30 The owner calls: two workers in the flat, no food, no heating.
    call = requests.help_request_open(
        actor=staff, community=community, household=owner_home, category="utilities", urgency="urgent",
        source="phone", contact="业主 王先生 139****2288",
        text="9号楼502两名装修工人被封在屋内，暖气不热，也没有吃的")
    food = requests.help_request_open(
        actor=staff, community=community, household=owner_home, category="food", source="phone",
        contact="业主 王先生", text="502两名工人需要送饭")
    assert call.urgency == "urgent" and call.grid_id == building.grid_id
    requests.help_request_assign(actor=staff, help_request=call, handler=staff)

    # 09:10 The heating company's engineer is let into building 9 under a permit, for the morning.
    clock.advance(minutes=40)
    permit = permit_grant(actor=staff, place=building, reason=f"9号楼502暖气维修（求助 #{call.pk}）",
                          visitor_name="李师傅（热力公司）", visitor_phone="13900001111",
                          ends_at=clock() + dt.timedelta(hours=4))
    assert permit.status == Permit.Status.APPROVED and permit.community_id == community.pk
    requests.help_step_add(actor=staff, help_request=call, text=f"已联系热力公司，工程师凭通行许可 #{permit.pk} 进楼")

    # 10:00 Agent and client trapped in 302 of the same building: registered as people staying there.
    clock.advance(minutes=50)
    stranded_home = registry.household_create(actor=staff, room=room_302, note="看房时被封控")
    stranded = [registry.person_create(
        actor=staff, household=stranded_home,
        data=registry.clean_person_fields(name=name, phone=phone, residency="non_resident", relation="other"),
        tags=[("stranded", "看房时被封控")]) for name, phone in (("赵中介", "13700002222"), ("钱客户", "13600003333"))]
    assert {p.household_id for p in stranded} == {stranded_home.pk}
    # They are fed: an order for 302, and the workers' food through the same service.
    meals_302 = supplies.order_create(actor=staff, household=stranded_home, kind="order", urgent=True,
                                      items=[{"name": "盒饭", "quantity": 2, "unit": "份"}], source="phone")
    meals_502 = supplies.order_create(actor=staff, household=owner_home, kind="order", urgent=True,
                                      items=[{"name": "盒饭", "quantity": 2, "unit": "份"},
                                             {"name": "矿泉水", "quantity": 1, "unit": "箱"}], source="phone")
    requests.help_step_add(actor=staff, help_request=food, text=f"已下单送饭（订单 #{meals_502.pk}）")
    requests.help_request_resolve(actor=staff, help_request=food, outcome="午饭送到502")

    # 12:30 The heating works again; the owner is called back, satisfied; closed.
    clock.advance(hours=2, minutes=30)
    requests.help_request_resolve(actor=staff, help_request=call, outcome="热力公司修好暖气，屋内恢复供暖")
    requests.help_request_call_back(actor=staff, help_request=call, satisfaction="satisfied", note="业主表示感谢")
    closed = requests.help_request_close(actor=staff, help_request=call)
    assert closed.status == "closed" and [s.text[:6] for s in closed.steps.all()] == ["已联系热力公"]

    # The day in the ledger: two requests, both served, under the building's grid.
    ledger = selectors.help_request_ledger(scope_for(staff), start=dt.date(2022, 11, 12), end=dt.date(2022, 11, 12))
    assert (ledger.opened, ledger.rendered) == (2, 2)
    assert Person.objects.filter(household=stranded_home, tags__tag="stranded").count() == 2
    assert meals_302.urgent and meals_302.community_id == community.pk
    # Nothing of it is futong's to see.
    assert selectors.help_request_list(scope_for(users["staff"])).filter(pk=call.pk).count() == 0
