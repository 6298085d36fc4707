"""The gate ledger on a guard's phone (390x844), in Debian's chromium: one card per passage instead
of eleven columns; nothing scrolls sideways and names stay on one line."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.test_gate_screen import anchor_tokens
from tests.conftest import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_ledger_is_cards_on_a_phone(page: Page, live_server: Any, world_tx: None, language: str) -> None:
    gate, _members = anchor_tokens()
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("#id_username", "gate1")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit].primary")
    page.goto(live_server.url + reverse("gates:ledger", args=[gate.pk]))
    rows = page.locator("table.ledger tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() > 5  # the demo's passages of today
    assert page.evaluate("getComputedStyle(document.querySelector('table.ledger tbody tr')).display") == "flex"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    table = page.evaluate("document.querySelector('table.ledger').getBoundingClientRect().width")
    assert table <= 390
    # A name is one line: its cell is about as high as one line of text, and as wide as the name.
    line = page.evaluate("parseFloat(getComputedStyle(document.querySelector('table.ledger td.who')).lineHeight)")
    heights = page.evaluate("[...document.querySelectorAll('table.ledger td.who')].slice(0, 20)"
                            ".map(td => td.getBoundingClientRect().height)")
    assert max(heights) < 1.5 * line
    # The labels of the checks are on the card (the table's header is not shown).
    assert page.locator("table.ledger td.check[data-label]").count() >= 3 * rows.count() - 3
