"""The door-knock list on a grid worker's phone (Debian's chromium through Playwright, 390 px, in
Chinese): a tick made without a signal waits on the phone, is sent when the network is back, and
counts once."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.conftest import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_grid_worker_ticks_a_household_offline_and_it_is_sent_once(page: Page, live_server: Any,
                                                                     world_tx: None) -> None:
    from shequ.accounts.models import User
    from shequ.notices import services
    from shequ.notices.models import Knock
    from shequ.registry.models import Household

    anchor = Household.objects.select_related("room__unit__building__compound").get(
        community__code="futong", status="active", room__number="502", room__unit__number="2",
        room__unit__building__number="9", room__unit__building__compound__name="富通小区")
    staff = User.objects.get(username="staff")
    services.in_person_mark(actor=staff, household=anchor, reason="没有智能手机")
    notice = services.notice_publish(actor=staff, notice=services.notice_create(
        actor=staff, community=anchor.community, kind="lockdown", title="关于9号楼封控管理的通知", body="请居家。",
        buildings=[anchor.room.unit.building_id]))

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("#id_username", "grid1")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_load_state()
    page.goto(live_server.url + reverse("notices:knock", args=[notice.pk]))
    card = page.locator("li.card", has_text=anchor.room.address)
    expect(card).to_contain_text("没有智能手机")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.context.set_offline(True)
    card.locator("button[value=told]").click()
    expect(page.locator("#queue-status")).to_be_visible()
    expect(page.locator("#queue-status")).to_contain_text("1")
    assert not Knock.objects.filter(notice=notice).exists()

    page.context.set_offline(False)
    with page.expect_response(lambda r: r.request.method == "POST"):
        page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("p", has_text="已告知1户")).to_be_visible()
    expect(page.locator("li.card", has_text=anchor.room.address)).to_have_count(0)  # told: off the list of those left
    assert list(Knock.objects.filter(notice=notice).values_list("household_id", "outcome")) == [(anchor.pk, "told")]
    page.reload()
    assert Knock.objects.filter(notice=notice).count() == 1
    page.goto("about:blank")
