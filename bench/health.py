"""Health benchmark: a district of several communities, a tenth of its persons under home
quarantine (whole households, in half of the compounds) with 14 days of follow-ups (two a day),
then the reads the grid and the office make, and recording follow-ups through the API.

    uv run python bench/health.py --quick          # 100,000 persons in 10 communities, under a minute (SQLite)
    uv run python bench/health.py                  # the same world, longer HTTP loads (SQLite)
    uv run python bench/health.py --db postgres    # 1,000,000 persons in 100 communities in a throwaway
                                                   # database on SHEQU_BENCH_PG_URL's server

The population is bench/campaign.py's (build_population, once per community) with grids of one
building (288 households: a grid worker follows tens of households under an order) and compounds
of two buildings (about 1,700 persons; Wuhan's 7,100 compounds held 11 million). Orders, follow-up
slots and the close-contact entries behind them are written with bulk inserts: the stage, not the
act. The bench account is staff of every community (a district health office). Timed in this
process, median of 5:

- grid_due_list_s: one grid worker's households due and overdue today (selectors.due_today);
- community_overdue_s: the overdue buckets of one community (selectors.overdue_buckets);
- district_overdue_s: the same over every community of the bench;
- epidemic_free_s: the epidemic-free verdict of every compound of the district
  (selectors.epidemic_free_list).

Then through HTTP, as the issue defines the recording figure: bench/gate.py's server (gunicorn,
2 sync workers, production settings, bench/gate_settings.py so that its floor view is served) on
this bench's database, and bench/gate.py's client (32 concurrent keep-alive connections) driving
two loads in turns for the same time each (30 s in 5 rounds; --quick 6 s in 2), after a warm-up:

- ``POST /api/v1/health/followups`` (JSON) with the bench account's general API token, one slot a
  request (a pending slot not recorded before, a new client id; seen, 36.5 °C);
- ``POST /bench/floor/{gate}``: the gate bench's floor (one read by primary key + one insert) on a
  gate of the first compound.

followup_ratio is the first's requests per second over the floor's; http_statuses and
http_recorded show that every timed request recorded one slot. The last line printed is one JSON
object. Never part of the test suite; figures go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from campaign import PG_DEFAULT, _insert, _reset_sequences, _timed, build_population  # bench/ is on sys.path
from gate import drive_in_turns, floor_requests

ROOT = Path(__file__).resolve().parents[1]
BUILDINGS_PER_GRID, BUILDINGS_PER_COMPOUND = 1, 2


def build(persons: int, communities: int) -> dict[str, Any]:
    """``communities`` communities of ``persons / communities`` each; the first one's staff account
    is made staff of the others too."""
    from shequ.accounts.models import Membership

    worlds = [build_population(persons // communities, seed=2022 + i, buildings_per_grid=BUILDINGS_PER_GRID,
                               buildings_per_compound=BUILDINGS_PER_COMPOUND) for i in range(communities)]
    user = worlds[0]["user"]
    Membership.objects.bulk_create([Membership(user=user, role="staff", community=w["community"])
                                    for w in worlds[1:]])
    return {"user": user, "community": worlds[0]["community"], "communities": [w["community"] for w in worlds],
            "persons": sum(w["persons"] for w in worlds), "households": sum(w["households"] for w in worlds)}


def stage(world: dict[str, Any], days: int) -> dict[str, Any]:
    """Orders (7+7 from the day before the first slot) for every person of one household in five
    of the even-numbered compounds' (a tenth of the persons), their slots of ``days`` days (the
    first half past: one in seven missed) and a current close-contact entry for each."""
    from django.db.models import Max
    from django.utils import timezone

    from shequ.health import services
    from shequ.health.models import FollowUp, HealthEntry, QuarantineOrder
    from shequ.health.periods import day_start
    from shequ.registry.models import Compound, Person

    today = timezone.localdate()
    start = day_start(today - dt.timedelta(days=days // 2))
    ends = start + dt.timedelta(days=days)
    now = timezone.now()
    oid = (QuarantineOrder.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    orders, slots, entries = [], [], []
    for community in world["communities"]:
        policy = services.policy_for_preset(community=community, name="7+7")
        even = {pk for i, pk in enumerate(Compound.objects.filter(community=community).order_by("id")
                                          .values_list("id", flat=True)) if i % 2 == 0}
        persons = list(Person.objects.filter(community=community).order_by("id").values_list(
            "id", "household_id", "household__room__unit__building__grid_id",
            "household__room__unit__building__compound_id"))
        for person_id, household_id, grid_id, compound_id in persons:
            if compound_id not in even or household_id % 5 != 0:
                continue
            order_id = oid + len(orders)
            orders.append((order_id, community.pk, person_id, "home_quarantine", policy.pk, "7+7", 7, 7, "1,4,7", 2,
                           (start - dt.timedelta(days=1)).date(), start, start + dt.timedelta(days=7), ends,
                           "active", "", now))
            entries.append((community.pk, person_id, "close_contact", "list", (start - dt.timedelta(days=1)).date(),
                            None, start, "", None, True, None, now))
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
    _insert("health_healthentry", ["community_id", "person_id", "status", "source", "last_exposure_on", "onset_on",
                                   "reported_at", "note", "retest_id", "current", "created_by_id", "created_at"],
            entries)
    _reset_sequences([QuarantineOrder, FollowUp, HealthEntry])
    return {"orders": len(orders), "slots": len(slots)}


def _median(fn: Any, times: int = 5) -> tuple[float, Any]:
    value = fn()  # warm (the first call compiles and fills caches)
    return statistics.median(_timed(fn)[0] for _ in range(times)), value


def reads(world: dict[str, Any]) -> dict[str, Any]:
    from django.db.models import Count
    from django.utils import timezone

    from shequ.accounts.access import scope_for
    from shequ.health import selectors
    from shequ.health.models import FollowUp

    user, community = world["user"], world["community"]
    now = timezone.now()
    # The grid with the most households under an order (a grid worker's heaviest list).
    grid_id = (FollowUp.objects.filter(community=community).values("grid_id").annotate(n=Count("household_id",
               distinct=True)).order_by("-n", "grid_id").first() or {})["grid_id"]
    scope = scope_for(user)  # a request's, made once by the middleware
    grid_s, due = _median(lambda: selectors.due_today(scope, at=now, grid_id=grid_id))
    community_s, buckets = _median(lambda: selectors.overdue_buckets(scope, at=now, community_id=community.pk))
    district_s, district = _median(lambda: selectors.overdue_buckets(scope, at=now))
    free_s, rows = _median(lambda: selectors.epidemic_free_list(scope, at=now))
    return {"grid_households_due": len(due), "grid_due_list_s": round(grid_s, 4),
            "community_overdue_s": round(community_s, 4),
            "community_overdue": sum(len(v) for v in buckets.values()),
            "district_overdue_s": round(district_s, 4), "district_overdue": sum(len(v) for v in district.values()),
            "epidemic_free_s": round(free_s, 4), "compounds": len(rows),
            "epidemic_free": sum(1 for r in rows if r["verdict"].free)}


def stage_http(world: dict[str, Any]) -> dict[str, Any]:
    """A general API token for the bench account, a gate on the first compound for the floor view,
    and the pending slots to record, soonest first."""
    from shequ.accounts.services import api_token_create
    from shequ.gates.models import Gate
    from shequ.health.models import FollowUp
    from shequ.registry.models import Compound

    community = world["community"]
    compound = Compound.objects.filter(community=community).order_by("id").first()
    gate = Gate.objects.create(community=community, compound=compound, name="基准东门")
    _token, key = api_token_create(user=world["user"], name="bench health")
    pending = list(FollowUp.objects.filter(outcome="").order_by("due_at", "id").values_list("id", flat=True))
    return {"key": key, "gate_id": gate.pk, "pending": pending}


def followup_requests(key: str, pending: list[int]) -> Any:
    """``POST /api/v1/health/followups``, one slot a request: the next pending slot, a new client id."""
    url = "/api/v1/health/followups"
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    counter = itertools.count()  # next() on a count is atomic: shared by the threads

    def request(n: int, i: int, rnd: Any) -> tuple[str, str, bytes, dict[str, str]]:
        k = next(counter)
        if k >= len(pending):
            raise RuntimeError("out of pending slots: stage more days")
        record = {"client_id": str(uuid.uuid4()), "followup_id": pending[k], "outcome": "seen",
                  "temperature": "36.5"}
        return "POST", url, json.dumps({"records": [record]}).encode(), headers

    return request


def record_http(stage: dict[str, Any], *, seconds: float, rounds: int, connections: int,
                workers: int) -> dict[str, Any]:
    """The two loads in turns on one gunicorn (bench/gate.py's server, its floor view included),
    on this bench's database; the ratio of recording to the floor."""

    from django.db import connection

    from shequ.health.models import FollowUp

    def recorded() -> int:
        count = FollowUp.objects.filter(client_id__isnull=False).count()
        connection.close()  # the server's workers write; this process holds nothing open meanwhile
        return count

    loads = {"followup": followup_requests(stage["key"], stage["pending"]), "floor": floor_requests(stage["gate_id"])}
    driven = drive_in_turns(loads, workers=workers, connections=connections, seconds=seconds, rounds=rounds,
                            recorded=recorded)
    followup, floor = driven["summaries"]["followup"], driven["summaries"]["floor"]
    before, after, load_before = driven["before"], driven["after"], driven["load_before"]
    return {"followup_ratio": round(followup["per_s"] / floor["per_s"], 3) if floor["per_s"] else 0.0,
            "followups_http_per_s": followup["per_s"], "followup_http_p99_ms": followup["p99_ms"],
            "http_floor_per_s": floor["per_s"], "http_floor_p99_ms": floor["p99_ms"],
            # Every timed request of the recording must have recorded one slot.
            "http_statuses": {"followup": followup["statuses"], "floor": floor["statuses"]},
            "http_recorded": after - before, "http_errors": followup["errors"] + floor["errors"],
            "http_seconds": seconds, "http_rounds": rounds, "http_connections": connections,
            "http_workers": workers, "http_load_before": load_before,
            "http_load_after": driven["load_after"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--persons", type=int, help="persons in all (100,000; postgres 1,000,000)")
    parser.add_argument("--communities", type=int, help="communities of the district (10; postgres 100)")
    parser.add_argument("--quick", action="store_true", help="6 s per HTTP load instead of 30")
    parser.add_argument("--seconds", type=float, help="seconds per HTTP load over all rounds (30; --quick 6)")
    parser.add_argument("--rounds", type=int, help="turns of the two HTTP loads (5; --quick 2)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent clients (bench/gate.py's 32)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (bench/gate.py's 2)")
    args = parser.parse_args()
    pg = args.db == "postgres"
    n = args.persons or (1_000_000 if pg else 100_000)
    communities = args.communities or (100 if pg else 10)
    seconds = args.seconds or (6.0 if args.quick else 30.0)
    rounds = args.rounds or (2 if args.quick else 5)
    workdir = Path(tempfile.mkdtemp(prefix="shequ-bench-health-"))
    env = dict(os.environ) | {"SHEQU_DATA_DIR": str(workdir), "SHEQU_SECRET_KEY": secrets.token_urlsafe(40)}
    pg_name = None
    base = os.environ.get("SHEQU_BENCH_PG_URL", PG_DEFAULT).rstrip("/")
    if pg:
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

    started = time.perf_counter()

    def progress(what: str) -> None:
        print(f"{time.perf_counter() - started:6.1f} s  {what}", file=sys.stderr)

    try:
        from _world import migrate  # bench/_world.py: a migrated copy on SQLite

        migrate()
        progress("migrated")
        world = build(n, communities)
        staged = stage(world, days=14)
        if pg:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        progress(f"built {world['persons']} persons in {communities} communities; {staged['orders']} orders, "
                 f"{staged['slots']} slots")
        figures: dict[str, Any] = {"persons": world["persons"], "communities": communities, **staged,
                                   "load_before": round(os.getloadavg()[0], 2)}
        figures |= reads(world)
        progress(f"timed in this process: {json.dumps(figures)}")
        http = stage_http(world)
        progress(f"staged {len(http['pending'])} pending slots for the API")
        figures |= record_http(http, seconds=seconds, rounds=rounds, connections=args.connections,
                               workers=args.workers)
        figures |= {"database": connection.vendor, "quick": args.quick,
                    # the whole run, migration and world included (the issue: --quick under a minute)
                    "wall_s": round(time.perf_counter() - started, 1)}
        connection.close()
        progress("timed through HTTP")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if pg_name:
            import psycopg

            with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')  # type: ignore[arg-type]
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
