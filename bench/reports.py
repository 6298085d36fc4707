"""Daily report benchmark: one community's report, a street's sheet of 20 and a district of 100,
each against the bare ``COUNT ... GROUP BY`` queries of the same tables measured in the same run,
and the street page's p95 under 8 concurrent readers through gunicorn.

    uv run python bench/reports.py --quick          # 100 communities, 100,000 persons, 30 days (SQLite, < 1 min)
    uv run python bench/reports.py                  # 100 communities, 300,000 persons, 30 days (SQLite)
    uv run python bench/reports.py --db postgres    # 100 communities, 1,000,000 persons, 30 days, in a
                                                    # throwaway database on SHEQU_BENCH_PG_URL's server

The world (written with bulk inserts: the stage, not the act): 5 streets of 20 communities, each
community with its compounds, buildings, units, rooms, households and persons, and per day of 30:
samples in 10-in-1 tubes, gate passages (one in ten refused; 10 samples and 10 passages a day with
--quick, 30 and 30 without), supply orders, help requests and movement restrictions. Timed in this process, median of 5:

- community_report_s: ``reports.figures.count`` of one community (every owning app's
  ``selectors.report_figures``), what ``report_compute`` stores;
- street_sheet_s: the same for 20 communities; district_report_s: for 100;
- floor_s: bare ``SELECT community_id, COUNT(*) ... GROUP BY community_id`` over the same tables and
  windows for the 100 communities (one statement per table); report_ratio = district_report_s / floor_s;
- dashboard_p95_ms: the street page (``/reports/street/``: the sheet, the history and the charts of
  20 communities with 30 days of submitted reports) through HTTP, as a street office reads it:
  bench/gate.py's server (gunicorn, 2 sync workers, production settings, bench/gate_settings.py so
  that its floor view is served) on this bench's database, and bench/gate.py's client with 8
  concurrent keep-alive connections (``--readers``), the street account's session cookie, after a
  warm-up; 95th percentile over 6 s in 2 rounds (without --quick 20 s in 4), taking turns with
- the floor: ``POST /bench/floor/{gate}``, the gate bench's (one read by primary key + one insert),
  by the same 8 connections for the same time: dashboard_to_floor_p95 = dashboard_p95_ms / its p95.

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
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from campaign import PG_DEFAULT  # bench/ is on sys.path when a bench runs as a script
from gate import drive_in_turns, floor_requests

ROOT = Path(__file__).resolve().parents[1]


def _median(fn: Any, n: int = 5) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def build(communities_n: int, persons_per: int, days: int, *, per_day: int) -> dict[str, Any]:
    from django.db import transaction
    from django.utils import timezone

    from shequ.campaigns.models import Campaign, Sample, Tube
    from shequ.containment.models import MovementRestriction
    from shequ.gates.models import Decision, Direction, Gate, HealthCode, Passage
    from shequ.registry.models import Building, Community, Compound, Household, Person, Room, Street, Unit
    from shequ.services.models import HelpRequest
    from shequ.supplies.models import Order

    now = timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        streets = Street.objects.bulk_create([Street(code=f"s{i}", name=f"街道{i}") for i in range(
            (communities_n + 19) // 20)])
        communities = Community.objects.bulk_create([Community(street=streets[i // 20], code=f"c{i:03d}",
                                                               name=f"社区{i:03d}") for i in range(communities_n)])
        for c in communities:
            compound = Compound.objects.create(community=c, name="小区")
            gate = Gate.objects.create(community=c, compound=compound, name="东门")
            buildings = Building.objects.bulk_create([Building(community=c, compound=compound, number=str(b + 1))
                                                      for b in range(max(persons_per // 160, 1))])
            units = Unit.objects.bulk_create([Unit(community=c, building=b, number="1") for b in buildings])
            rooms = Room.objects.bulk_create([Room(community=c, unit=u, number=f"{f}0{r}", floor=f)
                                              for u in units for f in range(1, 21) for r in (1, 2, 3, 4)])
            households = Household.objects.bulk_create([Household(community=c, room=r) for r in rooms])
            persons = Person.objects.bulk_create([
                Person(community=c, household=households[i % len(households)], name=f"居民{i}",
                       name_initials="jm", name_pinyin="jumin") for i in range(persons_per)])
            campaign = Campaign.objects.create(community=c, name="轮次", kind="test_round", starts_on=today,
                                               status="open")
            tubes, samples, passages, orders, requests, restrictions = [], [], [], [], [], []
            for d in range(days):
                at = now - dt.timedelta(days=d, hours=1)
                for t in range(max(per_day // 10, 1)):
                    tubes.append(Tube(community=c, campaign=campaign, code=f"{d}-{t}", pooling=10, size=10,
                                      result="negative", result_at=at))
                for k in range(per_day):
                    passages.append(Passage(community=c, gate=gate, recorded_at=at - dt.timedelta(minutes=k),
                                            direction=Direction.choices[0][0], health_code=HealthCode.choices[0][0],
                                            mask=True, decision=Decision.DENY if k % 10 == 0 else Decision.ALLOW))
                for k in range(3):
                    orders.append(Order(community=c, household=households[(d * 3 + k) % len(households)],
                                        receipt_code="123456", received_at=at, urgent=k == 0,
                                        delivered_at=at + dt.timedelta(hours=1)))
                requests.append(HelpRequest(community=c, text="求助", opened_at=at,
                                            resolved_at=at + dt.timedelta(hours=2)))
                restrictions.append(MovementRestriction(community=c, person=persons[d % len(persons)],
                                                        kind="home_quarantine", starts_at=at,
                                                        ends_at=at + dt.timedelta(days=7)))
            tubes = Tube.objects.bulk_create(tubes)
            for i, tube in enumerate(tubes):
                for k in range(10):
                    samples.append(Sample(community=c, campaign=campaign, tube=tube,
                                          person=persons[(i * 10 + k) % len(persons)],
                                          sampled_at=tube.result_at - dt.timedelta(hours=2)))
            Sample.objects.bulk_create(samples, batch_size=2000)
            Passage.objects.bulk_create(passages, batch_size=2000)
            Order.objects.bulk_create(orders)
            HelpRequest.objects.bulk_create(requests)
            MovementRestriction.objects.bulk_create(restrictions)
    return {"communities": communities, "streets": streets, "now": now, "today": today,
            "gate_id": Gate.objects.filter(community=communities[0]).values_list("id", flat=True).first()}


def floor(ids: list[int], since: dt.datetime, until: dt.datetime) -> None:
    """The bare grouped counts of the same tables and windows."""
    from django.db import connection

    marks = ",".join(["%s"] * len(ids))
    statements = [
        ("registry_household", "1=1", False), ("registry_person", "1=1", False),
        ("campaigns_sample", "sampled_at BETWEEN %s AND %s", True),
        ("campaigns_tube", "result_at BETWEEN %s AND %s", True),
        ("containment_movementrestriction", "starts_at <= %s AND (ends_at IS NULL OR ends_at > %s)", True),
        ("services_helprequest", "opened_at BETWEEN %s AND %s", True),
        ("supplies_order", "received_at BETWEEN %s AND %s", True),
        ("gates_passage", "recorded_at BETWEEN %s AND %s", True),
    ]
    with connection.cursor() as cursor:
        for table, where, timed in statements:
            params: list[Any] = list(ids) + ([until, until] if "starts_at" in where else [since, until] if timed
                                            else [])
            cursor.execute(f"SELECT community_id, COUNT(*) FROM {table} WHERE community_id IN ({marks}) "  # noqa: S608
                           f"AND {where} GROUP BY community_id", params)
            cursor.fetchall()


def street_requests(url: str, cookie: str) -> Any:
    """``GET`` the street page as the street office, with its session cookie."""
    headers = {"Cookie": cookie}

    def request(n: int, i: int, rnd: Any) -> tuple[str, str, bytes | None, dict[str, str]]:
        return "GET", url, None, headers

    return request


def run(*, persons: int, per_day: int, seconds: float, rounds: int, readers: int, workers: int) -> dict[str, Any]:
    from _world import migrate  # bench/_world.py
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from shequ.accounts.models import Membership, User
    from shequ.reports import figures, services
    from shequ.reports.models import DailyReport

    migrate()
    started = time.perf_counter()
    world = build(100, persons // 100, 30, per_day=per_day)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    stage_s = time.perf_counter() - started
    print(f"built in {stage_s:.1f} s", file=sys.stderr)  # noqa: T201
    ids = [c.pk for c in world["communities"]]
    until, since = world["now"], services.day_start(world["today"])
    community_s = _median(lambda: figures.count(ids[:1], since=since, until=until))
    street_s = _median(lambda: figures.count(ids[:20], since=since, until=until))
    district_s = _median(lambda: figures.count(ids, since=since, until=until), 3)
    floor_s = _median(lambda: floor(ids, since, until))

    # 30 days of submitted reports for the first street, then its page under 8 readers.
    first = world["communities"][:20]
    rows = []
    for c in first:
        values = figures.count([c.pk], since=since, until=until)[c.pk]
        for d in range(30):
            day = world["today"] - dt.timedelta(days=d)
            cutoff, deadline = services.times_for(c, day)
            rows.append(DailyReport(community=c, day=day, cutoff=cutoff, deadline=deadline, computed_at=until,
                                    figures=figures.snapshot(values), status="submitted", submitted_at=cutoff))
    DailyReport.objects.bulk_create(rows)
    user = User.objects.create(username="bench-street")
    Membership.objects.create(user=user, role="street", street=world["streets"][0])
    # The street office's session, as its browser would carry it after logging in.
    session = Client()
    session.force_login(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={session.cookies[settings.SESSION_COOKIE_NAME].value}"
    url = f"/reports/street/?day={world['today']:%Y-%m-%d}"
    timed = {"community_report_s": community_s, "street_sheet_s": street_s, "district_report_s": district_s,
             "floor_s": floor_s}
    print(f"timed in this process: {json.dumps(timed)}", file=sys.stderr)  # noqa: T201

    def recorded() -> int:
        count = DailyReport.objects.count()  # the page writes no report: the same before and after
        connection.close()  # the server's workers read; this process holds nothing open meanwhile
        return count

    loads = {"dashboard": street_requests(url, cookie), "floor": floor_requests(world["gate_id"])}
    driven = drive_in_turns(loads, workers=workers, connections=readers, seconds=seconds, rounds=rounds,
                            recorded=recorded)
    dashboard, floor_http = driven["summaries"]["dashboard"], driven["summaries"]["floor"]
    if set(dashboard["statuses"]) != {200}:
        sys.exit(f"the street page answered {dashboard['statuses']}: not a dashboard read")
    return {
        "database": connection.vendor, "communities": len(ids), "persons": persons,
        "stage_s": round(stage_s, 1), "community_report_s": round(community_s, 4),
        "street_sheet_s": round(street_s, 4), "district_report_s": round(district_s, 4),
        "floor_s": round(floor_s, 4), "report_ratio": round(district_s / floor_s, 2),
        "community_report_ratio": round(community_s / floor_s, 2),
        "dashboard_p95_ms": dashboard["p95_ms"], "dashboard_p50_ms": dashboard["p50_ms"],
        "dashboard_per_s": dashboard["per_s"], "dashboard_requests": dashboard["requests"],
        "http_floor_p95_ms": floor_http["p95_ms"],
        "dashboard_to_floor_p95": round(dashboard["p95_ms"] / floor_http["p95_ms"], 2)
        if floor_http["p95_ms"] else 0.0,
        "http_statuses": {"dashboard": dashboard["statuses"], "floor": floor_http["statuses"]},
        "http_errors": dashboard["errors"] + floor_http["errors"], "http_readers": readers,
        "http_workers": workers, "http_seconds": seconds, "http_rounds": rounds,
        "http_load_before": driven["load_before"], "http_load_after": driven["load_after"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--quick", action="store_true", help="100,000 persons on SQLite, under a minute")
    parser.add_argument("--persons", type=int, help="persons in all (300,000; --quick 100,000; postgres 1,000,000)")
    parser.add_argument("--readers", type=int, default=8, help="concurrent readers of the street page")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (bench/gate.py's 2)")
    args = parser.parse_args()
    pg = args.db == "postgres"
    persons = args.persons or (1_000_000 if pg else 100_000 if args.quick else 300_000)
    seconds, rounds = (6.0, 2) if args.quick else (20.0, 4)
    workdir = Path(tempfile.mkdtemp(prefix="shequ-bench-reports-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHEQU_")}
    env |= {"SHEQU_DATA_DIR": str(workdir), "SHEQU_SECRET_KEY": "bench-reports-" + secrets.token_urlsafe(30),
            "SHEQU_ALLOWED_HOSTS": "testserver,127.0.0.1", "DJANGO_SETTINGS_MODULE": "shequ.settings"}
    base = os.environ.get("SHEQU_BENCH_PG_URL", PG_DEFAULT).rstrip("/")
    pg_name = f"shequ_bench_reports_{uuid.uuid4().hex[:8]}" if pg else ""
    if pg:
        import psycopg

        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{pg_name}"')  # type: ignore[arg-type]
        env["SHEQU_DATABASE_URL"] = f"{base}/{pg_name}"
    os.environ.clear()
    os.environ.update(env)
    sys.path[:0] = [str(ROOT / "src"), str(ROOT / "bench")]
    import django

    django.setup()
    started = time.perf_counter()
    try:
        found = run(persons=persons, per_day=10 if args.quick else 30, seconds=seconds, rounds=rounds,
                    readers=args.readers, workers=args.workers)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if pg:
            import psycopg
            from django.db import connection

            connection.close()
            with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')  # type: ignore[arg-type]
    found |= {"quick": args.quick, "wall_s": round(time.perf_counter() - started, 1), "cpus": os.cpu_count()}
    print(json.dumps(found))


if __name__ == "__main__":
    main()
