"""A database for which the triggers the apps rely on have no definition is refused at start-up
(system checks audit.E001, gates.E001, and core.E001 for the bulk-write module), and the trigger
installers refuse it rather than installing nothing."""

from __future__ import annotations

from importlib import import_module
from types import SimpleNamespace

import pytest
from django.core import checks
from django.db import NotSupportedError, connections

from shequ.audit import triggers

presence_trigger = import_module("shequ.gates.migrations.0002_presence_trigger")


def errors_by_id() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for e in checks.run_checks():
        if e.level >= checks.ERROR:
            found.setdefault(e.id or "", []).append(e.msg)
    return found


def test_sqlite_and_postgresql_pass() -> None:
    assert connections["default"].vendor in ("sqlite", "postgresql")
    assert errors_by_id() == {}


def test_an_unknown_database_is_refused_at_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connections["default"], "vendor", "oracle")
    found = errors_by_id()
    assert found["audit.E001"] == [
        "No definition of the audit log's append-only triggers (audit/triggers.py) for the oracle database 'default'"]
    assert found["gates.E001"] == [
        "No definition of the trigger that moves Presence on each passage (gates migration 0002) for the oracle "
        "database 'default'"]
    assert "gates.Passage is written to the oracle database 'default'; the bulk-write module knows only " \
           "postgresql, sqlite" in found["core.E001"]


def test_the_installers_refuse_an_unknown_database_instead_of_installing_nothing() -> None:
    oracle = SimpleNamespace(vendor="oracle")
    with pytest.raises(NotSupportedError, match="append-only triggers have no definition for oracle"):
        triggers.install(oracle)  # type: ignore[arg-type]
    with pytest.raises(NotSupportedError, match="append-only triggers have no definition for oracle"):
        triggers.uninstall(oracle)  # type: ignore[arg-type]
    run = presence_trigger._run(presence_trigger.CREATE)
    with pytest.raises(NotSupportedError, match="presence trigger has no definition for oracle"):
        run(None, SimpleNamespace(connection=oracle))
    assert triggers.VENDORS == set(presence_trigger.CREATE) == {"sqlite", "postgresql"}
