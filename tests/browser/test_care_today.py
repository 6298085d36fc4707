"""Today's care tasks on a phone (issue 14.2), in Debian's chromium at 390 px, in Chinese: grid1
marks one person's daily call done; then, without a connection, marks another's, which is kept on
the phone and sent when the network is back, once."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.conftest import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _two_plans() -> list[Any]:
    """Two members of the anchor household (grid 1), tagged, each with a daily call from today,
    assigned to grid1."""
    from django.utils import timezone

    from shequ.accounts.models import User
    from shequ.registry.models import Person, PersonTag
    from shequ.services import services

    persons = list(Person.objects.filter(
        community__code="futong", status="active", household__room__number="502", household__room__unit__number="2",
        household__room__unit__building__number="9",
        household__room__unit__building__compound__name="富通小区").order_by("id")[:2])
    assert len(persons) == 2
    staff, grid1 = User.objects.get(username="staff"), User.objects.get(username="grid1")
    plans = []
    for person in persons:
        PersonTag.objects.get_or_create(community=person.community, person=person, tag="elderly_alone")
        plans.append(services.care_plan_create(actor=staff, person=person, assignee=grid1, tasks=[
            {"kind": "call", "every_days": 1, "starts_on": timezone.localdate()}]))
    return plans


def _login(page: Page, live_server: Any, username: str) -> None:
    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit].primary")


def test_grid1_marks_todays_calls_done_online_and_offline(page: Page, live_server: Any, world_tx: None) -> None:
    from shequ.services.models import CareVisit

    first, second = _two_plans()
    _login(page, live_server, "grid1")
    page.goto(live_server.url + reverse("services:today"))
    expect(page.locator("h1")).to_contain_text("今日包保任务")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    cards = page.locator("li[data-task]")
    expect(cards).to_have_count(2)

    one = cards.filter(has_text=first.person.name)
    one.locator("input[name=note]").fill("身体还好")
    with page.expect_response(lambda r: "/api/v1/services/visits" in r.url and r.request.method == "POST"):
        one.get_by_role("button", name="已完成").click()
    expect(one.locator(".task-status")).to_have_text("已记录。")
    visit = CareVisit.objects.get(task__plan=first)
    assert (visit.outcome, visit.note) == ("done", "身体还好")

    page.context.set_offline(True)
    two = cards.filter(has_text=second.person.name)
    two.get_by_role("button", name="已完成").click()
    expect(two.locator(".task-status")).to_contain_text("无网络")
    expect(page.locator("#care-queue")).to_contain_text("1")
    assert not CareVisit.objects.filter(task__plan=second).exists()
    # Back online, the page sends its queue by itself (the "online" event).
    with page.expect_response(lambda r: "/api/v1/services/visits" in r.url and r.request.method == "POST"):
        page.context.set_offline(False)
    expect(page.locator("body[data-queue=empty]")).to_have_count(1)
    page.goto(live_server.url + reverse("services:today"))
    expect(page.locator("body[data-queue=empty]")).to_have_count(1)
    assert CareVisit.objects.filter(task__plan=second, outcome="done").count() == 1
    expect(page.locator(".task-outcome")).to_have_count(2)
