"""Supplies benchmark: the parser's speed, purchase lists, a delivery run's page and order intake.

    uv run python bench/supplies.py --quick      # the demo's two communities on SQLite, under a minute
    uv run python bench/supplies.py              # the street-sized day: 20 communities, 28,000
                                                 # households, 30,000 orders, 150,000 items

The world is the demo's (bench/_world.py's copy on SQLite); without --quick the street's other 18
communities, their households and the day's orders are written with bulk inserts (the stage, not
the act: campaign.py's ``_insert`` for the registry, core/bulkwrite.py ``Table`` for orders and
items). Timed:

- parse_per_s: ``parser.parse_message`` over the test corpus (tests/supplies/corpus.txt), repeated;
- community_purchase_list_s: ``selectors.purchase_lists`` of 富通社区 (its confirmed orders of five
  items each), median of 5;
- street_purchase_list_s: the same over every community of the street, median of 3;
- run_page_s: the phone screen of a run of 30 orders out for delivery (``GET /supplies/runs/<id>/``
  through the test client, as its courier, a volunteer), median of 20;
- order_ratio: order intake through the API as the issue defines it: bench/gate.py's server
  (gunicorn, 2 sync workers, production settings, bench/gate_settings.py for its floor view) on
  this bench's database, and gate.py's client (32 concurrent keep-alive connections) driving in turns
  (5 rounds of 6 s each; --quick 2 of 4 s) ``POST /api/v1/supplies/orders`` (JSON, the staff account's
  general API token, a household of 富通社区 in turn, two items, a new client id each) and
  ``POST /bench/floor/<gate>`` (one read by primary key + one insert, through the same middleware):
  orders_per_s over floor_per_s. order_statuses and orders_recorded show every timed request made
  one order.

The last line printed is one JSON object. Never part of the test suite; figures go to
docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ITEMS = [("面粉", "斤", 5), ("鸡蛋", "个", 12), ("大米", "公斤", 10), ("土豆", "斤", 2), ("牛奶", "箱", 1)]
COMMUNITIES, HOUSEHOLDS, ORDERS = 20, 28_000, 30_000
# A fixed key for this throwaway database, so that bench/_world.py's copy of the demo world (whose
# passes are signed with the key) serves the next run too.
BENCH_SECRET_KEY = "bench-supplies-8d2e4b6f0a1c3e5d7f9b2d4f6a8c0e1b3d5f7a9c"  # noqa: S105
PASSWORD = "bench-password-long-enough"  # noqa: S105


def _timed(fn: Any) -> tuple[float, Any]:
    t = time.perf_counter()
    result = fn()
    return time.perf_counter() - t, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the demo's two communities only")
    parser.add_argument("--seconds", type=float, help="seconds per HTTP load over all rounds (30; --quick 8)")
    parser.add_argument("--rounds", type=int, help="turns of the two HTTP loads (5; --quick 2)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent clients (bench/gate.py's 32)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (bench/gate.py's 2)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="shequ-bench-supplies-"))
    os.environ.pop("SHEQU_DATABASE_URL", None)
    os.environ.update({"SHEQU_DATA_DIR": str(workdir), "SHEQU_SECRET_KEY": BENCH_SECRET_KEY,
                       "SHEQU_ALLOWED_HOSTS": "testserver,127.0.0.1", "DJANGO_SETTINGS_MODULE": "shequ.settings"})
    sys.path[:0] = [str(ROOT / "src"), str(ROOT), str(ROOT / "bench")]
    import django

    django.setup()
    started = time.perf_counter()

    def progress(what: str) -> None:
        print(f"{time.perf_counter() - started:6.1f} s  {what}", file=sys.stderr)

    try:
        figures = run(quick=args.quick, progress=progress)
        figures |= order_http(figures.pop("_http"), seconds=args.seconds or (8.0 if args.quick else 30.0),
                              rounds=args.rounds or (2 if args.quick else 5), connections=args.connections,
                              workers=args.workers)
        progress("timed through HTTP")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(figures))


def stage_street(communities: int, households: int) -> None:
    """``communities`` more communities of the demo's street sharing ``households`` households (no
    persons: no figure here reads them), in compounds of 50 buildings of 4 units x 18 floors x 4."""
    from campaign import _insert, _reset_sequences
    from django.db.models import Max
    from django.utils import timezone

    from shequ.registry.models import Building, Community, Compound, Grid, Household, Room, Street, Unit

    street = Street.objects.get()
    made = Community.objects.bulk_create([Community(street=street, code=f"bench{i}", name=f"基准社区{i}")
                                          for i in range(communities)])
    now = timezone.now()
    gid, cid, bid, uid, rid, hid = ((m.objects.aggregate(m=Max("id"))["m"] or 0) + 1
                                    for m in (Grid, Compound, Building, Unit, Room, Household))
    grids, compounds, buildings, units, rooms, rows = [], [], [], [], [], []
    per_building = 4 * 18 * 4
    for k, community in enumerate(made):
        c, left = community.pk, households // communities + (k < households % communities)
        compounds.append((cid + len(compounds), c, "基准小区", "gated"))
        for b in range(left // per_building + 1):
            if b % 3 == 0:
                grids.append((gid + len(grids), c, b // 3 + 1, f"第{b // 3 + 1}网格"))
            building = bid + len(buildings)
            buildings.append((building, c, compounds[-1][0], str(b + 1), b + 1, grids[-1][0]))
            for u in range(1, 5):
                unit = uid + len(units)
                units.append((unit, c, building, str(u), u))
                for floor in range(1, 19):
                    for door in range(1, 5):
                        if left <= 0:
                            continue
                        rooms.append((rid + len(rooms), c, unit, f"{floor}{door:02d}", floor))
                        rows.append((hid + len(rows), c, rooms[-1][0], "active", "", now, now))
                        left -= 1
    _insert("registry_grid", ["id", "community_id", "number", "name"], grids)
    _insert("registry_compound", ["id", "community_id", "name", "kind"], compounds)
    _insert("registry_building", ["id", "community_id", "compound_id", "number", "sort_key", "grid_id"], buildings)
    _insert("registry_unit", ["id", "community_id", "building_id", "number", "sort_key"], units)
    _insert("registry_room", ["id", "community_id", "unit_id", "number", "floor"], rooms)
    _insert("registry_household", ["id", "community_id", "room_id", "status", "note", "created_at", "updated_at"], rows)
    _reset_sequences([Grid, Compound, Building, Unit, Room, Household])


def stage_orders(total: int) -> dict[str, int]:
    """One confirmed order of five items per active household, and second orders of the first
    households until ``total`` (the demo's communities first: 富通社区 is the community measured)."""
    from django.db import transaction
    from django.utils import timezone

    from shequ.core.bulkwrite import Table
    from shequ.registry.models import Household
    from shequ.supplies.models import Order, OrderItem

    now = timezone.now()
    households = list(Household.objects.filter(status="active").order_by("id").values_list("id", "community_id"))
    chosen = [households[i % len(households)] for i in range(max(total, len(households)))]
    orders = Table(Order, ("community_id", "household_id", "status", "receipt_code", "received_at", "confirmed_at"))
    items = Table(OrderItem, ("community_id", "order_id", "name", "unit", "quantity"))
    with transaction.atomic():
        ids = orders.insert([(c, h, Order.Status.CONFIRMED, "0000", now, now) for h, c in chosen], ids=True)
        items.insert([(c, o, n, u, Decimal(q)) for o, (_h, c) in zip(ids, chosen, strict=True) for n, u, q in ITEMS])
    return {"orders": len(ids), "items": len(ids) * len(ITEMS), "households": len(households)}


def run(*, quick: bool, progress: Any) -> dict[str, Any]:
    from _world import demo  # bench/_world.py: a copy of the demo world on SQLite
    from django.test import Client
    from tests.supplies.corpus import cases

    from shequ.accounts.access import scope_for
    from shequ.accounts.models import User
    from shequ.accounts.services import api_token_create
    from shequ.core.scoping import Scope
    from shequ.gates.models import Gate
    from shequ.registry.models import Community, Household
    from shequ.supplies import parser, selectors, services
    from shequ.supplies.models import Order

    demo(seed=2022, password=PASSWORD)
    progress("demo world")
    corpus = [(c.sender, c.text) for c in cases()]
    rounds = 20 if quick else 100
    parse_s, _ = _timed(lambda: [parser.parse_message(s, t) for _ in range(rounds) for s, t in corpus])
    parse_per_s = rounds * len(corpus) / parse_s

    if not quick:
        stage_street(COMMUNITIES - Community.objects.count(),
                     HOUSEHOLDS - Household.objects.filter(status="active").count())
    staged = stage_orders(0 if quick else ORDERS)
    progress(f"staged {staged}")
    staff = User.objects.get(username="staff")
    futong = Community.objects.get(code="futong")
    scope = scope_for(staff)
    community_lists = selectors.purchase_lists(scope, community_id=futong.pk)
    community_times = [_timed(lambda: selectors.purchase_lists(scope, community_id=futong.pk))[0] for _ in range(5)]
    ids = set(Community.objects.values_list("id", flat=True))
    street = Scope(user_id=staff.pk, roles=frozenset({"staff"}), roles_by_community={c: {"staff"} for c in ids},
                   grants={"community": ids})
    street_lists = selectors.purchase_lists(street)
    street_times = [_timed(lambda: selectors.purchase_lists(street))[0] for _ in range(3)]
    progress("purchase lists")

    packed = list(Order.objects.filter(community=futong).order_by("id")[:30])
    Order.objects.filter(pk__in=[o.pk for o in packed]).update(status=Order.Status.PACKED)
    volunteer = User.objects.get(username="volunteer1")
    run_row = services.run_create(actor=staff, community=futong, courier=volunteer, orders=packed,
                                  courier_roles={"volunteer"})
    services.run_start(actor=volunteer, run=run_row)  # the phone screen on the way: every door's forms
    client = Client()
    client.force_login(volunteer)
    url = f"/supplies/runs/{run_row.pk}/"
    assert client.get(url).status_code == 200
    page_times = [_timed(lambda: client.get(url))[0] for _ in range(20)]
    progress("run page")

    _token, key = api_token_create(user=staff, name="bench supplies")
    targets = list(Household.objects.filter(community=futong, status="active").order_by("id")
                   .values_list("id", flat=True))
    gate = Gate.objects.filter(community=futong).order_by("id").first()
    assert gate is not None
    return {"parse_per_s": round(parse_per_s),
            "community_purchase_list_s": round(statistics.median(community_times), 4),
            "street_purchase_list_s": round(statistics.median(street_times), 4),
            "run_page_s": round(statistics.median(page_times), 4),
            "community_lines": sum(len(p.lines) for p in community_lists),
            "street_lines": sum(len(p.lines) for p in street_lists),
            **staged, "communities": len(ids), "db": "sqlite", "quick": quick,
            "_http": {"key": key, "households": targets, "gate_id": gate.pk}}


def order_requests(key: str, households: list[int]) -> Any:
    """``POST /api/v1/supplies/orders``: the households in turn, two items, a new client id each."""
    import itertools

    url = "/api/v1/supplies/orders"
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    counter = itertools.count()  # next() on a count is atomic: shared by the threads

    def request(n: int, i: int, rnd: Any) -> tuple[str, str, bytes, dict[str, str]]:
        body = {"client_id": str(uuid.uuid4()), "household_id": households[next(counter) % len(households)],
                "kind": "order", "items": [{"name": "面粉", "quantity": 5, "unit": "斤"},
                                           {"name": "鸡蛋", "quantity": 12, "unit": "个"}]}
        return "POST", url, json.dumps(body).encode(), headers

    return request


def order_http(stage: dict[str, Any], *, seconds: float, rounds: int, connections: int,
               workers: int) -> dict[str, Any]:
    """The order load and the floor in turns on one gunicorn (bench/gate.py's server) on this
    bench's database; orders per second over the floor's."""
    from django.db import connection
    from gate import drive_in_turns, floor_requests

    from shequ.supplies.models import Order

    def recorded() -> int:
        count = Order.objects.filter(source=Order.Source.PHONE, client_id__isnull=False).count()
        connection.close()  # the server's workers write; this process holds nothing open meanwhile
        return count

    loads = {"order": order_requests(stage["key"], stage["households"]), "floor": floor_requests(stage["gate_id"])}
    driven = drive_in_turns(loads, workers=workers, connections=connections, seconds=seconds, rounds=rounds,
                            recorded=recorded)
    order, floor = driven["summaries"]["order"], driven["summaries"]["floor"]
    before, after, load_before = driven["before"], driven["after"], driven["load_before"]
    return {"orders_per_s": order["per_s"], "order_p50_ms": order["p50_ms"], "order_p99_ms": order["p99_ms"],
            "floor_per_s": floor["per_s"], "floor_p99_ms": floor["p99_ms"],
            "order_statuses": order["statuses"], "orders_recorded": after - before,
            "http_errors": order["errors"] + floor["errors"], "http_seconds": seconds, "http_rounds": rounds,
            "http_connections": connections, "http_workers": workers, "load_before": load_before,
            "load_after": driven["load_after"],
            "order_ratio": round(order["per_s"] / floor["per_s"], 3) if floor["per_s"] else 0.0}


if __name__ == "__main__":
    main()
