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

The package follows the import's course: ``read`` (the file, its header and rows), ``check`` (one
row's cells validated with the registry's own functions), ``match`` (rows to the community's
persons, loaded once), ``write`` (the run, in batches, through the bulk writers, the registry's
bulk move and the audit app's batch function) and ``report`` (the result and the rejected rows'
spreadsheet). Everything that other modules use is importable from here.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import IO, Any

from shequ.core.bulkwrite import refresh_planner_statistics
from shequ.core.uploads import UploadLimits
from shequ.registry.importer.read import (
    COMMAND_MAX_BYTES,
    COMMAND_MAX_COLUMNS,
    COMMAND_MAX_ROWS,
    COMMAND_MAX_UNPACKED_BYTES,
    IMPORT_MAX_COLUMNS,
    RosterFileError,
    RosterTable,
    RosterTooCostly,
    background_limits,
    cell_text,
    check_cost,
    command_limits,
    csv_rows,
    load_upload,
    page_limits,
    read_roster,
    sheet_rows,
)
from shequ.registry.importer.report import REASON_HEADER, ImportResult, RejectedRow, rejected_rows_xlsx
from shequ.registry.importer.write import BATCH_ROWS, CLI_USERNAME, _RosterImport
from shequ.registry.models import Community, Household, Person, PersonTag, Residence, Room

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
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import a roster file into ``community``; see the module docstring.

    ``actor`` is the user who imports (None for the command line, recorded as "cli"); ``request``, when
    given, supplies the client address for the audit log. With ``dry_run`` every row is checked and
    counted as it would be imported, and nothing is written. ``limits`` bound what the file may cost
    (the upload page passes ``page_limits()``; the default is ``command_limits()``). ``progress``
    is called with the number of the file's rows read so far after each committed batch and at the
    end (the background job's progress bar, registry/jobs.py). Raises
    RosterFileError, and RosterTooCostly (before anything is read) for a file over the limits.

    The audit log gets an "import started" event before the first row is written, and at the end
    the import's event with its counts; an import stopped by an error (or by the worker timeout,
    which gunicorn raises as SystemExit) gets an "import interrupted" event with what was written
    by then instead. Running the same file again completes it: rows already written match.
    """
    started = time.perf_counter()
    table = read_roster(path_or_file, filename, command_limits() if limits is None else limits)
    opened = time.perf_counter()
    run = _RosterImport(community=community, table=table, actor=actor, request=request, dry_run=dry_run,
                        progress=progress)
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
    "BATCH_ROWS",
    "CLI_USERNAME",
    "COMMAND_MAX_BYTES",
    "COMMAND_MAX_COLUMNS",
    "COMMAND_MAX_ROWS",
    "COMMAND_MAX_UNPACKED_BYTES",
    "IMPORT_MAX_COLUMNS",
    "REASON_HEADER",
    "ImportResult",
    "RejectedRow",
    "RosterFileError",
    "RosterTable",
    "RosterTooCostly",
    "_RosterImport",
    "background_limits",
    "cell_text",
    "check_cost",
    "command_limits",
    "csv_rows",
    "import_roster",
    "load_upload",
    "page_limits",
    "read_all_rows",
    "read_roster",
    "rejected_rows_xlsx",
    "sheet_rows",
]
