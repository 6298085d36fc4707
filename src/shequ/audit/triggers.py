"""Database triggers that make audit_auditevent append-only below the application."""

from __future__ import annotations

from django.db import NotSupportedError
from django.db.backends.base.base import BaseDatabaseWrapper

TABLE = "audit_auditevent"

_SQLITE_CREATE = [
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_no_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
]
_SQLITE_DROP = [f"DROP TRIGGER IF EXISTS {TABLE}_no_update", f"DROP TRIGGER IF EXISTS {TABLE}_no_delete"]

_PG_CREATE = [
    f"""CREATE OR REPLACE FUNCTION {TABLE}_append_only() RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION 'the audit log is append-only'; END; $$ LANGUAGE plpgsql""",
    f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}",
    f"""CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION {TABLE}_append_only()""",
    f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}",
    f"""CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_append_only()""",
]
_PG_DROP = [
    f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}",
    f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}",
]


_CREATE = {"sqlite": _SQLITE_CREATE, "postgresql": _PG_CREATE}
_DROP = {"sqlite": _SQLITE_DROP, "postgresql": _PG_DROP}
VENDORS = frozenset(_CREATE)  # audit/apps.py refuses, at start-up, a database not among them


def _for(connection: BaseDatabaseWrapper, statements: dict[str, list[str]]) -> list[str]:
    """Never nothing: a database without these triggers would have an audit log that can be rewritten."""
    try:
        return statements[connection.vendor]
    except KeyError:
        raise NotSupportedError(f"the audit log's append-only triggers have no definition for "
                                f"{connection.vendor}; they are written for {', '.join(sorted(VENDORS))}") from None


def install(connection: BaseDatabaseWrapper) -> None:
    statements = _for(connection, _CREATE)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def uninstall(connection: BaseDatabaseWrapper) -> None:
    """Only for test teardown: Django's flush empties every table (DELETE on SQLite, TRUNCATE on
    PostgreSQL), which the triggers refuse."""
    statements = _for(connection, _DROP)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
