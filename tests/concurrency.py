"""Helpers for tests that race real transactions on separate database connections."""

from __future__ import annotations

import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections


def postgresql_only(reason: str) -> None:
    """Skip a test on SQLite, saying why it means nothing there. CI accepts this skip in its SQLite
    run only (.ci/check_reports.py): the same test must run on PostgreSQL."""
    if connection.vendor == "sqlite":
        pytest.skip(f"PostgreSQL only: {reason}")


@contextmanager
def database_for_threads() -> Iterator[None]:
    """Threads need a database that makes a second writer wait, as deployments have.

    The SQLite test database lives in memory with a shared cache, where a second writer is refused
    at once ("database table is locked") instead of waiting for the lock; a deployment uses a file in
    WAL mode with a busy timeout. So on SQLite the world is copied to a temporary file and the
    threads' connections open that (the test's own connection keeps the in-memory one). PostgreSQL
    needs nothing."""
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        yield
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "threads.sqlite3")
        connection.ensure_connection()
        target = sqlite3.connect(path)
        connection.connection.backup(target)
        target.close()
        settings = connections.settings[DEFAULT_DB_ALIAS]
        in_memory = settings["NAME"]
        settings["NAME"] = path
        try:
            yield
        finally:
            settings["NAME"] = in_memory


def at_once(n: int, work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(i)`` in n threads released together; each thread has its own connection."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except BaseException as e:  # noqa: BLE001 - reported below, in the test's thread
            errors.append(e)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    return results


def after_statement(statement: str, table: str, event: threading.Event,
                    wait_for: threading.Event | None = None) -> Callable[..., Any]:
    """An execute wrapper (``connection.execute_wrapper(...)``) for two threads to meet at chosen
    points of their work: once a statement of that kind (``"INSERT"``, ``"SELECT"``) on that table
    has run, set ``event`` and, if given, wait for ``wait_for`` before going on."""
    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        result = execute(sql, params, many, context)
        if sql.lstrip().upper().startswith(statement) and table in sql and not event.is_set():
            event.set()
            if wait_for is not None:
                assert wait_for.wait(timeout=60)
        return result
    return wrapper
