"""``shequ parse-orders FILE --json [--community CODE]``.

FILE is JSON Lines, one ``{"sender": ..., "text": ...}`` per line. Prints one JSON object per input
line, in order (``parser.Parsed.as_json``); with ``--community``, each address is also resolved
against that community's registry (``household_id``, ``address_problem``: unknown or ambiguous).
A line that is not such an object prints ``{"error": ...}`` in its place, and the exit status is 1.
Writes nothing.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from shequ.registry.models import Community
from shequ.supplies.parser import parse_message
from shequ.supplies.selectors import resolve_address

EXIT_BAD_LINES = 1
EXIT_UNREADABLE = 2


class Command(BaseCommand):
    help = "Parse WeChat group messages (JSON Lines) into orders: address, kind, urgency and items."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help='JSON Lines: {"sender": ..., "text": ...} per line ("-" for stdin)')
        parser.add_argument("--json", action="store_true", help="one JSON object per line (the only output form)")
        parser.add_argument("--community", help="code of the community whose registry resolves the addresses")

    def handle(self, *args: Any, **options: Any) -> None:
        community = None
        if options.get("community"):
            community = Community.objects.filter(code=options["community"]).first()
            if community is None:
                raise CommandError(_("there is no community with the code %(code)s") % {"code": options["community"]},
                                   returncode=EXIT_UNREADABLE)
        try:
            lines = (sys.stdin.read() if options["file"] == "-" else
                     Path(options["file"]).read_text(encoding="utf-8-sig")).splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(str(exc), returncode=EXIT_UNREADABLE) from None
        bad = 0
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                if not isinstance(row, dict) or not isinstance(row.get("text"), str):
                    raise ValueError(_('expected {"sender": ..., "text": ...}'))
                sender = row.get("sender") or ""
                if not isinstance(sender, str):
                    raise ValueError(_("sender must be text"))
            except ValueError as exc:
                bad += 1
                self.stdout.write(json.dumps({"line": number, "error": str(exc)}, ensure_ascii=False))
                continue
            parsed = parse_message(sender, row["text"])
            out = parsed.as_json()
            if community is not None:
                household, problem = resolve_address(community.pk, parsed.address, parsed.compound)
                out["household_id"], out["address_problem"] = (household.pk if household else None), problem or None
            self.stdout.write(json.dumps(out, ensure_ascii=False))
        if bad:
            sys.exit(EXIT_BAD_LINES)
