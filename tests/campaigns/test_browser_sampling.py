"""The sampling page in a real browser: registrations made offline wait in the queue and are sent
once when the phone is back online."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from tests.browser.conftest import browser_context_args, browser_type_launch_args, page  # noqa: F401
from tests.conftest import TEST_PASSWORD

pytestmark = [pytest.mark.browser]


def test_offline_registrations_are_queued_and_sent_once(page: Any, context: Any, live_server: Any,  # noqa: F811 - the page fixture imported above
                                                        world_tx: None) -> None:
    from playwright.sync_api import expect

    from shequ.accounts.models import User
    from shequ.campaigns import services
    from shequ.campaigns.models import Sample, Tube
    from shequ.registry.models import Building, Community, Person

    secretary = User.objects.get(username="secretary")
    building = Building.objects.get(community__code="futong", compound__name="富通小区", number="9")
    campaign = services.campaign_create(actor=secretary, community=Community.objects.get(code="futong"),
                                        name="浏览器测试", kind="test_round", starts_on=dt.date(2022, 1, 26),
                                        buildings=[building])
    campaign = services.campaign_open(actor=secretary, campaign=campaign)
    persons = list(Person.objects.filter(household__room__unit__building=building, status="active")
                   .exclude(phone="").order_by("id")[:3])
    phones = {p.phone for p in persons}
    assert len(phones) == 3 and all(Person.objects.filter(phone=x, status="active").count() == 1 for x in phones)

    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("input[name=username]", "sampler1")
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("button[type=submit].primary")
    page.goto(live_server.url + reverse("campaigns:sample", args=[campaign.pk]))
    page.fill("input[name=tube]", "BR-001")
    page.select_option("select[name=pooling]", "5")

    # Online: the first person goes straight through and the page shows the tube.
    page.fill("input[name=credential]", persons[0].phone)
    page.click("#sample-form button.primary")
    page.wait_for_url("**tube=BR-001**")
    expect(page.locator(".tube-now")).to_contain_text(persons[0].name)

    # Offline: two more wait in the queue.
    context.set_offline(True)
    for p in persons[1:]:
        page.fill("input[name=credential]", p.phone)
        page.click("#sample-form button.primary")
    expect(page.locator("#sample-form")).to_have_attribute("data-waiting", "2")
    expect(page.locator("#offline-queue")).to_be_visible()
    assert Sample.objects.filter(campaign=campaign).count() == 1

    # Back online: the queue is sent, once.
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("#sample-form")).to_have_attribute("data-waiting", "0")
    expect(page.locator(".tube-now")).to_contain_text(persons[2].name)
    assert Sample.objects.filter(campaign=campaign).count() == 3
    assert Tube.objects.get(campaign=campaign, code="BR-001").size == 3
    assert page.evaluate(f"localStorage.getItem('shequ.sampling.{reverse('api:campaign_tubes', args=[campaign.pk])}')") == "[]"
