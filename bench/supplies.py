"""Supplies benchmark: the parser's speed, purchase lists, a delivery run's page and order intake.

    uv run python bench/supplies.py --quick      # the demo's communities on SQLite, under a minute
    uv run python bench/supplies.py              # also 20 communities' worth of orders (street day)

Timed, in this process (Django set up on a fresh SQLite database in a temporary directory):

- parse_per_s: ``parser.parse_message`` over the test corpus (tests/supplies/corpus.txt), repeated;
- community_purchase_list_s: ``selectors.purchase_lists`` of one community holding one confirmed
  order of five items per household (written with bulk inserts: the stage, not the act);
- street_purchase_list_s: the same over every community of the street (the demo's two with --quick;
  without it, the orders are multiplied towards the issue's street day: 30,000 orders, 150,000 items);
- run_page_s: the phone screen of a run of 30 orders (``GET /supplies/runs/<id>/`` through the test
  client, as its courier), median of 20;
- order_ratio: orders taken per second through ``services.order_create`` (validation, items, audit
  event, one transaction each) divided by a floor measured the same way in the same run: one read by
  primary key and one insert in one transaction (gate.py's floor, without HTTP). Unlike gate.py it
  does not go through gunicorn: it compares the service with the database's floor on this machine.

The last line printed is one JSON object. Never part of the test suite; figures go to
docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ITEMS = [("面粉", "斤", 5), ("鸡蛋", "个", 12), ("大米", "公斤", 10), ("土豆", "斤", 2), ("牛奶", "箱", 1)]


def _timed(fn: Any) -> tuple[float, Any]:
    t = time.perf_counter()
    result = fn()
    return time.perf_counter() - t, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the demo's two communities only")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="shequ-bench-supplies-"))
    os.environ.pop("SHEQU_DATABASE_URL", None)
    os.environ.update({"SHEQU_DATA_DIR": str(workdir), "SHEQU_SECRET_KEY": secrets.token_urlsafe(40),
                       "SHEQU_ALLOWED_HOSTS": "testserver,127.0.0.1", "DJANGO_SETTINGS_MODULE": "shequ.settings"})
    sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
    import django

    django.setup()
    try:
        figures = run(quick=args.quick)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(figures))


def run(*, quick: bool) -> dict[str, Any]:
    from _world import migrate  # bench/_world.py: a migrated copy on SQLite
    from django.db import transaction
    from django.test import Client
    from django.utils import timezone
    from tests.supplies.corpus import cases

    from shequ.accounts.access import scope_for
    from shequ.accounts.models import User
    from shequ.audit.models import AuditEvent
    from shequ.core.scoping import Scope
    from shequ.ops.demo_data import build_demo
    from shequ.registry.models import Community, Household
    from shequ.supplies import parser, selectors, services
    from shequ.supplies.models import Order, OrderItem

    migrate()
    build_demo(seed=2022, password="bench-password-long-enough")  # noqa: S106
    corpus = [(c.sender, c.text) for c in cases()]
    rounds = 20 if quick else 100
    parse_s, _ = _timed(lambda: [parser.parse_message(s, t) for _ in range(rounds) for s, t in corpus])
    parse_per_s = rounds * len(corpus) / parse_s

    copies = 1 if quick else 10
    now = timezone.now()
    households = list(Household.objects.filter(status="active").values_list("id", "community_id"))
    orders = [Order(community_id=c, household_id=h, status=Order.Status.CONFIRMED, receipt_code="0000",
                    received_at=now, confirmed_at=now) for _ in range(copies) for h, c in households]
    Order.objects.bulk_create(orders, batch_size=2000)
    OrderItem.objects.bulk_create([OrderItem(community_id=o.community_id, order_id=o.pk, name=n, unit=u,
                                             quantity=Decimal(q)) for o in orders for n, u, q in ITEMS],
                                  batch_size=5000)
    staff = User.objects.get(username="staff")
    futong = Community.objects.get(code="futong")
    scope = scope_for(staff)
    community_s, _ = _timed(lambda: selectors.purchase_lists(scope, community_id=futong.pk))
    street = Scope(user_id=staff.pk, roles=frozenset({"staff"}),
                   roles_by_community={c: {"staff"} for c in Community.objects.values_list("id", flat=True)},
                   grants={"community": set(Community.objects.values_list("id", flat=True))})
    street_s, _ = _timed(lambda: selectors.purchase_lists(street))

    packed = list(Order.objects.filter(community=futong)[:30])
    Order.objects.filter(pk__in=[o.pk for o in packed]).update(status=Order.Status.PACKED)
    volunteer = User.objects.get(username="volunteer1")
    run_row = services.run_create(actor=staff, community=futong, courier=volunteer, orders=packed,
                                  courier_roles={"volunteer"})
    client = Client()
    client.force_login(volunteer)
    url = f"/supplies/runs/{run_row.pk}/"
    assert client.get(url).status_code == 200
    page_times = [_timed(lambda: client.get(url))[0] for _ in range(20)]

    targets = list(Household.objects.filter(community=futong, status="active").select_related(
        "room__unit__building", "community")[:300])
    n = len(targets)
    order_s, _ = _timed(lambda: [services.order_create(
        actor=staff, household=h, kind="order", urgent=False, source="phone",
        items=[{"name": "面粉", "quantity": 5, "unit": "斤"}, {"name": "鸡蛋", "quantity": 12, "unit": "个"}])
        for h in targets])

    def floor_one(i: int) -> None:
        with transaction.atomic():
            Household.objects.get(pk=targets[i % n].pk)
            AuditEvent.objects.create(action="create", actor_username="bench", summary="floor")

    floor_s, _ = _timed(lambda: [floor_one(i) for i in range(n)])
    return {"parse_per_s": round(parse_per_s), "community_purchase_list_s": round(community_s, 4),
            "street_purchase_list_s": round(street_s, 4), "run_page_s": round(statistics.median(page_times), 4),
            "orders_per_s": round(n / order_s, 1), "floor_per_s": round(n / floor_s, 1),
            "order_ratio": round((n / order_s) / (n / floor_s), 3), "orders": len(orders),
            "items": len(orders) * len(ITEMS), "db": "sqlite", "quick": quick}


if __name__ == "__main__":
    main()
