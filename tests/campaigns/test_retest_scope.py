"""The re-test list: who is on it (a positive or invalid pool), who sees whom (page and API, scoped like
the persons), and what takes a person off it (only their own single tube's result)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from shequ.accounts.access import scope_for
from shequ.campaigns import selectors, services
from shequ.campaigns.models import Retest, RetestStatus
from shequ.registry.models import Building, Person
from tests.campaigns.conftest import open_round, sample_in

# On the fixed clock (tests/conftest.py): timezone.now() here and in the code under test is one moment.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def _person_in_grid(number: int) -> Person:
    return (Person.objects.filter(community__code="futong", status="active", household__status="active",
                                  household__room__unit__building__grid__number=number)
            .select_related("household__room__unit__building").order_by("id").first())


@pytest.fixture
def pool(secretary: Any) -> tuple[Any, Person, Person]:
    """A round over one building of grid 1 and one of grid 2, and a positive 5-in-1 tube holding one
    person of each: both are to be re-tested."""
    first, second = _person_in_grid(1), _person_in_grid(2)
    Person.objects.filter(pk=first.pk).update(name="复检甲")
    Person.objects.filter(pk=second.pk).update(name="复检乙")
    first.name, second.name = "复检甲", "复检乙"
    buildings = [first.household.room.unit.building, second.household.room.unit.building]
    campaign = open_round(secretary, buildings=buildings)
    tube = services.tube_register(actor=secretary, campaign=campaign, code="MIX-1", pooling=5,
                                  samples=[sample_in(first), sample_in(second)], close=True).tube
    services.tube_result_set(actor=secretary, tube=tube, result="positive")
    assert set(Retest.objects.filter(campaign=campaign).values_list("person_id", flat=True)) == {first.pk, second.pk}
    return campaign, first, second


@pytest.mark.parametrize(("role", "grid"), [("grid1", 1), ("grid2", 2)])
def test_a_grid_worker_sees_only_the_retests_of_their_own_grid(role: str, grid: int, login: Any, users: dict[str, Any],
                                                               pool: tuple[Any, Person, Person]) -> None:
    campaign, first, second = pool
    mine, other = (first, second) if grid == 1 else (second, first)
    assert Building.objects.get(pk=other.household.room.unit.building_id).grid.number != grid
    listed = selectors.retest_list(scope_for(users[role]), campaign)
    assert [r.person_id for r in listed] == [mine.pk]
    client = login(role)
    page = client.get(reverse("campaigns:retests", args=[campaign.pk]))
    assert [r.person_id for g in page.context["groups"] for r, _ in g["rows"]] == [mine.pk]
    html = page.content.decode()
    assert mine.name in html and other.name not in html
    api = client.get(reverse("api:campaign_retests", args=[campaign.pk]))
    assert api.status_code == 200
    assert [r["person_id"] for r in api.json()] == [mine.pk]


def test_secretary_and_sampler_see_every_retest_of_the_community(login: Any, pool: tuple[Any, Person, Person]) -> None:
    campaign, first, second = pool
    for role in ("secretary", "sampler1"):
        api = login(role).get(reverse("api:campaign_retests", args=[campaign.pk]))
        assert {r["person_id"] for r in api.json()} == {first.pk, second.pk}, role


def test_a_pooled_negative_tube_does_not_clear_a_pending_retest(secretary: Any, pool: tuple[Any, Person, Person]) -> None:
    """Only a person's own single tube decides their re-test: a negative pool mixes them with others."""
    campaign, first, second = pool
    again = services.tube_register(actor=secretary, campaign=campaign, code="MIX-2", pooling=5,
                                   samples=[sample_in(first)], close=True)
    assert again.samples[0].sample.retest
    services.tube_result_set(actor=secretary, tube=again.tube, result="negative")
    assert Retest.objects.get(campaign=campaign, person=first).status == RetestStatus.PENDING
    single = services.tube_register(actor=secretary, campaign=campaign, code="ONE-1", pooling=1,
                                    samples=[sample_in(first)])
    services.tube_result_set(actor=secretary, tube=single.tube, result="negative")
    resolved = Retest.objects.get(campaign=campaign, person=first)
    assert (resolved.status, resolved.resolved_tube_id) == (RetestStatus.NEGATIVE, single.tube.pk)
    assert Retest.objects.get(campaign=campaign, person=second).status == RetestStatus.PENDING


def test_an_invalid_single_tube_keeps_the_retest_pending(secretary: Any, pool: tuple[Any, Person, Person]) -> None:
    campaign, first, _second = pool
    single = services.tube_register(actor=secretary, campaign=campaign, code="ONE-2", pooling=1,
                                    samples=[sample_in(first)])
    services.tube_result_set(actor=secretary, tube=single.tube, result="invalid")
    assert Retest.objects.get(campaign=campaign, person=first).status == RetestStatus.PENDING
    assert Retest.objects.filter(campaign=campaign, person=first).count() == 1
