"""``shequ import-roster FILE --community CODE [--dry-run] [--json]``.

Exit status: 0 when every row was imported, 1 when some rows were rejected, 2 when the file (or the
community) cannot be used at all, with the reason on stderr.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from shequ.registry.importer import ImportResult, RosterFileError, import_roster
from shequ.registry.models import Community

EXIT_REJECTED = 1
EXIT_UNREADABLE = 2


class Command(BaseCommand):
    help = "Import a roster of residents (.xlsx or .csv) into a community."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the roster: .xlsx, or .csv in UTF-8 or GBK")
        parser.add_argument("--community", required=True, help="code of the community to import into")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument("--json", action="store_true", help="print the result as one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            community = Community.objects.get(code=options["community"])
        except Community.DoesNotExist:
            raise CommandError(
                _("there is no community with the code %(code)s") % {"code": options["community"]},
                returncode=EXIT_UNREADABLE,
            ) from None
        path = Path(options["file"])
        try:
            result = import_roster(
                community=community, path_or_file=path, filename=path.name, actor=None, dry_run=options["dry_run"]
            )
        except RosterFileError as exc:
            raise CommandError(str(exc), returncode=EXIT_UNREADABLE) from None
        if options["json"]:
            self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))
        else:
            self._summary(result)
        if result.rejected:
            # Not a CommandError: the rows that were valid have been imported, and the report above
            # is the whole message.
            sys.exit(EXIT_REJECTED)

    def _summary(self, result: ImportResult) -> None:
        if result.dry_run:
            self.stdout.write(_("Dry run: nothing was saved."))
        self.stdout.write(
            _("%(file)s: %(rows)d rows; %(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
              "%(rejected)d rejected.")
            % {
                "file": result.filename,
                "rows": result.rows,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "rejected": result.rejected_rows,
            }
        )
        if result.places_created or result.households_created:
            self.stdout.write(
                _("New places: %(places)d; new households: %(households)d.")
                % {"places": result.places_created, "households": result.households_created}
            )
        if result.rejected:
            self.stdout.write(_("Rejected rows (fix them and import the file again):"))
            for problem in result.rejected:
                self.stdout.write(
                    "  " + _("row %(row)d, %(column)s: %(reason)s")
                    % {"row": problem.row, "column": problem.column or "-", "reason": problem.reason}
                )
