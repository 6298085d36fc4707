"""Database triggers that make audit_auditevent append-only below the application.

Every statement form that changes or removes an existing row is refused:

- SQLite: UPDATE (also ``UPDATE OR REPLACE`` and the DO UPDATE of an upsert) and DELETE by row
  triggers; ``REPLACE INTO`` and ``INSERT OR REPLACE`` by a BEFORE INSERT trigger that aborts when the
  row's id already exists. REPLACE removes the conflicting row without firing DELETE triggers (unless
  ``recursive_triggers`` is on), so the DELETE trigger alone let it rewrite history; the INSERT
  trigger runs before the conflict is resolved, whatever that pragma says.
- PostgreSQL: UPDATE and DELETE by a row trigger, which also sees the DO UPDATE of ``INSERT ... ON
  CONFLICT`` and the UPDATE or DELETE of a ``MERGE``; TRUNCATE by a statement trigger. The owner of
  the table can still disable the triggers: docs/deployment.md gives the recipe for running the app
  as a role that does not own it.
"""

from __future__ import annotations

from django.db import NotSupportedError
from django.db.backends.base.base import BaseDatabaseWrapper

TABLE = "audit_auditevent"

_SQLITE_CREATE = [
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_no_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
    # A new row whose id SQLite chooses has NEW.id -1 here (undefined, says the manual; -1 in every
    # version seen), which no row has: only a row that would take the place of an existing one is
    # refused.
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_no_replace BEFORE INSERT ON {TABLE}
        WHEN EXISTS (SELECT 1 FROM {TABLE} WHERE id = NEW.id)
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",  # noqa: S608 - a constant
]
_SQLITE_DROP = [f"DROP TRIGGER IF EXISTS {TABLE}_{name}" for name in ("no_update", "no_delete", "no_replace")]

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
