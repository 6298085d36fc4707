"""Elder mode (长辈模式, shequ/elder.py) in Debian's chromium on a phone-sized page: a resident starts
in it and reaches the household card and the passes in one tap each from home; the type is at least
18 px and grows with the browser's font size; the targets are larger; anyone may turn it on or off,
and the browser remembers the choice."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.conftest import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(base + reverse("accounts:login"))
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def px(page: Page, selector: str, prop: str = "fontSize") -> float:
    return float(page.evaluate(f"parseFloat(getComputedStyle(document.querySelector({selector!r}))[{prop!r}])"))


def test_a_resident_starts_in_elder_mode_and_reaches_card_and_passes_in_one_tap(
    page: Page, live_server: Any, world_tx: None
) -> None:
    from shequ.registry.models import Household

    anchor = Household.objects.get(
        community__code="futong", status="active", room__number="502", room__unit__number="2",
        room__unit__building__number="9", room__unit__building__compound__name="富通小区")
    log_in(page, live_server.url, "resident1")
    expect(page.locator("html")).to_have_class("elder")
    assert px(page, "body") >= 18
    tiles = page.locator(".tiles a")
    # One task per tile: my household, my passes, my health reports, my orders, the notices.
    names = ["我的家庭", "我的出入证", "我的健康申报", "我的订单", "通知"]
    expect(tiles).to_have_count(len(names))
    for i, name in enumerate(names):
        expect(tiles.nth(i)).to_contain_text(name)
    for box in [tiles.nth(i).bounding_box() for i in range(len(names))]:
        assert box is not None and box["height"] >= 56 and box["width"] >= 300
    # No header menu to open: home is the menu.
    expect(page.locator("details.menu")).to_have_count(0)

    page.get_by_role("link", name="我的家庭").click()  # tap 1
    expect(page.locator("h1.household-title")).to_contain_text("9-2-502")
    assert page.url == live_server.url + reverse("registry:household", args=[anchor.pk])
    page.get_by_role("link", name="‹ 首页").click()
    page.get_by_role("link", name="我的出入证").click()  # tap 1
    expect(page.locator(".pass-card").first).to_be_visible()
    expect(page.locator(".pass-qr svg").first).to_be_visible()

    # The type follows the browser's font size (here 24 px instead of 16): 112.5 % of it.
    cdp = page.context.new_cdp_session(page)
    cdp.send("Page.setFontSizes", {"fontSizes": {"standard": 24, "fixed": 20}})
    page.reload()
    assert px(page, "body") == pytest.approx(27, abs=0.1)
    cdp.send("Page.setFontSizes", {"fontSizes": {"standard": 16, "fixed": 13}})

    # Back to the standard mode, remembered by the browser: the resident's home is the card again.
    page.get_by_role("link", name="‹ 首页").click()
    page.get_by_role("button", name="标准模式（小字）").click()
    expect(page.locator("h1.household-title")).to_contain_text("9-2-502")
    expect(page.locator("html")).not_to_have_class("elder")
    assert px(page, "body") == 16
    page.goto(live_server.url + reverse("gates:passes_own"))
    expect(page.locator("html")).not_to_have_class("elder")


def test_staff_turn_elder_mode_on_from_the_menu_and_every_page_keeps_it(
    page: Page, live_server: Any, world_tx: None
) -> None:
    log_in(page, live_server.url, "staff")
    expect(page.locator("html")).not_to_have_class("elder")
    page.locator("details.menu > summary").click()
    page.get_by_role("button", name="长辈模式（大字）").click()
    expect(page.locator("html")).to_have_class("elder")
    assert px(page, "body") == 18
    # Home is every page of the menu as a tile; a tile opens one task, with a way back.
    tiles = page.locator(".tiles a")
    assert tiles.count() >= 8
    page.get_by_role("link", name="人员", exact=True).click()
    expect(page.locator("h1")).to_have_text("人员")
    expect(page.locator("html")).to_have_class("elder")
    assert px(page, "main button[type=submit]", "height") >= 56
    page.get_by_role("link", name="‹ 首页").click()
    expect(page.locator(".tiles")).to_be_visible()
