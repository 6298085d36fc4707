"""A grid worker on a phone: log in, find 9-2-502, see masked numbers, be refused another grid's
household, switch the language. In Debian's chromium through Playwright."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.conftest import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_grid_worker_finds_household_sees_masked_numbers_and_switches_language(
    page: Page, live_server: Any, world_tx: None
) -> None:
    from shequ.registry.models import Household, Person

    anchor = Household.objects.get(
        community__code="futong", status="active", room__number="502", room__unit__number="2",
        room__unit__building__number="9", room__unit__building__compound__name="富通小区",
    )
    other = (
        Household.objects.filter(community__code="futong", status="active", persons__isnull=False)
        .exclude(room__unit__building__grid__number=1).order_by("id").first()
    )
    person = Person.objects.filter(household=anchor, status="active").exclude(id_number=None).first()

    page.goto(live_server.url + reverse("accounts:login"))
    expect(page.locator("h1")).to_have_text("登录")
    page.fill("#id_username", "grid1")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit].primary")

    page.fill("input[name=q]", "9-2-502")
    page.press("input[name=q]", "Enter")
    links = page.locator("a.household-link")
    # grid1 sees futong's 9-2-502 only, not nanxincun's 广立南区 9-2-502.
    expect(links).to_have_count(1)
    expect(links.first).to_contain_text("富通小区")
    links.first.click()

    expect(page.locator("h1.household-title")).to_contain_text("9-2-502")
    id_cells = page.locator("dd.id-number")
    expect(id_cells.first).to_be_visible()
    body = page.content()
    assert person.id_number not in body
    assert person.phone not in body
    assert re.search(r"\d{4}\*{10}[0-9X]{4}", body)
    # Grid workers may not reveal full numbers.
    expect(page.locator("button.reveal")).to_have_count(0)

    response = page.goto(live_server.url + reverse("registry:household", args=[other.pk]))
    assert response is not None and response.status == 404

    page.goto(live_server.url + reverse("registry:household", args=[anchor.pk]))
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()
    page.click("button[lang=en]")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
