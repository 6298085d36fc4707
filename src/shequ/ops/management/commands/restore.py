"""``shequ restore FILE [--force]``: restore a backup made by ``shequ backup`` (ops/backup.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shequ.ops.backup import BackupError, restore, row_counts


class Command(BaseCommand):
    help = "Restore a backup into the configured database (stop the servers first)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--force", action="store_true",
                            help="replace a database that already holds data (everything since the backup is lost)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = restore(options["file"], force=options["force"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(row_counts().values())
        self.stdout.write(f"restored {result.path} ({result.engine}): {result.tables} tables, {rows} rows")
