"""The gate roster moves into workforce (issue 14): gates' Shift and DutyAssignment rows become
workforce shifts and duties at each gate's post, on a database with data in it. The test database,
with the demo world's roster and a few more rows written by the old models, is migrated back to
before the move and forward again through Django's MigrationExecutor (tests/test_migrations.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE_THE_MOVE = [("workforce", "0001_initial"), ("gates", "0006_pass_and_exit_quota_leave_gates")]


def _migrate(targets: list[tuple[str, str | None]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _latest() -> list[tuple[str, str | None]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def test_the_gate_roster_becomes_gate_posts_with_every_shift_and_duty(world_tx: None) -> None:
    latest = _latest()
    try:
        old = _migrate(BEFORE_THE_MOVE)
        OldShift, OldDuty = old.get_model("gates", "Shift"), old.get_model("gates", "DutyAssignment")
        Gate, User = old.get_model("gates", "Gate"), old.get_model("accounts", "User")
        assert not old.get_model("workforce", "Post").objects.exists()
        # Rows written by the old models: a custom night watch past midnight, with a volunteer on it at
        # a gate that had no duty yet, and a second guard on the same shift of the same gate.
        gate = Gate.objects.filter(community__code="futong").exclude(duties__isnull=False).order_by("id").first()
        night = OldShift.objects.create(community_id=gate.community_id, name="夜岗", starts=dt.time(22),
                                        ends=dt.time(6))
        volunteer, guard = User.objects.get(username="volunteer1"), User.objects.get(username="gate1")
        for who in (volunteer, guard):
            OldDuty.objects.create(community_id=gate.community_id, gate=gate, shift=night,
                                   date=dt.date(2022, 1, 26), guard=who)
        shifts_before = list(OldShift.objects.order_by("id").values_list(
            "id", "community_id", "name", "starts", "ends"))
        duties_before = list(OldDuty.objects.order_by("id").values_list(
            "id", "community_id", "gate_id", "shift_id", "date", "guard_id"))
        gates_before = list(Gate.objects.order_by("id").values_list("id", "community_id"))
        assert len(duties_before) > 10 and len(shifts_before) > 3  # the demo's and ours
    finally:
        new = _migrate(latest)
    Post, Shift = new.get_model("workforce", "Post"), new.get_model("workforce", "Shift")
    Assignment = new.get_model("workforce", "Assignment")
    # Every gate is a post of kind "gate" needing one person per shift, in its community.
    assert list(Post.objects.order_by("gate_id").values_list("gate_id", "community_id", "kind", "needed")) == [
        (g, c, "gate", 1) for g, c in gates_before]
    assert list(Shift.objects.order_by("id").values_list("id", "community_id", "name", "starts", "ends")) == \
        shifts_before
    gate_of = dict(Post.objects.values_list("id", "gate_id"))
    assert [(pk, c, gate_of[post], s, d, u) for pk, c, post, s, d, u in Assignment.objects.order_by("id").values_list(
        "id", "community_id", "post_id", "shift_id", "date", "user_id")] == duties_before
    # The moved rows work with today's code: the night watch is on duty after midnight, and the next
    # duty written gets the next id.
    from shequ.accounts.models import User as CurrentUser
    from shequ.gates.models import Gate as CurrentGate
    from shequ.gates.services import duty_assign
    from shequ.workforce import selectors
    from shequ.workforce.models import Shift as CurrentShift

    after_midnight = dt.datetime(2022, 1, 27, 2, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert {u.username for u in selectors.on_duty_at_gate(gate.pk, gate.community_id, after_midnight)} == {
        "gate1", "volunteer1"}
    fresh = duty_assign(actor=CurrentUser.objects.get(username="staff"), gate=CurrentGate.objects.get(pk=gate.pk),
                        shift=CurrentShift.objects.get(pk=night.pk), date=dt.date(2022, 1, 27),
                        guard=CurrentUser.objects.get(username="gate1"))
    assert fresh.pk > duties_before[-1][0]
