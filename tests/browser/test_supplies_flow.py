"""Supplies in a real browser (Debian's chromium through Playwright, a 390 px phone, in Chinese):
staff paste five group messages, correct one and confirm; the purchase list sums them; a volunteer's
phone run delivers one order and the resident confirms receipt in their account."""

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


def test_paste_correct_confirm_buy_deliver_and_receive(page: Page, browser: Browser, live_server: Any,
                                                       world_tx: None) -> None:
    from shequ.accounts.models import User
    from shequ.registry.models import Household
    from shequ.supplies import services
    from shequ.supplies.models import InboxMessage, Order

    anchor = Household.objects.get(community__code="futong", status="active", room__number="502",
                                   room__unit__number="2", room__unit__building__number="9",
                                   room__unit__building__compound__name="富通小区")
    neighbours = [h for h in Household.objects.filter(status="active", room__unit__building=anchor.room.unit.building)
                  .exclude(pk=anchor.pk).select_related("room__unit__building").order_by("id")
                  if Household.objects.filter(room=h.room, status="active").count() == 1][:2]
    a, b, c = anchor.room.address, neighbours[0].room.address, neighbours[1].room.address
    paste = "\n".join([f"张嫂子: 富通小区{a} 测试面粉5斤", f"李阿姨: 富通小区{b} 测试面粉2斤，鸡蛋一打",
                       f"王: 富通小区{c} 测试面粉3斤", "路人: 谢谢社区", f"张嫂子: 富通小区{a} 酱油一瓶"])
    base = live_server.url

    _login(page, base, "staff")
    page.goto(base + reverse("supplies:inbox"))
    page.fill("textarea[name=paste]", paste)
    page.click("#paste button[type=submit]")
    cards = page.locator("ol.review > li")
    expect(cards).to_have_count(5)
    messages = list(InboxMessage.objects.filter(community=anchor.community).order_by("position"))
    assert [m.text.split(" ")[-1] for m in messages][-1] == "酱油一瓶"
    # Correct the soy sauce: two bottles, then confirm every order; thank-yous are set aside.
    sauce = messages[4]
    page.fill(f"#message-{sauce.pk} textarea[name=items]", "酱油 2 瓶")
    page.click(f"#message-{sauce.pk} button[value=confirm]")
    page.wait_for_load_state()
    for m in messages[:3]:
        page.click(f"#message-{m.pk} button[value=confirm]")
        page.wait_for_load_state()
    page.click(f"#message-{messages[3].pk} button[value=set_aside]")
    expect(page.locator("ol.review > li.card")).to_have_count(0)
    assert Order.objects.filter(message__in=messages).count() == 4
    assert [(i.name, int(i.quantity)) for i in Order.objects.get(message=sauce).items.all()] == [("酱油", 2)]

    # The purchase list sums the flour of three households: 5 + 2 + 3.
    page.goto(base + reverse("supplies:purchases"))
    flour = page.locator("tr", has_text="测试面粉")
    expect(flour.locator("td.quantity")).to_contain_text("10 斤")

    # Bought and packed; a run for volunteer1 with the anchor's flour.
    staff = User.objects.get(username="staff")
    order = Order.objects.get(message=messages[0])
    for step in ("purchased", "packed"):
        order = services.order_advance(actor=staff, order=order, to=step)
    run = services.run_create(actor=staff, community=anchor.community, courier=User.objects.get(username="volunteer1"),
                              orders=[order], courier_roles={"volunteer"})

    courier = _phone(browser)
    _login(courier, base, "volunteer1")
    courier.goto(base + reverse("supplies:run", args=[run.pk]))
    expect(courier.locator(".door")).to_have_text(a)
    courier.click("button[value=start]")
    expect(courier.locator("button[value=left]")).to_be_visible()
    courier.click("button[value=left]")
    expect(courier.locator("p.state")).to_contain_text("已放门口")

    resident = _phone(browser)
    _login(resident, base, "resident1")
    resident.goto(base + reverse("supplies:mine"))
    expect(resident.locator(f"#order-{order.pk}")).to_contain_text(order.receipt_code)
    resident.click(f"#order-{order.pk} button[value=receipt]")
    expect(resident.locator(f"#order-{order.pk}")).to_contain_text("已签收")
    order.refresh_from_db()
    assert (order.status, order.receipt) == ("delivered", "tap")
    courier.reload()
    expect(courier.locator("p.state")).to_contain_text("已签收")
    for phone in (courier, resident):  # quiet before the database is emptied (conftest's page)
        phone.goto("about:blank")
        phone.context.close()


def test_the_phone_run_queues_steps_without_a_signal_and_sends_them_once(page: Page, live_server: Any,
                                                                         world_tx: None) -> None:
    from shequ.accounts.models import User
    from shequ.containment.services import area_create
    from shequ.registry.models import Household
    from shequ.supplies import services
    from shequ.supplies.models import Order, RunStep

    anchor = Household.objects.get(community__code="futong", status="active", room__number="502",
                                   room__unit__number="2", room__unit__building__number="9",
                                   room__unit__building__compound__name="富通小区")
    staff = User.objects.get(username="staff")
    area_create(actor=staff, level="sealed", place=anchor.room.unit.building, reason="密接")
    order = services.order_create(actor=staff, household=anchor, kind="order", urgent=False, source="phone",
                                  items=[{"name": "米", "quantity": 1, "unit": "袋"}])
    for step in ("confirmed", "purchased", "packed"):
        order = services.order_advance(actor=staff, order=order, to=step)
    run = services.run_create(actor=staff, community=anchor.community, courier=staff, orders=[order],
                              courier_roles={"staff"})
    services.run_start(actor=staff, run=run)

    _login(page, live_server.url, "staff")
    page.goto(live_server.url + reverse("supplies:run", args=[run.pk]))
    page.context.set_offline(True)
    page.click("button[value=entered]")
    page.click("button[value=left]")
    expect(page.locator("#queue-status")).to_be_visible()
    expect(page.locator("#queue-status")).to_contain_text("2")
    order.refresh_from_db()
    assert order.left_at_door_at is None and not RunStep.objects.filter(run=run).exists()
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("p.state")).to_contain_text("已放门口")
    order = Order.objects.get(pk=order.pk)
    assert order.left_at_door_at is not None
    assert list(RunStep.objects.filter(run=run).values_list("what", flat=True)) == ["entered"]
    # Sent again (a phone that lost the answer): recorded once.
    page.reload()
    assert RunStep.objects.filter(run=run).count() == 1
