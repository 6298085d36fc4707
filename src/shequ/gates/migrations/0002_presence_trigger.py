"""Who is out now (Presence) follows each allowed passage of a person inside the database: a trigger
AFTER INSERT on the passage table moves the person's presence to that passage when it is newer
than the one it holds (an offline passage synced late never moves it back).

Why a trigger and not the service: the passage is then one INSERT, which is atomic by itself, so
recording it needs no transaction around two statements. On SQLite that transaction held the
database's single write lock across two statements and the Python between them, and the other
app-server process waited for it; on PostgreSQL it cost two more round trips (docs/performance.md).
The trigger is the only writer of Presence rows; tests/gates/test_services.py and
tests/gates/test_api_concurrency.py hold its behaviour (new, newer, older, refused, visitors).
"""

from __future__ import annotations

from typing import Any

from django.db import NotSupportedError, migrations

COLUMNS = "community_id, person_id, compound_id, direction, at, passage_id"
VALUES = ("NEW.community_id, NEW.person_id, (SELECT g.compound_id FROM gates_gate g WHERE g.id = NEW.gate_id), "
          "NEW.direction, NEW.recorded_at, NEW.id")
UPSERT = (f"INSERT INTO gates_presence ({COLUMNS}) VALUES ({VALUES}) "  # noqa: S608 - names and NEW.* only
          "ON CONFLICT (person_id) DO UPDATE SET compound_id = excluded.compound_id, "
          "direction = excluded.direction, at = excluded.at, passage_id = excluded.passage_id "
          "WHERE gates_presence.at < excluded.at")
WHEN = "NEW.decision = 'allow' AND NEW.person_id IS NOT NULL"

SQLITE_CREATE = [
    f"CREATE TRIGGER gates_passage_presence AFTER INSERT ON gates_passage WHEN {WHEN} BEGIN {UPSERT}; END",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS gates_passage_presence"]
POSTGRES_CREATE = [
    "CREATE OR REPLACE FUNCTION gates_passage_presence() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN {UPSERT}; RETURN NULL; END $$",
    "CREATE TRIGGER gates_passage_presence AFTER INSERT ON gates_passage FOR EACH ROW "
    f"WHEN ({WHEN}) EXECUTE FUNCTION gates_passage_presence()",
]
POSTGRES_DROP = ["DROP TRIGGER IF EXISTS gates_passage_presence ON gates_passage",
                 "DROP FUNCTION IF EXISTS gates_passage_presence()"]


CREATE = {"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}  # gates/apps.py checks the vendor
DROP = {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}


def _run(statements: dict[str, list[str]]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        vendor = schema_editor.connection.vendor
        if vendor not in statements:
            # Installing nothing would leave Presence never moved: refused instead.
            raise NotSupportedError(f"the gates presence trigger has no definition for {vendor}; it is written "
                                    f"for {', '.join(sorted(statements))}")
        for sql in statements[vendor]:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("gates", "0001_initial")]

    operations = [
        migrations.RunPython(_run(CREATE), _run(DROP), elidable=False),
    ]
