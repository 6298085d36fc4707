"""Reads from a streaming replica, by explicit opt-in only (docs/deployment.md "A read replica").

``SHEQU_REPLICA_URL`` adds a ``replica`` database alias (settings.py). Nothing goes there by itself:
``ReplicaRouter`` sends a read to the replica only inside ``with using_replica():``, which the daily
reports' street page, its sheet as Excel and PDF, and the charts of the community's report page use
(figures that may be a few seconds old), and never inside a transaction on the primary, which must
read what it has just written. Writes always go to ``default``, and migrations run on ``default``
only: the replica is PostgreSQL's copy of it.

A figure read from the replica says how old it is: ``figures_age_seconds()`` is what those pages show
("Figures N seconds old"); ``replica_lag_seconds()`` is the standby's lag (None when there is no
replica, on SQLite, or when the connection is not a standby).
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
_replica_reads: contextvars.ContextVar[bool] = contextvars.ContextVar("shequ_replica_reads", default=False)


def replica_alias() -> str:
    """The alias reports read from: ``replica`` when one is configured, else ``default``."""
    return REPLICA if REPLICA in connections.settings else DEFAULT_DB_ALIAS


@contextmanager
def using_replica() -> Iterator[str]:
    """Reads in this block go to the replica (if any); yields the alias they use. A context variable,
    not a thread-local, so that it also holds in async code and ends with the block."""
    token = _replica_reads.set(True)
    try:
        yield replica_alias()
    finally:
        _replica_reads.reset(token)


def read_alias() -> str:
    """Where a read made here and now goes: the replica inside ``using_replica()`` when one is
    configured, unless a transaction on the primary is open (it must see its own writes); else
    ``default``. The router and ``figures_age_seconds`` decide alike."""
    if not _replica_reads.get() or REPLICA not in connections.settings:
        return DEFAULT_DB_ALIAS
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    return REPLICA


class ReplicaRouter:
    """Database router: reads to the replica inside ``using_replica()``; everything else to default."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        if not _replica_reads.get() or REPLICA not in connections.settings:
            return None
        # Inside a transaction on the primary a read must see that transaction's own writes.
        return read_alias()

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        # The replica holds the same rows as the primary: an object read there may be related to one
        # read on the primary.
        return True

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS


def _standby_age(alias: str) -> tuple[bool, float | None] | None:
    """What ``alias``'s connection says of itself as a standby: None off PostgreSQL; else whether it
    is a standby, and the age of its data: 0.0 when it has replayed all the WAL it received (an idle
    primary sends nothing, and ``now() - pg_last_xact_replay_timestamp()`` alone would keep
    growing), else the age of the last transaction it replayed (None when it replayed none)."""
    conn = connections[alias]
    if conn.vendor != "postgresql":
        return None
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT pg_is_in_recovery(), CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
            " ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END")
        row = cursor.fetchone()
    if row is None:
        return None
    return bool(row[0]), None if row[1] is None else max(0.0, float(row[1]))


def replica_lag_seconds(alias: str | None = None) -> float | None:
    """How many seconds behind the primary the replica's data is (``_standby_age``). None on SQLite,
    with no replica, or on a connection that is not a standby (the primary itself)."""
    found = _standby_age(alias or replica_alias())
    return found[1] if found is not None and found[0] else None


def figures_age_seconds(alias: str | None = None) -> float | None:
    """How old the figures read from ``alias`` (default: where a read goes here, ``read_alias()``)
    are, in seconds, as the pages that read through ``using_replica()`` show it: the standby's lag
    (``replica_lag_seconds``); 0.0 when the alias is the primary or no standby (no replica
    configured, SQLite, or a replica alias that points at a primary, as the tests' mirror does):
    what it holds is current. None only when a standby cannot tell, having replayed no transaction
    since it started."""
    alias = alias or read_alias()
    if alias == DEFAULT_DB_ALIAS:
        return 0.0
    found = _standby_age(alias)
    return found[1] if found is not None and found[0] else 0.0
