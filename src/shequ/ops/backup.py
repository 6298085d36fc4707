"""Backup and restore of the whole database (``shequ backup DIR``, ``shequ restore FILE``).

- SQLite: Python's ``sqlite3`` online backup API (``Connection.backup``), page by page from the
  server's own database file: consistent while the server runs and writes (a writer between two
  steps restarts the copy; SQLite guarantees the result is one committed state). The backup is a
  plain SQLite file. Restoring copies it into the configured data directory's database with the same
  API, then checks its integrity; the server must be stopped while it runs.
- PostgreSQL: ``pg_dump --format=custom`` (one consistent snapshot of the database, taken while the
  servers run), restored with ``pg_restore --clean --if-exists --no-owner --single-transaction``
  into the configured database. The client programs come from the machine's PostgreSQL packages
  (``PATH``, or ``SHEQU_PG_BIN``). Point-in-time recovery (base backup and WAL archiving) is set up
  on the PostgreSQL server, not here: docs/deployment.md.

Both refuse to restore over a database that holds Shequ's tables unless told to (``force``): a
restore replaces everything recorded since the backup.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection, connections
from django.utils import timezone

SQLITE_SUFFIX, PG_SUFFIX = ".sqlite3", ".pgdump"
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"


class BackupError(RuntimeError):
    """A backup or restore that cannot be done, with the reason in words."""


@dataclass(frozen=True)
class Result:
    path: Path
    engine: str
    tables: int


def _engine(alias: str = "default") -> str:
    return str(connections[alias].vendor)


def _stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d-%H%M%S")


def _pg_program(name: str) -> str:
    for base in filter(None, [os.environ.get("SHEQU_PG_BIN", "")]):
        candidate = Path(base) / name
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    raise BackupError(f"{name} is not installed (Debian package postgresql-client); set SHEQU_PG_BIN to its folder")


def _pg_env(alias: str = "default") -> tuple[list[str], dict[str, str]]:
    """Connection options for the PostgreSQL client programs, the password in the environment."""
    s: dict[str, Any] = connections[alias].settings_dict
    args = ["--dbname", str(s["NAME"])]
    if s.get("HOST"):
        args += ["--host", str(s["HOST"])]
    if s.get("PORT"):
        args += ["--port", str(s["PORT"])]
    if s.get("USER"):
        args += ["--username", str(s["USER"])]
    env = {**os.environ}
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = str(s["PASSWORD"])
    return args, env


def shequ_tables(alias: str = "default") -> list[str]:
    return sorted(t for t in connections[alias].introspection.table_names() if not t.startswith("sqlite_"))


def backup(directory: Path, *, alias: str = "default") -> Result:
    """Write a backup of the database into ``directory`` (made if missing) and return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    engine = _engine(alias)
    tables = len(shequ_tables(alias))
    if engine == "sqlite":
        target = directory / f"shequ-{_stamp()}{SQLITE_SUFFIX}"
        conn = connections[alias]
        conn.ensure_connection()
        source: Any = conn.connection
        dest = sqlite3.connect(target)
        try:
            with dest:
                source.backup(dest, pages=1024)
        finally:
            dest.close()
        return Result(target, engine, tables)
    if engine == "postgresql":
        target = directory / f"shequ-{_stamp()}{PG_SUFFIX}"
        args, env = _pg_env(alias)
        # No shell; the program is the machine's pg_dump, the arguments the settings' database.
        command = [_pg_program("pg_dump"), "--format=custom", "--no-owner", "--file", str(target), *args]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
        if done.returncode != 0:
            target.unlink(missing_ok=True)
            raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
        return Result(target, engine, tables)
    raise BackupError(f"no backup for the {engine} database engine")


def restore(path: Path, *, force: bool = False, alias: str = "default") -> Result:
    """Restore a backup made by ``backup`` into the configured database."""
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    head = path.read_bytes()[:16]
    engine = _engine(alias)
    kind = "sqlite" if head.startswith(SQLITE_MAGIC) else "postgresql" if head.startswith(PG_MAGIC) else None
    if kind is None:
        raise BackupError(f"{path}: not a Shequ backup (neither an SQLite file nor a pg_dump archive)")
    if kind != engine:
        raise BackupError(f"{path} is a {kind} backup; the configured database is {engine}")
    if shequ_tables(alias) and not force:
        raise BackupError("the configured database is not empty: restoring replaces everything in it "
                          "(stop the servers, then run again with --force)")
    if engine == "sqlite":
        connections[alias].close()
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        dest = sqlite3.connect(str(connections[alias].settings_dict["NAME"]))
        try:
            with dest:
                source.backup(dest)
            problem = dest.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            source.close()
            dest.close()
        if problem != "ok":
            raise BackupError(f"the restored database fails its integrity check: {problem}")
        return Result(path, engine, len(shequ_tables(alias)))
    args, env = _pg_env(alias)
    connections[alias].close()
    command = [_pg_program("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
               "--exit-on-error", *args, str(path)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()}")
    return Result(path, engine, len(shequ_tables(alias)))


def row_counts(alias: str = "default") -> dict[str, int]:
    """Rows per table (the restore test and ``shequ restore`` print them)."""
    conn = connections[alias] if alias != "default" else connection
    quote = conn.ops.quote_name
    with conn.cursor() as cursor:
        out = {}
        for table in shequ_tables(alias):
            cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 (names from the schema)
            out[table] = int(cursor.fetchone()[0])
        return out
