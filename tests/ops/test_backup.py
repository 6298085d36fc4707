"""``shequ backup`` and ``shequ restore``: a backup of the demo world, restored into a fresh data
directory (SQLite) or a fresh database (PostgreSQL), holds every row of every table; a restore over
a database with data is refused unless forced; a file that is no backup is refused."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from shequ.ops.backup import BackupError, backup, restore, row_counts


def _shequ(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from shequ.cli import main; main()", *args], env=env,
                          capture_output=True, text=True, check=False, timeout=300)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SHEQU_DATABASE_URL", "SHEQU_DATA_DIR", "SHEQU_EXPECT_DB")}
    return {**env, **extra}


def test_a_backup_restored_into_a_fresh_database_holds_every_row(world_tx: None, tmp_path: Path) -> None:
    """One test for both engines (CI refuses a skip that is not "PostgreSQL only"): SQLite restores
    into a fresh data directory, PostgreSQL into a fresh database."""
    if connection.vendor == "sqlite":
        _sqlite_round_trip(tmp_path)
    else:
        _postgresql_round_trip(tmp_path)


def _sqlite_round_trip(tmp_path: Path) -> None:
    expected = row_counts()
    assert expected["registry_person"] > 100 and expected["audit_auditevent"] > 0
    made = backup(tmp_path / "backups")
    assert made.path.name.endswith(".sqlite3") and made.path.stat().st_size > 0

    fresh = tmp_path / "fresh"
    done = _shequ("restore", str(made.path), env=_env(SHEQU_DATA_DIR=str(fresh)))
    assert done.returncode == 0, done.stderr
    assert "restored" in done.stdout
    restored = sqlite3.connect(fresh / "shequ.sqlite3")
    try:
        got = {table: restored.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] for table in expected}  # noqa: S608
    finally:
        restored.close()
    assert got == expected

    # Over a database with data: refused, nothing changed; with --force it replaces it.
    again = _shequ("restore", str(made.path), env=_env(SHEQU_DATA_DIR=str(fresh)))
    assert again.returncode != 0 and "--force" in again.stderr
    forced = _shequ("restore", "--force", str(made.path), env=_env(SHEQU_DATA_DIR=str(fresh)))
    assert forced.returncode == 0, forced.stderr


def _postgresql_round_trip(tmp_path: Path) -> None:
    import psycopg

    expected = row_counts()
    assert expected["registry_person"] > 100 and expected["audit_auditevent"] > 0
    made = backup(tmp_path / "backups")
    assert made.path.read_bytes().startswith(b"PGDMP")

    s: dict[str, Any] = connection.settings_dict
    fresh = f"shequ_restore_{uuid.uuid4().hex[:8]}"
    params = {"host": s["HOST"] or None, "port": s["PORT"] or None, "user": s["USER"] or None,
              "password": s["PASSWORD"] or None}
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'CREATE DATABASE "{fresh}"')
    try:
        url = f"postgres://{s['USER']}{':' + s['PASSWORD'] if s['PASSWORD'] else ''}@{s['HOST']}:{s['PORT']}/{fresh}"
        done = _shequ("restore", str(made.path), env=_env(SHEQU_DATABASE_URL=url))
        assert done.returncode == 0, done.stderr
        with psycopg.connect(dbname=fresh, **params) as restored:
            got = {t: restored.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in expected}  # type: ignore[index]  # noqa: S608
        assert got == expected
        again = _shequ("restore", str(made.path), env=_env(SHEQU_DATABASE_URL=url))
        assert again.returncode != 0 and "--force" in again.stderr
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')


def test_a_file_that_is_no_backup_is_refused(tmp_path: Path, db: None) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("not a backup")
    with pytest.raises(BackupError, match="not a Shequ backup"):
        restore(junk, force=True)
    with pytest.raises(BackupError, match="no such file"):
        restore(tmp_path / "missing.sqlite3")
    other = tmp_path / ("x.pgdump" if connection.vendor == "sqlite" else "x.sqlite3")
    other.write_bytes(b"PGDMP" + b"\0" * 20 if connection.vendor == "sqlite" else b"SQLite format 3\x00" + b"\0" * 90)
    with pytest.raises(BackupError, match="backup; the configured database is"):
        restore(other, force=True)
