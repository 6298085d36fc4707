"""The registry's background job: a roster import of a large file (docs/tasks.md).

It calls ``importer.import_roster``, the service of the upload page and of ``shequ import-roster``.
Run again after its worker died, it reads the whole file again: the rows the first run committed
match the persons they made (same ID number, or same name in the same room) and count as unchanged,
so every row is recorded once (registry/importer/__init__.py, "Rules")."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.core.excel import XLSX_CONTENT_TYPE
from shequ.jobs.kinds import JobKind, Result
from shequ.jobs.models import Job
from shequ.jobs.services import JobError, Progress, origin
from shequ.registry.importer import (
    RosterFileError,
    background_limits,
    import_roster,
    read_all_rows,
    rejected_rows_xlsx,
)

ROSTER_IMPORT = "registry.roster_import"
SHOWN_REJECTED = 200  # rows listed on the job's page; the spreadsheet has them all


def run_roster_import(job: Job, progress: Progress) -> Result:
    data = bytes(job.upload or b"")
    community = job.community
    assert community is not None  # noqa: S101 - the upload page starts it for a community
    try:
        progress.set(0, None, _("Counting the rows of the file."))
        total = read_all_rows(data, job.upload_name)
        progress.set(0, total, _("Importing rows."))
        result = import_roster(community=community, path_or_file=data, filename=job.upload_name,
                               actor=job.user, dry_run=bool(job.params.get("dry_run")), request=origin(job),
                               limits=background_limits(community),
                               progress=lambda rows: progress.set(rows, total, _("Importing rows.")))
    except RosterFileError as exc:  # RosterTooCostly too: str() is the user's message
        raise JobError(_("The file cannot be read: %(reason)s") % {"reason": exc}) from exc
    outcome = {"dry_run": result.dry_run, "rows": result.rows, "created": result.created,
               "updated": result.updated, "unchanged": result.unchanged, "rejected_rows": result.rejected_rows,
               "rejected": [[r.row, r.column, r.reason] for r in result.rejected[:SHOWN_REJECTED]],
               "rejected_more": max(0, len(result.rejected) - SHOWN_REJECTED)}
    if not result.rejected:
        return Result(outcome=outcome)
    return Result(content=rejected_rows_xlsx(result), filename="rejected-rows.xlsx",
                  content_type=XLSX_CONTENT_TYPE, outcome=outcome)


KINDS = [JobKind(ROSTER_IMPORT, gettext_lazy("Roster import"), run_roster_import,
                 outcome_template="registry/_import_outcome.html")]
