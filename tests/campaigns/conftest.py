"""Fixtures for campaign tests: a test round and a screening over 富通小区 building 9 (the anchor
building, grid 1) opened by the secretary."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.utils import timezone

from shequ.campaigns import services
from shequ.campaigns.models import Kind


@pytest.fixture
def secretary(users: dict[str, Any]) -> Any:
    return users["secretary"]


@pytest.fixture
def building9(anchor_household: Any) -> Any:
    return anchor_household.room.unit.building


def open_round(actor: Any, *, kind: str = Kind.TEST_ROUND, name: str = "第三轮核酸", **places: Any) -> Any:
    from shequ.registry.models import Community

    community = Community.objects.get(code="futong")
    campaign = services.campaign_create(actor=actor, community=community, name=name, kind=kind,
                                        starts_on=timezone.localdate(), **places)
    return services.campaign_open(actor=actor, campaign=campaign)


@pytest.fixture
def test_round(secretary: Any, building9: Any) -> Any:
    return open_round(secretary, buildings=[building9])


@pytest.fixture
def screening(secretary: Any, building9: Any) -> Any:
    return open_round(secretary, kind=Kind.SCREENING, name="入户排查", buildings=[building9])


def sample_in(person: Any) -> services.SampleIn:
    return services.SampleIn(client_id=uuid.uuid4(), person=person)


@pytest.fixture(autouse=True)
def english_messages() -> Any:
    """Service messages are asserted in English (pages still render in the request's language)."""
    from django.utils import translation

    with translation.override("en"):
        yield
