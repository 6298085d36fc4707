"""The household page of a screening round (GET /campaigns/<id>/households/<id>/)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from shequ.campaigns import services
from shequ.campaigns.models import Visit, VisitOutcome

pytestmark = pytest.mark.django_db


def test_a_visit_without_a_recorded_visitor_shows_on_the_household_page(
        login: Any, screening: Any, anchor_household: Any, secretary: Any) -> None:
    # A visit whose visitor is unknown: recorded from the command line, or its account was deleted
    # (Visit.visitor is SET_NULL).
    visit = services.visit_record(actor=secretary, campaign=screening, household=anchor_household,
                                  outcome=VisitOutcome.NOBODY_HOME, notes="无人应门")
    Visit.objects.filter(pk=visit.pk).update(visitor=None)
    response = login("secretary").get(reverse("campaigns:household", args=[screening.pk, anchor_household.pk]))
    assert response.status_code == 200
    assert "无人应门" in response.content.decode()


def test_the_visitor_of_a_visit_is_named_on_the_household_page(
        login: Any, screening: Any, anchor_household: Any, users: dict[str, Any]) -> None:
    grid1 = users["grid1"]
    services.visit_record(actor=grid1, campaign=screening, household=anchor_household,
                          outcome=VisitOutcome.NOBODY_HOME)
    page = login("grid1").get(reverse("campaigns:household", args=[screening.pk, anchor_household.pk]))
    assert page.status_code == 200
    assert (grid1.first_name or grid1.username) in page.content.decode()
