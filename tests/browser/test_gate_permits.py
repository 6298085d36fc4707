"""A permit asked for at the gate and approved on the office's phone, in Debian's chromium: the guard
is refused for a movement restriction, requests a permit from the verdict, the secretary opens the
alert on a phone-sized page and approves, the guard's screen shows the approval by itself, and the
next scan is allowed with "permit by <approver>"."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_gate_screen import anchor_tokens, open_screen
from tests.browser.test_gate_screen_keyboard import scanner_scans
from tests.conftest import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_permit_requested_at_the_gate_and_approved_on_a_phone(
    page: Page, browser: Browser, live_server: Any, world_tx: None
) -> None:
    from shequ.accounts.models import User
    from shequ.containment.models import MovementRestriction, Permit, RestrictionKind
    from shequ.gates.models import Passage

    gate, members = anchor_tokens()
    person, token = members[0]
    MovementRestriction.objects.create(community_id=person.community_id, person=person,
                                       kind=RestrictionKind.HOME_QUARANTINE, starts_at=timezone.now())
    open_screen(page, live_server, gate)
    page.click("label.dir-out")
    page.focus("#id_credential")
    scanner_scans(page, token)
    expect(page.locator("#verdict-overlay")).to_have_attribute("data-decision", "deny")
    page.click("#verdict-permit-request")
    page.fill("#id_reason", "去市人民医院透析（家属陪同）")
    page.select_option("#id_hours", "4")
    page.click("button.record")
    expect(page.locator("#permit-list [data-status=waiting]")).to_have_count(1)
    expect(page.locator("#permit-list")).to_contain_text("waiting for the office")

    office = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US").new_page()
    office.goto(live_server.url + reverse("accounts:login"))
    office.fill("#id_username", "secretary")
    office.fill("#id_password", TEST_PASSWORD)
    office.click("button[type=submit].primary")
    office.goto(live_server.url + reverse("alerts:list"))
    office.get_by_role("link", name="a permit is requested").click()
    expect(office.locator("h1")).to_contain_text(person.name)
    expect(office.locator("body")).to_contain_text("去市人民医院透析（家属陪同）")
    assert office.evaluate("document.documentElement.scrollWidth") <= 390
    office.get_by_role("button", name="Approve").click()
    expect(office.locator(".messages")).to_contain_text("Approved")
    office.context.close()

    approver = User.objects.get(username="secretary")
    by = approver.first_name or approver.username
    # The guard's screen asks again while a request waits: the approval shows by itself.
    expect(page.locator("#permit-list [data-status=in_force]")).to_have_count(1, timeout=30_000)
    expect(page.locator("#permit-list")).to_contain_text(f"permit by {by}")
    page.focus("#id_credential")
    scanner_scans(page, token)
    overlay = page.locator("#verdict-overlay")
    expect(overlay).to_have_attribute("data-decision", "allow")
    expect(page.locator("#verdict-permit")).to_contain_text(f"permit by {by}, until")
    permit = Permit.objects.get(person=person)
    assert permit.status == Permit.Status.APPROVED and permit.decided_by == approver
    last = Passage.objects.filter(person=person).latest("id")
    assert (last.decision, last.permit) == ("allow", permit)
