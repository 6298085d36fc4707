"""``shequ import-health-list FILE --community CODE --kind close_contact [--dry-run] [--json]``.

Exit status: 0 when every row matched, 1 when some did not (unmatched or rejected), 2 when the file
(or the community) cannot be used at all, with the reason on stderr.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.health.imports import KINDS, RosterFileError, import_health_list
from shequ.registry.models import Community

EXIT_UNMATCHED = 1
EXIT_UNREADABLE = 2


class Command(BaseCommand):
    help = "Import a list of close contacts or arrivals from the street or CDC into the health register."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the list: .xlsx, or .csv in UTF-8 or GBK")
        parser.add_argument("--community", required=True, help="code of the community")
        parser.add_argument("--kind", required=True, choices=sorted(KINDS), help="what the list is of")
        parser.add_argument("--dry-run", action="store_true", help="match and count, store nothing")
        parser.add_argument("--json", action="store_true", help="print the result as one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            community = Community.objects.get(code=options["community"])
        except Community.DoesNotExist:
            raise CommandError(_("there is no community with the code %(code)s") % {"code": options["community"]},
                               returncode=EXIT_UNREADABLE) from None
        path = Path(options["file"])
        try:
            result = import_health_list(community=community, path_or_file=path, filename=path.name,
                                        kind=options["kind"], dry_run=options["dry_run"], today=timezone.localdate())
        except RosterFileError as exc:
            raise CommandError(str(exc), returncode=EXIT_UNREADABLE) from None
        if options["json"]:
            self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))
        else:
            if result.dry_run:
                self.stdout.write(_("Dry run: nothing was saved."))
            self.stdout.write(_("%(rows)d rows; %(matched)d matched (%(recorded)d recorded), %(unmatched)d unmatched, "
                                "%(rejected)d rejected.") % {
                "rows": result.rows, "matched": result.matched, "recorded": result.recorded,
                "unmatched": len(result.unmatched), "rejected": len(result.rejected)})
            for row in result.unmatched:
                self.stdout.write(_("row %(row)s: %(reason)s") % row)
            for row in result.rejected:
                self.stdout.write(_("row %(row)s, %(column)s: %(reason)s") % row)
        if result.unmatched or result.rejected:
            sys.exit(EXIT_UNMATCHED)
