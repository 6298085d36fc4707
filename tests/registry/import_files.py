"""Helpers for the roster import tests: a community to import into, and messy files written the ways
offices write them (.xlsx by openpyxl with typed cells, CSV in GBK or UTF-8 with a BOM)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from pathlib import Path

import pytest
from openpyxl import Workbook

from shequ.core.idnumber import make_id_number
from shequ.registry.importer import write
from shequ.registry.models import Community, Street

# Valid ID numbers for the tests, one per person.
ZHANG = make_id_number("420106", dt.date(1950, 3, 4), 11)  # male
LI = make_id_number("420106", dt.date(1952, 7, 8), 22)  # female
WANG = make_id_number("110101", dt.date(1985, 1, 2), 33)
ZHAO = make_id_number("440305", dt.date(2010, 9, 10), 44)
X_ENDING = next(
    n for n in (make_id_number("420111", dt.date(1990, 1, 1), s) for s in range(1000)) if n.endswith("X")
)

HEADERS = ["序号", "姓名", "身份证号", "手机号", "小区", "楼栋", "单元", "房号", "与户主关系", "人员类型", "标签", "备注"]


def fresh_write_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give the import tables built now (importer/write.py ``_Tables``), not the ones built when the
    module was imported. Used by an autouse fixture in each importer test file: mutation testing
    (tools/mutation.py) switches a mutant on only after Django has started, so a mutant of
    ``_Tables.__init__`` would otherwise never run; with this, every import of a test writes through
    tables built while the mutant is on, and a table given the wrong model or columns fails the test."""
    monkeypatch.setattr(write, "_TABLES", write._Tables())


def make_community(code: str) -> Community:
    """A community of its own: the shared test world (tests/conftest.py) has futong and nanxincun."""
    street, _created = Street.objects.get_or_create(code="import-tests", defaults={"name": "导入测试街道"})
    return Community.objects.create(street=street, code=code, name=f"{code}社区")


def xlsx(path: Path, rows: Sequence[Sequence[object]], *, title: str | None = None) -> Path:
    """An .xlsx with typed cells as given (ints stay numbers, as when Excel guesses)."""
    workbook = Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def csv_file(path: Path, rows: Sequence[Sequence[object]], *, encoding: str) -> Path:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(["" if c is None else c for c in row])
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def row(
    number: int,
    name: str,
    id_number: object = "",
    phone: object = "",
    compound: str = "富通小区",
    building: object = "9号楼",
    unit: object = "2单元",
    room: object = "502",
    relation: str = "",
    residency: str = "",
    tags: str = "",
    note: str = "",
) -> list[object]:
    """A row for HEADERS."""
    return [number, name, id_number, phone, compound, building, unit, room, relation, residency, tags, note]
