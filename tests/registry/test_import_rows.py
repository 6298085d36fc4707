"""Rows of unusual width: a CSV line may stop early or run past the header."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import translation
from import_files import LI, ZHANG, fresh_write_tables, make_community

from shequ.registry.importer import import_roster
from shequ.registry.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    fresh_write_tables(monkeypatch)  # tables built while a mutant is on (import_files.py)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def test_short_and_long_rows(tmp_path: Path) -> None:
    community = make_community("rowwidth")
    path = tmp_path / "roster.csv"
    path.write_text(
        "姓名,身份证号,小区,楼栋,单元,房号,手机号,备注\n"
        f"张三,{ZHANG},富通小区,9,2,502\n"  # stops before phone and note
        f"李四,{LI},富通小区,9,2,502,13800138000,行动不便,多出来的,两格\n"  # runs past the header
        "王五,,富通小区,9,2\n",  # stops before the room: rejected, naming the room column
        encoding="utf-8",
    )
    result = import_roster(community=community, path_or_file=path, actor=None)
    assert [(r.row, r.column, r.reason) for r in result.rejected] == [(4, "房号", "the room is empty")]
    persons = {p.name: p for p in Person.objects.filter(community=community)}
    assert (persons["张三"].phone, persons["张三"].notes) == ("", "")
    assert (persons["李四"].phone, persons["李四"].notes) == ("13800138000", "行动不便")


def test_a_file_without_optional_columns(tmp_path: Path) -> None:
    community = make_community("fewcols")
    path = tmp_path / "roster.csv"
    path.write_text("住址,姓名\n富通小区9-2-502,张三\n", encoding="utf-8")
    result = import_roster(community=community, path_or_file=path, actor=None)
    assert (result.created, result.rejected) == (1, [])
    person = Person.objects.get(community=community)
    assert (person.name, person.id_number, person.phone, person.residency) == ("张三", None, "", "resident")
    assert person.household.room.address == "9-2-502"
