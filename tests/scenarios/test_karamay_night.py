"""Karamay, a night in January 2020 (seed scene): a resident back from Hubei is reported as a close
contact at 3 a.m.; her household is put under home quarantine; she is taken to the central
observation point and her room recorded; her elderly mother, left at home, gets a care task; the
gate refuses her husband's exit; fourteen days without a case later the compound is epidemic-free
again. Replayed through the services, in the order the night went."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.db.models import Count

from shequ.accounts.access import scope_for
from shequ.alerts.models import Alert
from shequ.gates import services as gates
from shequ.gates.models import Gate
from shequ.health import selectors, services
from shequ.health.models import HomeChecklist, Source, Status, TransferState
from shequ.registry.models import Household, Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def family(db: Any) -> list[Person]:
    """Three people of one household in a futong compound that has a gate."""
    gated = Gate.objects.filter(compound__community__code="futong").values("compound_id")
    household = (Household.objects.filter(status="active", room__unit__building__compound_id__in=gated)
                 .annotate(n=Count("persons")).filter(n__gte=3).order_by("id").first())
    assert household is not None
    return list(household.persons.filter(status="active").order_by("id")[:3])


def test_karamay_night(clock: Any, family: list[Person], users: dict[str, Any]) -> None:
    staff, secretary = users["staff"], users["secretary"]
    she, husband, mother = family
    compound = she.household.room.unit.building.compound
    gate = Gate.objects.filter(compound=compound).order_by("id").first()

    # 3 a.m.: the street's list names her, back from Hubei, as a close contact.
    night = clock.set_local(2020, 1, 28, 3, 0)
    services.entry_record(actor=staff, person=she, status=Status.CLOSE_CONTACT, source=Source.LIST,
                          last_exposure_on=dt.date(2020, 1, 26), note="湖北返克人员")
    assert selectors.risk_places(community_ids=[she.community_id]).covers(unit_id=she.household.room.unit_id)

    # Her household goes under home quarantine in one tap (14 days from her last exposure).
    fourteen = services.policy_for_preset(community=she.community, name="14")
    ordered = services.orders_for_household(actor=staff, household=she.household, policy=fourteen,
                                            last_exposure_on=dt.date(2020, 1, 26), reason="密接 全户居家隔离")
    assert {o.person_id for o in ordered.ordered} >= {she.pk, husband.pk, mother.pk}

    # Staff calm her; she is taken to the central observation point. Her mother stays home.
    point = services.facility_set(actor=secretary, community=she.community, name="集中医学观察点", kind="observation",
                                  capacity=50)
    [transfer] = services.transfer_request(actor=staff, persons=[she], destination="central_quarantine",
                                           reason="密接 集中观察")
    services.transfer_advance(actor=secretary, transfer=transfer, to=TransferState.APPROVED)
    services.transfer_advance(actor=staff, transfer=transfer, to=TransferState.VEHICLE, vehicle="新J·12345",
                              driver="王师傅", driver_phone="13999990000")
    checklist = HomeChecklist.objects.get(group=transfer.group)
    services.checklist_record(actor=staff, checklist=checklist, left=[(mother, "老人独自在家，需每日送餐")], pets="",
                              keys="丈夫在家")
    assert Alert.objects.filter(kind="health_care_needed", params__person=mother.pk).exists()
    services.transfer_advance(actor=staff, transfer=transfer, to=TransferState.PICKED_UP, note="凌晨三点 情绪平稳")
    clock.set(night + dt.timedelta(hours=1))
    services.transfer_advance(actor=staff, transfer=transfer, to=TransferState.ARRIVED, facility=point, room="312")
    transfer.refresh_from_db()
    assert (transfer.facility.name, transfer.room) == ("集中医学观察点", "312")

    # In the morning her husband tries to go out: the gate refuses (it learns "may not leave", never why).
    clock.set_local(2020, 1, 28, 8, 0)
    checks = gates.parse_checks(direction="out", temperature="36.5", health_code="green", mask=True)
    result = gates.record_passage(gate=gate, actor=users["gate1"], checks=checks, client_id=uuid.uuid4(),
                                  person=husband)
    assert result.passage.decision == "deny"
    assert not any("close" in r or "contact" in r for r in result.passage.reasons)

    # While she is under observation, the compound is suspended, not epidemic-free.
    street = scope_for(users["street"])
    row = next(r for r in selectors.epidemic_free_list(street, at=clock()) if r["compound"].pk == compound.pk)
    assert row["verdict"].state == "suspended"

    # Fourteen days later, no case: she is cleared and comes home; the compound is epidemic-free again.
    back = clock.set_local(2020, 2, 11, 10, 0)
    services.entry_record(actor=staff, person=she, status=Status.CLEARED, source=Source.STAFF, note="解除医学观察")
    services.checklist_record(actor=staff, checklist=checklist, disinfected=True)
    services.transfer_advance(actor=staff, transfer=transfer, to=TransferState.RETURNED)
    row = next(r for r in selectors.epidemic_free_list(street, at=clock()) if r["compound"].pk == compound.pk)
    assert row["verdict"].state == "epidemic_free" and row["verdict"].since == back
