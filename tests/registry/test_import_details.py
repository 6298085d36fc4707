"""The roster import's details that the broad tests pass over: the CSV reader's encodings, delimiters
and line endings; the upload page's limits and what they tell the user; the rejected rows'
spreadsheet read back cell by cell; tag cells with notes; and the audit log of an import stopped
partway (its summary and facts, and what happens when even that event cannot be written)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import translation
from import_files import HEADERS, LI, WANG, ZHANG, fresh_write_tables, make_community, row, xlsx
from openpyxl import load_workbook

from shequ.audit.models import AuditEvent
from shequ.registry import importer
from shequ.registry.importer import (
    IMPORT_MAX_COLUMNS,
    REASON_HEADER,
    ImportResult,
    RejectedRow,
    RosterFileError,
    RosterTooCostly,
    import_roster,
    page_limits,
    read_all_rows,
    rejected_rows_xlsx,
)
from shequ.registry.models import Community, Person, PersonTag

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fresh_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    fresh_write_tables(monkeypatch)


@pytest.fixture
def community() -> Community:
    return make_community("details")


def _import(data: bytes, community: Community, filename: str = "roster.csv", **kwargs: Any) -> ImportResult:
    kwargs.setdefault("actor", None)
    return import_roster(community=community, path_or_file=data, filename=filename, **kwargs)


def _names(community: Community) -> dict[str, Person]:
    return {p.name: p for p in Person.objects.filter(community=community)}


# -- CSV ----------------------------------------------------------------------------------------------


def test_a_utf16_csv_is_refused_as_neither_utf8_nor_gbk(community: Community) -> None:
    # Excel's "Unicode text" is UTF-16 with a byte-order mark (FF FE), which GB18030 cannot decode either.
    data = "姓名,住址\n张三,富通小区9-2-502\n".encode("utf-16")
    with pytest.raises(RosterFileError) as refused:
        _import(data, community)
    assert str(refused.value) == "the file is neither UTF-8 nor GBK text"
    assert not Person.objects.filter(community=community).exists()


def test_a_csv_with_nul_bytes_is_refused(community: Community) -> None:
    data = "姓名,住址\n张三,富通小区9-2-502\n".encode() + b"\x00\x00\x00"
    with pytest.raises(RosterFileError) as refused:
        _import(data, community)
    assert str(refused.value) == "the file is not a CSV text file"


def test_a_csv_of_only_a_byte_order_mark_has_no_header(community: Community) -> None:
    # Not empty as bytes, empty as text: no line to guess the delimiter from.
    with pytest.raises(RosterFileError, match="no header row was found"):
        _import(b"\xef\xbb\xbf", community)


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_a_csv_delimited_by_semicolons_or_tabs(community: Community, delimiter: str) -> None:
    lines = [["姓名", "身份证号", "住址", "备注"], ["张三", ZHANG, "富通小区9-2-502", "行动不便, 需要轮椅"]]
    data = "".join(delimiter.join(line) + "\n" for line in lines).encode()
    result = _import(data, community)
    assert (result.created, result.rejected) == (1, [])
    zhang = _names(community)["张三"]
    assert (zhang.id_number, zhang.notes, zhang.household.room.address) == (ZHANG, "行动不便, 需要轮椅", "9-2-502")


def test_a_csv_title_line_without_delimiters_above_the_header(community: Community) -> None:
    # The delimiter is guessed from the first line; a title has none of them: the comma it is.
    data = "富通社区人口登记表\n姓名,身份证号,住址\n张三,,富通小区9-2-502\n李四,12,富通小区9-2-502\n".encode()
    result = _import(data, community)
    assert result.created == 1
    assert [(r.row, r.column) for r in result.rejected] == [(4, "身份证号")]  # the file's own row numbers
    assert list(_names(community)) == ["张三"]


def test_a_csv_with_old_mac_line_endings(community: Community) -> None:
    data = f"姓名,身份证号,住址\r张三,{ZHANG},富通小区9-2-502\r李四,{LI},富通小区9-2-502\r".encode()
    result = _import(data, community)
    assert (result.rows, result.created, result.rejected) == (2, 2, [])


def test_a_quoted_csv_note_keeps_its_line_break(community: Community) -> None:
    data = f'姓名,身份证号,住址,备注\r\n张三,{ZHANG},富通小区9-2-502,"行动不便\r\n需要轮椅"\r\n'.encode()
    result = _import(data, community)
    assert (result.created, result.rejected) == (1, [])
    assert _names(community)["张三"].notes == "行动不便\n需要轮椅"  # line ends as \n (clean_text)


def test_read_all_rows_counts_the_data_rows_with_the_importers_reader(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "r.xlsx", [HEADERS, row(1, "张三"), row(2, "李四"), [], row(3, "王五")], title="登记表")
    assert read_all_rows(path) == 4  # below the header, the empty row included
    assert read_all_rows("姓名,住址\n张三,9-2-502\n".encode(), "roster.csv") == 1
    with pytest.raises(RosterFileError) as refused:
        read_all_rows("姓名,住址\n张三,9-2-502\n".encode(), "roster.pdf")  # the name decides the reader
    assert str(refused.value) == "roster.pdf is not a spreadsheet: upload an .xlsx or .csv file"


# -- the upload page's limits ----------------------------------------------------------------------


def test_the_page_limits_are_the_settings_and_name_the_command_for_the_community(community: Community) -> None:
    limits = page_limits(community)
    assert (limits.max_bytes, limits.max_unpacked_bytes, limits.max_rows, limits.max_columns) == (
        settings.IMPORT_MAX_UPLOAD_BYTES, settings.IMPORT_MAX_UNPACKED_BYTES, settings.IMPORT_PAGE_MAX_ROWS,
        IMPORT_MAX_COLUMNS)
    advice = ("Split it into files of fewer rows, or ask the system administrator to import it on the server "
              "with the command shequ import-roster FILE --community {}, which has no time limit.")
    assert limits.too_many_rows() == advice.format("details")
    assert page_limits().too_many_rows() == advice.format("CODE")


def test_a_csv_over_the_page_rows_is_refused_naming_the_command(community: Community, settings: Any) -> None:
    settings.IMPORT_PAGE_MAX_ROWS = 3
    data = ("姓名,住址\n" + "张三,富通小区9-2-502\n" * 20).encode()
    with pytest.raises(RosterTooCostly) as refused:
        _import(data, community, limits=page_limits(community))
    assert str(refused.value) == (
        "The file has more than 3 rows. Split it into files of fewer rows, or ask the system administrator to "
        "import it on the server with the command shequ import-roster FILE --community details, which has no "
        "time limit.")
    assert not Person.objects.filter(community=community).exists()
    assert not AuditEvent.objects.filter(community=community).exists()


def test_a_sheet_wider_than_the_page_allows_is_refused(community: Community, tmp_path: Path) -> None:
    wide = xlsx(tmp_path / "wide.xlsx", [[*HEADERS, *[f"x{i}" for i in range(IMPORT_MAX_COLUMNS)]], row(1, "张三")])
    with pytest.raises(RosterTooCostly, match=f"more than {IMPORT_MAX_COLUMNS} columns wide"):
        _import(wide.read_bytes(), community, filename="wide.xlsx", limits=page_limits(community))
    assert not Person.objects.filter(community=community).exists()


# -- the rejected rows' spreadsheet ------------------------------------------------------------------


def test_the_rejected_rows_sheet_pads_short_rows_joins_reasons_and_keeps_text(community: Community) -> None:
    data = (f"姓名,身份证号,手机号,住址,备注\n"
            f"张三,{ZHANG},13800138000,富通小区9-2-502,好\n"
            f"李四,12,1380013800,富通小区9-2-502\n"  # two bad cells, and one cell short
            f"王五,{WANG},00123\n").encode()  # a phone of digits with a leading zero, and no address
    result = _import(data, community)
    book = load_workbook(io.BytesIO(rejected_rows_xlsx(result)))
    assert book.sheetnames == ["rejected"]
    sheet = book.active
    lines = [[c.value for c in r] for r in sheet.iter_rows()]
    assert lines[0] == ["姓名", "身份证号", "手机号", "住址", "备注", REASON_HEADER]
    li_reasons = "; ".join(f"{r.column}: {r.reason}" for r in result.rejected if r.row == 3)
    assert [r.column for r in result.rejected if r.row == 3] == ["身份证号", "手机号"]
    assert lines[1] == ["李四", "12", "1380013800", "富通小区9-2-502", None, li_reasons]
    assert lines[2][:5] == ["王五", WANG, "00123", None, None]
    # Every cell of the values is in the text format, so that a number typed in stays as typed.
    assert {c.number_format for r in sheet.iter_rows(min_row=2) for c in r[:5]} == {"@"}
    assert all(c.data_type == "s" for c in sheet[3][:3])


def test_a_reason_without_a_column_is_given_alone() -> None:
    result = ImportResult(headers=["姓名", "住址"], rejected=[
        RejectedRow(row=2, column="", reason="the row repeats row 1", values=["张三", "9-2-502"]),
        RejectedRow(row=2, column="住址", reason="the room is empty", values=["张三", "9-2-502"]),
    ])
    sheet = load_workbook(io.BytesIO(rejected_rows_xlsx(result))).active
    assert [c.value for c in sheet[2]] == ["张三", "9-2-502", "the row repeats row 1; 住址: the room is empty"]


# -- tags and ID numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize(("cell", "tags"), [
    ("、独居老人、、慢性病:胰岛素", {"elderly_alone": "", "chronic": "胰岛素"}),  # empty parts are skipped
    ("慢性病:胰岛素:每日两次", {"chronic": "胰岛素:每日两次"}),  # the first colon splits, the rest is the note
])
def test_tag_cells(tmp_path: Path, community: Community, cell: str, tags: dict[str, str]) -> None:
    result = import_roster(community=community, path_or_file=xlsx(tmp_path / "r.xlsx", [HEADERS, row(1, "张三", tags=cell)]),
                           actor=None)
    assert result.rejected == []
    assert dict(PersonTag.objects.filter(person__community=community).values_list("tag", "note")) == tags


def test_a_bracket_before_a_colon_is_part_of_the_label(tmp_path: Path, community: Community) -> None:
    # "慢性病（透析）" alone is the tag and its note; with a colon after it the label is all before the colon.
    result = import_roster(community=community, actor=None, path_or_file=xlsx(
        tmp_path / "r.xlsx", [HEADERS, row(1, "张三", tags="慢性病（透析）:每周三次")]))
    known = "、".join(str(label) for _code, label in PersonTag.Tag.choices)
    assert [(r.row, r.column, r.reason) for r in result.rejected] == [
        (2, "标签", f"unknown tag: 慢性病（透析） (known tags: {known})")]


def test_an_unknown_tag_names_the_known_ones(tmp_path: Path, community: Community) -> None:
    result = import_roster(community=community, actor=None, path_or_file=xlsx(
        tmp_path / "r.xlsx", [HEADERS, row(1, "张三", tags="独居老人、VIP")]))
    known = "、".join(str(label) for _code, label in PersonTag.Tag.choices)
    assert "、" in known
    assert [(r.row, r.column, r.reason) for r in result.rejected] == [
        (2, "标签", f"unknown tag: VIP (known tags: {known})")]


def test_an_id_number_that_lost_digits_says_what_to_do(tmp_path: Path, community: Community) -> None:
    numeric = next(n for n in (ZHANG, LI, WANG) if n[-1].isdigit())
    result = import_roster(community=community, actor=None, path_or_file=xlsx(
        tmp_path / "r.xlsx", [HEADERS, row(1, "张三", int(numeric))]))
    assert [(r.row, r.column, r.reason) for r in result.rejected] == [(2, "身份证号", (
        "the ID number was stored as a number and has lost its last digits (spreadsheets keep 15); "
        "format the column as text and type the number again"))]


# -- an import stopped partway ------------------------------------------------------------------------


def _broken_csv(names: list[str], *, break_at: int, phone: str = "") -> bytes:
    """A CSV whose line ``break_at`` (0: the first data line) holds a field beyond the reader's limit."""
    lines = ["姓名,手机号,住址,备注"]
    for i, name in enumerate(names):
        if i == break_at:
            lines.append("坏行,,富通小区9-2-999," + "x" * 200_000)
        lines.append(f"{name},{phone},富通小区9-2-{501 + i},")
    return ("\n".join(lines) + "\n").encode()


def _interrupted(community: Community) -> AuditEvent:
    return AuditEvent.objects.get(community=community, action="import", after__phase="interrupted")


def test_an_interrupted_import_records_how_far_it_got(community: Community, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importer.write, "BATCH_ROWS", 2)
    names = ["甲一", "乙二", "丙三", "丁四", "戊五"]
    _import(_broken_csv(names[:3], break_at=99), community)  # three of them are there already
    with pytest.raises(RosterFileError, match="field larger than field limit"):
        _import(_broken_csv(names, break_at=4, phone="13800138000"), community, filename="名单.csv")
    event = _interrupted(community)
    # Rows 2-5 were read; the batch of rows 2-3 (two updates) and 4-5 (one update, one new) committed.
    assert event.summary == ("roster 名单.csv: import interrupted after row 5; rows up to 5 written "
                             "(1 created, 3 updated). Import the file again to complete it.")
    assert event.after == {"community": "details", "filename": "名单.csv", "phase": "interrupted",
                           "stopped_after_row": 5, "error": "RosterFileError", "rows_through": 5,
                           "created": 1, "updated": 3}
    assert (event.actor, event.actor_username) == (None, "cli")
    assert sorted(Person.objects.filter(community=community, phone="13800138000").values_list("name", flat=True)) == (
        sorted(names[:4]))


def test_an_import_interrupted_before_any_row_says_so(community: Community) -> None:
    with pytest.raises(RosterFileError):
        _import(_broken_csv(["甲一"], break_at=0), community)
    event = _interrupted(community)
    assert event.summary == ("roster roster.csv: import interrupted after row -; rows up to - written "
                             "(0 created, 0 updated). Import the file again to complete it.")
    assert event.after == {"community": "details", "filename": "roster.csv", "phase": "interrupted",
                           "stopped_after_row": None, "error": "RosterFileError", "rows_through": None,
                           "created": 0, "updated": 0}
    assert not Person.objects.filter(community=community).exists()


def test_when_the_interruption_cannot_be_recorded_the_original_error_is_raised_and_logged(
        community: Community, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    record = importer.write.audit_record

    def failing(**kwargs: Any) -> Any:
        if kwargs["after"]["phase"] == "interrupted":
            raise RuntimeError("the database went away")
        return record(**kwargs)

    monkeypatch.setattr(importer.write, "audit_record", failing)
    monkeypatch.setattr(importer.write, "BATCH_ROWS", 1)
    with caplog.at_level(logging.ERROR, logger=importer.write.__name__), pytest.raises(
            RosterFileError, match="field larger than field limit"):
        _import(_broken_csv(["甲一", "乙二"], break_at=1), community)
    [logged] = [r for r in caplog.records if r.name == importer.write.__name__]
    assert logged.getMessage() == "could not record the interruption of roster import roster.csv"
    assert logged.exc_info is not None and str(logged.exc_info[1]) == "the database went away"
    assert not AuditEvent.objects.filter(community=community, after__phase="interrupted").exists()
    assert list(_names(community)) == ["甲一"]


def test_a_rejected_row_keeps_a_quoted_line_break_as_written(community: Community) -> None:
    data = '姓名,手机号,住址,备注\n张三,12,富通小区9-2-502,"行动\r不便"\n'.encode()
    [problem] = _import(data, community).rejected
    assert (problem.row, problem.column, problem.values) == (2, "手机号", ["张三", "12", "富通小区9-2-502", "行动\r不便"])


# -- repeats and updates ---------------------------------------------------------------------------


def test_repeats_within_a_file_name_the_earlier_row(tmp_path: Path, community: Community) -> None:
    path = xlsx(tmp_path / "r.xlsx", [HEADERS, row(1, "张三", ZHANG), row(2, "张三丰", ZHANG, room="601"),
                                      row(3, "赵小宝", WANG), row(4, "赵小宝")])  # the second without an ID
    result = import_roster(community=community, path_or_file=path, actor=None)
    assert [(r.row, r.column, r.reason) for r in result.rejected] == [
        (3, "身份证号", "the ID number is repeated: it is already on row 2"),
        (5, "姓名", "the same person (name and room) is already on row 4"),
    ]
    assert sorted(_names(community)) == ["张三", "赵小宝"]


def test_two_rows_reaching_one_registered_person_the_second_is_rejected(tmp_path: Path, community: Community) -> None:
    import_roster(community=community, actor=None, path_or_file=xlsx(tmp_path / "a.xlsx", [HEADERS, row(1, "张三", ZHANG)]))
    # Row 2 finds 张三 by the ID number (and moves him to 601); row 3, without an ID, by name in his room.
    path = xlsx(tmp_path / "b.xlsx", [HEADERS, row(1, "张三", ZHANG, room="601"), row(2, "张三")])
    result = import_roster(community=community, path_or_file=path, actor=None)
    assert [(r.row, r.column, r.reason) for r in result.rejected] == [
        (3, "姓名", "this row names the same person as row 2")]
    assert _names(community)["张三"].household.room.number == "601"
    assert Person.objects.filter(community=community).count() == 1


def test_the_audit_events_name_the_persons_and_the_residences_say_registered(
        tmp_path: Path, community: Community) -> None:
    import_roster(community=community, actor=None, path_or_file=xlsx(tmp_path / "a.xlsx", [HEADERS, row(1, "张三", ZHANG)]))
    zhang = _names(community)["张三"]
    import_roster(community=community, actor=None, path_or_file=xlsx(
        tmp_path / "b.xlsx", [HEADERS, row(1, "张三", ZHANG, "13800138000"), row(2, "李四", LI)]))
    li = _names(community)["李四"]
    events = AuditEvent.objects.filter(community=community, object_type="person").order_by("id")
    assert sorted((e.action, e.object_id) for e in events) == sorted([
        ("create", str(zhang.pk)), ("update", str(zhang.pk)), ("create", str(li.pk))])
    assert set(li.residences.values_list("reason", flat=True)) == {"registered"}
