"""One rule for "reached" (campaigns/reach.py), held on each path that touches it: a visit, a
sample, an exemption and a lab result."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Count
from django.utils import timezone

from shequ.accounts.access import scope_for
from shequ.campaigns import selectors, services
from shequ.campaigns.models import ExemptReason, Target, VisitOutcome
from shequ.registry.models import Household, Person
from tests.campaigns.conftest import sample_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def household_of_two(building: Any) -> tuple[Household, list[Person]]:
    household = (Household.objects.filter(room__unit__building=building, status="active")
                 .annotate(n=Count("persons")).filter(n__gte=2).order_by("id").first())
    return household, list(household.persons.filter(status="active").order_by("id"))


def target(campaign: Any, person: Person) -> Target:
    return Target.objects.get(campaign=campaign, person=person)


def test_a_revisit_keeps_the_first_time_and_the_temperature_it_does_not_retake(
        screening: Any, building9: Any, secretary: Any, clock: Any) -> None:
    household, (person, _other, *_rest) = household_of_two(building9)
    first = timezone.now()
    services.visit_record(actor=secretary, campaign=screening, household=household, outcome=VisitOutcome.VISITED,
                          present={person.pk: Decimal("36.6")})
    clock.advance(hours=2)
    services.visit_record(actor=secretary, campaign=screening, household=household, outcome=VisitOutcome.VISITED,
                          present={person.pk: None})
    t = target(screening, person)
    assert (t.reached_at, t.temperature) == (first, Decimal("36.6"))
    clock.advance(hours=2)
    services.visit_record(actor=secretary, campaign=screening, household=household, outcome=VisitOutcome.VISITED,
                          present={person.pk: Decimal("37.4")})
    t = target(screening, person)
    assert (t.reached_at, t.temperature) == (first, Decimal("37.4"))


def test_a_sample_synced_late_moves_reached_back_to_when_it_was_taken(
        test_round: Any, building9: Any, secretary: Any, clock: Any) -> None:
    _household, (person, other, *_rest) = household_of_two(building9)
    now = timezone.now()
    services.tube_register(actor=secretary, campaign=test_round, code="NOW1", pooling=1, samples=[sample_in(person)])
    assert target(test_round, person).reached_at == now
    # The phone's offline queue sends a sample of this person taken an hour ago.
    earlier = now - dt.timedelta(hours=1)
    services.tube_register(actor=secretary, campaign=test_round, code="Q1", pooling=1, samples=[sample_in(person)],
                           sampled_at=earlier)
    assert target(test_round, person).reached_at == earlier
    # A later sample keeps the earliest time.
    clock.advance(hours=1)
    services.tube_register(actor=secretary, campaign=test_round, code="LATER", pooling=5,
                           samples=[sample_in(person), sample_in(other)])
    assert target(test_round, person).reached_at == earlier
    assert target(test_round, other).reached_at == timezone.now()


def test_someone_confirmed_at_a_visit_who_is_not_a_target_is_added_and_reached(
        screening: Any, building9: Any, secretary: Any) -> None:
    household, (person, _other, *_rest) = household_of_two(building9)
    Target.objects.filter(campaign=screening, person=person).delete()  # moved in after the opening
    services.visit_record(actor=secretary, campaign=screening, household=household, outcome=VisitOutcome.VISITED,
                          present={person.pk: Decimal("36.5")})
    t = target(screening, person)
    assert t.added_mid_round and t.reached_at == timezone.now() and t.temperature == Decimal("36.5")


def test_an_exemption_leaves_reached_alone_and_a_moved_out_household_exempts_only_the_unreached(
        screening: Any, building9: Any, secretary: Any) -> None:
    household, (person, other, *_rest) = household_of_two(building9)
    services.visit_record(actor=secretary, campaign=screening, household=household, outcome=VisitOutcome.VISITED,
                          present={person.pk: None})
    reached_at = target(screening, person).reached_at
    services.target_exempt(actor=secretary, target=target(screening, person), reason=ExemptReason.IN_HOSPITAL)
    assert target(screening, person).reached_at == reached_at
    services.target_exempt(actor=secretary, target=target(screening, person), reason="")
    services.visit_record(actor=secretary, campaign=screening, household=household, outcome=VisitOutcome.MOVED_OUT)
    assert (target(screening, person).reached_at, target(screening, person).exempt_reason) == (reached_at, "")
    assert (target(screening, other).reached_at, target(screening, other).exempt_reason) == (
        None, ExemptReason.MOVED_OUT)
    c = selectors.coverage(scope_for(secretary), screening)
    assert c.total.reached == 1


def test_a_result_positive_or_invalid_leaves_its_persons_reached(
        test_round: Any, building9: Any, secretary: Any) -> None:
    _household, (person, other, *_rest) = household_of_two(building9)
    reg_a = services.tube_register(actor=secretary, campaign=test_round, code="POS", pooling=1,
                                   samples=[sample_in(person)])
    reg_b = services.tube_register(actor=secretary, campaign=test_round, code="INV", pooling=1,
                                   samples=[sample_in(other)])
    before = {p.pk: target(test_round, p).reached_at for p in (person, other)}
    services.tube_result_set(actor=secretary, tube=reg_a.tube, result="positive")
    services.tube_result_set(actor=secretary, tube=reg_b.tube, result="invalid")
    assert {p.pk: target(test_round, p).reached_at for p in (person, other)} == before
    assert None not in before.values()
