"""The read-replica router: reads go to the replica only when asked, writes and migrations never."""

from __future__ import annotations

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections, router, transaction

from shequ.accounts.models import User
from shequ.core.replica import REPLICA, ReplicaRouter, replica_alias, replica_lag_seconds, using_replica
from shequ.registry.models import Person

# Routing is decided without a query, so most tests open no database: outside a test's transaction
# (pytest-django's django_db wraps each test in one, where every read stays on the primary). Those that
# write open the default only; the replica alias is a mirror of default in tests (tests/conftest.py).


def test_the_replica_alias_is_a_mirror_of_the_default_in_tests() -> None:
    assert connections.settings[REPLICA]["TEST"]["MIRROR"] == DEFAULT_DB_ALIAS
    assert replica_alias() == REPLICA


def test_reads_stay_on_the_primary_unless_a_selector_opts_in() -> None:
    assert router.db_for_read(Person) == DEFAULT_DB_ALIAS
    with using_replica() as alias:
        assert alias == REPLICA
        assert router.db_for_read(Person) == REPLICA
        assert Person.objects.all().db == REPLICA
    assert router.db_for_read(Person) == DEFAULT_DB_ALIAS
    assert Person.objects.all().db == DEFAULT_DB_ALIAS


@pytest.mark.django_db
def test_nothing_that_writes_goes_to_the_replica() -> None:
    with using_replica():
        for model in (Person, User):
            assert router.db_for_write(model) == DEFAULT_DB_ALIAS
        user = User.objects.create(username="replica-writer")
        assert user._state.db == DEFAULT_DB_ALIAS
        # An update built inside the block is a write: the primary's.
        assert User.objects.filter(pk=user.pk).update(first_name="x") == 1
        assert User.objects.using(DEFAULT_DB_ALIAS).get(pk=user.pk).first_name == "x"


def test_migrations_run_on_the_primary_only() -> None:
    r = ReplicaRouter()
    assert r.allow_migrate(DEFAULT_DB_ALIAS, "registry", model_name="person")
    assert not r.allow_migrate(REPLICA, "registry", model_name="person")
    assert not r.allow_migrate(REPLICA, "audit")
    assert router.allow_migrate(REPLICA, "registry", model_name="person") is False


@pytest.mark.django_db
def test_a_read_inside_a_transaction_on_the_primary_stays_there() -> None:
    with using_replica(), transaction.atomic():
        assert router.db_for_read(Person) == DEFAULT_DB_ALIAS


@pytest.mark.django_db
def test_the_lag_of_a_database_that_is_no_standby_is_none() -> None:
    # SQLite has no replication (the vendor rule answers before any query); a PostgreSQL primary,
    # which the mirror points at, is not in recovery: neither has an age to show.
    assert connections[REPLICA].vendor == connection.vendor
    assert replica_lag_seconds(DEFAULT_DB_ALIAS) is None
    if connection.vendor == "sqlite":
        assert replica_lag_seconds() is None  # the replica alias: no query, SQLite has no standby


def test_behind_pgbouncer_no_server_side_cursors_and_no_prepared_statements() -> None:
    from shequ.settings import database_from_url

    direct = database_from_url("postgres://app@db:5432/shequ")
    pooled = database_from_url("postgres://app@db:6432/shequ", pgbouncer=True)
    assert not direct.get("DISABLE_SERVER_SIDE_CURSORS")
    assert direct["OPTIONS"]["prepare_threshold"] == 5
    assert pooled["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert "prepare_threshold" not in pooled["OPTIONS"]
    assert "server_side_binding" not in pooled["OPTIONS"]
