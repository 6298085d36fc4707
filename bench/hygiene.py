"""Disinfection benchmark: the street's board and recording a round through the API.

    uv run python bench/hygiene.py --quick      # SQLite, the street's 20 communities, fewer rounds
    uv run python bench/hygiene.py              # the issue's street: 200,000 rounds over 60 days

Timed, in this process (Django set up on a fresh SQLite database in a temporary directory, the demo
plus communities of the demo's street up to 20, each with its compounds and places):

- disinfection_board_s: ``selectors.board`` of the street office (every place of the 20 communities
  with today's rounds against the target), median of 5; the rounds are written with bulk inserts
  (the stage, not the act): 200,000 over 60 days (--quick: 24,000);
- record_ratio: rounds recorded per second through ``POST /api/v1/disinfection/rounds`` (the test
  client, as property1, a new client id each: validation and the round, its own ledger) divided by a
  floor measured the same way as bench/supplies.py's order_ratio in the same run: one read by primary
  key and one insert in one transaction, without HTTP. The API's side carries the whole request
  (session read and save, the user's scope, multipart parsing) and the floor none of it. The issue's
  figure (the API under gunicorn against bench/gate.py's floor) is bench/services.py's
  disinfection_record_http_ratio; bench/services.py joins this one as disinfection_record_ratio;
- service_ratio: the same rounds through ``services.round_record`` alone over the same floor, the
  figure comparable with bench/supplies.py's order_ratio.

The last line printed is one JSON object. Never part of the test suite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
COMMUNITIES = 20
# A fixed key for this throwaway database, so that bench/_world.py's copy of the demo world (whose
# passes are signed with the key) serves the next run too.
BENCH_SECRET_KEY = "bench-hygiene-4f0c9a7e2b6d1358ce0a97b4f2d6e8a1c3b5d7f9"  # noqa: S105
DAYS = 60


def _timed(fn: Any) -> tuple[float, Any]:
    t = time.perf_counter()
    result = fn()
    return time.perf_counter() - t, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds (SQLite, under a minute)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="shequ-bench-hygiene-"))
    os.environ.pop("SHEQU_DATABASE_URL", None)
    os.environ.update({"SHEQU_DATA_DIR": str(workdir), "SHEQU_SECRET_KEY": BENCH_SECRET_KEY,
                       "SHEQU_ALLOWED_HOSTS": "testserver,127.0.0.1", "DJANGO_SETTINGS_MODULE": "shequ.settings"})
    sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
    import django

    django.setup()
    try:
        figures = run(quick=args.quick)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(figures))


def run(quick: bool) -> dict[str, Any]:
    from _world import demo  # bench/_world.py: a copy of the demo world on SQLite
    from django.db import transaction
    from django.test import Client
    from django.utils import timezone

    from shequ.accounts.access import scope_for
    from shequ.accounts.models import User
    from shequ.audit.models import AuditEvent
    from shequ.disinfection import selectors, services
    from shequ.disinfection.models import Place, Round
    from shequ.registry.models import Community, Compound, PropertyCompany, Street

    demo(seed=2022, password="bench-password-long-enough")  # noqa: S106
    rng = random.Random(2022)  # noqa: S311 - a benchmark's stage, not a secret
    street = Street.objects.get()
    existing = Community.objects.count()
    Community.objects.bulk_create([Community(street=street, code=f"bench{i}", name=f"测试社区{i}")
                                   for i in range(COMMUNITIES - existing)])
    communities = list(Community.objects.all())
    for c in communities:
        if not PropertyCompany.objects.filter(community=c).exists():
            companies = PropertyCompany.objects.bulk_create(
                [PropertyCompany(community=c, name=f"物业{j}") for j in range(2)])
            Compound.objects.bulk_create([Compound(community=c, name=f"小区{j}", property_company=companies[j % 2])
                                          for j in range(4)])
    places_per_community = 10 if quick else 34
    per_day = 2 if quick else 5
    places = Place.objects.bulk_create([
        Place(community_id=k.community_id, compound=k, kind=rng.choice(Place.Kind.values), name=f"点位{k.pk}-{j}",
              target_per_day=5)
        for c in communities for k in [cmp for cmp in Compound.objects.filter(community=c)]
        for j in range(places_per_community // Compound.objects.filter(community=c).count() + 1)])
    now = timezone.now()
    staff = User.objects.get(username="staff")
    rounds = [Round(community_id=p.community_id, compound_id=p.compound_id, place=p, kind="round",
                    at=now - dt.timedelta(days=d, minutes=rng.randrange(0, 24 * 60)), agent="84消毒液",
                    operator="王师傅", client_id=uuid.uuid4(), recorded_by=staff)
              for p in places for d in range(DAYS) for _ in range(per_day)]
    Round.objects.bulk_create(rounds, batch_size=5000)

    street_scope = scope_for(User.objects.get(username="street"))
    today = selectors.local_day(now)
    assert selectors.board(street_scope, day=today, now=now)
    board_times = [_timed(lambda: selectors.board(street_scope, day=today, now=now))[0] for _ in range(5)]

    property1 = User.objects.get(username="property1")
    mine = list(selectors.place_list(scope_for(property1)))
    if not mine:
        futong = Compound.objects.get(community__code="futong", name="富通小区")
        mine = [Place.objects.create(community_id=futong.community_id, compound=futong, kind="stairwell",
                                     name="测试楼道", target_per_day=5)]
    client = Client()
    client.force_login(property1)
    n = 200 if quick else 500

    def record_one(i: int) -> None:
        response = client.post("/api/v1/disinfection/rounds", {
            "client_id": str(uuid.uuid4()), "place_id": str(mine[i % len(mine)].pk), "agent": "84消毒液",
            "concentration": "500mg/L", "operator": "王师傅"})
        assert response.status_code == 201, response.content

    record_s, _ = _timed(lambda: [record_one(i) for i in range(n)])
    # The service alone, as bench/supplies.py times orders (no HTTP, no session, no parsing).
    service_s, _ = _timed(lambda: [services.round_record(
        actor=property1, place=mine[i % len(mine)], client_id=uuid.uuid4(), agent="84消毒液", operator="王师傅")
        for i in range(n)])

    def floor_one(i: int) -> None:
        with transaction.atomic():
            Place.objects.get(pk=mine[i % len(mine)].pk)
            AuditEvent.objects.create(action="create", actor_username="bench", summary="floor")

    floor_s, _ = _timed(lambda: [floor_one(i) for i in range(n)])
    return {"disinfection_board_s": round(statistics.median(board_times), 4),
            "record_ratio": round((n / record_s) / (n / floor_s), 3), "records_per_s": round(n / record_s, 1),
            "service_ratio": round((n / service_s) / (n / floor_s), 3),
            "floor_per_s": round(n / floor_s, 1), "rounds": len(rounds), "places": len(places),
            "communities": len(communities), "db": "sqlite", "quick": quick}


if __name__ == "__main__":
    main()
