"""The audit log page reads as sentences: names and addresses instead of ``person 2931``, each
change as "field: before → after" instead of ``{'birth_date': ...}``, exports as what was exported,
in the reader's language."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html as html_lib
import re
from typing import Any

import pytest
from django.urls import reverse

from shequ.registry import services
from shequ.registry.models import Household, Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(users: dict[str, Any], anchor_household: Household, login: Any) -> Person:
    staff = users["staff"]
    data = services.clean_person_fields(name="王小宝", birth_date=dt.date(2021, 3, 28), relation="child",
                                        phone="13900001111")
    infant = services.person_create(actor=staff, household=anchor_household, data=data, tags=[("infant", "早产")])
    services.person_update(actor=staff, person=infant, data=dataclasses.replace(data, birth_date=None,
                                                                                 residency="temporary"))
    services.person_update(actor=staff, person=infant, data=dataclasses.replace(data, notes="补录", phone=""),
                           cleared=["phone"])
    services.person_reveal(actor=staff, person=infant)
    services.household_update(actor=staff, household=anchor_household, note="合租")
    login("staff").get(reverse("registry:persons"), {"format": "xlsx", "tag": "chronic"})
    return infant


def _page(login: Any, language: str) -> str:
    client = login("secretary")
    client.cookies["django_language"] = language
    response = client.get(reverse("audit:events"))
    assert response.status_code == 200
    return html_lib.unescape(response.content.decode())


def test_the_log_names_people_and_places(login: Any, events: Person, anchor_household: Household) -> None:
    page = _page(login, "zh-hans")
    assert "王小宝 (富通小区 9-2-502)" in page
    assert reverse("registry:person", args=[events.pk]) in page
    assert f"person {events.pk}" not in page and "person</td>" not in page
    assert "户 富通小区 9-2-502" in page and reverse("registry:household", args=[anchor_household.pk]) in page


@pytest.mark.parametrize(("language", "expected"), [
    ("zh-hans", ["出生日期: 2021-03-28 → （空）", "人员类型: 常住人口 → 暂住人口", "备注: （空） → 合租",
                 "查看了完整的身份证号和手机号", "导出人员名单：", "含完整号码", "标签 = 慢性病"]),
    ("en", ["birth date: 2021-03-28 → (empty)", "residency: resident → temporary", "Saw the full ID and phone number.",
            "Exported the person list:", "with full numbers", "tag = chronic disease"]),
])
def test_changes_and_exports_read_as_sentences(login: Any, events: Person, language: str,
                                               expected: list[str]) -> None:
    page = _page(login, language)
    text = re.sub(r"<[^>]+>", "", page)
    text = re.sub(r"\s+", " ", text)
    for sentence in expected:
        assert sentence in text, sentence
    assert "{'" not in page and "rows, masked" not in page


def test_a_deliberate_emptying_and_a_repair_say_so(login: Any, events: Person, users: dict[str, Any]) -> None:
    from shequ.audit.models import AuditEvent

    damage = AuditEvent.objects.filter(object_id=str(events.pk), action="update").order_by("id").first()
    services.person_restore(actor=None, username="cli", person=events, values={"phone": "13900001111"},
                            repaired_event_id=damage.pk)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", _page(login, "en")))
    assert "The user emptied on purpose: phone." in text
    assert f"Repair: put back what audit event {damage.pk} emptied" in text
