"""The daily report in Debian's chromium (390 px, Chinese): the secretary computes the day's report,
submits it with a remark, and the street office sees it arrive on its page; both pages draw their
charts as SVG."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.conftest import TEST_PASSWORD

# The street page and the charts read through the replica alias (a mirror of the test database).
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases=["default", "replica"])]


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(base + reverse("accounts:login"))
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_the_secretary_submits_and_the_street_sees_it_arrive(page: Page, live_server: Any, world_tx: None) -> None:
    from shequ.reports.models import DailyReport

    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server.url, "street")
    page.goto(live_server.url + reverse("reports:street"))
    expect(page.locator('tr[data-community="futong"]')).to_have_class("state-missing")
    expect(page.locator("svg.chart").first).to_be_visible()

    page.context.clear_cookies()
    log_in(page, live_server.url, "secretary")
    page.goto(live_server.url + reverse("reports:community"))
    page.locator(f"form[action='{reverse('reports:community')}'] button").click()
    expect(page.locator("#report")).to_be_visible()
    expect(page.locator('tr[data-key="persons"]')).to_be_visible()
    expect(page.locator("svg.chart").first).to_be_visible()
    page.fill("form[action$='/submit/'] textarea", "按时上报")
    page.locator("form[action$='/submit/'] button").click()
    expect(page.locator("#report h2")).to_contain_text("已上报")
    assert DailyReport.objects.filter(community__code="futong", status="submitted").count() == 1

    page.context.clear_cookies()
    log_in(page, live_server.url, "street")
    page.goto(live_server.url + reverse("reports:street"))
    row = page.locator('tr[data-community="futong"]')
    expect(row).not_to_have_class("state-missing")
    expect(row).to_contain_text("富通社区")
    expect(page.locator("svg.chart").first).to_be_visible()
