"""Issue 10.4: no statement form changes or removes an existing audit row, on SQLite and on
PostgreSQL; and on PostgreSQL, the app role of docs/deployment.md cannot disable the triggers.

The forms are those of the database the suite runs on (CI runs both), so nothing is skipped."""

# ruff: noqa: S608 - every statement here is built from constants and the test's own ids

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from shequ.audit.models import AuditEvent
from shequ.audit.services import audit_record

pytestmark = pytest.mark.django_db

VENDOR = connection.vendor
_COLUMNS = "id, at, action, actor_username, object_type, object_id, summary"

# {id} is the event's id. Each statement would change or remove that row if nothing refused it.
FORMS = {
    "sqlite": {
        "update": "UPDATE audit_auditevent SET summary = 'rewritten' WHERE id = {id}",
        "update or replace": "UPDATE OR REPLACE audit_auditevent SET summary = 'rewritten' WHERE id = {id}",
        "delete": "DELETE FROM audit_auditevent WHERE id = {id}",
        "delete all": "DELETE FROM audit_auditevent",
        "replace into select": f"REPLACE INTO audit_auditevent ({_COLUMNS}) SELECT id, at, action, actor_username, "
                               "object_type, object_id, 'rewritten' FROM audit_auditevent WHERE id = {id}",
        "replace into values": f"REPLACE INTO audit_auditevent ({_COLUMNS}) "
                               "VALUES ({id}, '2022-01-01 00:00:00', 'export', 'x', '', '', 'rewritten')",
        "insert or replace": f"INSERT OR REPLACE INTO audit_auditevent ({_COLUMNS}) "
                             "VALUES ({id}, '2022-01-01 00:00:00', 'export', 'x', '', '', 'rewritten')",
        "upsert": f"INSERT INTO audit_auditevent ({_COLUMNS}) "
                  "VALUES ({id}, '2022-01-01 00:00:00', 'export', 'x', '', '', 'new') "
                  "ON CONFLICT (id) DO UPDATE SET summary = 'rewritten'",
    },
    "postgresql": {
        "update": "UPDATE audit_auditevent SET summary = 'rewritten' WHERE id = {id}",
        "delete": "DELETE FROM audit_auditevent WHERE id = {id}",
        "delete all": "DELETE FROM audit_auditevent",
        "truncate": "TRUNCATE audit_auditevent",
        "truncate cascade": "TRUNCATE audit_auditevent CASCADE",
        "upsert": f"INSERT INTO audit_auditevent ({_COLUMNS}) OVERRIDING SYSTEM VALUE "
                  "VALUES ({id}, now(), 'export', 'x', '', '', 'new') "
                  "ON CONFLICT (id) DO UPDATE SET summary = 'rewritten'",
        "merge update": "MERGE INTO audit_auditevent t USING (SELECT {id} AS id) s ON t.id = s.id "
                        "WHEN MATCHED THEN UPDATE SET summary = 'rewritten'",
        "merge delete": "MERGE INTO audit_auditevent t USING (SELECT {id} AS id) s ON t.id = s.id "
                        "WHEN MATCHED THEN DELETE",
    },
}[VENDOR]


@pytest.mark.parametrize("form", sorted(FORMS))
def test_the_database_refuses_every_form_that_rewrites_an_event(form: str) -> None:
    event = audit_record(actor=None, username="tester", action=AuditEvent.Action.EXPORT, summary="original")
    before = AuditEvent.objects.count()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        if VENDOR == "postgresql":
            # The event's deferred foreign-key checks would make TRUNCATE fail for another reason.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(FORMS[form].format(id=event.pk))
    row = AuditEvent.objects.filter(pk=event.pk).values_list("summary", "actor_username").get()
    assert row == ("original", "tester") and AuditEvent.objects.count() == before


def test_new_events_are_still_written_and_read() -> None:
    before = AuditEvent.objects.count()
    first = audit_record(actor=None, username="tester", action=AuditEvent.Action.EXPORT, summary="one")
    second = audit_record(actor=None, username="tester", action=AuditEvent.Action.EXPORT, summary="two")
    assert second.pk > first.pk and AuditEvent.objects.count() == before + 2


def test_an_insert_that_ignores_a_conflict_changes_nothing() -> None:
    event = audit_record(actor=None, username="tester", action=AuditEvent.Action.EXPORT, summary="original")
    overriding = "OVERRIDING SYSTEM VALUE " if VENDOR == "postgresql" else ""
    # Refused outright is as good.
    with contextlib.suppress(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO audit_auditevent ({_COLUMNS}) {overriding}"
                       f"VALUES ({event.pk}, '2022-01-01 00:00:00+00', 'export', 'x', '', '', 'new') "
                       "ON CONFLICT (id) DO NOTHING")
    assert AuditEvent.objects.get(pk=event.pk).summary == "original"


if VENDOR == "postgresql":
    import psycopg
    from psycopg import errors as pg_errors

    DEPLOYMENT = Path(__file__).resolve().parents[2] / "docs" / "deployment.md"

    def _documented_grants(app_role: str) -> list[str]:
        """The GRANT/REVOKE block of docs/deployment.md, for a role of the test's own name."""
        text = DEPLOYMENT.read_text(encoding="utf-8")
        block = re.search(r"<!-- app-role-grants:.*?-->\s*```sql\n(.*?)```", text, re.DOTALL)
        assert block, "docs/deployment.md lost its app-role-grants block"
        sql = block.group(1).replace("shequ_app", app_role)
        return [s.strip() for s in sql.split(";") if s.strip()]

    def _connect(**overrides: Any) -> Any:
        s = connection.settings_dict
        params = {"host": s["HOST"] or None, "port": s["PORT"] or None, "dbname": s["NAME"], "user": s["USER"],
                  "password": s["PASSWORD"] or None}
        return psycopg.connect(**{**params, **overrides}, autocommit=True)

    @pytest.fixture
    def app_role() -> Iterator[str]:
        """A login role set up exactly as docs/deployment.md says, by the owner of the test database's
        tables (the suite's own role), in autocommit so that the role's connection sees it."""
        name = f"shequ_app_test_{os.getpid()}"
        with _connect() as admin:
            admin.execute(f"DROP OWNED BY {name}" if _role_exists(admin, name) else "SELECT 1")
            admin.execute(f"DROP ROLE IF EXISTS {name}")
            admin.execute(f"CREATE ROLE {name} LOGIN")
            for statement in _documented_grants(name):
                admin.execute(statement)
        yield name
        with _connect() as admin:
            admin.execute(f"DROP OWNED BY {name}")
            admin.execute(f"DROP ROLE {name}")

    def _role_exists(admin: Any, name: str) -> bool:
        return admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name]).fetchone() is not None

    REFUSED = (pg_errors.InsufficientPrivilege, pg_errors.RaiseException)

    def test_the_app_role_cannot_rewrite_the_audit_log_or_disable_its_triggers(app_role: str) -> None:
        insert = f"INSERT INTO audit_auditevent ({_COLUMNS.replace('id, ', '', 1)}) VALUES (now(), 'export', "
        with _connect(user=app_role, password=None) as app, app.transaction(force_rollback=True):
            # The app may append (and nothing of this test is committed: each attempt below runs
            # in a savepoint of this transaction, which is rolled back at the end).
            event_id = app.execute(insert + "'app-role-test', '', '', 'original') RETURNING id").fetchone()[0]
            attempts = [
                f"UPDATE audit_auditevent SET summary = 'rewritten' WHERE id = {event_id}",
                f"DELETE FROM audit_auditevent WHERE id = {event_id}",
                "TRUNCATE audit_auditevent",
                "ALTER TABLE audit_auditevent DISABLE TRIGGER ALL",
                "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_append_only",
                "DROP TRIGGER audit_auditevent_append_only ON audit_auditevent",
                "CREATE OR REPLACE FUNCTION audit_auditevent_append_only() RETURNS trigger AS $$ "
                "BEGIN RETURN NEW; END; $$ LANGUAGE plpgsql",
                "DROP TABLE audit_auditevent",
                "SET session_replication_role = replica",
                f"INSERT INTO audit_auditevent ({_COLUMNS}) OVERRIDING SYSTEM VALUE VALUES ({event_id}, now(), "
                "'export', 'x', '', '', 'new') ON CONFLICT (id) DO UPDATE SET summary = 'rewritten'",
            ]
            for statement in attempts:
                with pytest.raises(REFUSED), app.transaction():
                    app.execute(statement)
            assert app.execute(f"SELECT summary FROM audit_auditevent WHERE id = {event_id}").fetchone() == ("original",)
            # What the app needs besides still works: append more, read and write the other tables.
            assert app.execute(insert + "'app', '', '', 'appended') RETURNING id").fetchone()[0] > event_id
            app.execute("UPDATE registry_person SET notes = notes WHERE id = (SELECT min(id) FROM registry_person)")
            app.execute("DELETE FROM django_session WHERE expire_date < '2000-01-01'")

    def test_serve_warns_when_its_database_role_could_rewrite_the_audit_log() -> None:
        from django.utils import translation

        from shequ.ops.management.commands.serve import audit_role_problem

        # The suite connects as a superuser that owns the tables: the setup the recipe replaces.
        with translation.override("en"):
            problem = audit_role_problem()
        assert problem and "audit" in problem
else:
    def test_serve_does_not_warn_about_database_roles_on_sqlite() -> None:
        from shequ.ops.management.commands.serve import audit_role_problem

        assert audit_role_problem() is None
