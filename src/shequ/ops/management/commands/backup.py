"""``shequ backup DIR``: a backup of the whole database into DIR (ops/backup.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shequ.ops.backup import BackupError, backup


class Command(BaseCommand):
    help = "Write a backup of the database (SQLite: online backup; PostgreSQL: pg_dump custom format) into DIR."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = backup(options["directory"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{result.path} ({result.engine}, {result.tables} tables)")
