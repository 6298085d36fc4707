"""Type size, zoom and the keyboard, in Debian's chromium on a phone-sized page: text follows the
font size the user set in the browser, and at twice the default size (200 %) no page scrolls
sideways (a masked ID number wraps; a wide table scrolls in its own region); on a phone the person
list is cards with whole names; the first Tab reaches a link past the header, and a failed login
puts the focus on its announced error."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser import a11y
from tests.conftest import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_text_follows_the_browser_font_size_and_pages_reflow_at_200_percent(
    page: Page, live_server: Any, world_tx: None
) -> None:
    from shequ.registry.models import Household

    anchor = Household.objects.get(
        community__code="futong", status="active", room__number="502", room__unit__number="2",
        room__unit__building__number="9", room__unit__building__compound__name="富通小区")
    person = anchor.persons.filter(status="active").exclude(id_number=None).order_by("id").first()
    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("#id_username", "grid1")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    # At the browser's default size a phone shows the person list as cards, each name on one line.
    page.goto(live_server.url + reverse("registry:persons"))
    names = page.locator("table.persons td:first-child a")
    line = float(page.evaluate("parseFloat(getComputedStyle(document.body).lineHeight)"))
    for i in range(5):
        box = names.nth(i).bounding_box()
        assert box is not None and box["height"] <= max(44, 1.5 * line), "a name is not cut into one character per line"

    cdp = page.context.new_cdp_session(page)
    cdp.send("Page.setFontSizes", {"fontSizes": {"standard": 32, "fixed": 26}})
    for url in [reverse("registry:household", args=[anchor.pk]), reverse("registry:person", args=[person.pk]),
                reverse("registry:persons"), reverse("registry:building", args=[anchor.room.unit.building_id])]:
        page.goto(live_server.url + url)
        assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") == 32
        assert a11y.sideways(page) == [], url
    page.goto(live_server.url + reverse("registry:household", args=[anchor.pk]))
    number = page.locator("dd.id-number").first.bounding_box()
    assert number is not None and number["x"] + number["width"] <= 390
    cdp.send("Page.setFontSizes", {"fontSizes": {"standard": 16, "fixed": 13}})


def test_a_keyboard_user_skips_the_header_and_lands_on_a_login_error(
    page: Page, live_server: Any, world_tx: None
) -> None:
    page.goto(live_server.url + reverse("accounts:login"))
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0, "the skip link shows when it has the focus"
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    page.fill("#id_username", "grid1")
    page.fill("#id_password", "not the password")
    page.press("#id_password", "Enter")
    alert = page.get_by_role("alert")
    expect(alert).to_be_focused()
    expect(alert).to_contain_text("用户名或密码错误")
