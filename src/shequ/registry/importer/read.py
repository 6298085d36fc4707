"""Reading a roster: the file (xlsx/xls/ods/csv, within the upload limits), its header row and
the columns it names, and its rows as cells. Shared with the campaigns' results import."""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _
from python_calamine import CalamineError, load_workbook

from shequ.core.text import normalize
from shequ.core.uploads import UploadLimits, UploadTooCostly, check_sheet_size, check_size, check_upload
from shequ.registry.models import (
    Community,
)

# Rows per write transaction. One transaction per batch rather than one for the whole file: SQLite has
# a single writer, and a 100,000-row import takes long enough that pages saving a form meanwhile would
# How far down to look for the header row: offices put a title such as "富通社区人口登记表" above it.
HEADER_SEARCH_ROWS = 10


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



# -- reading ----------------------------------------------------------------------------------------


class RosterFileError(ValueError):
    """The file cannot be read as a roster; str(error) is the user-facing reason."""


class RosterTooCostly(RosterFileError):
    """The file is over a limit of what an import may cost (core/uploads.py); nothing was read or
    written. str(error) names the limit."""


def background_limits(community: Community | None = None) -> UploadLimits:
    """The upload page's limits for a file imported in the background (registry/jobs.py): no
    request timeout, so more rows (``IMPORT_BACKGROUND_MAX_ROWS``)."""
    return replace(page_limits(community), max_rows=settings.IMPORT_BACKGROUND_MAX_ROWS)


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
    else:  # UTF-16, as Excel's "Unicode text" saves it: its byte-order mark FF FE is no GB18030 text
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


