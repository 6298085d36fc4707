"""Add a person, press back (the form still filled in), save again: still one person. In a real
browser, which decides whether "back" shows the old page (same submission key) or fetches a new one
(a new key, the typed values restored)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.test_date_round_trip import _log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_saving_again_after_back_adds_nobody(page: Page, live_server: Any) -> None:
    from shequ.registry.models import Household, Person

    household = Household.objects.get(community__code="futong", status="active", room__number="502",
                                      room__unit__number="2", room__unit__building__number="9",
                                      room__unit__building__compound__name="富通小区")
    _log_in(page, live_server, "grid1", "zh-hans")
    page.goto(live_server.url + reverse("registry:person_create", args=[household.pk]))
    page.fill("#id_name", "周新来")
    page.fill("#id_phone", "13900003333")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator("h1")).to_contain_text("周新来")

    page.go_back()
    expect(page.locator("#id_name")).to_be_visible()
    if not page.input_value("#id_name"):  # a browser that does not restore what was typed
        page.fill("#id_name", "周新来")
    page.get_by_role("button", name="保存", exact=True).click()
    page.wait_for_load_state()
    assert Person.objects.filter(household=household, name="周新来").count() == 1
    if "/persons/new/" in page.url:
        expect(page.locator(".error-summary")).to_contain_text("周新来")
        expect(page.locator("input[name=confirm_same_name]")).not_to_be_checked()
