"""The suite runs on the engine the environment names (CI runs it twice: SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection


@pytest.mark.django_db
def test_runs_on_the_expected_engine() -> None:
    expected = os.environ.get("SHEQU_EXPECT_DB") or ("postgresql" if os.environ.get("SHEQU_DATABASE_URL") else "sqlite")
    assert connection.vendor == expected


def test_sqlite_default_is_wal_with_immediate_transactions(tmp_path: Path) -> None:
    """The embedded default, checked in a fresh process with no SHEQU_DATABASE_URL."""
    env = {k: v for k, v in os.environ.items() if k != "SHEQU_DATABASE_URL"}
    env["SHEQU_DATA_DIR"] = str(tmp_path)
    code = (
        "import django; django.setup(); from django.db import connection; "
        "c = connection.cursor(); c.execute('PRAGMA journal_mode'); "
        "print(c.fetchone()[0], connection.transaction_mode)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env={**env, "DJANGO_SETTINGS_MODULE": "shequ.settings"},
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout.split()
    assert out == ["wal", "IMMEDIATE"]
    assert (tmp_path / "shequ.sqlite3").exists()


@pytest.mark.django_db
def test_models_and_migrations_agree() -> None:
    """A model change without its migration fails here, not on a production upgrade."""
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exit_:
        raise AssertionError(f"models changed without a migration:\n{out.getvalue()}") from exit_


def _postgres_options(**env: str) -> dict:
    code = "import json, django; django.setup(); from django.conf import settings; " \
           "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {})))"
    base = {k: v for k, v in os.environ.items() if not k.startswith("SHEQU_DB")}
    base |= {"DJANGO_SETTINGS_MODULE": "shequ.settings", "SHEQU_DATABASE_URL": "postgres://u@127.0.0.1:1/x", **env}
    import json

    out = subprocess.run([sys.executable, "-c", code], env=base, capture_output=True, text=True, check=True,
                         timeout=60).stdout
    return json.loads(out)


def test_postgresql_statements_are_prepared_and_not_jit_compiled_unless_turned_off() -> None:
    """Repeated statements are prepared on the server (planned once per connection), JIT is off;
    SHEQU_DB_PREPARED_STATEMENTS=0 goes back to client-side binding for transaction-mode poolers."""
    assert _postgres_options() == {"server_side_binding": True, "prepare_threshold": 5, "options": "-c jit=off"}
    assert _postgres_options(SHEQU_DB_PREPARED_STATEMENTS="0") == {"options": "-c jit=off"}
