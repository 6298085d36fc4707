"""Transfers: the states in order and none skipped, one live transfer per person, the home checklist
that cannot be skipped, the restriction moving from home to central quarantine and back."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from shequ.alerts.models import Alert
from shequ.containment.selectors import restrictions_in_force
from shequ.health import services
from shequ.health.models import HomeChecklist, QuarantineOrder, TransferState
from tests.health.conftest import EXPOSED

pytestmark = pytest.mark.django_db


@pytest.fixture
def facility(anchor_household: Any, staff: Any) -> Any:
    return services.facility_set(actor=staff, community=anchor_household.community, name="集中医学观察点",
                                 kind="observation", capacity=40)


def test_no_step_is_skipped_and_one_transfer_is_live_per_person(march: Any, members: list[Any], staff: Any,
                                                                facility: Any) -> None:
    [transfer] = services.transfer_request(actor=staff, persons=[members[0]], destination="central_quarantine",
                                           reason="密接 转运")
    for skipped in (TransferState.PICKED_UP, TransferState.ARRIVED, TransferState.VEHICLE):
        with pytest.raises(ValidationError, match="cannot go to"):
            services.transfer_advance(actor=staff, transfer=transfer, to=skipped)
    with pytest.raises(ValidationError, match="under way"):
        services.transfer_request(actor=staff, persons=[members[0]], destination="hospital", reason="again")
    services.transfer_advance(actor=staff, transfer=transfer, to=TransferState.APPROVED)
    with pytest.raises(ValidationError):
        services.transfer_advance(actor=staff, transfer=transfer, to=TransferState.VEHICLE, vehicle="新A12345")
    services.transfer_advance(actor=staff, transfer=transfer, to=TransferState.VEHICLE, vehicle="新A12345",
                              driver="王师傅", driver_phone="13900000000")
    # The checklist is answered before pick-up.
    with pytest.raises(ValidationError, match="checklist"):
        services.transfer_advance(actor=staff, transfer=transfer, to=TransferState.PICKED_UP)
    checklist = HomeChecklist.objects.get(group=transfer.group)
    services.checklist_record(actor=staff, checklist=checklist, left=[(members[1], "独居老人，每日送餐")], pets="",
                              keys="邻居 502 对门")
    assert Alert.objects.filter(kind="health_care_needed").count() == 1
    services.transfer_advance(actor=staff, transfer=transfer, to=TransferState.PICKED_UP)
    with pytest.raises(ValidationError, match="room"):
        services.transfer_advance(actor=staff, transfer=transfer, to=TransferState.ARRIVED, facility=facility)
    services.transfer_advance(actor=staff, transfer=transfer, to=TransferState.ARRIVED, facility=facility, room="312")
    with pytest.raises(ValidationError, match="disinfection"):
        services.transfer_advance(actor=staff, transfer=transfer, to=TransferState.RETURNED)
    services.checklist_record(actor=staff, checklist=checklist, disinfected=True)
    services.transfer_advance(actor=staff, transfer=transfer, to=TransferState.RETURNED)
    transfer.refresh_from_db()
    assert list(transfer.steps.order_by("id").values_list("state", flat=True)) == [
        "requested", "approved", "vehicle_arranged", "picked_up", "arrived", "returned_home"]
    # Closed: a new transfer may be requested.
    services.transfer_request(actor=staff, persons=[members[0]], destination="hospital", reason="复查")


def test_arrival_moves_the_restriction_from_home_to_central_and_return_to_monitoring(
        march: Any, members: list[Any], staff: Any, facility: Any, policy77: Any) -> None:
    person = members[0]
    services.order_create(actor=staff, person=person, policy=policy77, last_exposure_on=EXPOSED)
    [transfer] = services.transfer_request(actor=staff, persons=[person], destination="central_quarantine",
                                           reason="转运")
    checklist = HomeChecklist.objects.get(group=transfer.group)
    services.checklist_record(actor=staff, checklist=checklist, left=[], pets="一只猫，邻居照看", keys="物业")
    for step in (TransferState.APPROVED, TransferState.VEHICLE, TransferState.PICKED_UP):
        services.transfer_advance(actor=staff, transfer=transfer, to=step, vehicle="车", driver="司机",
                                  driver_phone="13900000000")
    march.advance(hours=2)
    services.transfer_advance(actor=staff, transfer=transfer, to=TransferState.ARRIVED, facility=facility, room="208")
    now = march()
    kinds = [r.kind for r in restrictions_in_force([person.pk], now)[person.pk]]
    assert kinds == ["central_quarantine"]
    assert not QuarantineOrder.objects.filter(person=person, state="active").exists()
    services.checklist_record(actor=staff, checklist=checklist, disinfected=True)
    monitoring = services.policy_for_preset(community=person.community, name="monitoring 7")
    march.advance(days=7)
    services.transfer_advance(actor=staff, transfer=transfer, to=TransferState.RETURNED, then_monitoring=monitoring)
    kinds = [r.kind for r in restrictions_in_force([person.pk], march() + __import__("datetime").timedelta(minutes=1))[
        person.pk]]
    assert kinds == ["home_health_monitoring"]


def test_several_members_go_together_with_one_checklist(march: Any, members: list[Any], staff: Any) -> None:
    made = services.transfer_request(actor=staff, persons=members[:2], destination="central_quarantine",
                                     reason="同户转运")
    assert len({t.group for t in made}) == 1
    assert HomeChecklist.objects.filter(group=made[0].group).count() == 1
