"""The roster import: messy files in, people and places out; every bad row reported, nothing doubled."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import django.db
import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.utils import translation
from import_files import (
    HEADERS,
    LI,
    WANG,
    X_ENDING,
    ZHANG,
    ZHAO,
    csv_file,
    fresh_write_tables,
    make_community,
    row,
    xlsx,
)
from openpyxl import load_workbook

from shequ.audit.models import AuditEvent
from shequ.cli import main
from shequ.core.idnumber import make_id_number
from shequ.registry.importer import (
    REASON_HEADER,
    ImportResult,
    RosterFileError,
    import_roster,
    read_roster,
    rejected_rows_xlsx,
)
from shequ.registry.models import (
    Building,
    Community,
    Compound,
    Household,
    Person,
    PersonTag,
    Residence,
    Room,
    Unit,
)
from shequ.registry.services import person_snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    fresh_write_tables(monkeypatch)  # tables built while a mutant is on (import_files.py)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    # The reasons are checked in English, the msgids; the default language is zh-hans.
    with translation.override("en"):
        yield


@pytest.fixture
def community() -> Community:
    return make_community("imptest")


def run(path: Path, community: Community, **kwargs: Any) -> ImportResult:
    kwargs.setdefault("actor", None)
    return import_roster(community=community, path_or_file=path, **kwargs)


def roster(tmp_path: Path, *rows: list[object], name: str = "roster.xlsx") -> Path:
    return xlsx(tmp_path / name, [HEADERS, *rows])


def reasons(result: ImportResult) -> list[tuple[int, str, str]]:
    return [(r.row, r.column, r.reason) for r in result.rejected]


def counts(community: Community) -> dict[str, int]:
    models = (Compound, Building, Unit, Room, Household, Person, Residence, PersonTag, AuditEvent)
    return {m.__name__: m.objects.filter(community=community).count() for m in models}


# -- a clean file ---------------------------------------------------------------------------------


def test_it_imports_people_and_creates_their_places(tmp_path: Path, community: Community) -> None:
    path = roster(
        tmp_path,
        row(1, "张三", ZHANG, "13800138000", relation="户主", residency="常住"),
        row(2, "李四", LI, "", relation="配偶"),
        row(3, "王五", WANG, "13900139000", building="10号楼", unit="1单元", room="301", relation="租户",
            residency="租住"),
    )
    result = run(path, community)
    assert (result.rows, result.created, result.updated, result.rejected) == (3, 3, 0, [])
    zhang = Person.objects.filter(community=community).get(id_number=ZHANG)
    assert (zhang.name, zhang.phone, zhang.sex, zhang.birth_date) == ("张三", "13800138000", "male", dt.date(1950, 3, 4))
    assert (zhang.relation, zhang.residency, zhang.name_initials) == ("head", "resident", "zs")
    assert zhang.household.room.address == "9-2-502"
    assert zhang.household.room.unit.building.compound.name == "富通小区"
    assert Person.objects.filter(community=community).get(id_number=LI).household == zhang.household
    wang = Person.objects.filter(community=community).get(id_number=WANG)
    assert (wang.relation, wang.residency, wang.household.room.address) == ("tenant", "tenant", "10-1-301")
    # Places and households are created inside the community, and carry it.
    assert not Building.objects.filter(compound__community=community).exclude(community=community).exists()
    assert not Unit.objects.filter(building__compound__community=community).exclude(community=community).exists()
    assert not Room.objects.filter(unit__building__compound__community=community).exclude(community=community).exists()
    assert not Household.objects.filter(room__community=community).exclude(community=community).exists()
    assert not Residence.objects.filter(person__community=community).exclude(community=community).exists()
    assert counts(community) | {"AuditEvent": 0} == {
        "Compound": 1, "Building": 2, "Unit": 2, "Room": 2, "Household": 2, "Person": 3, "Residence": 3,
        "PersonTag": 0, "AuditEvent": 0,
    }
    assert Residence.objects.filter(community=community, ended_at__isnull=True).count() == 3
    assert Room.objects.filter(community=community).get(number="502").floor == 5


@pytest.mark.parametrize(
    "headers",
    [
        ["姓名", "身份证号码", "手机号码", "小区", "楼栋", "单元", "房号"],
        ["姓名", "证件号码", "联系电话", "小区", "楼号", "单元", "门牌号"],
        ["姓名", "身份证号", "电话", "compound", "building", "unit", "room"],
        ["name", "id_number", "phone", "Compound", "Building", "Unit", "Room"],
        ["姓名*", "身份证号（必填）", "手机号 ", "小区", "楼栋", "单元", "房号"],
    ],
)
def test_header_variants(tmp_path: Path, community: Community, headers: list[str]) -> None:
    path = xlsx(tmp_path / "r.xlsx", [headers, ["张三", ZHANG, "13800138000", "富通小区", "9号楼", "2单元", "502"]])
    result = run(path, community)
    assert result.created == 1, reasons(result)
    person = Person.objects.filter(community=community).get()
    assert (person.id_number, person.phone, person.household.room.address) == (ZHANG, "13800138000", "9-2-502")


def test_english_headers_and_codes(tmp_path: Path, community: Community) -> None:
    headers = ["name", "id_number", "phone", "compound", "building", "unit", "room", "relation", "residency",
               "tags", "note"]
    path = xlsx(tmp_path / "r.xlsx", [headers, ["Anna Li", WANG, "", "Riverside", "3", "1", "1201", "child_in_law",
                                                "migrant", "chronic:insulin; low_income", "speaks English"]])
    result = run(path, community)
    assert result.created == 1, reasons(result)
    anna = Person.objects.filter(community=community).get()
    assert (anna.name, anna.relation, anna.residency, anna.notes) == ("Anna Li", "child_in_law", "migrant",
                                                                       "speaks English")
    assert dict(anna.tags.values_list("tag", "note")) == {"chronic": "insulin", "low_income": ""}


def test_serial_numbers_and_other_columns_are_ignored(tmp_path: Path, community: Community) -> None:
    path = xlsx(tmp_path / "r.xlsx", [["序号", "姓名", "民族", "身份证号", "住址", "政治面貌"],
                                      [1, "张三", "汉", ZHANG, "富通小区9-2-502", "群众"]])
    result = run(path, community)
    assert (result.created, result.rejected) == (1, [])


# -- addresses ------------------------------------------------------------------------------------


@pytest.mark.parametrize("header", ["住址", "地址", "家庭住址", "address"])
def test_one_address_column_instead_of_four(tmp_path: Path, community: Community, header: str) -> None:
    path = xlsx(tmp_path / "r.xlsx", [["姓名", "身份证号", header],
                                      ["张三", ZHANG, "富通小区9号楼2单元502室"],
                                      ["李四", LI, "富通小区9-2-502"],
                                      ["王五", WANG, "阳光花园10栋三单元1201"]])
    result = run(path, community)
    assert (result.created, result.rejected) == (3, [])
    assert Person.objects.filter(community=community).get(id_number=ZHANG).household == Person.objects.filter(community=community).get(id_number=LI).household
    wang_room = Person.objects.filter(community=community).get(id_number=WANG).household.room
    assert (wang_room.unit.building.compound.name, wang_room.address) == ("阳光花园", "10-3-1201")
    assert Room.objects.filter(community=community).count() == 2


def test_an_address_without_compound_uses_the_communitys_only_compound(tmp_path: Path, community: Community) -> None:
    Compound.objects.create(community=community, name="富通小区")
    path = xlsx(tmp_path / "r.xlsx", [["姓名", "住址"], ["张三", "9-2-502"]])
    assert run(path, community).created == 1
    assert Person.objects.filter(community=community).get().household.room.unit.building.compound.name == "富通小区"


def test_an_address_without_compound_is_rejected_when_there_are_several(
    tmp_path: Path, community: Community
) -> None:
    Compound.objects.create(community=community, name="富通小区")
    Compound.objects.create(community=community, name="阳光花园")
    path = xlsx(tmp_path / "r.xlsx", [["姓名", "住址"], ["张三", "9-2-502"]])
    result = run(path, community)
    assert result.created == 0
    assert [(r.row, r.column) for r in result.rejected] == [(2, "住址")]
    assert "compound" in result.rejected[0].reason


def test_a_longer_address_ending_in_a_known_compound_is_that_compound(tmp_path: Path, community: Community) -> None:
    Compound.objects.create(community=community, name="富通小区")
    path = xlsx(tmp_path / "r.xlsx", [["姓名", "住址"], ["张三", "江汉区民意街道富通小区9-2-502"]])
    assert run(path, community).created == 1
    assert list(Compound.objects.filter(community=community).values_list("name", flat=True)) == ["富通小区"]


def test_a_compound_whose_name_merely_ends_like_another_is_its_own(tmp_path: Path, community: Community) -> None:
    Compound.objects.create(community=community, name="和平里")
    path = xlsx(tmp_path / "r.xlsx", [["姓名", "住址"], ["张三", "新和平里9-2-502"]])
    assert run(path, community).created == 1
    assert sorted(Compound.objects.filter(community=community).values_list("name", flat=True)) == ["和平里", "新和平里"]


def test_spellings_of_one_place_are_one_place(tmp_path: Path, community: Community) -> None:
    path = roster(
        tmp_path,
        row(1, "甲", building="9号楼", unit="2单元", room="502室"),
        row(2, "乙", building="9栋", unit="二单元", room=502),
        row(3, "丙", building="9幢", unit=2, room="５０２"),
        row(4, "丁", building=9, unit="２", room="502"),
        row(5, "戊", building="９号楼", unit="2", room=502.0),
    )
    result = run(path, community)
    assert (result.created, result.rejected) == (5, [])
    assert (Building.objects.filter(community=community).count(), Unit.objects.filter(community=community).count(), Room.objects.filter(community=community).count()) == (1, 1, 1)
    assert Household.objects.filter(community=community).count() == 1
    assert Room.objects.filter(community=community).get().address == "9-2-502"


def test_bad_place_cells_are_rejected_with_their_column(tmp_path: Path, community: Community) -> None:
    path = roster(
        tmp_path,
        row(1, "甲", building="楼"),
        row(2, "乙", unit="第二单元层"),
        row(3, "丙", room=""),
    )
    result = run(path, community)
    assert [(r.row, r.column) for r in result.rejected] == [(2, "楼栋"), (3, "单元"), (4, "房号")]
    assert "room is empty" in result.rejected[2].reason


def test_a_bad_address_is_rejected(tmp_path: Path, community: Community) -> None:
    path = xlsx(tmp_path / "r.xlsx", [["姓名", "住址"], ["张三", "富通小区门口"]])
    result = run(path, community)
    assert reasons(result)[0][:2] == (2, "住址")
    assert "is not an address" in result.rejected[0].reason


# -- normalisation ----------------------------------------------------------------------------------


def test_full_width_spaces_and_lowercase_x_are_corrected(tmp_path: Path, community: Community) -> None:
    full_width = ZHANG.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    path = roster(
        tmp_path,
        row(1, "张　三", full_width, "１３８ ００１３ ８０００"),
        row(2, "  李  四 ", X_ENDING.lower(), " 139-0013-9000 "),
    )
    result = run(path, community)
    assert (result.created, result.rejected) == (2, [])
    assert Person.objects.filter(community=community).get(id_number=ZHANG).name == "张三"
    li = Person.objects.filter(community=community).get(id_number=X_ENDING)
    assert (li.name, li.phone) == ("李四", "13900139000")


# -- ID numbers and phones --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("id_number", "fragment"),
    [
        ("420106500304011", "15-digit"),
        (ZHANG[:-1] + ("0" if ZHANG[-1] != "0" else "1"), "check character"),
        (make_id_number("420106", dt.date(2099, 1, 1), 1), "in the future"),
        (make_id_number("990106", dt.date(1990, 1, 1), 1), "not a province code"),
        ("4201061950", "18 characters"),
    ],
)
def test_bad_id_numbers_are_rejected(tmp_path: Path, community: Community, id_number: str, fragment: str) -> None:
    path = roster(tmp_path, row(1, "张三", id_number))
    result = run(path, community)
    assert result.created == 0
    [problem] = result.rejected
    assert (problem.row, problem.column) == (2, "身份证号")
    assert fragment in problem.reason
    assert Person.objects.filter(community=community).count() == 0


def test_an_unknown_county_is_accepted(tmp_path: Path, community: Community) -> None:
    number = make_id_number("429999", dt.date(1970, 1, 1), 5)
    assert run(roster(tmp_path, row(1, "张三", number)), community).created == 1


def test_an_id_number_mangled_into_a_number_is_rejected(tmp_path: Path, community: Community) -> None:
    numeric = next(n for n in (ZHANG, LI, WANG) if n[-1].isdigit())
    path = roster(tmp_path, row(1, "张三", int(numeric)))  # a numeric cell, as Excel makes it
    result = run(path, community)
    [problem] = result.rejected
    assert problem.column == "身份证号"
    assert "lost its last digits" in problem.reason


def test_an_id_number_in_scientific_notation_is_rejected(tmp_path: Path, community: Community) -> None:
    path = csv_file(tmp_path / "r.csv", [["姓名", "身份证号", "住址"], ["张三", "4.20106E+17", "富通小区9-2-502"]],
                    encoding="utf-8")
    assert "lost its last digits" in run(path, community).rejected[0].reason


def test_a_bad_phone_is_rejected(tmp_path: Path, community: Community) -> None:
    result = run(roster(tmp_path, row(1, "张三", ZHANG, "1380013800")), community)
    assert [(r.row, r.column) for r in result.rejected] == [(2, "手机号")]
    assert "1380013800" in result.rejected[0].reason


def test_every_problem_of_a_row_is_reported(tmp_path: Path, community: Community) -> None:
    result = run(roster(tmp_path, row(1, "", "12345", "12345", relation="邻居")), community)
    assert [r.column for r in result.rejected] == ["姓名", "身份证号", "手机号", "与户主关系"]
    assert result.rejected_rows == 1
    assert result.rejected[0].values[1] == ""


def test_a_repeated_id_number_names_the_earlier_row(tmp_path: Path, community: Community) -> None:
    path = roster(tmp_path, row(1, "张三", ZHANG), row(2, "李四", LI), row(3, "张三丰", ZHANG.lower()))
    result = run(path, community)
    assert result.created == 2
    [problem] = result.rejected
    assert (problem.row, problem.column) == (4, "身份证号")
    assert "row 2" in problem.reason


def test_the_same_name_in_the_same_room_without_id_is_a_repeat(tmp_path: Path, community: Community) -> None:
    result = run(roster(tmp_path, row(1, "赵小宝"), row(2, "赵小宝")), community)
    assert result.created == 1
    assert [(r.row, r.column) for r in result.rejected] == [(3, "姓名")]
    assert "row 2" in result.rejected[0].reason


# -- matching people --------------------------------------------------------------------------------


def test_the_same_person_is_updated_not_duplicated(tmp_path: Path, community: Community) -> None:
    run(roster(tmp_path, row(1, "张三", ZHANG, "13800138000")), community)
    result = run(roster(tmp_path, row(1, "张三", ZHANG, "13900139000", relation="户主"), name="fixed.xlsx"), community)
    assert (result.created, result.updated) == (0, 1)
    person = Person.objects.filter(community=community).get()
    assert (person.phone, person.relation) == ("13900139000", "head")


def test_importing_the_same_file_again_changes_nothing(tmp_path: Path, community: Community) -> None:
    path = roster(
        tmp_path,
        row(1, "张三", ZHANG, "13800138000", relation="户主", tags="慢性病:胰岛素"),
        row(2, "李四", LI, relation="配偶"),
        row(3, "赵小宝", "", relation="子女"),
        row(4, "王五", WANG, building="10栋", room="301室"),
    )
    first = run(path, community)
    before = counts(community)
    second = run(path, community)
    assert (first.created, second.created, second.updated, second.unchanged) == (4, 0, 0, 4)
    after = counts(community)
    # The import itself (started, finished), nothing per person.
    assert after.pop("AuditEvent") == before.pop("AuditEvent") + 2
    assert after == before


def test_a_person_without_id_is_matched_by_name_and_room(tmp_path: Path, community: Community) -> None:
    run(roster(tmp_path, row(1, "赵小宝", relation="子女")), community)
    result = run(roster(tmp_path, row(1, "赵小宝", "", "13700137000", relation="子女"), name="b.xlsx"), community)
    assert (result.created, result.updated) == (0, 1)
    assert Person.objects.filter(community=community).get().phone == "13700137000"
    # The same name in another room is somebody else.
    other = run(roster(tmp_path, row(1, "赵小宝", room="601"), name="c.xlsx"), community)
    assert other.created == 1


def test_an_id_number_added_later_goes_to_the_person_without_one(tmp_path: Path, community: Community) -> None:
    run(roster(tmp_path, row(1, "赵小宝")), community)
    result = run(roster(tmp_path, row(1, "赵小宝", ZHAO), name="b.xlsx"), community)
    assert (result.created, result.updated) == (0, 1)
    assert Person.objects.filter(community=community).get().id_number == ZHAO


def test_an_empty_cell_keeps_what_the_registry_has(tmp_path: Path, community: Community) -> None:
    run(roster(tmp_path, row(1, "张三", ZHANG, "13800138000", relation="户主", tags="独居老人", note="耳背")),
        community)
    result = run(roster(tmp_path, row(1, "张三", ZHANG), name="b.xlsx"), community)
    assert (result.updated, result.unchanged) == (0, 1)
    person = Person.objects.filter(community=community).get()
    assert (person.phone, person.relation, person.notes) == ("13800138000", "head", "耳背")
    assert list(person.tags.values_list("tag", flat=True)) == ["elderly_alone"]


def test_a_person_listed_in_another_room_moves_there(tmp_path: Path, community: Community) -> None:
    run(roster(tmp_path, row(1, "张三", ZHANG)), community)
    old = Person.objects.filter(community=community).get().household
    result = run(roster(tmp_path, row(1, "张三", ZHANG, room="601"), name="b.xlsx"), community)
    assert result.updated == 1
    person = Person.objects.filter(community=community).get()
    assert person.household != old
    assert person.household.room.number == "601"
    residences = list(person.residences.order_by("started_at", "id"))
    assert [r.household_id for r in residences] == [old.pk, person.household_id]
    assert residences[0].ended_at is not None and residences[1].ended_at is None


def test_a_room_with_two_households_gets_the_oldest(tmp_path: Path, community: Community) -> None:
    run(roster(tmp_path, row(1, "张三", ZHANG)), community)
    first = Household.objects.filter(community=community).get()
    Household.objects.create(community=community, room=first.room, note="合租")
    run(roster(tmp_path, row(1, "李四", LI), name="b.xlsx"), community)
    assert Person.objects.filter(community=community).get(id_number=LI).household == first


def test_a_deceased_person_is_not_brought_back(tmp_path: Path, community: Community) -> None:
    run(roster(tmp_path, row(1, "张三", ZHANG)), community)
    Person.objects.filter(community=community).update(status=Person.Status.DECEASED)
    result = run(roster(tmp_path, row(1, "张三", ZHANG, "13800138000"), name="b.xlsx"), community)
    assert result.updated == 0
    assert "deceased" in result.rejected[0].reason


def test_people_of_another_community_are_not_touched(tmp_path: Path, community: Community) -> None:
    other = make_community("yangguang")
    path = roster(tmp_path, row(1, "张三", ZHANG))
    run(path, other)
    result = run(path, community)
    assert result.created == 1
    assert Person.objects.filter(id_number=ZHANG, community__in=[community, other]).count() == 2


# -- coded fields -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "code"),
    [("户主", "head"), ("本人", "head"), ("配偶", "spouse"), ("妻子", "spouse"), ("子女", "child"), ("女儿", "child"),
     ("父母", "parent"), ("母亲", "parent"), ("租户", "tenant"), ("儿媳", "child_in_law"), ("孙子", "grandchild"),
     ("head", "head"), ("Spouse", "spouse"), ("child_in_law", "child_in_law"), ("", "other")],
)
def test_relation_labels(tmp_path: Path, community: Community, label: str, code: str) -> None:
    run(roster(tmp_path, row(1, "张三", relation=label)), community)
    assert Person.objects.filter(community=community).get().relation == code


@pytest.mark.parametrize(
    ("label", "code"),
    [("常住", "resident"), ("户籍", "resident"), ("租户", "tenant"), ("租住", "tenant"), ("流动人口", "migrant"),
     ("外来务工", "migrant"), ("暂住", "temporary"), ("非常住", "non_resident"), ("migrant", "migrant"),
     ("TEMPORARY", "temporary"), ("", "resident")],
)
def test_residency_labels(tmp_path: Path, community: Community, label: str, code: str) -> None:
    run(roster(tmp_path, row(1, "张三", residency=label)), community)
    assert Person.objects.filter(community=community).get().residency == code


def test_unknown_labels_are_rejected(tmp_path: Path, community: Community) -> None:
    result = run(roster(tmp_path, row(1, "张三", relation="邻居", residency="路过")), community)
    assert [(r.column, r.reason) for r in result.rejected] == [
        ("与户主关系", "unknown relation: 邻居"),
        ("人员类型", "unknown residency type: 路过"),
    ]


@pytest.mark.parametrize(
    ("cell", "tags"),
    [
        ("慢性病:胰岛素 每日两次、独居老人", {"chronic": "胰岛素 每日两次", "elderly_alone": ""}),
        ("慢性病：高血压，低保", {"chronic": "高血压", "low_income": ""}),
        ("慢性病（透析）；孕妇", {"chronic": "透析", "pregnant": ""}),
        ("chronic:insulin;low_income", {"chronic": "insulin", "low_income": ""}),
        ("elderly living alone", {"elderly_alone": ""}),
    ],
)
def test_tags(tmp_path: Path, community: Community, cell: str, tags: dict[str, str]) -> None:
    result = run(roster(tmp_path, row(1, "张三", tags=cell)), community)
    assert result.rejected == []
    person = Person.objects.filter(community=community).get()
    assert dict(person.tags.values_list("tag", "note")) == tags
    assert set(person.tags.values_list("community_id", flat=True)) == {community.pk}  # type: ignore[attr-defined]


def test_an_unknown_tag_is_rejected(tmp_path: Path, community: Community) -> None:
    result = run(roster(tmp_path, row(1, "张三", tags="独居老人、VIP")), community)
    [problem] = result.rejected
    assert problem.column == "标签"
    assert "unknown tag: VIP" in problem.reason


def test_new_tags_replace_the_old_ones(tmp_path: Path, community: Community) -> None:
    run(roster(tmp_path, row(1, "张三", ZHANG, tags="慢性病:胰岛素")), community)
    result = run(roster(tmp_path, row(1, "张三", ZHANG, tags="慢性病:胰岛素 加量、独居老人"), name="b.xlsx"), community)
    assert result.updated == 1
    assert dict(PersonTag.objects.filter(community=community).values_list("tag", "note")) == {"chronic": "胰岛素 加量", "elderly_alone": ""}
    event = AuditEvent.objects.filter(community=community).filter(action="update").get()
    assert event.before == {"tags": ["chronic:胰岛素"]}
    assert event.after == {"tags": ["chronic:胰岛素 加量", "elderly_alone:"]}


# -- files ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8"])
def test_csv_in_gbk_and_utf8(tmp_path: Path, community: Community, encoding: str) -> None:
    path = csv_file(tmp_path / "r.csv", [HEADERS, row(1, "张三", ZHANG, "13800138000", relation="户主",
                                                      tags="独居老人")], encoding=encoding)
    result = run(path, community)
    assert (result.created, result.rejected) == (1, [])
    person = Person.objects.filter(community=community).get()
    assert (person.name, person.relation, person.household.room.unit.building.compound.name) == ("张三", "head",
                                                                                                  "富通小区")


def test_a_title_row_above_the_header_keeps_spreadsheet_row_numbers(tmp_path: Path, community: Community) -> None:
    path = xlsx(tmp_path / "r.xlsx", [HEADERS, row(1, "张三", ZHANG), row(2, "李四", "123")], title="富通社区人口登记表")
    result = run(path, community)
    assert result.created == 1
    assert [r.row for r in result.rejected] == [4]


def test_empty_rows_are_skipped(tmp_path: Path, community: Community) -> None:
    path = roster(tmp_path, row(1, "张三", ZHANG), [None] * 12, ["", " ", ""], row(2, "李四", "123"))
    result = run(path, community)
    assert (result.rows, result.created) == (2, 1)
    assert [r.row for r in result.rejected] == [5]


def test_an_uploaded_file_object_is_read(community: Community, tmp_path: Path) -> None:
    data = roster(tmp_path, row(1, "张三", ZHANG)).read_bytes()
    result = import_roster(community=community, path_or_file=io.BytesIO(data), filename="upload.xlsx", actor=None)
    assert (result.created, result.filename) == (1, "upload.xlsx")


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("r.xlsx", b"PK\x03\x04 not really a zip", "cannot be read as a spreadsheet"),
        ("r.pdf", b"%PDF-1.4", "not a spreadsheet"),
        ("r.csv", b"", "empty"),
        ("r.csv", "序号,备注\n1,无\n".encode(), "no header row"),
        ("r.csv", "姓名,身份证号\n张三,1\n".encode(), "no address columns"),
    ],
)
def test_unreadable_files_raise(tmp_path: Path, community: Community, name: str, content: bytes, fragment: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(RosterFileError, match=fragment):
        run(path, community)
    assert Person.objects.filter(community=community).count() == 0


def test_a_missing_file_raises(tmp_path: Path, community: Community) -> None:
    with pytest.raises(RosterFileError, match="cannot open"):
        run(tmp_path / "missing.xlsx", community)


def test_read_roster_finds_header_and_columns(tmp_path: Path) -> None:
    table = read_roster(roster(tmp_path, row(1, "张三", ZHANG)))
    assert (table.header_row, table.headers) == (1, HEADERS)
    assert table.columns["name"] == 1 and table.columns["room"] == 7
    assert [n for n, _cells in table.rows] == [2]


# -- dry run, results, the rejected-rows sheet ------------------------------------------------------


def test_dry_run_writes_nothing(tmp_path: Path, community: Community) -> None:
    run(roster(tmp_path, row(1, "张三", ZHANG)), community)
    before = counts(community)
    path = roster(tmp_path, row(1, "张三", ZHANG, "13800138000"), row(2, "李四", LI, room="601"),
                  row(3, "王五", "123"), name="b.xlsx")
    result = run(path, community, dry_run=True)
    assert (result.rows, result.created, result.updated, result.rejected_rows) == (3, 1, 1, 1)
    assert result.places_created == 1 and result.households_created == 1
    assert counts(community) == before
    assert Person.objects.filter(community=community).get().phone == ""


def test_as_json_shape(tmp_path: Path, community: Community) -> None:
    result = run(roster(tmp_path, row(1, "张三", ZHANG), row(2, "李四", "123")), community)
    data = result.as_json()
    assert set(data) == {"rows", "created", "updated", "rejected"}
    assert (data["rows"], data["created"], data["updated"]) == (2, 1, 0)
    assert data["rejected"] == [{"row": 3, "column": "身份证号", "reason": result.rejected[0].reason}]
    json.dumps(data)


def test_rejected_rows_xlsx_can_be_fixed_and_imported_again(tmp_path: Path, community: Community) -> None:
    path = roster(tmp_path, row(1, "张三", ZHANG), row(2, "李四", LI, "1380013800"), row(3, "", WANG, "12"))
    result = run(path, community)
    sheet = load_workbook(io.BytesIO(rejected_rows_xlsx(result))).active
    lines = [[c.value for c in r] for r in sheet.iter_rows()]
    assert lines[0] == [*HEADERS, REASON_HEADER]
    assert len(lines) == 3
    assert lines[1][:4] == ["2", "李四", LI, "1380013800"]  # as text: the ID keeps its digits
    assert lines[1][-1].startswith("手机号: ")
    assert lines[2][-1].count(": ") == 2  # the name and the phone
    # Fix the phone and upload the sheet again: the reason column is ignored.
    lines[1][3] = "13800138000"
    fixed = xlsx(tmp_path / "fixed.xlsx", lines[:2])
    again = run(fixed, community)
    assert (again.created, again.rejected) == (1, [])


# -- audit ------------------------------------------------------------------------------------------


def test_audit_events_are_written(tmp_path: Path, community: Community) -> None:
    user = get_user_model().objects.create_user("import-tester", password="x-pass-1234")
    request = RequestFactory().post("/import", REMOTE_ADDR="10.0.0.9")
    path = roster(tmp_path, row(1, "张三", ZHANG, "13800138000", tags="独居老人"), row(2, "李四", "12"))
    run(path, community, actor=user, request=request)
    imported = AuditEvent.objects.filter(community=community, action="import").get(after__phase="finished")
    assert (imported.actor, imported.community, imported.ip_address) == (user, community, "10.0.0.9")
    assert imported.after is not None
    assert {k: imported.after[k] for k in ("filename", "rows", "created", "updated", "rejected", "community")} == {
        "filename": "roster.xlsx", "rows": 2, "created": 1, "updated": 0, "rejected": 1, "community": "imptest",
    }
    created = AuditEvent.objects.filter(community=community).get(action="create")
    person = Person.objects.filter(community=community).get()
    assert (created.actor_username, created.object_type, created.object_id) == ("import-tester", "person", str(person.pk))
    assert created.ip_address == "10.0.0.9"
    # The same record person_snapshot() makes, numbers masked.
    assert created.after == person_snapshot(person)
    assert created.after["id_number"] == ZHANG[:4] + "*" * 10 + ZHANG[-4:]
    assert created.after["phone"] == "138****8000"
    # A change writes its difference; an unchanged row writes nothing.
    run(roster(tmp_path, row(1, "张三", ZHANG, "13900139000"), name="b.xlsx"), community, actor=user)
    run(roster(tmp_path, row(1, "张三", ZHANG, "13900139000"), name="b.xlsx"), community, actor=user)
    updated = AuditEvent.objects.filter(community=community).get(action="update")
    assert (updated.before, updated.after) == ({"phone": "138****8000"}, {"phone": "139****9000"})
    assert AuditEvent.objects.filter(community=community).filter(action="import").count() == 3 * 2  # started, finished


def test_a_dry_run_is_not_audited(tmp_path: Path, community: Community) -> None:
    run(roster(tmp_path, row(1, "张三", ZHANG)), community, dry_run=True)
    assert AuditEvent.objects.filter(community=community).count() == 0


def test_queries_do_not_grow_row_by_row(
    tmp_path: Path, community: Community, django_assert_max_num_queries: Any
) -> None:
    rows = [row(i, f"居民{i}", make_id_number("420106", dt.date(1980, 1, 1) + dt.timedelta(days=i), i % 1000),
                building=f"{i % 7 + 1}栋", room=str(100 + i)) for i in range(1, 401)]
    path = roster(tmp_path, *rows)
    with django_assert_max_num_queries(60):
        result = run(path, community)
    assert result.created == 400
    with django_assert_max_num_queries(20):
        assert run(path, community).unchanged == 400


# -- the command --------------------------------------------------------------------------------------


def command(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("import_roster", *args, stdout=out)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    return 0, out.getvalue()


def test_command_exit_0_and_json(tmp_path: Path, community: Community) -> None:
    path = roster(tmp_path, row(1, "张三", ZHANG))
    status, out = command(str(path), "--community", "imptest", "--json")
    assert status == 0
    assert json.loads(out) == {"rows": 1, "created": 1, "updated": 0, "rejected": []}
    assert AuditEvent.objects.filter(community=community).get(action="create").actor_username == "cli"


def test_command_exit_1_when_rows_are_rejected(tmp_path: Path, community: Community) -> None:
    path = roster(tmp_path, row(1, "张三", ZHANG), row(2, "李四", ZHANG))
    status, out = command(str(path), "--community", "imptest", "--json")
    assert status == 1
    data = json.loads(out)
    assert (data["created"], data["rejected"][0]["row"], data["rejected"][0]["column"]) == (1, 3, "身份证号")


def test_command_prints_a_readable_summary(tmp_path: Path, community: Community) -> None:
    path = roster(tmp_path, row(1, "张三", ZHANG), row(2, "李四", "123"))
    status, out = command(str(path), "--community", "imptest", "--dry-run")
    assert status == 1
    assert "Dry run" in out
    assert "1 created" in out and "1 rejected" in out
    assert "row 3, 身份证号:" in out
    assert Person.objects.filter(community=community).count() == 0


def test_command_exit_2_when_the_file_cannot_be_read(tmp_path: Path, community: Community) -> None:
    path = tmp_path / "r.xlsx"
    path.write_bytes(b"not a spreadsheet")
    with pytest.raises(CommandError) as error:
        call_command("import_roster", str(path), "--community", "imptest")
    assert error.value.returncode == 2
    with pytest.raises(CommandError) as error:
        call_command("import_roster", str(path), "--community", "nowhere")
    assert error.value.returncode == 2


def test_cli_exit_2_with_the_reason_on_stderr(
    tmp_path: Path, community: Community, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The command closes the database connections when it ends; keep the test's transaction open.
    monkeypatch.setattr(django.db.connections, "close_all", lambda: None)
    path = tmp_path / "r.csv"
    path.write_text("序号,备注\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_:
        main(["import-roster", str(path), "--community", "imptest", "--json"])
    assert exit_.value.code == 2
    captured = capsys.readouterr()
    assert "no header row" in captured.err
    assert captured.out == ""


def test_a_large_import_refreshes_the_planner_statistics_and_a_small_or_dry_one_does_not(
        tmp_path: Path, community: Community, monkeypatch: pytest.MonkeyPatch) -> None:
    """After an import that creates many persons the planner's statistics are refreshed at once
    (PostgreSQL ANALYZE; core/rows.py), so later queries are not planned on the sizes of before."""
    from shequ.registry import importer

    calls: list[tuple[str, ...]] = []
    monkeypatch.setattr(importer, "refresh_planner_statistics", lambda *models: calls.append(
        tuple(m.__name__ for m in models)))
    monkeypatch.setattr(importer, "ANALYZE_AFTER", 2)
    path = roster(tmp_path, row(1, "张三", ZHANG, "13800138000"), row(2, "李四", LI, ""))
    run(path, community, dry_run=True)
    assert calls == []
    run(path, community)
    assert calls == [("Room", "Household", "Person", "PersonTag", "Residence")]
    run(path, community)  # the same file again: nobody created
    assert len(calls) == 1
