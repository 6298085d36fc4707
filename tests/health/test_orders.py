"""Orders: made with containment's restrictions (the gates obey them), for the whole household in one
tap, restarted by a new exposure, extended, shortened and ended, each in one transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from shequ.containment.models import MovementRestriction, RestrictionKind
from shequ.containment.selectors import place_facts, restrictions_in_force
from shequ.health import services
from shequ.health.models import FollowUp, OrderChange, QuarantineOrder
from tests.health.conftest import EXPOSED

pytestmark = pytest.mark.django_db
Z = ZoneInfo("Asia/Shanghai")


def local(month: int, day: int, hour: int = 0) -> dt.datetime:
    return dt.datetime(2022, month, day, hour, tzinfo=Z)


def restrictions(person: Any) -> list[tuple[str, dt.datetime, dt.datetime | None]]:
    return [(r.kind, r.starts_at, r.ends_at) for r in
            MovementRestriction.objects.filter(person=person).order_by("starts_at", "id")]


def test_an_order_creates_the_restrictions_the_gate_obeys(march: Any, members: list[Any], staff: Any,
                                                          policy77: Any) -> None:
    person = members[0]
    order = services.order_create(actor=staff, person=person, policy=policy77, last_exposure_on=EXPOSED,
                                  reason="密接")
    assert (order.policy_name, order.quarantine_days, order.monitoring_days, order.test_days) == (
        "7+7", 7, 7, "1,4,7")
    assert restrictions(person) == [
        (RestrictionKind.HOME_QUARANTINE, local(3, 2, 9), local(3, 9)),
        (RestrictionKind.HOME_MONITORING, local(3, 9), local(3, 16)),
    ]
    room = person.household.room
    restricted, *_rest = place_facts(person_id=person.pk, room=room, gate_compound_id=room.unit.building.compound_id,
                                     at=local(3, 12))
    assert restricted
    # Two slots a day from this morning's to the last afternoon before 3-16 00:00.
    slots = FollowUp.objects.filter(order=order)
    assert slots.count() == 14 * 2
    assert slots.order_by("due_at").first().due_on == dt.date(2022, 3, 2)
    assert slots.order_by("due_at").last().due_on == dt.date(2022, 3, 15)


def test_one_tap_orders_the_whole_household_and_again_orders_nothing(march: Any, members: list[Any], staff: Any,
                                                                     policy77: Any) -> None:
    household = members[0].household
    first = services.orders_for_household(actor=staff, household=household, policy=policy77,
                                          last_exposure_on=EXPOSED)
    assert sorted(o.person_id for o in first.ordered) == [m.pk for m in members]
    again = services.orders_for_household(actor=staff, household=household, policy=policy77,
                                          last_exposure_on=EXPOSED)
    assert again.ordered == [] and len(again.already) == len(members)
    assert QuarantineOrder.objects.filter(person__household=household, state="active").count() == len(members)


def test_a_second_live_order_is_refused(march: Any, members: list[Any], staff: Any, policy77: Any) -> None:
    services.order_create(actor=staff, person=members[0], policy=policy77, last_exposure_on=EXPOSED)
    with pytest.raises(ValidationError, match="already under an order"):
        services.order_create(actor=staff, person=members[0], policy=policy77, last_exposure_on=EXPOSED)


def test_an_order_whose_period_is_over_is_refused(march: Any, members: list[Any], staff: Any, policy77: Any) -> None:
    with pytest.raises(ValidationError, match="already over"):
        services.order_create(actor=staff, person=members[0], policy=policy77,
                              last_exposure_on=dt.date(2022, 2, 1))
    assert not QuarantineOrder.objects.filter(person=members[0]).exists()


def test_a_new_exposure_restarts_the_period_and_the_restrictions(march: Any, members: list[Any], staff: Any,
                                                                 policy77: Any) -> None:
    person = members[0]
    order = services.order_create(actor=staff, person=person, policy=policy77, last_exposure_on=EXPOSED)
    march.set_local(2022, 3, 5, 10)
    with pytest.raises(ValidationError):
        services.order_restart(actor=staff, order=order, last_exposure_on=dt.date(2022, 3, 4), reason="")
    services.order_restart(actor=staff, order=order, last_exposure_on=dt.date(2022, 3, 4),
                           reason="household member positive")
    order.refresh_from_db()
    assert (order.quarantine_ends_at, order.ends_at) == (local(3, 12), local(3, 19))
    # The old rows end when the change is made; new ones run from then, so the gate never sees a gap.
    # (The monitoring row that had not started yet is ended through containment's restriction_end,
    # which keeps at least a second of it: containment has no way to withdraw a row not yet started.)
    assert restrictions(person) == [
        (RestrictionKind.HOME_QUARANTINE, local(3, 2, 9), local(3, 5, 10)),
        (RestrictionKind.HOME_QUARANTINE, local(3, 5, 10), local(3, 12)),
        (RestrictionKind.HOME_MONITORING, local(3, 9), local(3, 9) + dt.timedelta(seconds=1)),
        (RestrictionKind.HOME_MONITORING, local(3, 12), local(3, 19)),
    ]
    assert restrictions_in_force([person.pk], local(3, 18))[person.pk][0].kind == RestrictionKind.HOME_MONITORING
    assert FollowUp.objects.filter(order=order).order_by("due_at").last().due_on == dt.date(2022, 3, 18)
    assert list(OrderChange.objects.filter(order=order).values_list("kind", flat=True).order_by("id")) == [
        "ordered", "restarted"]


def test_shortening_into_the_quarantine_drops_the_monitoring(march: Any, members: list[Any], staff: Any,
                                                            policy77: Any) -> None:
    person = members[0]
    order = services.order_create(actor=staff, person=person, policy=policy77, last_exposure_on=EXPOSED)
    services.order_set_end(actor=staff, order=order, ends_at=local(3, 6), reason="negative tests, CDC decision")
    order.refresh_from_db()
    assert (order.quarantine_ends_at, order.ends_at) == (local(3, 6), local(3, 6))
    assert not restrictions_in_force([person.pk], local(3, 6, 1))
    assert restrictions_in_force([person.pk], local(3, 5, 23))
    assert not FollowUp.objects.filter(order=order, due_on__gte=dt.date(2022, 3, 6)).exists()


def test_extending_lengthens_the_monitoring(march: Any, members: list[Any], staff: Any, policy77: Any) -> None:
    person = members[0]
    order = services.order_create(actor=staff, person=person, policy=policy77, last_exposure_on=EXPOSED)
    services.order_set_end(actor=staff, order=order, ends_at=local(3, 20), reason="fever in the household")
    assert restrictions_in_force([person.pk], local(3, 19, 12))[person.pk][0].kind == RestrictionKind.HOME_MONITORING
    assert OrderChange.objects.filter(order=order, kind="extended").exists()


def test_ending_ends_the_restrictions_and_the_slots_to_come(march: Any, members: list[Any], staff: Any,
                                                           policy77: Any) -> None:
    person = members[0]
    order = services.order_create(actor=staff, person=person, policy=policy77, last_exposure_on=EXPOSED)
    march.set_local(2022, 3, 4, 15)
    with pytest.raises(ValidationError, match="why"):
        services.order_end(actor=staff, order=order, reason=" ")
    services.order_end(actor=staff, order=order, reason="wrong person on the list")
    order.refresh_from_db()
    assert order.state == "ended" and order.ends_at == local(3, 4, 15)
    assert not restrictions_in_force([person.pk], local(3, 4, 16))
    assert not FollowUp.objects.filter(order=order, due_at__gt=local(3, 4, 15)).exists()
    with pytest.raises(ValidationError, match="ended"):
        services.order_end(actor=staff, order=order, reason="again")
