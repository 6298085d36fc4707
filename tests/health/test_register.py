"""The health register: entries with their history, one current; a positive re-test proposes a
confirmed case that one tap confirms (once); risk places follow the current entries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from shequ.campaigns.models import RetestStatus
from shequ.core.scoping import ANONYMOUS
from shequ.health import selectors, services
from shequ.health.models import HealthEntry, Source, Status
from tests.health.conftest import EXPOSED, positive_retest

pytestmark = pytest.mark.django_db


def test_a_new_status_keeps_the_history_and_is_the_current_one(march: Any, members: list[Any], staff: Any) -> None:
    person = members[0]
    first = services.entry_record(actor=staff, person=person, status=Status.CLOSE_CONTACT, source=Source.LIST,
                                  last_exposure_on=EXPOSED, note="街道名单")
    second = services.entry_record(actor=staff, person=person, status=Status.CONFIRMED, source=Source.STAFF,
                                   onset_on=dt.date(2022, 3, 2))
    first.refresh_from_db()
    assert not first.current and second.current
    assert list(HealthEntry.objects.filter(person=person).values_list("status", flat=True).order_by("id")) == [
        "close_contact", "confirmed"]


def test_dates_in_the_future_are_refused_with_the_field_named(march: Any, members: list[Any], staff: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        services.entry_record(actor=staff, person=members[0], status=Status.SUSPECTED, source=Source.STAFF,
                              onset_on=dt.date(2022, 3, 9))
    assert "onset_on" in caught.value.message_dict
    assert not HealthEntry.objects.filter(person=members[0]).exists()


def test_a_positive_retest_is_proposed_and_one_tap_confirms_it_once(march: Any, members: list[Any], staff: Any,
                                                                    users: dict[str, Any]) -> None:
    from shequ.accounts.access import scope_for

    person = members[0]
    retest = positive_retest(users["secretary"], person)
    assert retest.status == RetestStatus.POSITIVE
    scope = scope_for(users["secretary"])
    assert [r.pk for r in selectors.retest_proposals(scope, person)] == [retest.pk]
    entry = services.retest_confirm(actor=staff, retest=retest)
    again = services.retest_confirm(actor=staff, retest=retest)
    assert again.pk == entry.pk and entry.status == Status.CONFIRMED and entry.source == Source.RETEST
    assert HealthEntry.objects.filter(person=person).count() == 1
    assert selectors.retest_proposals(scope, person) == []
    # A role without health.view is proposed nothing.
    assert selectors.retest_proposals(ANONYMOUS, person) == []


def test_risk_places_are_the_homes_of_current_cases_and_close_contacts(march: Any, members: list[Any],
                                                                        staff: Any, other_grid_household: Any) -> None:
    home = members[0].household.room
    other = other_grid_household.persons.filter(status="active").order_by("id").first()
    community = [home.community_id]
    assert not selectors.risk_places(community_ids=community).covers(unit_id=home.unit_id)
    services.entry_record(actor=staff, person=members[0], status=Status.CLOSE_CONTACT, source=Source.LIST)
    services.entry_record(actor=staff, person=other, status=Status.SECONDARY_CONTACT, source=Source.LIST)
    places = selectors.risk_places(community_ids=community)
    assert places.covers(unit_id=home.unit_id) and places.covers(building_id=home.unit.building_id)
    assert other.household.room.unit_id not in places.units  # a secondary contact makes no risk place
    services.entry_record(actor=staff, person=members[0], status=Status.CLEARED, source=Source.STAFF)
    assert not selectors.risk_places(community_ids=community).covers(unit_id=home.unit_id)
