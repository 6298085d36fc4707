"""A newcomer's path on an empty install, in Debian's chromium at phone size (issue 18 item 7): the
first-run page, the secretary's first login and password change, the roster import, two grids drawn,
a gate added, a guard account added and put on duty, pass cards printed, and the guard signing in
on a phone and scanning a resident's pass. The README's "Your own community" walks the same path.

The first-run page is audited here (axe, text size, targets, reflow: tests/browser/a11y.py), as it
exists only on an empty installation (audit_plan.NOT_PAGES)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from tests.browser import a11y
from tests.browser.conftest import _InFlight

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECRETARY_PASSWORD = "fu-tong-secretary-2022"  # noqa: S105
GUARD_PASSWORD = "east-gate-guard-2022"  # noqa: S105


def id_number(area: str, birth: str, sequence: str) -> str:
    """A resident ID number with its GB 11643 check character."""
    body = area + birth + sequence
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


# name, building, unit, room: three households in building 1, two in building 2.
PEOPLE = [("王大爷", "1", "1", "101"), ("王小明", "1", "1", "101"), ("李阿姨", "1", "2", "201"),
          ("孙老师", "1", "2", "202"), ("赵先生", "2", "1", "301"), ("钱女士", "2", "1", "302")]


def roster_csv() -> bytes:
    rows = ["姓名,身份证号,小区,楼栋,单元,房号"]
    for n, (name, building, unit, room) in enumerate(PEOPLE):
        rows.append(f"{name},{id_number('110105', f'19{50 + n}0101', f'{n + 1:02d}1')},富通小区,{building},{unit},{room}")
    return ("\n".join(rows) + "\n").encode()


@pytest.fixture
def empty_install(transactional_db: Any) -> Iterator[None]:
    from django.core.management import call_command

    from shequ.audit import triggers

    triggers.uninstall(connection)
    call_command("flush", interactive=False, verbosity=0)
    triggers.install(connection)
    yield
    triggers.uninstall(connection)


@pytest.fixture
def phone(browser: Browser, empty_install: None) -> Iterator[Any]:
    """new_page() -> a phone-sized page in Chinese in a context of its own (the office's computer, the
    guard's phone); every context is closed and the server idle before the database is emptied."""
    from django.core.signals import request_finished, request_started

    in_flight = _InFlight()
    request_started.connect(in_flight.started, dispatch_uid="onboarding-started")
    request_finished.connect(in_flight.finished, dispatch_uid="onboarding-finished")
    contexts = []

    def new_page() -> Page:
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
        context.route("**/gates/sw.js", lambda route: route.abort())
        contexts.append(context)
        return context.new_page()

    try:
        yield new_page
    finally:
        for context in contexts:
            context.close()
        assert in_flight.wait_idle(timeout=30)
        request_started.disconnect(dispatch_uid="onboarding-started")
        request_finished.disconnect(dispatch_uid="onboarding-finished")


def _audited(page: Page, what: str) -> None:
    problems = a11y.audit(page)
    assert not problems, f"{what}: {problems}"


def test_a_new_community_goes_from_an_empty_install_to_its_first_gate_scan(live_server: Any, phone: Any) -> None:
    from shequ.gates.models import Passage
    from shequ.passes import tokens as passes
    from shequ.passes.models import Pass
    from shequ.registry.models import Building, Person

    base = live_server.url
    office = phone()

    # 1. The first-run page, from the server itself: the street, the community, the secretary.
    office.goto(base + reverse("accounts:login"))
    office.get_by_role("link", name="建立第一个社区").click()
    _audited(office, "first-run page")
    for field, value in (("street_name", "新华街道"), ("street_code", "xinhua"), ("name", "富通社区"),
                         ("code", "futong"), ("secretary_name", "王书记"), ("secretary_phone", "13800138000")):
        office.fill(f"#id_{field}", value)
    office.click("button[type=submit].primary")
    expect(office.get_by_role("heading", name="社区已建好")).to_be_visible()
    one_time = office.locator(".slip dd").nth(1).inner_text().strip()

    # 2. First login with the one-time password, then her own password.
    office.get_by_role("link", name="登录").last.click()
    expect(office.locator("#id_username")).to_have_value("13800138000")
    office.fill("#id_password", one_time)
    office.click("button[type=submit].primary")
    expect(office).to_have_url(base + reverse("accounts:password_change"))
    _audited(office, "forced password change")
    office.fill("#id_new_password1", SECRETARY_PASSWORD)
    office.fill("#id_new_password2", SECRETARY_PASSWORD)
    office.click("button[type=submit].primary")
    expect(office).to_have_url(base + reverse("home"))

    # 3. The roster.
    office.goto(base + reverse("registry:import"))
    office.set_input_files("#id_file", {"name": "花名册.csv", "mimeType": "text/csv", "buffer": roster_csv()})
    office.click("button[type=submit].primary")
    expect(office.locator(".result .created")).to_have_text(str(len(PEOPLE)))

    # 4. Two grids, drawn from the buildings; the counts follow the ticks before saving.
    buildings = {b.number: b for b in Building.objects.filter(community__code="futong")}
    for number, building in ((1, "1"), (2, "2")):
        office.goto(base + reverse("registry:grids"))
        office.get_by_role("link", name="新建网格").click()
        expect(office.locator("#id_number")).to_have_value(str(number))
        office.click("button[type=submit].primary")
        office.check(f"input[name=building][value='{buildings[building].pk}']")
        expect(office.locator("#grid-buildings")).to_have_text("1")
        expect(office.locator("#grid-households")).to_have_text("3" if building == "1" else "2")
        if number == 1:
            _audited(office, "drawing a grid")
        office.click("button[type=submit].primary")
        expect(office.locator(".messages")).to_contain_text("1 栋楼")
    assert {b.number: b.grid.number for b in Building.objects.filter(community__code="futong")} == {"1": 1, "2": 2}

    # 5. A gate, and a guard for it.
    office.goto(base + reverse("gates:gates"))
    office.fill("#id_name", "东门")
    office.get_by_role("button", name="添加", exact=True).click()
    expect(office.locator(".messages")).to_contain_text("卡口已添加")
    office.goto(base + reverse("accounts:member_add"))
    office.fill("#id_name", "张门岗")
    office.fill("#id_phone", "13900139000")
    office.select_option("#id_role", "gate_guard")
    office.click("button[type=submit].primary")
    expect(office.locator(".slip")).to_have_count(1)
    _audited(office, "one-time password slip")
    guard_one_time = office.locator(".slip .otp").inner_text().strip()
    office.goto(base + reverse("gates:roster"))
    # The roster names the gate nobody guards in the shift under way: the link fills the form in for
    # that shift (the week's first "+" may be a shift that ended this morning).
    office.locator(".unstaffed", has_text="当前班次").get_by_role("link", name="东门").click()
    office.select_option("#assign select[name=guard]", label="张门岗 (13900139000)")
    office.locator("#assign button[type=submit]").click()
    expect(office.locator(".messages")).to_contain_text("张门岗")

    # 6. Pass cards of the first grid, printed.
    office.goto(base + reverse("gates:passes"))
    cards_url = office.get_by_role("link", name="第1网格", exact=False).first.get_attribute("href")
    printed = office.request.get(base + cards_url)
    assert printed.status == 200 and printed.headers["content-type"] == "application/pdf"

    # 7. The guard, on a phone, signs in, sets a password and scans 王大爷's pass.
    guard = phone()
    guard.goto(base + reverse("accounts:login") + "?username=13900139000")
    guard.fill("#id_password", guard_one_time)
    guard.click("button[type=submit].primary")
    guard.fill("#id_new_password1", GUARD_PASSWORD)
    guard.fill("#id_new_password2", GUARD_PASSWORD)
    guard.click("button[type=submit].primary")
    guard.goto(base + reverse("gates:screen_start"))
    expect(guard.locator("#record-button")).to_be_visible()
    # Posted to the gate for the shift under way, not for one that has ended.
    expect(guard.locator("#on-duty")).to_contain_text("张门岗")
    elder = Person.objects.get(community__code="futong", name="王大爷")
    token = passes.token_for(Pass.objects.get(person=elder, revoked_at__isnull=True).code)
    guard.fill("#id_temperature", "36.5")
    guard.fill("#id_credential", token)
    guard.press("#id_credential", "Enter")
    expect(guard.locator("#verdict-overlay")).to_have_attribute("data-decision", "allow")
    passage = Passage.objects.get(person=elder)
    assert passage.guard.username == "13900139000" and passage.gate.name == "东门"
