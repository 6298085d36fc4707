"""Roster import (人口底数导入): a spreadsheet of residents into the registry of one community.

The CLI (``shequ import-roster``) and the upload page call exactly these two functions:

``import_roster(*, community, path_or_file, filename=None, actor, dry_run=False, request=None) -> ImportResult``
    Reads an .xlsx (also .xls/.ods) or .csv file (UTF-8 with or without BOM, or GBK/GB18030), validates
    every row and imports the valid ones. ``path_or_file`` is a path, an open binary file or an uploaded
    file; ``filename`` (for the file type and the audit log) defaults to its name. Raises
    ``RosterFileError`` (str() is a user-facing message) when the file cannot be read as a roster at all;
    otherwise returns an ``ImportResult`` whose ``rejected`` lists one ``RejectedRow`` per problem found
    (a row with several bad cells appears several times, once per column).

``rejected_rows_xlsx(result) -> bytes``
    A spreadsheet of the rejected rows (the file's own headers and values, one line per row, plus a
    "错误原因 / reason" column) to download, correct and upload again.

Rules: a row with any invalid cell is not imported; the same person (same ID number in the community, or
without an ID the same name in the same room) is updated, never duplicated, so importing a corrected
file again is safe; an empty cell keeps what the registry already has; places that do not exist yet are
created inside the community.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import logging
import operator
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from python_calamine import CalamineError, load_workbook

from shequ.audit.models import AuditEvent
from shequ.audit.services import SKIPS_SAVE as AUDIT_SKIPS_SAVE
from shequ.audit.services import audit_record, client_address, diff
from shequ.core.address import floor_of, parse_address, parse_building, parse_room, parse_unit
from shequ.core.bulkwrite import Table, refresh_planner_statistics
from shequ.core.excel import write_xlsx
from shequ.core.text import clean_text, compact, normalize, normalize_name
from shequ.core.uploads import UploadLimits, UploadTooCostly, check_sheet_size, check_size, check_upload
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
from shequ.registry.services import (
    PERSON_DATA_FIELDS,
    PersonData,
    apply_person_data,
    clean_person_fields,
    number_sort_key,
    person_field_values,
    person_snapshot,
    person_snapshot_of,
)

# Rows per write transaction. One transaction per batch rather than one for the whole file: SQLite has
# a single writer, and a 100,000-row import takes long enough that pages saving a form meanwhile would
# run out of busy_timeout. A crash halfway leaves the first batches imported, which is harmless because
# importing the same file again only adds what is missing.
BATCH_ROWS = 2000
# How far down to look for the header row: offices put a title such as "富通社区人口登记表" above it.
HEADER_SEARCH_ROWS = 10
REASON_HEADER = "错误原因 / reason"
CLI_USERNAME = "cli"

logger = logging.getLogger(__name__)

def cell_text(cell: Any) -> str:
    """A cell as text: typed .xlsx cells come back as floats (502.0 is room "502")."""
    if cell is None:
        return ""
    if isinstance(cell, str):
        return cell
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() else repr(cell)
    if hasattr(cell, "isoformat"):
        return cell.isoformat()
    return str(cell)


# -- columns --------------------------------------------------------------------------------------

NAME, ID_NUMBER, PHONE, SEX = "name", "id_number", "phone", "sex"
COMPOUND, BUILDING, UNIT, ROOM, ADDRESS = "compound", "building", "unit", "room", "address"
RELATION, RESIDENCY, TAGS, NOTE = "relation", "residency", "tags", "note"

_HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    NAME: ("姓名", "名字", "居民姓名", "人员姓名", "name", "full name"),
    ID_NUMBER: ("身份证号", "身份证号码", "证件号码", "证件号", "身份证", "公民身份号码", "身份证件号码",
                "id_number", "id number", "id no", "id card"),
    PHONE: ("手机号", "手机号码", "联系电话", "电话", "电话号码", "手机", "联系方式", "phone", "mobile",
            "telephone", "phone number"),
    SEX: ("性别", "sex", "gender"),
    COMPOUND: ("小区", "小区名称", "小区名", "compound"),
    BUILDING: ("楼栋", "楼号", "楼栋号", "栋号", "building"),
    UNIT: ("单元", "单元号", "unit"),
    ROOM: ("房号", "门牌号", "房间号", "室号", "room"),
    ADDRESS: ("住址", "地址", "家庭住址", "现住址", "居住地址", "详细地址", "address"),
    RELATION: ("与户主关系", "与户主的关系", "户主关系", "关系", "relation", "relationship"),
    RESIDENCY: ("人员类型", "人口类型", "居住类型", "人员类别", "residency"),
    TAGS: ("标签", "特殊人群", "人群标签", "重点人群", "tags", "tag"),
    NOTE: ("备注", "说明", "note", "notes", "remarks"),
}
# The cells of a row as _check() and _place() take them.
_FIELDS = (NAME, ID_NUMBER, PHONE, SEX, RELATION, RESIDENCY, NOTE, TAGS, COMPOUND, BUILDING, UNIT, ROOM, ADDRESS)
# Everything between brackets goes: "身份证号（必填）", "手机号[选填]".
_HEADER_BRACKETS = re.compile(r"\(.*?\)|\[.*?\]|【.*?】")
_HEADER_NOISE = re.compile(r"[\s*:_\-/]")


def _header_key(cell: Any) -> str:
    text = _HEADER_BRACKETS.sub("", normalize(cell_text(cell)).lower())
    return _HEADER_NOISE.sub("", text)


_HEADER_FIELDS = {_header_key(alias): f for f, aliases in _HEADER_ALIASES.items() for alias in aliases}

# -- labels offices write for the coded fields ------------------------------------------------------

_RELATION_LABELS = {
    Person.Relation.HEAD: "户主 本人 户主本人",
    Person.Relation.SPOUSE: "配偶 妻 妻子 夫 丈夫 老伴",
    Person.Relation.CHILD: "子女 子 女 儿子 女儿 长子 次子 三子 长女 次女 三女 独生子 独生女 养子 养女 继子 继女",
    Person.Relation.PARENT: "父母 父亲 母亲 父 母 公公 婆婆 岳父 岳母",
    Person.Relation.GRANDCHILD: "孙子女 孙子 孙女 外孙 外孙子 外孙女",
    Person.Relation.GRANDPARENT: "祖父母 祖父 祖母 外祖父 外祖母 外祖父母 爷爷 奶奶 外公 外婆",
    Person.Relation.SIBLING: "兄弟姐妹 兄弟 姐妹 兄 弟 姐 妹 哥哥 弟弟 姐姐 妹妹",
    Person.Relation.CHILD_IN_LAW: "儿媳 儿媳妇 媳妇 女婿",
    Person.Relation.TENANT: "租户 租客 承租人",
    Person.Relation.OTHER: "其他 其它 亲属 其他亲属",
}
_RESIDENCY_LABELS = {
    Person.Residency.RESIDENT: "常住 常住人口 户籍 户籍人口 本地 户籍常住",
    Person.Residency.TENANT: "租户 租住 租房 租赁 租住人口",
    Person.Residency.MIGRANT: "流动人口 外来务工 务工 外来人口 流动",
    Person.Residency.TEMPORARY: "暂住 暂住人口 临时",
    Person.Residency.NON_RESIDENT: "非常住 非常住人口",
}
_TAG_LABELS = {
    PersonTag.Tag.ELDERLY_ALONE: "独居老人 孤寡老人 空巢老人 独居",
    PersonTag.Tag.CHRONIC: "慢性病 慢病 慢性病患者",
    PersonTag.Tag.LOW_INCOME: "低保 低保户 低收入 精准扶贫 精准扶贫对象 困难户",
    PersonTag.Tag.PREGNANT: "孕妇 孕产妇",
    PersonTag.Tag.INFANT: "婴幼儿 婴儿",
    PersonTag.Tag.DISABLED: "残疾 残疾人",
    PersonTag.Tag.BEDRIDDEN: "卧床 长期卧床 失能",
    PersonTag.Tag.STRANDED: "滞留 滞留人员",
}
_SEX_LABELS = {
    Person.Sex.MALE: "男 男性 m",
    Person.Sex.FEMALE: "女 女性 f",
    Person.Sex.UNKNOWN: "未知",
}
_TAG_SPLIT = re.compile(r"[、,;，；\n]")
_TAG_BRACKETED = re.compile(r"^(?P<tag>[^(（]+)[(（](?P<note>.*)[)）]$")
# The tag's label and its details: 慢性病:胰岛素 or 慢性病：胰岛素 (the details are kept as typed).
_TAG_NOTE = re.compile(r"[:：]")


def _label_key(value: str) -> str:
    return compact(value).lower()


@lru_cache(maxsize=8)
def _lookup(kind: str, language: str) -> dict[str, str]:
    """label -> code for one coded field: the Chinese words above, the codes, the English labels and
    the labels of the active language (so a finished zh-hans catalogue adds its words by itself)."""
    choices, labels = {
        "relation": (Person.Relation, _RELATION_LABELS),
        "residency": (Person.Residency, _RESIDENCY_LABELS),
        "tag": (PersonTag.Tag, _TAG_LABELS),
        "sex": (Person.Sex, _SEX_LABELS),
    }[kind]
    table: dict[str, str] = {}
    for code, label in choices.choices:
        table[_label_key(code)] = code
        table[_label_key(str(label))] = code
        with translation.override("en"):
            table[_label_key(str(label))] = code
    for code, words in labels.items():
        for word in words.split():
            table[_label_key(word)] = code
    return table


def _labels(kind: str) -> dict[str, str]:
    return _lookup(kind, translation.get_language() or "")


# -- reading ----------------------------------------------------------------------------------------


class RosterFileError(ValueError):
    """The file cannot be read as a roster; str(error) is the user-facing reason."""


class RosterTooCostly(RosterFileError):
    """The file is over a limit of what an import may cost (core/uploads.py); nothing was read or
    written. str(error) names the limit."""


def page_limits(community: Community | None = None) -> UploadLimits:
    """The upload page: what fits in one request (the worker timeout is 60 s). A larger roster is
    imported on the server with the command, which has no time limit; the message gives the command
    for ``community``."""
    code = community.code if community is not None else "CODE"
    return UploadLimits(
        max_bytes=settings.IMPORT_MAX_UPLOAD_BYTES, max_unpacked_bytes=settings.IMPORT_MAX_UNPACKED_BYTES,
        max_rows=settings.IMPORT_PAGE_MAX_ROWS, max_columns=IMPORT_MAX_COLUMNS,
        too_many_rows=lambda: _("Split it into files of fewer rows, or ask the system administrator to import it "
                                "on the server with the command shequ import-roster FILE --community %(code)s, "
                                "which has no time limit.") % {"code": code})


def command_limits() -> UploadLimits:
    """``shequ import-roster``: no time limit, but still no file that would exhaust the memory."""
    return UploadLimits(
        max_bytes=COMMAND_MAX_BYTES, max_unpacked_bytes=COMMAND_MAX_UNPACKED_BYTES, max_rows=COMMAND_MAX_ROWS,
        max_columns=COMMAND_MAX_COLUMNS, too_many_rows=lambda: _("Split it into files of fewer rows."))


# A roster has a dozen columns; offices add some. python-calamine holds a sheet as a dense grid of
# rows x columns (about 32 bytes a cell), so the width bounds its memory as much as the rows do.
IMPORT_MAX_COLUMNS = 100
# The command line: a district's roster in one file, on a server with a few GB of memory
# (500,010 x 60 cells: 1 GB at the very worst).
COMMAND_MAX_BYTES = 500 * 1024 * 1024
COMMAND_MAX_UNPACKED_BYTES = 2 * 1024 * 1024 * 1024
COMMAND_MAX_ROWS = 500_000
COMMAND_MAX_COLUMNS = 60


@dataclass
class RosterTable:
    """The header of a roster and an iterator over its data rows.

    ``rows`` yields ``(row_number, cells)`` with the spreadsheet's own row numbers (the first row of the
    file is 1) and the cells as the reader gives them: str, or float/int/bool/date for typed .xlsx cells.
    """

    filename: str
    headers: list[str]
    header_row: int
    columns: dict[str, int]
    rows: Iterator[tuple[int, list[Any]]]


_SPREADSHEET_EXTENSIONS = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
_TEXT_EXTENSIONS = {".csv", ".txt", ""}
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls


def load_upload(path_or_file: str | os.PathLike[str] | IO[bytes] | bytes, filename: str | None,
                limits: UploadLimits | None = None) -> tuple[bytes, str]:
    """The file's bytes and name; with ``limits``, a file over their size is refused before it is
    read (RosterTooCostly)."""
    if isinstance(path_or_file, bytes):
        _size_ok(len(path_or_file), limits)
        return path_or_file, filename or ""
    if isinstance(path_or_file, str | os.PathLike):
        path = Path(path_or_file)
        try:
            _size_ok(path.stat().st_size, limits)
            return path.read_bytes(), filename or path.name
        except OSError as exc:
            raise RosterFileError(
                _("cannot open %(file)s: %(error)s") % {"file": path, "error": exc.strerror or exc}
            ) from None
    if hasattr(path_or_file, "seek"):
        size = getattr(path_or_file, "size", None)
        if size is None:
            size = path_or_file.seek(0, os.SEEK_END)
        _size_ok(size, limits)
        path_or_file.seek(0)
    data = path_or_file.read()
    if isinstance(data, str):
        data = data.encode("utf-8")
    return data, filename or os.path.basename(str(getattr(path_or_file, "name", "") or ""))


def _size_ok(size: int, limits: UploadLimits | None) -> None:
    if limits is not None:
        try:
            check_size(size, limits)
        except UploadTooCostly as exc:
            raise RosterTooCostly(str(exc)) from None


def check_cost(data: bytes, limits: UploadLimits | None) -> None:
    """What reading ``data`` would cost, against ``limits`` (core/uploads.py), before any reader
    sees it. Raises RosterTooCostly."""
    if limits is not None:
        try:
            check_upload(data, limits)
        except UploadTooCostly as exc:
            raise RosterTooCostly(str(exc)) from None


def _is_empty(cells: list[Any]) -> bool:
    return all(c is None or c == "" or (isinstance(c, str) and not c.strip()) for c in cells)


def sheet_rows(data: bytes, limits: UploadLimits | None = None) -> Iterator[Iterator[list[Any]]]:
    """Row iterators of each visible worksheet, first to last; with ``limits``, a sheet larger than
    they allow is refused once read (the formats check_cost cannot look into: .xls)."""
    try:
        workbook = load_workbook(io.BytesIO(data))
        for index, meta in enumerate(workbook.sheets_metadata):
            if str(meta.visible).endswith("Visible") and str(meta.typ).endswith("WorkSheet"):
                sheet = workbook.get_sheet_by_index(index)
                if limits is not None:
                    try:
                        check_sheet_size(sheet.height, sheet.width, limits)
                    except UploadTooCostly as exc:
                        raise RosterTooCostly(str(exc)) from None
                # iter_rows() starts at the sheet's first row, empty leading rows included, so that
                # enumerate() gives the spreadsheet's own row numbers.
                yield sheet.iter_rows()
    except RosterFileError:
        raise
    except Exception as exc:  # python-calamine raises several unrelated types for broken files
        raise RosterFileError(_("the file cannot be read as a spreadsheet: %(error)s") % {"error": exc}) from None


def csv_rows(data: bytes) -> Iterator[Iterator[list[Any]]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes nearly every byte string
        raise RosterFileError(_("the file is neither UTF-8 nor GBK text"))
    if "\x00" in text:
        raise RosterFileError(_("the file is not a CSV text file"))
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(",;\t", key=first_line.count)
    yield csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _find_header(rows: Iterator[list[Any]]) -> tuple[int, list[Any], dict[str, int]]:
    """Look for the header in the first rows: the first row with a name column and one other known
    column. Returns (row number, header cells, field -> column index), or row number 0."""
    for number, cells in enumerate(rows, start=1):
        columns: dict[str, int] = {}
        for index, cell in enumerate(cells):
            known = _HEADER_FIELDS.get(_header_key(cell))
            if known is not None:
                columns.setdefault(known, index)
        if NAME in columns and len(columns) >= 2:
            return number, cells, columns
        if number >= HEADER_SEARCH_ROWS:
            break
    return 0, [], {}


def read_roster(
    path_or_file: str | os.PathLike[str] | IO[bytes] | bytes, filename: str | None = None,
    limits: UploadLimits | None = None,
) -> RosterTable:
    """Open a roster and find its header; the rows are read lazily. Raises RosterFileError, and
    RosterTooCostly before reading a file over ``limits``."""
    data, name = load_upload(path_or_file, filename, limits)
    check_cost(data, limits)
    extension = Path(name).suffix.lower()
    if data[:4] == _ZIP_MAGIC or data[:8] == _OLE_MAGIC or extension in _SPREADSHEET_EXTENSIONS:
        sheets = sheet_rows(data, limits)
    elif extension in _TEXT_EXTENSIONS:
        sheets = csv_rows(data)
    else:
        raise RosterFileError(
            _("%(file)s is not a spreadsheet: upload an .xlsx or .csv file") % {"file": name or "?"}
        )
    if not data.strip():
        raise RosterFileError(_("the file is empty"))
    try:
        for sheet in sheets:
            number, header, columns = _find_header(sheet)
            if number:
                break
        else:
            raise RosterFileError(
                _("no header row was found: the first %(n)d rows of the file have no column 姓名 / name "
                  "next to other known columns such as 身份证号 / id_number or 住址 / address")
                % {"n": HEADER_SEARCH_ROWS}
            )
    except csv.Error as exc:
        raise RosterFileError(_("the file cannot be read as CSV: %(error)s") % {"error": exc}) from None
    if ADDRESS not in columns and not (BUILDING in columns and ROOM in columns):
        raise RosterFileError(
            _("the file has no address columns: give one column 住址 / address, or the columns "
              "楼栋 / building and 房号 / room (with 小区 / compound and 单元 / unit where there are several)")
        )
    # The headers as the file writes them (for messages and the rejected-rows sheet), spaces tidied.
    headers = [" ".join(cell_text(c).split()) for c in header]
    return RosterTable(
        filename=name,
        headers=headers,
        header_row=number,
        columns=columns,
        rows=_numbered(sheet, number + 1),
    )


def _numbered(rows: Iterator[list[Any]], start: int) -> Iterator[tuple[int, list[Any]]]:
    try:
        yield from enumerate(rows, start=start)
    except csv.Error as exc:
        raise RosterFileError(_("the file cannot be read as CSV: %(error)s") % {"error": exc}) from None
    except CalamineError as exc:
        raise RosterFileError(_("the file cannot be read as a spreadsheet: %(error)s") % {"error": exc}) from None


# -- results ----------------------------------------------------------------------------------------


@dataclass
class RejectedRow:
    """One problem in one row: ``row`` is the spreadsheet row number (the header row is 1 in a file
    without a title row), ``column`` the header as written in the file, ``values`` the whole row as text
    in the file's column order."""

    row: int
    column: str
    reason: str
    values: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    """What an import did (or, with dry_run, would do)."""

    filename: str = ""
    headers: list[str] = field(default_factory=list)
    dry_run: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    places_created: int = 0
    households_created: int = 0
    # One entry per problem, in row order; a row with two bad cells has two entries.
    rejected: list[RejectedRow] = field(default_factory=list)
    # Seconds spent in each phase (for bench/import_roster.py): "open" (file and header), "load" (the
    # community's places and persons), "rows" (reading and checking rows), "match" (loading the
    # persons rows update), "places" (new places and households), "persons" (their values, pinyin,
    # audit snapshots and comparisons), "insert" (the bulk inserts, core/bulkwrite.py), "orm"
    # (updates and deletes), "commit" (BEGIN and COMMIT of each batch).
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def rejected_rows(self) -> int:
        """How many rows were rejected (``len(rejected)`` counts problems)."""
        return len({r.row for r in self.rejected})

    def as_json(self) -> dict[str, Any]:
        """``{"rows": N, "created": N, "updated": N, "rejected": [{"row", "column", "reason"}]}``."""
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "rejected": [{"row": r.row, "column": r.column, "reason": r.reason} for r in self.rejected],
        }


def rejected_rows_xlsx(result: ImportResult) -> bytes:
    """The rejected rows as an .xlsx: the file's headers and values plus a reason column, one line per
    row, every cell stored as text so that ID numbers keep their digits when the sheet is edited, and
    a value that would start a formula stays text (core/excel.py). The reason column is ignored when
    the corrected file is imported again."""
    by_row: dict[int, list[RejectedRow]] = {}
    for problem in result.rejected:
        by_row.setdefault(problem.row, []).append(problem)
    width = len(result.headers)

    def rows() -> Iterator[list[str]]:
        for problems in by_row.values():
            values = (problems[0].values + [""] * width)[:width]
            reason = "; ".join(f"{p.column}: {p.reason}" if p.column else p.reason for p in problems)
            yield [*values, reason]

    return write_xlsx([*result.headers, REASON_HEADER], rows(), title="rejected", all_text=True)


# -- cells ------------------------------------------------------------------------------------------

# "1.10101E+17": an ID number that Excel turned into a number and then wrote to CSV.
_SCIENTIFIC = re.compile(r"^\d(?:\.\d+)?e\+?\d+$", re.IGNORECASE)


def _id_text(cell: Any) -> tuple[str, str | None]:
    """The ID number cell as text, or a reason when the spreadsheet has already destroyed it."""
    if isinstance(cell, str):
        if ("e" in cell or "E" in cell) and _SCIENTIFIC.match(compact(cell)):
            return "", _lost_digits()
        return cell, None
    if isinstance(cell, float | int) and not isinstance(cell, bool):
        if isinstance(cell, float) and not cell.is_integer():
            return cell_text(cell), None
        digits = str(int(cell))
        # Beyond 15 significant digits a spreadsheet number is rounded: the ID is gone.
        return ("", _lost_digits()) if len(digits.lstrip("-")) > 15 else (digits, None)
    return cell_text(cell), None


def _lost_digits() -> str:
    return _(
        "the ID number was stored as a number and has lost its last digits (spreadsheets keep 15); "
        "format the column as text and type the number again"
    )


def _tag_snapshot(tags: dict[str, str]) -> list[str]:
    # The form of person_snapshot()'s "tags" (a test holds the two together): the importer knows the
    # new tags before they are saved, person_snapshot() would read them from the database.
    return sorted(f"{tag}:{note}" for tag, note in tags.items())


PlaceKey = tuple[str, str, str, str]  # compound name, building, unit, room (canonical forms)
# How the part of an address before a compound's name ends when it is a district, street or road.
_ADMINISTRATIVE_ENDINGS = ("省", "市", "区", "县", "旗", "街道", "社区", "镇", "乡", "村", "路", "街", "巷", "号")
Problem = tuple[str, str]  # field, reason


_NOTHING_GIVEN: frozenset[str] = frozenset()


@dataclass(slots=True)
class _Row:
    """A valid row waiting for its batch to be written."""

    number: int
    data: PersonData
    given: frozenset[str]  # the fields whose cells were not empty (worked out for updates only)
    tags: dict[str, str] | None  # None: keep the person's tags
    place: PlaceKey
    person_pk: int | None  # the person it updates, None for a new person


# -- the import -------------------------------------------------------------------------------------


class _RosterImport:
    """One import run. Places, households and an index of the community's persons are loaded once,
    so that rows are matched in memory; each batch is then written with bulk queries."""

    def __init__(
        self,
        *,
        community: Community,
        table: RosterTable,
        actor: Any,
        request: Any,
        dry_run: bool,
    ) -> None:
        self.community = community
        self.table = table
        self.columns = table.columns
        # The cells _check() reads, in the order of _FIELDS; a column the file lacks reads the ""
        # that _cells() appends to every row (index -1).
        indexes = [table.columns.get(f) for f in _FIELDS]
        self._width = max(i for i in indexes if i is not None) + 1
        self._pick = operator.itemgetter(*(-1 if i is None else i for i in indexes))
        self.today = timezone.localdate()
        self.dry_run = dry_run
        self.actor = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
        self.username = actor.get_username() if self.actor is not None else CLI_USERNAME
        self.request = request
        self.actor_id = self.actor.pk if self.actor is not None else None
        self.ip_address = client_address(request)
        self.tables = _TABLES
        self.insert_seconds: dict[Table, float] = {}  # spent in each table's insert()
        self.result = ImportResult(filename=table.filename, headers=table.headers, dry_run=dry_run)
        # Rows of this file seen so far: a later repeat is rejected and names the earlier row.
        self.seen_ids: dict[str, int] = {}
        self.seen_names: dict[tuple[PlaceKey, str], tuple[int, bool]] = {}
        self.claimed: dict[int, int] = {}
        self._caches: dict[str, dict[str, Any]] = {
            k: {} for k in ("building", "unit", "room", "address", "tags", "normalized")
        }
        self._compound_cache: dict[str, str] = {}
        self._labels = {kind: _labels(kind) for kind in ("sex", "relation", "residency", "tag")}
        # The last row read, and what the committed batches wrote (for an interrupted import's event).
        self.last_row: int | None = None
        self.written: dict[str, Any] = {"rows_through": None, "created": 0, "updated": 0}
        self._load_places()
        self._load_persons()

    # -- loading --------------------------------------------------------------------------------

    def _load_places(self) -> None:
        c = self.community
        # Places and households by key: their pk, or None until a new one is written (never, in a dry
        # run). Tens of thousands of rooms, so as plain values rather than model instances.
        self.compounds: dict[str, int | None] = dict(Compound.objects.filter(community=c).values_list("name", "pk"))
        compound_name = {pk: name for name, pk in self.compounds.items()}
        self.buildings: dict[tuple[str, str], int | None] = {}
        building_key: dict[int, tuple[str, str]] = {}
        for pk, compound_id, number in Building.objects.filter(community=c).values_list("pk", "compound_id", "number"):
            building_key[pk] = (compound_name[compound_id], number)
            self.buildings[building_key[pk]] = pk
        self.units: dict[tuple[str, str, str], int | None] = {}
        unit_key: dict[int, tuple[str, str, str]] = {}
        for pk, building_id, number in Unit.objects.filter(community=c).values_list("pk", "building_id", "number"):
            unit_key[pk] = (*building_key[building_id], number)
            self.units[unit_key[pk]] = pk
        self.rooms: dict[PlaceKey, int | None] = {}
        self.room_key: dict[int, PlaceKey] = {}
        for pk, unit_id, number in Room.objects.filter(community=c).values_list("pk", "unit_id", "number"):
            self.room_key[pk] = (*unit_key[unit_id], number)
            self.rooms[self.room_key[pk]] = pk
        # One household per room for the import: the oldest active one.
        self.households: dict[PlaceKey, int | None] = {}
        active = Household.objects.filter(community=c, status=Household.Status.ACTIVE).order_by("created_at", "id")
        for pk, room_id in active.values_list("pk", "room_id"):
            self.households.setdefault(self.room_key[room_id], pk)
        self.new_compounds: list[str] = []
        self.new_buildings: list[tuple[str, str]] = []
        self.new_units: list[tuple[str, str, str]] = []
        self.new_rooms: list[PlaceKey] = []
        self.new_households: list[PlaceKey] = []

    def _load_persons(self) -> None:
        self.by_id_number: dict[str, int] = {}
        self.by_name_without_id: dict[tuple[PlaceKey, str], int] = {}
        self.by_name: dict[tuple[PlaceKey, str], int] = {}
        self.person_place: dict[int, PlaceKey] = {}
        self.deceased: set[int] = set()
        rows = Person.objects.filter(community=self.community).values_list(
            "pk", "id_number", "name", "household__room_id", "status"
        )
        for pk, id_number, name, room_id, status in rows.iterator(chunk_size=10000):
            place = self.room_key[room_id]
            self.person_place[pk] = place
            if id_number:
                self.by_id_number[id_number] = pk
            else:
                self.by_name_without_id.setdefault((place, name), pk)
            self.by_name.setdefault((place, name), pk)
            if status == Person.Status.DECEASED:
                self.deceased.add(pk)

    # -- running --------------------------------------------------------------------------------

    def run(self) -> ImportResult:
        started = time.perf_counter()
        if not self.dry_run:
            self._record_phase("started")
        try:
            self._read_and_write()
        except BaseException as exc:
            if not self.dry_run:
                self._record_interrupted(exc)
            raise
        self.result.rejected.sort(key=lambda r: r.row)
        if not self.dry_run:
            self._record_import()
        timings = self.result.timings
        timings["rows"] = time.perf_counter() - started - sum(v for k, v in timings.items() if k not in ("open", "load"))
        t = self.tables
        spent = self.insert_seconds
        places = sum(spent.get(table, 0.0) for table in (t.compound, t.building, t.unit, t.room, t.household))
        timings["insert"] = sum(spent.values())
        timings["places"] = timings.get("places", 0.0) - places
        timings["persons"] = timings.get("persons", 0.0) - (timings["insert"] - places) - timings.get("orm", 0.0)
        return self.result

    def _read_and_write(self) -> None:
        batch: list[_Row] = []
        for number, cells in self.table.rows:
            if _is_empty(cells):
                continue
            self.result.rows += 1
            row = self._check(number, cells)
            if row is not None:
                batch.append(row)
                if len(batch) >= BATCH_ROWS:
                    self._write_committed(batch)
                    batch = []
            self.last_row = number
        if batch:
            self._write_committed(batch)

    def _write_committed(self, batch: list[_Row]) -> None:
        self._write(batch)
        # What is in the database now, whatever happens to the next batch.
        self.written = {"rows_through": batch[-1].number, "created": self.result.created,
                        "updated": self.result.updated}

    @contextmanager
    def _timed(self, phase: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.result.timings[phase] = self.result.timings.get(phase, 0.0) + time.perf_counter() - started

    def _record_phase(self, phase: str, summary: str = "", **facts: Any) -> None:
        """An event of the import's course, committed at once (outside the batches' transactions)."""
        audit_record(
            actor=self.actor, username=self.username, action=AuditEvent.Action.IMPORT, community=self.community,
            summary=summary or _("roster %(file)s: import started") % {"file": self.table.filename},
            after={"community": self.community.code, "filename": self.table.filename, "phase": phase, **facts},
            request=self.request,
        )

    def _record_interrupted(self, exc: BaseException) -> None:
        written = self.written
        try:
            self._record_phase(
                "interrupted",
                _("roster %(file)s: import interrupted after row %(row)s; rows up to %(through)s written "
                  "(%(created)d created, %(updated)d updated). Import the file again to complete it.") % {
                    "file": self.table.filename, "row": self.last_row or "-", "through": written["rows_through"] or "-",
                    "created": written["created"], "updated": written["updated"]},
                stopped_after_row=self.last_row, error=type(exc).__name__, **written)
        except Exception:  # the database itself may be what failed: the original error matters more
            logger.exception("could not record the interruption of roster import %s", self.table.filename)

    def _record_import(self) -> None:
        r = self.result
        counts = {
            "rows": r.rows,
            "created": r.created,
            "updated": r.updated,
            "unchanged": r.unchanged,
            "rejected": r.rejected_rows,
            "places_created": r.places_created,
            "households_created": r.households_created,
        }
        audit_record(
            actor=self.actor,
            username=self.username,
            action=AuditEvent.Action.IMPORT,
            community=self.community,
            summary=_("roster %(file)s: %(rows)d rows, %(created)d created, %(updated)d updated, "
                      "%(rejected)d rejected") % {"file": r.filename, **counts},
            after={"community": self.community.code, "filename": r.filename, "phase": "finished", **counts},
            request=self.request,
        )

    # -- checking one row -----------------------------------------------------------------------

    def _cells(self, cells: list[Any]) -> tuple[Any, ...]:
        """The row's cells in the order of _FIELDS, "" for a column the file lacks or a short row."""
        # One "" more than the columns read, so that the index -1 of a missing column finds it.
        return self._pick(cells + [""] * (max(self._width - len(cells), 0) + 1))

    def _column(self, name: str) -> str:
        index = self.columns.get(name)
        return self.table.headers[index] if index is not None else ""

    def _reject(self, number: int, cells: list[Any], problems: list[Problem]) -> None:
        values = [cell_text(c) for c in cells]
        order = {f: i for i, f in enumerate(sorted(self.columns, key=self.columns.__getitem__))}
        for name, reason in sorted(problems, key=lambda p: order.get(p[0], -1)):
            self.result.rejected.append(
                RejectedRow(row=number, column=self._column(name), reason=str(reason), values=values)
            )

    def _check(self, number: int, cells: list[Any]) -> _Row | None:
        """Validate one row; a valid row comes back matched to its person, an invalid one is rejected."""
        (name_cell, id_cell, phone, sex, relation, residency, note, tags_cell, *place_cells) = self._cells(cells)
        # Most cells are text already; cell_text() is for the numbers and dates of typed .xlsx cells.
        phone = (phone if phone.__class__ is str else cell_text(phone)).strip()
        sex = (sex if sex.__class__ is str else cell_text(sex)).strip()
        relation = (relation if relation.__class__ is str else cell_text(relation)).strip()
        residency = (residency if residency.__class__ is str else cell_text(residency)).strip()
        note = (note if note.__class__ is str else cell_text(note)).strip()
        problems: list[Problem] = []
        id_number, id_problem = _id_text(id_cell)
        id_number = id_number.strip()
        if id_problem:
            problems.append((ID_NUMBER, id_problem))
        name = normalize_name(name_cell if name_cell.__class__ is str else cell_text(name_cell))
        data: PersonData | None = None
        try:
            data = clean_person_fields(
                name=name,
                id_number=id_number or None,
                phone=phone or None,
                sex=self._code("sex", sex),
                residency=self._code("residency", residency),
                relation=self._code("relation", relation),
                notes=note or None,
                today=self.today,
            )
        except ValidationError as exc:
            for name_, messages in exc.message_dict.items():
                problems.append((NOTE if name_ == "notes" else name_, messages[0]))
        place, place_problems = self._place(*place_cells)
        problems += place_problems
        tags: dict[str, str] | None = None
        tags_text = cell_text(tags_cell).strip()
        if tags_text:
            tags, tag_problem = self._tags(tags_text)
            if tag_problem:
                problems.append((TAGS, tag_problem))
        if problems or data is None or place is None:
            self._reject(number, cells, problems)
            return None
        problem = self._check_repeat(number, data, place)
        if isinstance(problem, tuple):
            self._reject(number, cells, [problem])
            return None
        given = _NOTHING_GIVEN
        if problem is not None:  # only an update asks which cells were empty (_merge)
            given = frozenset(f for f, v in ((ID_NUMBER, id_number), (PHONE, phone), (SEX, sex),
                                             (RELATION, relation), (RESIDENCY, residency), (NOTE, note)) if v)
        return _Row(number=number, data=data, given=given, tags=tags, place=place, person_pk=problem)

    def _check_repeat(self, number: int, data: PersonData, place: PlaceKey) -> Problem | int | None:
        """Reject a second row for the same person; otherwise the pk of the person the row updates."""
        key = (place, data.name)
        if data.id_number and data.id_number in self.seen_ids:
            earlier = self.seen_ids[data.id_number]
            return ID_NUMBER, _("the ID number is repeated: it is already on row %(row)d") % {"row": earlier}
        if key in self.seen_names:
            earlier, had_id = self.seen_names[key]
            # Two people of the same name in one room are two people only when both have an ID number.
            if not (had_id and data.id_number):
                return NAME, _("the same person (name and room) is already on row %(row)d") % {"row": earlier}
        if data.id_number:
            pk = self.by_id_number.get(data.id_number) or self.by_name_without_id.get(key)
        else:
            pk = self.by_name_without_id.get(key) or self.by_name.get(key)
        if pk is not None and pk in self.claimed:
            return NAME, _("this row names the same person as row %(row)d") % {"row": self.claimed[pk]}
        if pk is not None and pk in self.deceased:
            return NAME, _("this person is registered as deceased; correct the registry before importing them")
        if data.id_number:
            self.seen_ids[data.id_number] = number
        self.seen_names.setdefault(key, (number, bool(data.id_number)))
        if pk is not None:
            self.claimed[pk] = number
        return pk

    def _code(self, kind: str, raw: str) -> str | None:
        """The code for a label; an unknown label is passed on for clean_person_fields to report."""
        if not raw:
            return None
        return self._labels[kind].get(raw) or self._labels[kind].get(_label_key(raw), normalize(raw))

    def _normalized(self, cell: Any) -> str:
        """normalize() of a cell that repeats down the file (the compound), once per distinct value."""
        if cell.__class__ is not str:  # 1.0 and True are one dict key
            return normalize(cell_text(cell))
        cache = self._caches["normalized"]
        text = cached = cache.get(cell)
        if cached is None:
            text = cache[cell] = normalize(cell_text(cell))
        return text

    def _parsed(self, kind: str, raw: str) -> Any:
        cache = self._caches[kind]
        if raw not in cache:
            parse = {"building": parse_building, "unit": parse_unit, "room": parse_room, "address": parse_address}
            cache[raw] = parse[kind](raw)
        return cache[raw]

    def _place(
        self, compound_cell: Any, building_cell: Any, unit_cell: Any, room_cell: Any, address_cell: Any
    ) -> tuple[PlaceKey | None, list[Problem]]:
        """The row's address in canonical form: (compound, building, unit, room)."""
        problems: list[Problem] = []
        compound = self._normalized(compound_cell)
        building_text = cell_text(building_cell).strip()
        address_text = cell_text(address_cell).strip()
        if BUILDING in self.columns and (building_text or ADDRESS not in self.columns):
            where = BUILDING
            unit_text = cell_text(unit_cell).strip()
            room_text = cell_text(room_cell).strip()
            building = self._parsed("building", building_text) if building_text else None
            unit = (self._parsed("unit", unit_text) if unit_text else "1") or None
            room = self._parsed("room", room_text) if room_text else None
            if building is None:
                problems.append((BUILDING, _("the building is empty") if not building_text else
                                 _("%(value)s is not a building number") % {"value": building_text}))
            if unit is None:
                problems.append((UNIT, _("%(value)s is not a unit number") % {"value": unit_text}))
            if room is None:
                problems.append((ROOM, _("the room is empty") if not room_text else
                                 _("%(value)s is not a room number") % {"value": room_text}))
        else:
            where = ADDRESS
            address = self._parsed("address", address_text) if address_text else None
            if address is None:
                reason = (_("the address is empty") if not address_text else
                          _("%(value)s is not an address such as 富通小区9号楼2单元502室 or 富通小区9-2-502")
                          % {"value": address_text})
                return None, [(ADDRESS, reason)]
            building, unit, room = address.building, address.unit or "1", address.room
            compound = address.compound or compound
        if compound:
            compound = self._compound(compound)
        elif len(self.compounds) == 1:
            compound = next(iter(self.compounds))
        else:
            problems.append((COMPOUND if COMPOUND in self.columns else where,
                             _("the compound (小区) is missing: the community has several or none yet")))
        if len(compound) > 100:
            problems.append((COMPOUND if COMPOUND in self.columns else where,
                             _("the compound name is longer than 100 characters")))
        for name, value in ((BUILDING, building), (UNIT, unit), (ROOM, room)):
            if value is not None and len(value) > 16:
                problems.append((name if name in self.columns else where,
                                 _("%(value)s is too long for a number") % {"value": value}))
        if room is not None and floor_of(room) > 32767:
            problems.append((ROOM if ROOM in self.columns else where,
                             _("%(value)s is not a room number") % {"value": room}))
        if problems or building is None or unit is None or room is None:
            return None, problems
        return (compound, building, unit, room), []

    def _compound(self, name: str) -> str:
        """An existing compound's name when ``name`` is it, or is it behind an administrative prefix
        ("江汉区民意街道富通小区" is 富通小区; "新和平里" is not 和平里)."""
        cached = self._compound_cache.get(name)
        if cached is None:
            if name in self.compounds:
                cached = name
            else:
                known = [c for c in self.compounds
                         if name.endswith(c) and name[: -len(c)].rstrip(" ,").endswith(_ADMINISTRATIVE_ENDINGS)]
                cached = max(known, key=len) if known else name
            self._compound_cache[name] = cached
        return cached

    def _tags(self, raw: str) -> tuple[dict[str, str] | None, str | None]:
        """``慢性病:胰岛素 每日两次、独居老人`` -> {"chronic": "胰岛素 每日两次", "elderly_alone": ""}."""
        cache = self._caches["tags"]
        if raw in cache:
            return cache[raw]
        tags: dict[str, str] = {}
        problem: str | None = None
        for part in _TAG_SPLIT.split(clean_text(raw)):
            part = part.strip()
            if not part:
                continue
            label, note = (_TAG_NOTE.split(part, maxsplit=1) + [""])[:2]
            bracketed = _TAG_BRACKETED.match(label) if not note else None
            if bracketed:
                label, note = bracketed["tag"], bracketed["note"]
            code = self._labels["tag"].get(_label_key(label))
            if code is None:
                known = "、".join(str(label) for _code_, label in PersonTag.Tag.choices)
                problem = _("unknown tag: %(value)s (known tags: %(known)s)") % {"value": label.strip(), "known": known}
                break
            tags[code] = note.strip()[:200]
        cache[raw] = (None, problem) if problem else (tags, None)
        return cache[raw]

    # -- writing one batch ----------------------------------------------------------------------

    def _room(self, key: PlaceKey) -> None:
        """Make sure the room at ``key`` exists or is about to, and its compound, building and unit:
        new ones wait in ``new_*`` for _save_places()."""
        if key in self.rooms:
            return
        compound, b, u, _r = key
        if compound not in self.compounds:
            self.compounds[compound] = None
            self.new_compounds.append(compound)
            self._compound_cache.clear()
        if (compound, b) not in self.buildings:
            self.buildings[(compound, b)] = None
            self.new_buildings.append((compound, b))
        if (compound, b, u) not in self.units:
            self.units[(compound, b, u)] = None
            self.new_units.append((compound, b, u))
        self.rooms[key] = None
        self.new_rooms.append(key)

    def _household(self, key: PlaceKey) -> None:
        if key not in self.households:
            self._room(key)
            self.households[key] = None
            self.new_households.append(key)

    def _write(self, rows: list[_Row]) -> None:
        with self._timed("match"):
            pks = [row.person_pk for row in rows if row.person_pk is not None]
            existing = _persons_with_tags(pks)
        with self._timed("places"):
            for row in rows:
                self._room(row.place)
            for row in rows:
                person = existing.get(row.person_pk) if row.person_pk is not None else None
                if person is None or self._moves(person, row):
                    self._household(row.place)
        begin = time.perf_counter()
        with transaction.atomic() if not self.dry_run else nullcontext():
            begun = time.perf_counter()
            with self._timed("places"):
                self._save_places()
            with self._timed("persons"):
                self._apply(rows, existing)
            ending = time.perf_counter()
        timings = self.result.timings
        timings["commit"] = timings.get("commit", 0.0) + (begun - begin) + (time.perf_counter() - ending)

    def _moves(self, person: Person, row: _Row) -> bool:
        return self.person_place.get(person.pk) != row.place or person.status != Person.Status.ACTIVE

    def _save_places(self) -> None:
        new = (self.new_compounds, self.new_buildings, self.new_units, self.new_rooms)
        self.result.places_created += sum(len(level) for level in new)
        self.result.households_created += len(self.new_households)
        if not self.dry_run:
            c = self.community.pk
            t = self.tables
            self._saved(self.compounds, self.new_compounds, t.compound, [(c, name) for name in self.new_compounds])
            self._saved(self.buildings, self.new_buildings, t.building, [
                (c, self.compounds[key[0]], key[1], number_sort_key(key[1])) for key in self.new_buildings
            ])
            self._saved(self.units, self.new_units, t.unit, [
                (c, self.buildings[key[:2]], key[2], number_sort_key(key[2])) for key in self.new_units
            ])
            self._saved(self.rooms, self.new_rooms, t.room, [
                (c, self.units[key[:3]], key[3], floor_of(key[3])) for key in self.new_rooms
            ])
            self._saved(self.households, self.new_households, t.household, [
                (c, self.rooms[key]) for key in self.new_households
            ])
        self.new_compounds, self.new_buildings, self.new_units, self.new_rooms = [], [], [], []
        self.new_households = []

    def _saved(self, pks: dict[Any, int | None], keys: list[Any], table: Table, rows: list[tuple[Any, ...]]) -> None:
        pks.update(zip(keys, self._insert(table, rows, ids=True), strict=True))

    def _insert(self, table: Table, rows: list[tuple[Any, ...]], *, ids: bool = False) -> list[int]:
        started = time.perf_counter()
        try:
            return table.insert(rows, ids=ids)
        finally:
            self.insert_seconds[table] = self.insert_seconds.get(table, 0.0) + time.perf_counter() - started

    def _apply(self, rows: list[_Row], existing: dict[int, Person]) -> None:
        now = timezone.now()
        created: list[_Row] = []
        updated: list[tuple[Person, dict[str, Any], dict[str, Any]]] = []
        moved: list[Person] = []
        retagged: list[tuple[Person, dict[str, str]]] = []
        fields: set[str] = set()
        for row in rows:
            person = existing.get(row.person_pk) if row.person_pk is not None else None
            if person is None:
                created.append(row)
                continue
            before = person_snapshot(person)  # tags come from the prefetch: no query
            old_tags = {t.tag: t.note for t in person.tags.all()}
            apply_person_data(person, _merge(person, row.data, row.given))
            if self._moves(person, row):
                person.household_id = self.households[row.place]
                person.status = Person.Status.ACTIVE
                moved.append(person)
                self.person_place[person.pk] = row.place
            new_tags = old_tags if row.tags is None else row.tags
            after = person_snapshot(person)
            after["tags"] = _tag_snapshot(new_tags)
            b, a = diff(before, after)
            if not a:
                self.result.unchanged += 1
                continue
            person.updated_at = now
            fields.update(f for key in a for f in _SNAPSHOT_FIELDS.get(key, ()))
            updated.append((person, b, a))
            if new_tags != old_tags:
                retagged.append((person, new_tags))
        self.result.created += len(created)
        self.result.updated += len(updated)
        if self.dry_run:
            return
        self._save_persons(now, created, updated, moved, retagged, fields)

    def _save_persons(
        self,
        now: Any,
        created: list[_Row],
        updated: list[tuple[Person, dict[str, Any], dict[str, Any]]],
        moved: list[Person],
        retagged: list[tuple[Person, dict[str, str]]],
        fields: set[str],
    ) -> None:
        c = self.community.pk
        # New persons are written from their values: no Person objects (see core/bulkwrite.py).
        person_rows: list[tuple[Any, ...]] = []
        snapshots: list[dict[str, Any]] = []
        for row in created:
            household_id = self.households[row.place]
            data = row.data
            person_rows.append((c, household_id, *person_field_values(data)))
            snapshots.append(person_snapshot_of(
                name=data.name, id_number=data.id_number, phone=data.phone, sex=data.sex,
                birth_date=data.birth_date, residency=data.residency, relation=data.relation,
                status=_NEW_PERSON_STATUS, household_id=household_id, notes=data.notes,
                tags=_tag_snapshot(row.tags) if row.tags else [],
            ))
        pks = self._insert(self.tables.person, person_rows, ids=True)
        events = [self._event(AuditEvent.Action.CREATE, pk, None, after) for pk, after in zip(pks, snapshots, strict=True)]
        events += [self._event(AuditEvent.Action.UPDATE, person.pk, before, after) for person, before, after in updated]
        if moved:
            with self._timed("orm"):
                Residence.objects.filter(person__in=moved, ended_at__isnull=True).update(ended_at=now)
        reason = "registered"  # shown translated (Residence.reason_shown)
        self._insert(
            self.tables.residence,
            [(c, pk, person[1], now, reason) for pk, person in zip(pks, person_rows, strict=True)]
            + [(c, p.pk, p.household_id, now, reason) for p in moved]
        )
        if retagged:
            with self._timed("orm"):
                PersonTag.objects.filter(person__in=[p for p, _tags in retagged]).delete()
        self._insert(
            self.tables.tag,
            [(c, pk, tag, note) for pk, row in zip(pks, created, strict=True) for tag, note in (row.tags or {}).items()]
            + [(c, p.pk, tag, note) for p, tags in retagged for tag, note in tags.items()]
        )
        if updated:
            with self._timed("orm"):
                Person.objects.bulk_update([p for p, _b, _a in updated], sorted(fields | {"updated_at"}))
        self._insert(self.tables.event, events)

    def _event(
        self, action: str, pk: int, before: dict[str, Any] | None, after: dict[str, Any]
    ) -> tuple[Any, ...]:
        # In the order of _Tables.event.
        return (self.actor_id, self.username[:150], action, self.community.pk, _PERSON_TYPE, str(pk), before, after,
                self.ip_address)


class _Tables:
    """The tables an import writes in bulk, and the columns it gives (the rest get what a new
    instance would get: core/bulkwrite.py). Created once, when this module is imported, so that the
    bulk-write system check sees them (registry/apps.py)."""

    def __init__(self) -> None:
        self.compound = Table(Compound, ("community_id", "name"))
        self.building = Table(Building, ("community_id", "compound_id", "number", "sort_key"))
        self.unit = Table(Unit, ("community_id", "building_id", "number", "sort_key"))
        self.room = Table(Room, ("community_id", "unit_id", "number", "floor"))
        self.household = Table(Household, ("community_id", "room_id"))
        self.person = Table(Person, ("community_id", "household_id", *PERSON_DATA_FIELDS))
        self.residence = Table(Residence, ("community_id", "person_id", "household_id", "started_at", "reason"))
        self.tag = Table(PersonTag, ("community_id", "person_id", "tag", "note"))
        self.event = Table(AuditEvent, ("actor_id", "actor_username", "action", "community_id", "object_type",
                                        "object_id", "before", "after", "ip_address"), skips_save=AUDIT_SKIPS_SAVE)


_TABLES = _Tables()


_PERSON_TYPE = Person._meta.model_name
# What a new Person gets when no status is given (the model's default).
_NEW_PERSON_STATUS = Person._meta.get_field("status").get_default()


def _persons_with_tags(pks: list[int]) -> dict[int, Person]:
    """Persons by pk with their tags loaded, so that person_snapshot() runs no query per person.

    This fills the cache that prefetch_related("tags") would fill, the way Django's prefetch does it
    (a queryset with its result cache set), because prefetch_related itself costs ~0.1 ms per person
    (a queryset clone each), which was a third of re-importing a 100,000-row roster. Should Django
    change that cache, person.tags.all() falls back to one query per person: slower, still correct.
    """
    if not pks:
        return {}
    persons = {p.pk: p for p in Person.objects.filter(pk__in=pks)}
    tags: dict[int, list[PersonTag]] = {}
    for tag in PersonTag.objects.filter(person_id__in=pks):
        tags.setdefault(tag.person_id, []).append(tag)
    no_tags = _loaded_queryset([])
    for pk, person in persons.items():
        cache = getattr(person, "_prefetched_objects_cache", None)
        if cache is None:
            cache = person._prefetched_objects_cache = {}
        cache[_TAGS_CACHE] = _loaded_queryset(tags[pk]) if pk in tags else no_tags
    return persons


_TAGS_CACHE = Person.tags.rel.get_accessor_name()


def _loaded_queryset(tags: list[PersonTag]) -> Any:
    queryset = PersonTag.objects.all()
    queryset._result_cache = tags
    queryset._prefetch_done = True
    return queryset


# person_snapshot() key -> the Person fields behind it, for bulk_update.
_SNAPSHOT_FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("name", "name_initials", "name_pinyin"),
    "id_number": ("id_number",),
    "phone": ("phone",),
    "sex": ("sex",),
    "birth_date": ("birth_date",),
    "residency": ("residency",),
    "relation": ("relation",),
    "status": ("status",),
    "household": ("household",),
    "notes": ("notes",),
}


def _merge(person: Person, data: PersonData, given: frozenset[str]) -> PersonData:
    """The row's data over the person's: an empty cell keeps what the registry has."""
    keep: dict[str, Any] = {}
    if ID_NUMBER not in given:
        keep["id_number"] = person.id_number
        keep["birth_date"] = person.birth_date
        # The ID number, when there is one, stays the authority on sex.
        if person.id_number or SEX not in given:
            keep["sex"] = person.sex
    for name, attribute in ((PHONE, "phone"), (RESIDENCY, "residency"), (RELATION, "relation"), (NOTE, "notes")):
        if name not in given:
            keep[attribute] = getattr(person, attribute)
    return dataclasses.replace(data, **keep)


# -- the public functions ---------------------------------------------------------------------------


def import_roster(
    *,
    community: Community,
    path_or_file: str | os.PathLike[str] | IO[bytes] | bytes,
    filename: str | None = None,
    actor: Any,
    dry_run: bool = False,
    request: Any = None,
    limits: UploadLimits | None = None,
) -> ImportResult:
    """Import a roster file into ``community``; see the module docstring.

    ``actor`` is the user who imports (None for the command line, recorded as "cli"); ``request``, when
    given, supplies the client address for the audit log. With ``dry_run`` every row is checked and
    counted as it would be imported, and nothing is written. ``limits`` bound what the file may cost
    (the upload page passes ``page_limits()``; the default is ``command_limits()``). Raises
    RosterFileError, and RosterTooCostly (before anything is read) for a file over the limits.

    The audit log gets an "import started" event before the first row is written, and at the end
    the import's event with its counts; an import stopped by an error (or by the worker timeout,
    which gunicorn raises as SystemExit) gets an "import interrupted" event with what was written
    by then instead. Running the same file again completes it: rows already written match.
    """
    started = time.perf_counter()
    table = read_roster(path_or_file, filename, command_limits() if limits is None else limits)
    opened = time.perf_counter()
    run = _RosterImport(community=community, table=table, actor=actor, request=request, dry_run=dry_run)
    run.result.timings |= {"open": opened - started, "load": time.perf_counter() - opened}
    result = run.run()
    if not dry_run and result.created >= ANALYZE_AFTER:
        # A first roster can multiply a table's size: the planner's statistics follow at once, not
        # when autovacuum gets round to it (core/bulkwrite.py).
        refresh_planner_statistics(Room, Household, Person, PersonTag, Residence)
    return result


ANALYZE_AFTER = 1000  # persons created by one import


def read_all_rows(path_or_file: str | os.PathLike[str] | IO[bytes] | bytes, filename: str | None = None) -> int:
    """Read every row with the importer's reader and do nothing else (the baseline of bench/)."""
    table = read_roster(path_or_file, filename)
    count = 0
    for _row in table.rows:
        count += 1
    return count


__all__ = [
    "ImportResult",
    "RejectedRow",
    "RosterFileError",
    "RosterTable",
    "import_roster",
    "read_all_rows",
    "read_roster",
    "rejected_rows_xlsx",
]
