"""Copies arriving at the same moment, on real transactions and separate database connections."""

from __future__ import annotations

import sqlite3
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections

from shequ.gates import services
from shequ.gates.models import Passage
from shequ.registry.models import Household
from tests.gates.test_api_helpers import (
    api_client,
    body,
    device_token,
    gate,
    members,
    post,
    post_gate,
    token_of,
)


@contextmanager
def _database_for_threads() -> Iterator[None]:
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


def _at_once(n: int, work: Callable[[int], Any]) -> list[Any]:
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


def _anchor() -> Household:
    return Household.objects.get(community__code="futong", status="active", room__number="502",
                                 room__unit__number="2", room__unit__building__number="9",
                                 room__unit__building__compound__name="富通小区")


def test_two_copies_posted_at_the_same_moment_make_one_passage(world_tx: None) -> None:
    key = device_token(post_gate().pk)
    data = body(token_of(members(_anchor())[0]))
    clients = [api_client(key), api_client(key)]
    gate_id = post_gate().pk
    with _database_for_threads():
        responses = _at_once(2, lambda i: post(clients[i], gate_id, data))
        rows = _at_once(1, lambda i: list(Passage.objects.filter(client_id=data["client_id"])
                                          .values_list("pk", flat=True)))[0]
    assert sorted(r.status_code for r in responses) == [200, 201], [r.content for r in responses]
    ids = {r.json()["passage_id"] for r in responses}
    assert len(ids) == 1 and rows == list(ids)
    assert {r.json()["decision"] for r in responses} == {"allow"}


def test_two_members_leaving_at_once_cannot_both_take_the_last_exit(world_tx: None) -> None:
    """江南家园 allows one exit per household every two days; two members at two gates, same moment."""
    household = next(h for h in Household.objects.filter(
        status="active", room__unit__building__compound__name="江南家园").exclude(
        room__unit__building__number="3", room__unit__number="1").order_by("id")
        if len(members(h)) >= 2 and not h.persons.filter(restrictions__isnull=False).exists())
    first, second = members(household)[:2]
    code = household.community.code
    gates = [gate("江南家园", "东门", code), gate("江南家园", "南门", code)]
    tokens = [token_of(first), token_of(second)]
    checks = services.parse_checks(direction="out", temperature="36.5", health_code="green", mask=True)

    def leave(i: int) -> str:
        return services.record_passage(gate=gates[i], actor=None, checks=checks, client_id=uuid.uuid4(),
                                       credential=tokens[i]).passage.decision

    with _database_for_threads():
        decisions = _at_once(2, leave)
        allowed = _at_once(1, lambda i: Passage.objects.filter(household=household, direction="out",
                                                                decision="allow").count())[0]
    assert sorted(decisions) == ["allow", "deny"]
    assert allowed == 1
