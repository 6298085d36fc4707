"""Health test helpers: the anchor household's members, a fixed clock on a March 2022 morning."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest


@pytest.fixture
def march(clock: Any) -> Any:
    """The clock at 2022-03-02 09:00 in the community's time zone (before any demo row)."""
    clock.set_local(2022, 3, 2, 9, 0)
    return clock


@pytest.fixture
def members(anchor_household: Any) -> list[Any]:
    from shequ.registry.models import Person

    found = list(Person.objects.filter(household=anchor_household, status="active").order_by("id"))
    assert len(found) >= 2, "the anchor household has at least two members"
    return found


@pytest.fixture
def staff(db: Any) -> Any:
    from shequ.accounts.models import User

    return User.objects.get(username="staff")


@pytest.fixture
def policy77(anchor_household: Any) -> Any:
    from shequ.health import services

    return services.policy_for_preset(community=anchor_household.community, name="7+7")


EXPOSED = dt.date(2022, 3, 1)


def positive_retest(actor: Any, person: Any) -> Any:
    """A test round over the person's building in which their single tube came back positive and
    their single re-test positive too: the campaigns' Retest row, resolved positive."""
    import uuid

    from django.utils import timezone

    from shequ.campaigns import services
    from shequ.campaigns.models import Retest
    from tests.campaigns.conftest import open_round

    campaign = open_round(actor, name="健康 复核", buildings=[person.household.room.unit.building])
    first = services.tube_register(actor=actor, campaign=campaign, code="H-1", pooling=1, close=True,
                                   samples=[services.SampleIn(client_id=uuid.uuid4(), person=person)]).tube
    services.tube_result_set(actor=actor, tube=first, result="positive", at=timezone.now())
    again = services.tube_register(actor=actor, campaign=campaign, code="H-2", pooling=1, close=True,
                                   samples=[services.SampleIn(client_id=uuid.uuid4(), person=person)]).tube
    services.tube_result_set(actor=actor, tube=again, result="positive", at=timezone.now())
    return Retest.objects.get(campaign=campaign, person=person, source_tube=first)


@pytest.fixture(autouse=True)
def english_messages() -> Any:
    """Service messages are asserted in English (pages still render in the request's language)."""
    from django.utils import translation

    with translation.override("en"):
        yield
