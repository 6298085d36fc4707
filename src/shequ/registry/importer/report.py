"""What an import did: the result with its counts and rejected rows, and the spreadsheet of the
rejected rows to correct and upload again."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from shequ.core.excel import write_xlsx

# Rows per write transaction. One transaction per batch rather than one for the whole file: SQLite has
# a single writer, and a 100,000-row import takes long enough that pages saving a form meanwhile would

REASON_HEADER = "错误原因 / reason"

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


