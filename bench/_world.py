"""What every bench does before its stage: migrate its throwaway database.

On SQLite a bench's database is a copy of one migrated before by the same migrations, kept in the
temporary directory under a name made from the migration files, Django's version and the SQLite
library's (``shequ-bench-migrated-<hash>.sqlite3``): migrating took 12-35 s here, more than some
benches' timed part, and is not what any bench measures. The first bench after a change of a
migration migrates and leaves the copy; a bench on PostgreSQL migrates its database as before.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import tempfile
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "shequ"


def _template() -> Path:
    import django

    digest = hashlib.sha256(f"{django.__version__} {sqlite3.sqlite_version}".encode())
    for path in sorted(SRC.glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(SRC)).encode())
        digest.update(path.read_bytes())
    return Path(tempfile.gettempdir()) / f"shequ-bench-migrated-{digest.hexdigest()[:16]}.sqlite3"


def _copy(source: Path, target: Path) -> None:
    """SQLite's online backup: a whole, consistent database whatever the source's journal."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def migrate() -> str:
    """Migrate the configured (empty) database; after ``django.setup()``. Returns ``"copied"`` when
    an SQLite database migrated before was copied in, else ``"migrated"``."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "sqlite":
        call_command("migrate", verbosity=0)
        return "migrated"
    database = Path(settings.DATABASES["default"]["NAME"])
    template = _template()
    if template.exists():
        connection.close()
        _copy(template, database)
        call_command("migrate", verbosity=0)  # a no-op that checks the copy is complete
        return "copied"
    call_command("migrate", verbosity=0)
    connection.close()
    partial = template.with_suffix(f".{os.getpid()}.part")
    _copy(database, partial)
    partial.replace(template)  # atomic: a bench running beside this one never copies half a file
    return "migrated"
