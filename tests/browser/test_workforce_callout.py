"""A call-out in a real browser (Debian's chromium through Playwright, 390 px phones, in Chinese): the
office sees a delivery post short of a person in the current shift on the duty board and calls the
shift out; volunteer1 opens the call-out on their phone and takes it; the duty board then shows the
gap filled. On the fixed clock (the live server sees the same time)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from tests.conftest import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page: Page, base: str, username: str) -> None:
    page.goto(base + reverse("accounts:login"))
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_load_state()


def _phone(browser: Browser) -> Page:
    return browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN").new_page()


def test_volunteer1_accepts_a_called_out_shift_and_the_board_shows_the_gap_filled(
        page: Page, browser: Browser, live_server: Any, world_tx: None, clock: Any) -> None:
    from shequ.accounts.models import User
    from shequ.registry.models import Community
    from shequ.workforce import services
    from shequ.workforce.models import Assignment, CallOut, Post
    from shequ.workforce.shifts import current_and_next

    futong = Community.objects.get(code="futong")
    post = services.post_create(actor=User.objects.get(username="staff"), community=futong,
                                kind=Post.Kind.DELIVERY, name="测试配送组", needed=1)
    current, _upcoming = current_and_next(services.shifts_ensure_default(community_id=futong.pk), clock())
    assert current is not None
    base = live_server.url
    office = _phone(browser)

    _login(office, base, "staff")
    office.goto(base + reverse("workforce:board"))
    gap = office.locator("#gaps li", has_text="测试配送组").filter(has_text=current.shift.name)
    expect(gap).to_have_count(1)
    gap.locator("a.button").click()
    office.wait_for_load_state()
    office.click("#callout button[type=submit]")
    office.wait_for_load_state()
    callout = CallOut.objects.get(post=post)
    assert (callout.shift_id, callout.date, callout.status) == (current.shift.pk, current.date, "open")
    expect(office.locator("code")).to_contain_text(reverse("workforce:callout", args=[callout.pk]))

    clock.advance(minutes=7)
    _login(page, base, "volunteer1")
    assert page.viewport_size == {"width": 390, "height": 844}
    page.goto(base + reverse("workforce:mine"))
    page.locator("#offered a", has_text="测试配送组").click()
    page.wait_for_load_state()
    page.click("#accept")
    page.wait_for_load_state()
    expect(page.locator("#duties")).to_contain_text("测试配送组")
    assert list(Assignment.objects.filter(post=post).values_list("user__username", flat=True)) == ["volunteer1"]
    # Nothing wider than the phone: the page reflows at 390 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    office.goto(base + reverse("workforce:board"))
    expect(office.locator("#gaps li", has_text="测试配送组").filter(has_text=current.shift.name)).to_have_count(0)
    cell = office.locator("section.post", has_text="测试配送组").locator(
        f'li[data-shift="{current.shift.pk}"][data-date="{current.date.isoformat()}"]')
    expect(cell).to_contain_text(User.objects.get(username="volunteer1").first_name or "volunteer1")
    office.goto(base + reverse("workforce:callouts"))
    expect(office.locator("tbody tr", has_text="测试配送组")).to_contain_text("7")
    office.context.close()
