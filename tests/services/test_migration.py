"""Supplies' help requests move into resident services (issue 14): the test database, with rows
written by the old model (a distress message's request, an open one without a message, a closed
one with its outcome), is migrated back to before the move and forward again through Django's
MigrationExecutor, as tests/test_migrations.py does for the earlier moves."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE_THE_MOVE = [("supplies", "0002_alter_order_source_distribution_order_distribution_and_more"),
                   ("services", None)]


def _migrate(targets: list[tuple[str, str | None]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    # The state of the migrations applied (an app migrated to zero has no node to name).
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


def test_help_requests_keep_every_row_and_their_messages_when_they_move_to_services(world_tx: None) -> None:
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    opened = dt.datetime(2022, 11, 12, 1, 0, tzinfo=dt.UTC)
    try:
        old = _migrate(BEFORE_THE_MOVE)
        OldHelp, Message = old.get_model("supplies", "HelpRequest"), old.get_model("supplies", "InboxMessage")
        Household = old.get_model("registry", "Household")
        household = Household.objects.filter(community__code="futong", status="active").order_by("id").first()
        message = Message.objects.create(community_id=household.community_id, batch="00000000-0000-4000-8000-000000000001",
                                         position=0, sender="无名", text="我不想活了", kind="distress", status="help",
                                         pasted_at=opened)
        OldHelp.objects.create(community_id=household.community_id, message=message, kind="distress",
                               text="我不想活了", opened_at=opened)
        OldHelp.objects.create(community_id=household.community_id, household=household, kind="help",
                               text="水管漏了", opened_at=opened + dt.timedelta(hours=1))
        OldHelp.objects.create(community_id=household.community_id, household=household, kind="help",
                               text="钥匙丢了", opened_at=opened, status="closed",
                               closed_at=opened + dt.timedelta(hours=3), outcome="开锁师傅已到")
        assert OldHelp.objects.count() == 3
    finally:
        new = _migrate(latest)
    NewHelp, Message = new.get_model("services", "HelpRequest"), new.get_model("supplies", "InboxMessage")
    rows = {r.text: r for r in NewHelp.objects.filter(opened_at__gte=opened, opened_at__lt=opened + dt.timedelta(days=1))}
    assert set(rows) == {"我不想活了", "水管漏了", "钥匙丢了"}
    distress, leak, keys = rows["我不想活了"], rows["水管漏了"], rows["钥匙丢了"]
    assert (distress.distress, distress.urgency, distress.category, distress.source, distress.status,
            distress.contact, distress.household_id) == (True, "urgent", "psychological", "wechat", "open", "无名", None)
    assert Message.objects.get(text="我不想活了", pasted_at=opened).help_request_id == distress.pk
    assert (leak.household_id, leak.grid_id is not None, leak.source, leak.status, leak.distress) == (
        household.pk, True, "phone", "open", False)
    assert (keys.status, keys.outcome, keys.closed_at, keys.resolved_at) == (
        "closed", "开锁师傅已到", opened + dt.timedelta(hours=3), opened + dt.timedelta(hours=3))
    # The old table is gone; the new one works as the model's own.
    assert "supplies_helprequest" not in connection.introspection.table_names()
    from shequ.services.models import HelpRequest

    assert HelpRequest.objects.get(pk=distress.pk).flags(opened + dt.timedelta(hours=3)) == ["unassigned", "overdue"]
