"""Every date input round-trips in a real browser, in Chinese and in English.

An <input type="date"> accepts only YYYY-MM-DD. The Chinese locale's date format (2021/03/28) put
into one is dropped by the browser and submitted as empty, which erased birth dates on every edit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.conftest import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGES = {"zh-hans": "保存", "en": "Save"}


def _log_in(page: Page, live_server: Any, username: str, language: str) -> None:
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def _infant(anchor_household: Any) -> Any:
    """A child without an ID number: the birth date is typed in, not derived from a number."""
    from shequ.accounts.models import User
    from shequ.registry import services

    data = services.clean_person_fields(name="王小宝", birth_date=dt.date(2021, 3, 28), sex="male",
                                        relation="child", notes="早产")
    return services.person_create(actor=User.objects.get(username="staff"), household=anchor_household, data=data)


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_editing_only_the_note_keeps_the_birth_date(page: Page, live_server: Any, language: str) -> None:
    from shequ.audit.models import AuditEvent
    from shequ.registry.models import Household, Person

    household = Household.objects.get(community__code="futong", status="active", room__number="502",
                                      room__unit__number="2", room__unit__building__number="9",
                                      room__unit__building__compound__name="富通小区")
    infant = _infant(household)
    _log_in(page, live_server, "staff", language)
    page.goto(live_server.url + reverse("registry:person_edit", args=[infant.pk]))
    expect(page.locator("#id_birth_date")).to_have_value("2021-03-28")
    page.fill("#id_notes", "早产 已随访")
    page.get_by_role("button", name=LANGUAGES[language], exact=True).click()
    page.wait_for_url(live_server.url + reverse("registry:person", args=[infant.pk]))

    infant = Person.objects.get(pk=infant.pk)
    assert infant.birth_date == dt.date(2021, 3, 28)
    assert infant.notes == "早产 已随访"
    event = AuditEvent.objects.filter(action="update", object_type="person", object_id=str(infant.pk)).get()
    assert event.before == {"notes": "早产"} and event.after == {"notes": "早产 已随访"}


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_a_test_rounds_start_date_round_trips(page: Page, live_server: Any, language: str) -> None:
    from shequ.campaigns.models import Campaign

    _log_in(page, live_server, "staff", language)
    page.goto(live_server.url + reverse("campaigns:create") + "?kind=test_round")
    shown = page.locator("#id_starts_on").input_value()
    assert shown, "the start date the page offers reaches the date input"
    page.fill("#id_name", f"全员核酸 {language}")
    page.get_by_role("button", name=LANGUAGES[language], exact=True).click()
    page.wait_for_url(lambda url: "/campaigns/new/" not in url)
    campaign = Campaign.objects.get(name=f"全员核酸 {language}")
    assert campaign.starts_on == dt.date.fromisoformat(shown)


def test_a_birth_date_the_user_empties_is_emptied(page: Page, live_server: Any) -> None:
    """The page's script tells the server which fields the user changed (core/forms.py EditForm)."""
    from shequ.audit.models import AuditEvent
    from shequ.registry.models import Household, Person

    household = Household.objects.get(community__code="futong", status="active", room__number="502",
                                      room__unit__number="2", room__unit__building__number="9",
                                      room__unit__building__compound__name="富通小区")
    infant = _infant(household)
    _log_in(page, live_server, "staff", "zh-hans")
    page.goto(live_server.url + reverse("registry:person_edit", args=[infant.pk]))
    page.fill("#id_birth_date", "")
    page.get_by_role("button", name="保存", exact=True).click()
    page.wait_for_url(live_server.url + reverse("registry:person", args=[infant.pk]))
    assert Person.objects.get(pk=infant.pk).birth_date is None
    event = AuditEvent.objects.filter(action="update", object_type="person", object_id=str(infant.pk)).get()
    assert event.after == {"birth_date": None} and event.summary == "emptied by the user: birth_date"
