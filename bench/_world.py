"""What every bench does before its stage: migrate its throwaway database (``migrate``), and for
the benches that start from the demo world, load it (``demo``).

On SQLite a bench's database is a copy of one migrated before by the same migrations, kept in the
temporary directory under a name made from the migration files, Django's version and the SQLite
library's (``shequ-bench-migrated-<hash>.sqlite3``): migrating took 12-35 s here, more than some
benches' timed part, and is not what any bench measures. The first bench after a change of a
migration migrates and leaves the copy; a bench on PostgreSQL migrates its database as before.
``demo`` does the same with the demo world built on it (28 s here), keyed by every source file of
the package, the seed, the password and the secret key (the demo's passes are signed with it): any
change of the code builds it again once.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "shequ"


def _template(kind: str = "migrated", files: str = "*/migrations/*.py", extra: str = "") -> Path:
    import django

    digest = hashlib.sha256(f"{django.__version__} {sqlite3.sqlite_version} {extra}".encode())
    for path in sorted(SRC.glob(files)):
        digest.update(str(path.relative_to(SRC)).encode())
        digest.update(path.read_bytes())
    return Path(tempfile.gettempdir()) / f"shequ-bench-{kind}-{digest.hexdigest()[:16]}.sqlite3"


def _copy(source: Path, target: Path) -> None:
    """SQLite's online backup: a whole, consistent database whatever the source's journal."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _from_template(template: Path, build: Callable[[], object]) -> str:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    database = Path(settings.DATABASES["default"]["NAME"])
    if template.exists():
        connection.close()
        _copy(template, database)
        call_command("migrate", verbosity=0)  # a no-op that checks the copy is complete
        return "copied"
    build()
    connection.close()
    partial = template.with_suffix(f".{os.getpid()}.part")
    _copy(database, partial)
    partial.replace(template)  # atomic: a bench running beside this one never copies half a file
    return "built"


def migrate() -> str:
    """Migrate the configured (empty) database; after ``django.setup()``. Returns ``"copied"`` when
    an SQLite database migrated before was copied in, else ``"built"``."""
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "sqlite":
        call_command("migrate", verbosity=0)
        return "built"
    return _from_template(_template(), lambda: call_command("migrate", verbosity=0))


def demo(*, seed: int, password: str) -> str:
    """Migrate the configured (empty) database and load the demo world (``build_demo``); on SQLite a
    copy of one built before by the same code, seed and password."""
    from django.db import connection

    from shequ.ops.demo_data import build_demo

    def build() -> None:
        migrate()
        build_demo(seed=seed, password=password)

    if connection.vendor != "sqlite":
        build()
        return "built"
    from django.conf import settings

    # The demo's passes are signed with SECRET_KEY: a copy is only good under the same key.
    key = hashlib.sha256(f"{seed} {password} {settings.SECRET_KEY}".encode()).hexdigest()
    return _from_template(_template("demo", "**/*.py", key), build)
