"""Daily report benchmark: one community's report, a street's sheet of 20 and a district of 100,
each against the bare ``COUNT ... GROUP BY`` queries of the same tables measured in the same run,
and the street page's p95 under 8 concurrent readers.

    uv run python bench/reports.py --quick     # 100 communities, 100,000 persons, 30 days (SQLite, < 1 min)
    uv run python bench/reports.py             # 100 communities, 300,000 persons, 30 days (SQLite)

The world (written with bulk inserts: the stage, not the act): 5 streets of 20 communities, each
community with its compounds, buildings, units, rooms, households and persons, and per day of 30:
samples in 10-in-1 tubes, gate passages (one in ten refused; 10 samples and 10 passages a day with
--quick, 30 and 30 without), supply orders, help requests and movement restrictions. Timed in this process, median of 5:

- community_report_s: ``reports.figures.count`` of one community (every owning app's
  ``selectors.report_figures``), what ``report_compute`` stores;
- street_sheet_s: the same for 20 communities; district_report_s: for 100;
- floor_s: bare ``SELECT community_id, COUNT(*) ... GROUP BY community_id`` over the same tables and
  windows for the 100 communities (one statement per table); report_ratio = district_report_s / floor_s;
- dashboard_p95_ms: the street page (``/reports/street/``, the sheet, history and charts of 20
  communities with 30 days of submitted reports) read by 8 threads, 10 times each, test client, after
  one warm-up request.

The last line printed is one JSON object. Never part of the test suite; figures go to
docs/performance.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

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
    return {"communities": communities, "streets": streets, "now": now, "today": today}


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


def run(quick: bool) -> dict[str, Any]:
    from _world import migrate  # bench/_world.py
    from django.db import connection
    from django.test import Client

    from shequ.accounts.models import Membership, User
    from shequ.reports import figures, services
    from shequ.reports.models import DailyReport

    migrate()
    started = time.perf_counter()
    world = build(100, 1000 if quick else 3000, 30, per_day=10 if quick else 30)
    stage_s = time.perf_counter() - started
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
    # Warm-up: the first request imports the URL modules and the templates (seconds, once a process).
    warm = Client()
    warm.force_login(user)
    warm.get(f"/reports/street/?day={world['today']:%Y-%m-%d}")
    connection.close()
    latencies: list[float] = []
    lock = threading.Lock()

    def reader() -> None:
        client = Client()
        client.force_login(user)
        mine = []
        for _ in range(10):
            start = time.perf_counter()
            response = client.get(f"/reports/street/?day={world['today']:%Y-%m-%d}")
            assert response.status_code == 200, response.status_code
            mine.append(time.perf_counter() - start)
        with lock:
            latencies.extend(mine)
        connection.close()

    threads = [threading.Thread(target=reader) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies.sort()
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    return {
        "database": connection.vendor, "communities": len(ids), "persons": 100 * (1000 if quick else 3000),
        "stage_s": round(stage_s, 1), "community_report_s": round(community_s, 4),
        "street_sheet_s": round(street_s, 4), "district_report_s": round(district_s, 4),
        "floor_s": round(floor_s, 4), "report_ratio": round(district_s / floor_s, 2),
        "community_report_ratio": round(community_s / floor_s, 2),
        "dashboard_p95_ms": round(p95 * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 persons on SQLite, under a minute")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="shequ-bench-reports-"))
    os.environ.pop("SHEQU_DATABASE_URL", None)
    os.environ.update({"SHEQU_DATA_DIR": str(workdir), "SHEQU_SECRET_KEY": "bench-reports-" + "x" * 40,
                       "SHEQU_ALLOWED_HOSTS": "testserver,127.0.0.1", "DJANGO_SETTINGS_MODULE": "shequ.settings"})
    sys.path[:0] = [str(ROOT / "src"), str(ROOT / "bench")]
    import django

    django.setup()
    try:
        found = run(quick=args.quick)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(found))


if __name__ == "__main__":
    main()
