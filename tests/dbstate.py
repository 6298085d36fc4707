"""What the database holds, per table, to compare before and after requests that must change nothing.

``fingerprint()`` is a row count and a checksum of every row's values per table of the project's
models (sessions and login throttling, which any request may write, left out). ``writes_to()``
records which tables the statements run inside it insert into, update or delete from, so that a
difference found by the fingerprint can be pinned to the request that made it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.apps import apps
from django.db import connection

# Written by any request, allowed or not: the session (SESSION_SAVE_EVERY_REQUEST) and django-axes'
# records of login attempts.
VOLATILE_TABLES = frozenset({"django_session", "axes_accessattempt", "axes_accessfailurelog", "axes_accesslog"})

_WRITE = re.compile(r'^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO)\s+"?(\w+)"?',
                    re.IGNORECASE)


def _tables() -> list[Any]:
    models = [m for m in apps.get_models(include_auto_created=True)
              if m._meta.managed and not m._meta.proxy and m._meta.db_table not in VOLATILE_TABLES]
    return sorted(models, key=lambda m: m._meta.db_table)


def fingerprint() -> dict[str, tuple[int, str]]:
    """table -> (rows, sha256 of every row's column values in primary-key order)."""
    result: dict[str, tuple[int, str]] = {}
    for model in _tables():
        columns = [f.column for f in model._meta.concrete_fields]
        quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
        table = connection.ops.quote_name(model._meta.db_table)
        pk = connection.ops.quote_name(model._meta.pk.column)
        digest = hashlib.sha256()
        count = 0
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {quoted} FROM {table} ORDER BY {pk}")  # noqa: S608 - names from the models
            for row in cursor.fetchall():
                count += 1
                digest.update(repr(row).encode())
        result[model._meta.db_table] = (count, digest.hexdigest())
    return result


def changed(before: dict[str, tuple[int, str]], after: dict[str, tuple[int, str]]) -> dict[str, str]:
    """The tables whose rows differ, with their row counts before -> after."""
    return {t: f"{before[t][0]} -> {after[t][0]} rows" for t in before if before[t] != after.get(t)}


@contextmanager
def writes_to() -> Iterator[set[str]]:
    """The tables that statements run inside the block write to (sessions and throttling left out)."""
    tables: set[str] = set()

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        match = _WRITE.match(sql)
        if match and match.group(1) not in VOLATILE_TABLES:
            tables.add(match.group(1))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield tables
