"""The home page leads every role to its work: samplers to the sampling page of the rounds open
now, gate guards and volunteers to the screen of their gate, instead of "your role has no pages"."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from shequ.gates.models import Gate, GateGuard

pytestmark = pytest.mark.django_db

def _home(login: Any, username: str) -> str:
    response = login(username).get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def _says_no_pages(html: str) -> bool:
    from django.utils.translation import gettext, override

    with override("zh-hans"):
        zh = gettext("Your role has no registry pages. The tools for your work will appear here.")
    return "Your role has no registry pages" in html or zh in html


def test_a_sampler_is_led_to_the_sampling_page_of_each_open_test_round(login: Any, users: dict[str, Any],
                                                                     anchor_household: Any) -> None:
    from tests.campaigns.conftest import open_round

    campaign = open_round(users["secretary"], buildings=[anchor_household.room.unit.building])
    html = _home(login, "sampler1")
    assert reverse("campaigns:sample", args=[campaign.pk]) in html
    assert campaign.name in html and not _says_no_pages(html)


def test_a_gate_guard_gets_the_screen_and_the_ledger_of_their_gate(login: Any, users: dict[str, Any]) -> None:
    gate = Gate.objects.get(guards__user=users["gate1"])
    html = _home(login, "gate1")
    assert reverse("gates:screen", args=[gate.pk]) in html and reverse("gates:ledger", args=[gate.pk]) in html


def test_a_volunteer_posted_to_a_gate_gets_its_screen_and_no_ledger(login: Any, users: dict[str, Any]) -> None:
    gate = Gate.objects.filter(community__code="futong").order_by("id").first()
    GateGuard.objects.create(community=gate.community, gate=gate, user=users["volunteer1"])
    html = _home(login, "volunteer1")
    assert reverse("gates:screen", args=[gate.pk]) in html
    assert reverse("gates:ledger", args=[gate.pk]) not in html and not _says_no_pages(html)


def test_a_volunteer_not_posted_yet_is_told_how_that_happens(login: Any, users: dict[str, Any]) -> None:
    GateGuard.objects.filter(user=users["volunteer1"]).delete()
    html = _home(login, "volunteer1")
    assert not _says_no_pages(html)
    assert "排班" in html or "duty roster" in html
