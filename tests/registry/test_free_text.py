"""Free text is stored as the user typed it: full-width punctuation (，（）：) and line breaks stay;
names keep the normalisation that matching needs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from import_files import make_community
from tests.browserlike import form_data

from shequ.core.text import clean_text
from shequ.registry import services
from shequ.registry.importer import import_roster
from shequ.registry.models import Household, Person, PersonTag, Residence

pytestmark = pytest.mark.django_db

TYPED = "早产，（已随访）：每周一次"


@pytest.mark.parametrize(("raw", "stored"), [
    (TYPED, TYPED),
    ("  第一行\r\n第二行，完  ", "第一行\n第二行，完"),
    ("张\u200b三（备注）\x00", "张三（备注）"),
    ("全角ＡＢＣ１２３", "全角ＡＢＣ１２３"),
    (None, ""),
])
def test_clean_text_drops_only_what_nobody_can_see(raw: Any, stored: str) -> None:
    assert clean_text(raw) == stored


def test_the_person_form_keeps_notes_and_tag_details_as_typed_and_folds_the_name(
    login: Any, anchor_household: Household
) -> None:
    client = login("grid1")
    url = reverse("registry:person_create", args=[anchor_household.pk])
    data = form_data(client.get(url).content, "name")
    data.update({"name": "Ａｎｎａ　Ｌｉ", "relation": "other", "residency": "tenant", "notes": TYPED,
                 "tag_chronic": "on", "tag_chronic_note": "胰岛素（早晚），每日2次"})
    assert client.post(url, data).status_code == 302
    person = Person.objects.get(household=anchor_household, name="Anna Li")
    assert person.notes == TYPED
    assert PersonTag.objects.get(person=person).note == "胰岛素（早晚），每日2次"


def test_household_notes_and_move_reasons_keep_what_was_typed(
    users: dict[str, Any], anchor_household: Household, other_grid_household: Household
) -> None:
    staff = users["staff"]
    services.household_update(actor=staff, household=anchor_household, note="租户，（两人）")
    assert Household.objects.get(pk=anchor_household.pk).note == "租户，（两人）"
    person = anchor_household.persons.filter(status="active").first()
    services.person_move(actor=staff, person=person, household=other_grid_household, reason="投靠子女（长住）")
    assert Residence.objects.filter(person=person, ended_at=None).get().reason == "投靠子女（长住）"


def test_the_roster_import_keeps_notes_and_tag_details_as_typed(tmp_path: Path) -> None:
    community = make_community("fullwidth")
    path = tmp_path / "roster.csv"
    path.write_text(
        "姓名,小区,楼栋,单元,房号,备注,标签\n"
        "张三,富通小区,9,2,502,行动不便（轮椅）,慢性病：胰岛素（早晚）\n"
        "李四,富通小区,9,2,502,,慢性病（二甲双胍）\n",
        encoding="utf-8",
    )
    result = import_roster(community=community, path_or_file=path, actor=None)
    assert not result.rejected, result.rejected
    zhang = Person.objects.get(community=community, name="张三")
    assert zhang.notes == "行动不便（轮椅）"
    assert PersonTag.objects.get(person=zhang).note == "胰岛素（早晚）"
    assert PersonTag.objects.get(person__name="李四", person__community=community).note == "二甲双胍"
