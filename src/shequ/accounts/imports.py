"""The list of people a community takes on in one go (a day's deployed cadres, a volunteer team):
an .xlsx or .csv with one account a row, imported through ``services.member_create``.

Messages follow the roster import's: one per problem, with the spreadsheet's row number, the column
as the file writes it and the reason; a row with a problem creates nothing, the valid rows are
created. Each row runs in its own savepoint, so one refused row never undoes another.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from python_calamine import load_workbook

from shequ.accounts.models import Role
from shequ.accounts.services import NewAccount, member_create
from shequ.core.text import normalize
from shequ.core.uploads import UploadLimits, UploadTooCostly, check_upload
from shequ.registry.models import Community, Grid, PropertyCompany

NAME, ROLE, PHONE, USERNAME, GRID, COMPANY = "name", "role", "phone", "username", "grid", "property_company"
HEADERS: dict[str, tuple[str, ...]] = {
    NAME: ("姓名", "名字", "name", "full name"),
    ROLE: ("角色", "岗位", "身份", "role"),
    PHONE: ("手机号", "手机号码", "联系电话", "电话", "手机", "phone", "mobile"),
    USERNAME: ("用户名", "账号", "username", "account"),
    GRID: ("网格", "所属网格", "grid"),
    COMPANY: ("物业", "物业公司", "property company", "property_company"),
}
_KEY = re.compile(r"[\s*:_\-/]|\(.*?\)|（.*?）")
_COLUMNS = {_KEY.sub("", alias.lower()): column for column, aliases in HEADERS.items() for alias in aliases}
# What offices write in the role column, besides the codes and the labels in either language. A
# deployed cadre (下沉干部) takes posts and shifts: the volunteer role (GLOSSARY "workforce").
ROLE_WORDS: dict[str, str] = {
    "书记": Role.SECRETARY, "社区书记": Role.SECRETARY, "工作人员": Role.STAFF, "社区工作人员": Role.STAFF, "社工": Role.STAFF,
    "网格员": Role.GRID_WORKER, "门岗": Role.GATE_GUARD, "保安": Role.GATE_GUARD, "卡口": Role.GATE_GUARD, "志愿者": Role.VOLUNTEER,
    "下沉干部": Role.VOLUNTEER, "物业": Role.PROPERTY, "采样人员": Role.SAMPLER, "医护": Role.SAMPLER, "采样": Role.SAMPLER,
}
HEADER_SEARCH_ROWS = 10
LIMITS = UploadLimits(max_bytes=5 * 1024 * 1024, max_unpacked_bytes=50 * 1024 * 1024, max_rows=2000,
                      max_columns=30, too_many_rows=lambda: _("Split the list into files of fewer rows."))


class ListFileError(ValueError):
    """The file cannot be read as a list of people; str() is the reason for the user."""


@dataclass
class Problem:
    row: int
    column: str
    reason: str


@dataclass
class ListResult:
    rows: int = 0
    created: list[NewAccount] = field(default_factory=list)
    rejected: list[Problem] = field(default_factory=list)


def _text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return normalize(str(cell)).strip()


def _rows(data: bytes, filename: str) -> list[list[Any]]:
    try:
        check_upload(data, LIMITS)
    except UploadTooCostly as exc:
        raise ListFileError(str(exc)) from None
    if data[:4] == b"PK\x03\x04" or Path(filename).suffix.lower() in {".xlsx", ".xls", ".ods"}:
        try:
            sheet = load_workbook(io.BytesIO(data)).get_sheet_by_index(0)
            return [list(r) for r in sheet.iter_rows()]
        except Exception as exc:  # python-calamine raises several unrelated types for broken files
            raise ListFileError(_("the file cannot be read as a spreadsheet: %(error)s") % {"error": exc}) from None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes nearly every byte string
        raise ListFileError(_("the file is neither UTF-8 nor GBK text"))
    first = next((line for line in text.splitlines() if line.strip()), "")
    return [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=max(",;\t", key=first.count))]


def role_words() -> dict[str, str]:
    """Role column text -> role: the codes, the labels in both languages, the office's words."""
    from django.utils import translation

    words = {value: value for value in Role.values}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            words.update({str(label).lower(): value for value, label in Role.choices})
    words.update(ROLE_WORDS)
    return words


def import_members(*, actor: Any, community: Community, data: bytes, filename: str, request: Any = None) -> ListResult:
    """Create an account for each valid row; every problem is reported with its row and column."""
    rows = _rows(data, filename)
    header_at, columns = 0, {}
    for number, cells in enumerate(rows[:HEADER_SEARCH_ROWS], start=1):
        found = {_COLUMNS[k]: i for i, c in enumerate(cells) if (k := _KEY.sub("", _text(c).lower())) in _COLUMNS}
        if NAME in found and ROLE in found:
            header_at, columns = number, found
            break
    if not header_at:
        raise ListFileError(_("no header row was found: the list needs the columns 姓名 / name and 角色 / role"))
    header = [_text(c) for c in rows[header_at - 1]]
    roles = role_words()
    grids = {str(g.number): g for g in Grid.objects.filter(community=community)}
    grids.update({g.name: g for g in grids.values()})
    companies = {c.name: c for c in PropertyCompany.objects.filter(community=community)}
    result = ListResult()
    for number, cells in enumerate(rows[header_at:], start=header_at + 1):
        values = {column: _text(cells[i]) if i < len(cells) else "" for column, i in columns.items()}
        if not any(values.values()):
            continue
        result.rows += 1

        def problem(column: str, reason: str, number: int = number) -> None:
            result.rejected.append(Problem(number, header[columns[column]] if column in columns else column, reason))

        role = roles.get(values[ROLE].lower())
        if role is None:
            problem(ROLE, _("%(value)s is not a role") % {"value": values[ROLE] or _("(empty)")})
            continue
        grid = company = None
        if role == Role.GRID_WORKER:
            grid = grids.get(values.get(GRID, "").removesuffix("网格").removeprefix("第") or values.get(GRID, ""))
            grid = grid or grids.get(values.get(GRID, ""))
            if grid is None:
                problem(GRID, _("no grid %(value)s in this community") % {"value": values.get(GRID) or _("(empty)")})
                continue
        if role == Role.PROPERTY:
            company = companies.get(values.get(COMPANY, ""))
            if company is None:
                problem(COMPANY, _("no property company %(value)s in this community")
                        % {"value": values.get(COMPANY) or _("(empty)")})
                continue
        try:
            with transaction.atomic():
                result.created.append(member_create(
                    actor=actor, community=community, name=values[NAME], role=role, phone=values.get(PHONE, ""),
                    username=values.get(USERNAME, ""), grid=grid, property_company=company, request=request))
        except ValidationError as exc:
            for key, messages in (exc.message_dict.items() if hasattr(exc, "error_dict") else [(ROLE, exc.messages)]):
                for message in messages:
                    problem(key if key in columns else ROLE if key in ("__all__",) else key, message)
    return result
