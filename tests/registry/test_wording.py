"""Registry pages say what they mean in both languages: counts in the singular and plural, a
household by its head (not #177), an action as an action, the registration in the reader's language."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from shequ.registry import services
from shequ.registry.models import Compound, Household

pytestmark = pytest.mark.django_db


def _text(login: Any, user: str, url: str, language: str) -> str:
    client = login(user)
    client.cookies["django_language"] = language
    html = client.get(url).content.decode()
    html = html.split("<main", 1)[-1]  # the page's own words, not the header's menu
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_counts_are_in_the_singular_and_plural(login: Any) -> None:
    single = Compound.objects.get(community__code="futong", name="邮政宿舍楼")
    assert single.buildings.count() == 1
    assert "1 building " in _text(login, "staff", reverse("registry:compounds"), "en")
    assert "1 buildings" not in _text(login, "staff", reverse("registry:compounds"), "en")
    zh = _text(login, "staff", reverse("registry:compound", args=[single.pk]), "zh-hans")
    assert re.search(r"\d+ 户 \d+ 人 ", zh) and "人员 " not in zh.split("小区", 2)[-1][:200]


@pytest.mark.parametrize(("language", "head"), [("zh-hans", "户"), ("en", "household of ")])
def test_a_household_is_named_by_its_head(login: Any, anchor_household: Household, language: str,
                                          head: str) -> None:
    name = anchor_household.persons.get(relation="head", status="active").name
    text = _text(login, "staff", reverse("registry:room", args=[anchor_household.room_id]), language)
    assert (f"{name}户" if language == "zh-hans" else f"household of {name}") in text
    assert f"#{anchor_household.pk}" not in text


@pytest.mark.parametrize(("language", "action", "registered"), [
    ("zh-hans", "登记迁出", "入户登记"), ("en", "Mark as moved out", "registered")])
def test_the_person_page_speaks_the_readers_language(login: Any, users: dict[str, Any],
                                                    anchor_household: Household, language: str, action: str,
                                                    registered: str) -> None:
    person = services.person_create(actor=users["staff"], household=anchor_household,
                                    data=services.clean_person_fields(name="郑新户"))
    text = _text(login, "staff", reverse("registry:person", args=[person.pk]), language)
    assert action in text and registered in text
