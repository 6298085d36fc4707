"""Fixtures of the account tests: an empty installation, and accounts built for a test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection


@pytest.fixture
def empty_install(transactional_db: Any) -> Iterator[None]:
    """A database with no street, community or account: what an installer meets before ``shequ
    setup``. The session's world is flushed; the next test that needs it rebuilds it (world_tx)."""
    from django.core.management import call_command

    from shequ.audit import triggers

    triggers.uninstall(connection)
    call_command("flush", interactive=False, verbosity=0)
    triggers.install(connection)
    yield
    triggers.uninstall(connection)


@pytest.fixture
def futong(db: Any) -> Any:
    from shequ.registry.models import Community

    return Community.objects.get(code="futong")


@pytest.fixture
def new_account(users: dict[str, Any], futong: Any) -> Any:
    """new_account(role="volunteer", by="secretary", **links) -> services.NewAccount in futong."""
    from shequ.accounts import services

    counter = iter(range(1, 1000))

    def make(role: str = "volunteer", by: str | None = "secretary", **links: Any) -> Any:
        n = next(counter)
        return services.member_create(actor=users[by] if by else None, community=links.pop("community", futong),
                                      name=f"测试{n}", username=f"new-{role}-{n}", role=role, **links)

    return make
