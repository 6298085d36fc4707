"""Migrations that move a model to another app keep every row (issue 11: Pass from gates to passes,
ExitQuota from gates to containment). The test database, with the demo world's passes and quotas
in it and a few more written by the old models, is migrated back to before the move and forward
again through Django's MigrationExecutor, as Django's own migration tests do."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE_THE_MOVE = [("gates", "0004_passage_permit")]


def _migrate(targets: list[tuple[str, str | None]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _latest() -> list[tuple[str, str | None]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def test_passes_and_exit_quotas_keep_every_row_when_they_move_apps(world_tx: None) -> None:
    latest = _latest()
    try:
        old = _migrate(BEFORE_THE_MOVE)
        OldPass, OldQuota = old.get_model("gates", "Pass"), old.get_model("gates", "ExitQuota")
        Person, Compound = old.get_model("registry", "Person"), old.get_model("registry", "Compound")
        # Rows written by the old models, as a database from before the move holds them: an active
        # pass, a revoked one, and a quota.
        person = Person.objects.filter(status="active").order_by("id").first()
        OldPass.objects.filter(person=person).update(revoked_at=timezone.now())
        revoked_at = dt.datetime(2022, 4, 1, 8, 0, tzinfo=dt.UTC)
        OldPass.objects.create(community_id=person.community_id, person=person, code="old-revoked-0001",
                               revoked_at=revoked_at)
        OldPass.objects.create(community_id=person.community_id, person=person, code="old-active-00001")
        compound = Compound.objects.order_by("id").first()
        OldQuota.objects.create(community_id=compound.community_id, compound=compound, persons=3, days=4,
                                starts_at=revoked_at)
        passes_before = list(OldPass.objects.order_by("id").values_list(
            "id", "community_id", "person_id", "code", "issued_at", "issued_by_id", "revoked_at"))
        quotas_before = list(OldQuota.objects.order_by("id").values_list(
            "id", "community_id", "compound_id", "persons", "days", "starts_at", "ends_at", "created_by_id"))
        assert len(passes_before) > 1000 and len(quotas_before) >= 1  # the demo's and ours
    finally:
        new = _migrate(latest)
    Pass, ExitQuota = new.get_model("passes", "Pass"), new.get_model("containment", "ExitQuota")
    assert list(Pass.objects.order_by("id").values_list(
        "id", "community_id", "person_id", "code", "issued_at", "issued_by_id", "revoked_at")) == passes_before
    assert list(ExitQuota.objects.order_by("id").values_list(
        "id", "community_id", "compound_id", "persons", "days", "starts_at", "ends_at", "created_by_id")) == quotas_before
    # The moved tables work as the models' own: the one-active-pass constraint still holds, and the
    # next row gets the next id.
    from shequ.passes.models import Pass as CurrentPass

    with transaction.atomic(), pytest.raises(IntegrityError):
        CurrentPass.objects.create(community_id=person.community_id, person_id=person.pk, code="second-active-001")
    fresh = CurrentPass.objects.create(community_id=person.community_id, person_id=person.pk, code="after-move-00001",
                                       revoked_at=revoked_at)
    assert fresh.pk > passes_before[-1][0]
