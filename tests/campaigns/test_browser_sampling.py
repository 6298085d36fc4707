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


def test_a_tube_is_filled_from_a_stairwell_lookup_in_twelve_taps(page: Any, context: Any, live_server: Any,  # noqa: F811 - the page fixture imported above
                                                                 world_tx: None) -> None:
    """Issue 9.3: type a tube code, search "9-2": the tube stays, every Add works, the results stay
    while ten people are added one after another, the tube closes by itself, the next tube is filled
    from the same results (offline too), and the sampling point chosen survives a reload."""
    from playwright.sync_api import expect

    from shequ.accounts.models import User
    from shequ.campaigns import services
    from shequ.campaigns.models import Sample, Tube
    from shequ.registry.models import Building, Community, Person

    secretary = User.objects.get(username="secretary")
    building = Building.objects.get(community__code="futong", compound__name="富通小区", number="9")
    campaign = services.campaign_create(actor=secretary, community=Community.objects.get(code="futong"),
                                        name="楼道采样", kind="test_round", starts_on=dt.date(2022, 1, 26),
                                        buildings=[building])
    campaign = services.campaign_open(actor=secretary, campaign=campaign)
    at = dt.datetime(2022, 1, 26, 8, tzinfo=dt.UTC)
    services.point_create(actor=secretary, campaign=campaign, name="第1组", slots=[(at, at + dt.timedelta(hours=4), [])])
    second_group = services.point_create(actor=secretary, campaign=campaign, name="第2组",
                                         slots=[(at, at + dt.timedelta(hours=4), [building])])
    stairwell = Person.objects.filter(household__room__unit__building=building, household__room__unit__number="2",
                                      status="active")
    assert stairwell.count() >= 12, "the test needs a stairwell of at least twelve persons"

    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("input[name=username]", "sampler1")
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("button[type=submit].primary")
    url = live_server.url + reverse("campaigns:sample", args=[campaign.pk])
    page.goto(url)
    # The group is chosen once per shift and kept across reloads, for this sampler.
    page.select_option("#point-choice", str(second_group.pk))
    page.reload()
    expect(page.locator("#point-choice")).to_have_value(str(second_group.pk))
    page.goto(url)
    expect(page.locator("#point-choice")).to_have_value(str(second_group.pk))

    taps = 0

    def tap(locator: Any) -> None:
        nonlocal taps
        taps += 1
        locator.click()

    tube_field = page.locator("input[name=tube]")
    expect(tube_field).to_be_focused()  # the scanner (or the keyboard) types the tube code straight in
    page.keyboard.type("LK-001")
    tap(page.locator("input[name=q]"))
    page.keyboard.type("9-2")
    tap(page.locator("#lookup-button"))
    rows = page.locator(".lookup-people li")
    expect(rows.first).to_be_visible()
    expect(tube_field).to_have_value("LK-001")
    shown = rows.count()
    assert shown >= 12
    chosen = []
    for i in range(10):
        row = rows.nth(i)
        chosen.append(int(row.get_attribute("data-person")))
        tap(row.locator("button.add"))
        expect(row.locator(".state")).to_contain_text("LK-001")  # the server has it, the list is still there
        assert rows.count() == shown
    assert taps <= 12, taps
    tube = Tube.objects.get(campaign=campaign, code="LK-001")
    assert tube.size == 10 and tube.is_closed and tube.point_id == second_group.pk
    assert sorted(Sample.objects.filter(tube=tube).values_list("person_id", flat=True)) == sorted(chosen)
    # Full: the page asks for the next tube, and the same results fill it, offline as well.
    expect(tube_field).to_have_value("")
    expect(tube_field).to_be_focused()
    expect(page.locator(".tube-now")).to_have_count(0)
    page.keyboard.type("LK-002")
    context.set_offline(True)
    for i in (10, 11):
        tap(rows.nth(i).locator("button.add"))
    expect(page.locator("#sample-form")).to_have_attribute("data-waiting", "2")
    assert not Tube.objects.filter(campaign=campaign, code="LK-002").exists()
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("#sample-form")).to_have_attribute("data-waiting", "0")
    expect(rows.nth(11).locator(".state")).to_contain_text("LK-002")
    expect(page.locator(".tube-now")).to_contain_text(rows.nth(11).locator("strong").inner_text())
    assert Tube.objects.get(campaign=campaign, code="LK-002").size == 2
    assert Sample.objects.filter(campaign=campaign).count() == 12


def test_a_grid_worker_calls_a_missing_person_in_one_tap_on_a_phone(page: Any, live_server: Any,  # noqa: F811 - the page fixture imported above
                                                                    world_tx: None) -> None:
    """Issue 9.10: on a 390 px page the missing list is one card per person (no name broken into
    characters), and one tap on Call shows the number (a logged reveal) and dials it."""
    from playwright.sync_api import expect

    from shequ.accounts.models import User
    from shequ.audit.models import AuditEvent
    from shequ.campaigns import services
    from shequ.campaigns.models import Target
    from shequ.registry.models import Building, Community

    secretary = User.objects.get(username="secretary")
    building = Building.objects.get(community__code="futong", compound__name="富通小区", number="9")
    campaign = services.campaign_create(actor=secretary, community=Community.objects.get(code="futong"),
                                        name="电话催检", kind="test_round", starts_on=dt.date(2022, 1, 26),
                                        buildings=[building])
    campaign = services.campaign_open(actor=secretary, campaign=campaign)
    target = Target.objects.filter(campaign=campaign).exclude(person__phone="").select_related("person").order_by(
        "building__sort_key", "unit__sort_key", "household__room__floor", "household__room__number",
        "person_id").first()
    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("input[name=username]", "grid1")
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("button[type=submit].primary")
    page.goto(live_server.url + reverse("campaigns:missing", args=[campaign.pk]))
    name = page.locator("td.who").first
    line = float(name.evaluate("e => parseFloat(getComputedStyle(e).lineHeight) || 24"))
    assert name.bounding_box()["height"] < 1.8 * line  # the name is on one line
    row = page.locator("tr", has=page.locator(f"form.call[action$='/targets/{target.pk}/call/']"))
    expect(row).not_to_contain_text(target.person.phone)
    with page.expect_request(lambda r: r.url.startswith("tel:") or "/call/" in r.url):
        row.locator("form.call button").click()
    expect(row.locator(f"a[href='tel:{target.person.phone}']")).to_have_text(target.person.phone)
    assert AuditEvent.objects.filter(action="reveal", object_id=str(target.person_id),
                                     actor__username="grid1").count() == 1
