"""Health benchmark: a synthetic population, a tenth of it under home quarantine or monitoring with 14
days of follow-ups (two a day), then the reads the grid and the office make, and recording follow-ups.

    uv run python bench/health.py --quick          # 20,000 persons, under a minute (SQLite)
    uv run python bench/health.py                  # 100,000 persons, SQLite in a temporary data dir
    uv run python bench/health.py --db postgres    # 1,000,000 persons in a throwaway database on
                                                   # SHEQU_BENCH_PG_URL's server

The population is bench/campaign.py's (build_population); orders and follow-up slots are written
with bulk inserts: the stage, not the act. Timed, in this process (no app server):

- grid_due_list_s: one grid worker's households due and overdue today (selectors.due_today);
- community_overdue_s: the overdue buckets of the whole community (selectors.overdue_buckets);
- district_overdue_s: the same over every community the bench built (one here; the district figure
  needs --communities);
- epidemic_free_s: the epidemic-free verdict of every compound (selectors.epidemic_free_list);
- followup_ratio: follow-ups recorded per second through services.followup_record (what the API
  calls), divided by the rate of the gate bench's floor (one read by primary key + one INSERT)
  measured in the same run, in this process. bench/gate.py measures the floor under gunicorn; this
  figure is the in-process ratio only.

The last line printed is one JSON object. Never part of the test suite; figures go to
docs/performance.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import secrets
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from campaign import PG_DEFAULT, _insert, _reset_sequences, _timed, build_population  # bench/ is on sys.path

ROOT = Path(__file__).resolve().parents[1]


def stage(world: dict[str, Any], share: float, days: int) -> dict[str, Any]:
    """Orders for ``share`` of the persons (7+7 from yesterday's exposure), with their slots."""
    from django.db.models import Max
    from django.utils import timezone

    from shequ.health import services
    from shequ.health.models import FollowUp, QuarantineOrder
    from shequ.health.periods import day_start
    from shequ.registry.models import Person

    community = world["community"]
    policy = services.policy_for_preset(community=community, name="7+7")
    today = timezone.localdate()
    start = day_start(today - dt.timedelta(days=days // 2))
    persons = list(Person.objects.filter(community=community).order_by("id").values_list(
        "id", "household_id", "household__room__unit__building__grid_id"))
    chosen = persons[:: max(1, round(1 / share))]
    oid = (QuarantineOrder.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    now = timezone.now()
    orders, slots = [], []
    ends = start + dt.timedelta(days=days)
    for i, (person_id, household_id, grid_id) in enumerate(chosen):
        order_id = oid + i
        orders.append((order_id, community.pk, person_id, "home_quarantine", policy.pk, "7+7", 7, 7, "1,4,7", 2,
                       (start - dt.timedelta(days=1)).date(), start, start + dt.timedelta(days=7), ends, "active", "",
                       now))
        for d in range(days):
            day = (start + dt.timedelta(days=d)).date()
            for slot, hour in (("morning", 12), ("afternoon", 18)):
                due = day_start(day).replace(hour=hour)
                seen = due < now and (person_id + d) % 7 != 0  # some missed, for the buckets
                slots.append((community.pk, order_id, person_id, household_id, grid_id, day, slot, due,
                              "seen" if seen else ("" if due >= now else "not_seen"), None, "", False, None,
                              due if due < now else None, None))
    _insert("health_quarantineorder", ["id", "community_id", "person_id", "kind", "policy_id", "policy_name",
                                       "quarantine_days", "monitoring_days", "test_days", "slots_per_day",
                                       "last_exposure_on", "starts_at", "quarantine_ends_at", "ends_at", "state",
                                       "reason", "created_at"], orders)
    _insert("health_followup", ["community_id", "order_id", "person_id", "household_id", "grid_id", "due_on", "slot",
                                "due_at", "outcome", "temperature", "symptoms", "self_reported", "client_id",
                                "recorded_at", "recorded_by_id"], slots)
    _reset_sequences([QuarantineOrder, FollowUp])
    return {"orders": len(orders), "slots": len(slots)}


def run(world: dict[str, Any], recordings: int) -> dict[str, Any]:
    from django.db import connection
    from django.utils import timezone

    from shequ.accounts.access import scope_for
    from shequ.health import selectors, services
    from shequ.health.models import FollowUp
    from shequ.registry.models import Grid

    user, community = world["user"], world["community"]
    scope = scope_for(user)
    now = timezone.now()
    grid = Grid.objects.filter(community=community).order_by("id").first()
    grid_s, due = _timed(lambda: selectors.due_today(scope, at=now, grid_id=grid.pk))
    community_s, _buckets = _timed(lambda: selectors.overdue_buckets(scope, at=now))
    district_s, _all = _timed(lambda: selectors.overdue_buckets(scope, at=now))
    free_s, _rows = _timed(lambda: selectors.epidemic_free_list(scope, at=now))
    pending = list(FollowUp.objects.filter(community=community, outcome="").order_by("due_at", "id")[:recordings])
    t = time.perf_counter()
    for f in pending:
        services.followup_record(actor=user, followup=f, outcome="seen", client_id=uuid.uuid4())
    record_rate = len(pending) / (time.perf_counter() - t)
    # The floor: one read by primary key and one INSERT of a row, per request.
    ids = [f.pk for f in pending]
    t = time.perf_counter()
    with connection.cursor() as cursor:
        for pk in ids:
            cursor.execute("SELECT id, person_id FROM health_followup WHERE id = %s", [pk])
            cursor.fetchone()
            cursor.execute("INSERT INTO health_orderchange (community_id, order_id, kind, reason, at) "
                           "SELECT community_id, order_id, 'extended', 'bench', due_at FROM health_followup "
                           "WHERE id = %s", [pk])
    floor_rate = len(ids) / (time.perf_counter() - t)
    return {"persons": world["persons"], "grid_households_due": len(due), "grid_due_list_s": round(grid_s, 4),
            "community_overdue_s": round(community_s, 4), "district_overdue_s": round(district_s, 4),
            "epidemic_free_s": round(free_s, 4), "followups_per_s": round(record_rate, 1),
            "floor_per_s": round(floor_rate, 1), "followup_ratio": round(record_rate / floor_rate, 3),
            "database": connection.vendor}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--persons", type=int, default=None)
    parser.add_argument("--quick", action="store_true", help="20,000 persons")
    args = parser.parse_args()
    n = args.persons or (20_000 if args.quick else 1_000_000 if args.db == "postgres" else 100_000)
    workdir = Path(tempfile.mkdtemp(prefix="shequ-bench-health-"))
    env = dict(os.environ) | {"SHEQU_DATA_DIR": str(workdir), "SHEQU_SECRET_KEY": secrets.token_urlsafe(40)}
    pg_name = None
    base = os.environ.get("SHEQU_BENCH_PG_URL", PG_DEFAULT).rstrip("/")
    if args.db == "postgres":
        import psycopg

        pg_name = f"shequ_bench_health_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{pg_name}"')  # type: ignore[arg-type]
        env["SHEQU_DATABASE_URL"] = f"{base}/{pg_name}"
    else:
        env.pop("SHEQU_DATABASE_URL", None)
    os.environ.clear()
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "shequ.settings"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.db import connection

    try:
        from _world import migrate  # bench/_world.py: a migrated copy on SQLite

        migrate()
        build_s, world = _timed(lambda: build_population(n))
        staged = stage(world, share=0.1, days=14)
        print(f"built {world['persons']} persons in {build_s:.1f} s; {staged['orders']} orders, "
              f"{staged['slots']} slots", file=sys.stderr)
        figures = run(world, recordings=500 if args.quick else 3000)
        connection.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if pg_name:
            import psycopg

            with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')  # type: ignore[arg-type]
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
