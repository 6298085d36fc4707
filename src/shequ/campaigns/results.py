"""Importing lab results per tube from .csv or .xlsx: tube code, result, time.

Every row is checked before anything is written; rows with a problem are reported by row number,
column and reason, and are not imported. The good rows are imported in one transaction, each through
``services.tube_result_set`` (so a positive pooled tube raises its re-test list and alert exactly
as a result typed by hand). Importing the same file again changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from python_calamine import CalamineError

from shequ.audit.models import AuditEvent
from shequ.audit.services import audit_record
from shequ.campaigns import services
from shequ.campaigns.models import Campaign, Result, Tube
from shequ.core.text import normalize

# The roster importer's public reader (python-calamine for spreadsheets, UTF-8/GBK sniffing for CSV).
from shequ.core.uploads import UploadLimits
from shequ.registry.importer import (
    RosterFileError,
    RosterTooCostly,
    cell_text,
    check_cost,
    csv_rows,
    load_upload,
    sheet_rows,
)

CODE, RESULT, TIME = "code", "result", "time"
COLUMN_LABELS = {CODE: gettext_noop("tube code"), RESULT: gettext_noop("result"), TIME: gettext_noop("time")}
_ALIASES = {
    CODE: ("管号", "试管号", "试管编号", "试管编码", "条码", "条码号", "采样管号", "采样管编码", "样本编号", "tube",
           "tubecode", "code", "barcode"),
    RESULT: ("结果", "检测结果", "核酸结果", "result"),
    TIME: ("时间", "检测时间", "报告时间", "结果时间", "出结果时间", "time", "resulttime", "reportedat", "at"),
}
_FIELDS = {re.sub(r"[\s_\-:/()（）]", "", a.lower()): f for f, aliases in _ALIASES.items() for a in aliases}
RESULT_WORDS = {
    Result.NEGATIVE: ("阴性", "阴", "negative", "neg", "-", "n"),
    Result.POSITIVE: ("阳性", "阳", "positive", "pos", "+", "p"),
    Result.INVALID: ("无效", "无效样本", "invalid", "inv", "复检", "x"),
}
_RESULTS = {w: r for r, words in RESULT_WORDS.items() for w in words}
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%dT%H:%M:%S",
                 "%Y-%m-%dT%H:%M", "%Y.%m.%d %H:%M", "%Y年%m月%d日 %H:%M", "%Y年%m月%d日%H:%M", "%Y年%m月%d日 %H时%M分")


@dataclass
class BadRow:
    row: int
    column: str
    reason: str


@dataclass
class ResultsReport:
    """``rows`` = ``imported`` + ``unchanged`` + ``rejected``; ``bad`` lists every problem, and a
    row may have several (a wrong tube code and a wrong result)."""

    rows: int = 0
    imported: int = 0
    unchanged: int = 0
    retests: int = 0
    bad: list[BadRow] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        """Rows not imported (not problems: one row may have several)."""
        return len({b.row for b in self.bad})

    @property
    def problems_by_row(self) -> list[tuple[int, list[BadRow]]]:
        by: dict[int, list[BadRow]] = {}
        for b in self.bad:
            by.setdefault(b.row, []).append(b)
        return sorted(by.items())


class ResultsFileError(ValueError):
    """The file cannot be read or has no recognisable header."""


class ResultsTooCostly(ResultsFileError):
    """The file is over RESULTS_LIMITS; nothing was read. str() names the limit."""


def parse_result(value: Any) -> str | None:
    return _RESULTS.get(normalize(cell_text(value)).strip().lower())


def parse_time(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        return None  # a date without a time is not enough to order results
    else:
        text = re.sub(r"\s+", " ", normalize(cell_text(value)).strip())
        moment = None
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            for fmt in _TIME_FORMATS:
                try:
                    moment = dt.datetime.strptime(text, fmt)  # noqa: DTZ007 - made aware below
                    break
                except ValueError:
                    continue
        if moment is None:
            return None
    assert moment is not None  # each branch above sets it or returns
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


# What one lab file may cost (core/uploads.py): a round's results per tube fit in far less; the
# import reads each tube, so more rows would not fit in one request either.
RESULTS_LIMITS = UploadLimits(
    max_bytes=10 * 1024 * 1024, max_unpacked_bytes=50 * 1024 * 1024, max_rows=20_000, max_columns=50,
    too_many_rows=lambda: _("Split it into files of fewer rows."))


def _rows(data: bytes, filename: str) -> Any:
    check_cost(data, RESULTS_LIMITS)
    if data[:4] == b"PK\x03\x04" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or filename.lower().endswith(
            (".xlsx", ".xls", ".xlsm", ".ods")):
        sheets = sheet_rows(data, RESULTS_LIMITS)
    else:
        sheets = csv_rows(data)
    try:
        return next(iter(sheets))
    except StopIteration:
        raise ResultsFileError(_("the file has no worksheet")) from None


@dataclass
class _Good:
    row: int
    tube: Tube
    result: str
    at: dt.datetime


def results_import(*, actor: Any, campaign: Campaign, file: IO[bytes] | bytes, filename: str = "",
                   request: Any = None) -> ResultsReport:
    try:
        data, name = load_upload(file, filename, RESULTS_LIMITS)
        rows = _rows(data, name)
        report = ResultsReport()
        header: dict[str, int] = {}
        good: list[_Good] = []
        seen: dict[str, tuple[int, str]] = {}
        for number, cells in enumerate(rows, start=1):
            if not header:
                found = {key: i for i, c in enumerate(cells)
                         if (key := _FIELDS.get(re.sub(r"[\s_\-:/()（）]", "", normalize(cell_text(c)).lower())))
                         is not None}
                if CODE in found and RESULT in found:
                    header = found
                elif number >= 10:
                    break
                continue
            if all(not cell_text(c).strip() for c in cells):
                continue
            report.rows += 1
            checked = _check(campaign, number, cells, header, report, seen)
            if checked is not None:
                good.append(checked)
    except RosterTooCostly as exc:
        raise ResultsTooCostly(str(exc)) from None
    except RosterFileError as exc:
        raise ResultsFileError(str(exc)) from None
    except csv.Error as exc:  # a row further down that the reader cannot read: nothing is imported
        raise ResultsFileError(_("the file cannot be read as CSV: %(error)s") % {"error": exc}) from None
    except CalamineError as exc:
        raise ResultsFileError(_("the file cannot be read as a spreadsheet: %(error)s") % {"error": exc}) from None
    if not header:
        raise ResultsFileError(_("no header row with a tube code column and a result column was found"))
    with transaction.atomic():
        for g in good:
            outcome = services.tube_result_set(actor=actor, tube=g.tube, result=g.result, at=g.at, request=request)
            if outcome.changed:
                report.imported += 1
                report.retests += outcome.retests
            else:
                report.unchanged += 1
        audit_record(actor=actor, action=AuditEvent.Action.IMPORT, community=campaign.community, obj=campaign,
                     summary=f"results {name}: {report.rows} rows, {report.imported} imported, "
                             f"{report.rejected} rejected", request=request)
    return report


def _check(campaign: Campaign, number: int, cells: list[Any], header: dict[str, int], report: ResultsReport,
           seen: dict[str, tuple[int, str]]) -> _Good | None:
    def cell(name: str) -> Any:
        i = header.get(name)
        return cells[i] if i is not None and i < len(cells) else None

    def bad(column: str, reason: str) -> None:
        report.bad.append(BadRow(number, _(COLUMN_LABELS[column]), reason))

    before = len(report.bad)
    code = normalize(cell_text(cell(CODE))).strip().upper()
    tube = None
    if not code:
        bad(CODE, _("the tube code is empty"))
    else:
        tube = Tube.objects.filter(campaign=campaign, code=code).first()
        if tube is None:
            bad(CODE, _("no tube %(code)s in this campaign") % {"code": code})
        elif not tube.size:
            bad(CODE, _("tube %(code)s holds no samples") % {"code": code})
    raw = cell(RESULT)
    result = parse_result(raw)
    if result is None:
        bad(RESULT, _("“%(value)s” is not a result: write 阴性/negative, 阳性/positive or 无效/invalid")
            % {"value": cell_text(raw)})
    at = timezone.now()
    if TIME in header:
        raw_time = cell(TIME)
        if not cell_text(raw_time).strip():
            bad(TIME, _("the time is empty"))
        else:
            parsed = parse_time(raw_time)
            if parsed is None:
                bad(TIME, _("“%(value)s” is not a date and time such as 2022-11-12 18:30") % {"value": cell_text(raw_time)})
            elif parsed > timezone.now() + dt.timedelta(minutes=5):
                bad(TIME, _("the time is in the future"))
            else:
                at = parsed
    if tube is not None and result is not None:
        if code in seen and seen[code][1] != result:
            bad(RESULT, _("row %(row)s gives tube %(code)s another result") % {"row": seen[code][0], "code": code})
        elif tube.result and tube.result != result:
            bad(RESULT, _("tube %(code)s already has the result %(result)s") % {
                "code": code, "result": tube.get_result_display()})
        seen.setdefault(code, (number, result))
    if len(report.bad) > before or tube is None or result is None:
        return None
    return _Good(number, tube, result, at)


def result_enter(*, actor: Any, campaign: Campaign, code: str, result: str, at: dt.datetime | None = None,
                 request: Any = None) -> services.ResultOutcome:
    """A result typed by hand (the manual entry form)."""
    code = services.clean_tube_code(code)
    tube = Tube.objects.filter(campaign=campaign, code=code).first()
    if tube is None:
        raise ValidationError({"code": _("No tube %(code)s in this campaign.") % {"code": code}})
    return services.tube_result_set(actor=actor, tube=tube, result=result, at=at, request=request)
