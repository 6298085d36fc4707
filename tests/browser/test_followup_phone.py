"""The follow-up phone page (issue 12.4), in Debian's chromium at 390 px: grid1 opens today's
follow-ups, records a household's morning visit with one member at 37.8 °C, and the office sees the
alert; a visit made without a connection is kept on the phone and sent when it is back."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.conftest import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _anchor_under_order() -> Any:
    """The anchor household under 7+7 from the start of today, so that today's morning slot exists
    whatever the hour the test runs."""
    import datetime as dt

    from django.utils import timezone

    from shequ.health import services
    from shequ.health.periods import day_start
    from shequ.registry.models import Household

    household = Household.objects.get(
        community__code="futong", status="active", room__number="502", room__unit__number="2",
        room__unit__building__number="9", room__unit__building__compound__name="富通小区")
    today = timezone.localdate()
    policy = services.policy_for_preset(community=household.community, name="7+7")
    services.orders_for_household(actor=None, household=household, policy=policy,
                                  last_exposure_on=today - dt.timedelta(days=1), at=day_start(today))
    return household


def _login(page: Page, live_server: Any, username: str) -> None:
    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit].primary")


def _open_visit(page: Page, live_server: Any, household: Any) -> None:
    page.goto(live_server.url + reverse("health:followups"))
    card = page.locator("li.household-due", has_text="9-2-502").filter(has_text="富通小区")
    expect(card).to_have_count(1)
    card.locator("a").click()
    expect(page.locator("form#followup-visit")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_grid1_records_a_morning_visit_with_a_fever_and_the_office_sees_the_alert(
        page: Page, live_server: Any, world_tx: None) -> None:
    from shequ.alerts.models import Alert
    from shequ.health.models import FollowUp

    household = _anchor_under_order()
    _login(page, live_server, "grid1")
    _open_visit(page, live_server, household)
    members = page.locator("fieldset[data-followup]")
    count = members.count()
    assert count >= 2
    expect(members.first).to_contain_text("上午")  # this morning's slot
    members.first.locator("input[name^=temperature_]").fill("37.8")
    for i in range(1, count):
        members.nth(i).locator("input[name^=temperature_]").fill("36.5")
    page.locator("form#followup-visit button[type=submit]").click()
    expect(page.locator("p.messages")).to_contain_text("已通知")
    recorded = FollowUp.objects.filter(household=household, slot="morning").exclude(outcome="")
    assert recorded.count() == count
    assert Alert.objects.filter(kind="health_fever", community__code="futong").count() == 1

    page.context.clear_cookies()
    _login(page, live_server, "secretary")
    page.goto(live_server.url + reverse("alerts:list"))
    expect(page.locator("body")).to_contain_text("37.8")


def test_a_visit_without_a_connection_is_kept_and_sent_later(page: Page, live_server: Any, world_tx: None) -> None:
    from shequ.health.models import FollowUp

    household = _anchor_under_order()
    _login(page, live_server, "grid1")
    _open_visit(page, live_server, household)
    page.context.set_offline(True)
    page.locator("form#followup-visit button[type=submit]").click()
    expect(page.locator("#visit-status")).to_be_visible()
    assert not FollowUp.objects.filter(household=household).exclude(outcome="").exists()
    # Back online, the page sends its queue by itself (the "online" event); the worker moves on once
    # it has been answered, so that the next page's own flush does not send it a second time at once.
    with page.expect_response(lambda r: "/api/v1/health/followups" in r.url and r.request.method == "POST"):
        page.context.set_offline(False)
    page.goto(live_server.url + reverse("health:followups"))
    expect(page.locator("body[data-queue=empty]")).to_have_count(1)
    members = FollowUp.objects.filter(household=household, slot="morning").exclude(outcome="")
    assert members.count() >= 2 and {f.outcome for f in members} == {"seen"}
