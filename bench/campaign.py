"""Test round benchmark: a synthetic population, a round opened over all of it, registrations through
the API, then the coverage summary, one building's missing list and a positive tube's re-test list.

    uv run python bench/campaign.py                  # 100,000 persons, SQLite in a temporary data dir
    uv run python bench/campaign.py --quick          # 20,000 persons, under a minute
    uv run python bench/campaign.py --db postgres    # 1,000,000 persons in a throwaway database on
                                                     # SHEQU_BENCH_PG_URL's server
                                                     # (default postgres://postgres@127.0.0.1:54330)

The population (compounds of 18-storey buildings, 4 units, 4 flats a floor, 1-5 persons a household,
grids of 30 buildings) is written with bulk inserts (COPY on PostgreSQL, executemany on SQLite), not
through the services: it is the stage, not the act. Then, timed:

- open_s: ``campaign_open`` over the whole community, the set-based snapshot of every person and
  household (one INSERT ... SELECT each);
- registrations: the app under gunicorn (2 sync workers), 4 concurrent keep-alive connections,
  each ``POST /api/v1/campaigns/{id}/tubes`` registering one 10-in-1 tube of ten persons with their
  client_ids (as a sampling phone syncs a full tube); ``registrations_per_s`` counts persons;
- coverage_summary_s: ``selectors.coverage`` for the whole population (by compound, building, unit
  and grid), as secretary;
- missing_list_s: the missing list of one building, evaluated;
- retest_list_s: a full 10-in-1 tube's positive result recorded (re-test rows, alert) and its
  re-test list read with households and buildings.

The last line printed is one JSON object. Never part of the test suite; figures go to
docs/performance.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from _gunicorn import start_gunicorn  # bench/ is on sys.path when a bench runs as a script

ROOT = Path(__file__).resolve().parents[1]
PG_DEFAULT = "postgres://postgres@127.0.0.1:54330"
UNITS, FLOORS, PER_FLOOR = 4, 18, 4
BUILDINGS_PER_COMPOUND, BUILDINGS_PER_GRID = 50, 30
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞宇浩然子涵欣怡梓轩思雨建国志强春梅海燕"


def _timed(fn: Any) -> tuple[float, Any]:
    t = time.perf_counter()
    value = fn()
    return time.perf_counter() - t, value


def _insert(table: str, columns: list[str], rows: list[tuple]) -> None:
    """Bulk insert: COPY on PostgreSQL, executemany in one transaction on SQLite."""
    from django.db import connection, transaction

    if not rows:
        return
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # psycopg 3
            with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)  # noqa: S608


def _reset_sequences(models: list[Any]) -> None:
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)


def build_population(n: int, seed: int = 2022, *, buildings_per_grid: int = BUILDINGS_PER_GRID,
                     buildings_per_compound: int = BUILDINGS_PER_COMPOUND) -> dict[str, Any]:
    """A community of about ``n`` persons; returns the community and the bench account's ids.
    ``buildings_per_grid`` and ``buildings_per_compound``: a building holds 288 households."""
    from django.db.models import Max
    from django.utils import timezone
    from pypinyin import Style, lazy_pinyin

    from shequ.accounts.models import Membership, User
    from shequ.registry.models import (
        Building,
        Community,
        Compound,
        Grid,
        Household,
        Person,
        Room,
        Street,
        Unit,
    )

    rnd = random.Random(seed)
    now = timezone.now()
    street, _created = Street.objects.get_or_create(code="bench", defaults={"name": "基准街道"})
    community = Community.objects.create(street=street, code=f"bench-{uuid.uuid4().hex[:8]}", name="基准社区")
    c = community.pk

    def next_id(model: Any) -> int:
        return (model.objects.aggregate(m=Max("id"))["m"] or 0) + 1

    # One pinyin conversion per distinct name part, not per person.
    initials = {ch: (lazy_pinyin(ch, style=Style.FIRST_LETTER) or [""])[0] for ch in SURNAMES + GIVEN}
    full = {ch: (lazy_pinyin(ch) or [""])[0] for ch in SURNAMES + GIVEN}
    households_needed = n // 3 + 1
    rooms_per_building = UNITS * FLOORS * PER_FLOOR
    buildings_n = households_needed // rooms_per_building + 1
    compounds_n = buildings_n // buildings_per_compound + 1
    grids_n = buildings_n // buildings_per_grid + 1

    gid, cid, bid, uid, rid, hid, pid = (next_id(m) for m in (Grid, Compound, Building, Unit, Room, Household, Person))
    grids = [(gid + i, c, i + 1, f"第{i + 1}网格") for i in range(grids_n)]
    compounds = [(cid + i, c, f"基准小区{i + 1}", "gated") for i in range(compounds_n)]
    buildings, units, rooms, households, persons = [], [], [], [], []
    persons_left = n
    for b in range(buildings_n):
        building_id = bid + b
        number = b % buildings_per_compound + 1
        buildings.append((building_id, c, cid + b // buildings_per_compound, str(number), number,
                          gid + b // buildings_per_grid))
        for u in range(UNITS):
            unit_id = uid + len(units)
            units.append((unit_id, c, building_id, str(u + 1), u + 1))
            for floor in range(1, FLOORS + 1):
                for door in range(1, PER_FLOOR + 1):
                    if persons_left <= 0:
                        continue
                    room_id = rid + len(rooms)
                    rooms.append((room_id, c, unit_id, f"{floor}{door:02d}", floor))
                    household_id = hid + len(households)
                    households.append((household_id, c, room_id, "active", "", now, now))
                    surname = rnd.choice(SURNAMES)
                    for k in range(min(persons_left, rnd.choice((1, 2, 2, 3, 3, 3, 4, 4, 5)))):
                        given = "".join(rnd.choice(GIVEN) for _ in range(rnd.choice((1, 2))))
                        name = (surname if k != 1 else rnd.choice(SURNAMES)) + given
                        phone = f"1{rnd.choice('35789')}{rnd.randrange(10**9):09d}"
                        persons.append((pid + len(persons), c, household_id, name,
                                        "".join(initials[ch] for ch in name), " ".join(full[ch] for ch in name),
                                        "unknown", None, None, phone, "resident",
                                        "head" if k == 0 else "other", "active", "", now, now))
                        persons_left -= 1
    _insert("registry_grid", ["id", "community_id", "number", "name"], grids)
    _insert("registry_compound", ["id", "community_id", "name", "kind"], compounds)
    _insert("registry_building", ["id", "community_id", "compound_id", "number", "sort_key", "grid_id"], buildings)
    _insert("registry_unit", ["id", "community_id", "building_id", "number", "sort_key"], units)
    _insert("registry_room", ["id", "community_id", "unit_id", "number", "floor"], rooms)
    _insert("registry_household", ["id", "community_id", "room_id", "status", "note", "created_at", "updated_at"],
            households)
    _insert("registry_person", ["id", "community_id", "household_id", "name", "name_initials", "name_pinyin", "sex",
                                "birth_date", "id_number", "phone", "residency", "relation", "status", "notes",
                                "created_at", "updated_at"], persons)
    _reset_sequences([Grid, Compound, Building, Unit, Room, Household, Person])
    user = User.objects.create(username=f"bench-{uuid.uuid4().hex[:6]}", first_name="基准")
    Membership.objects.create(user=user, role="staff", community=community)
    return {"community": community, "user": user, "persons": len(persons), "households": len(households),
            "buildings": len(buildings)}


def start_server(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    return start_gunicorn(env=env, port=port, workers=2, settings="shequ.settings", pythonpath=[ROOT / "src"])


def register_through_api(port: int, key: str, campaign_id: int, person_ids: list[int],
                         connections: int, prefix: str = "B") -> dict[str, Any]:
    """Every person once, ten to a tube, over ``connections`` keep-alive connections."""
    chunks = [person_ids[i:i + 10] for i in range(0, len(person_ids), 10)]
    statuses: dict[int, int] = {}
    errors: list[str] = []
    lock = threading.Lock()
    cursor = [0]

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                i = cursor[0]
                cursor[0] += 1
            if i >= len(chunks):
                break
            body = json.dumps({"code": f"{prefix}{i:07d}", "pooling": 10, "close": True, "samples": [
                {"client_id": str(uuid.uuid4()), "person_id": p} for p in chunks[i]]}).encode()
            try:
                conn.request("POST", f"/api/v1/campaigns/{campaign_id}/tubes", body=body,
                             headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as e:
                errors.append(repr(e))
                conn.close()
                continue
            with lock:
                statuses[response.status] = statuses.get(response.status, 0) + 1
            if response.getheader("connection", "").lower() == "close":
                conn.close()
        conn.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - t
    return {"seconds": elapsed, "tubes": len(chunks), "statuses": statuses, "errors": len(errors),
            "first_error": errors[0] if errors else ""}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--persons", type=int, default=None, help="default 100,000 (SQLite), 1,000,000 (PostgreSQL)")
    parser.add_argument("--register", type=int, default=None, help="persons registered through the API")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--quick", action="store_true", help="20,000 persons, 3,000 registrations")
    args = parser.parse_args()
    n = args.persons or (20_000 if args.quick else 1_000_000 if args.db == "postgres" else 100_000)
    to_register = args.register or (3_000 if args.quick else 30_000)

    workdir = Path(tempfile.mkdtemp(prefix="shequ-bench-campaign-"))
    env = dict(os.environ)
    env |= {"SHEQU_DATA_DIR": str(workdir), "SHEQU_SECRET_KEY": secrets.token_urlsafe(40),
            "SHEQU_ALLOWED_HOSTS": "127.0.0.1,localhost"}
    pg_name = None
    if args.db == "postgres":
        import psycopg

        base = os.environ.get("SHEQU_BENCH_PG_URL", PG_DEFAULT).rstrip("/")
        pg_name = f"shequ_bench_campaign_{uuid.uuid4().hex[:8]}"
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
        print(f"built {world['persons']} persons in {world['households']} households, "
              f"{world['buildings']} buildings in {build_s:.1f} s", file=sys.stderr)
        figures = run(world, to_register, args.connections, env, build_s)
        connection.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if pg_name:
            import psycopg

            with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')  # type: ignore[arg-type]
    print(json.dumps(figures))


def run(world: dict[str, Any], to_register: int, connections: int, env: dict[str, str],
        build_s: float) -> dict[str, Any]:
    import socket

    from django.db import connection

    from shequ.accounts.access import scope_for
    from shequ.accounts.services import api_token_create
    from shequ.campaigns import selectors, services
    from shequ.campaigns.models import Target, Tube
    from shequ.registry.models import Person

    user, community = world["user"], world["community"]
    campaign = services.campaign_create(actor=user, community=community, name="全员核酸 第一轮",
                                        kind="test_round", starts_on=dt.date(2022, 4, 1))
    open_s, campaign = _timed(lambda: services.campaign_open(actor=user, campaign=campaign))
    targets = Target.objects.filter(campaign=campaign).count()
    print(f"opened over {targets} targets in {open_s:.2f} s", file=sys.stderr)
    _token, key = api_token_create(user=user, name="bench")
    # Register persons of the first buildings in walking order, as a sampling point would.
    person_ids = list(Person.objects.filter(community=community).order_by("id").values_list("id", flat=True)
                      [:to_register])
    connection.close()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = start_server(env, port)
    try:
        register_through_api(port, key, campaign.pk, [person_ids[0]], 1, "W1-")  # warm both workers up
        register_through_api(port, key, campaign.pk, [person_ids[1]], 1, "W2-")
        load = register_through_api(port, key, campaign.pk, person_ids[2:], connections)
    finally:
        server.terminate()
        server.wait(timeout=30)
    registered = Target.objects.filter(campaign=campaign, reached_at__isnull=False).count()
    print(f"registered {registered} persons through the API in {load['seconds']:.1f} s ({load['statuses']})",
          file=sys.stderr)
    scope = scope_for(user)
    coverage_s = min(_timed(lambda: selectors.coverage(scope, campaign))[0] for _ in range(3))
    summary = selectors.coverage(scope, campaign).total
    # A building in the middle of the population, none of it sampled: its whole list is missing.
    last_building = Target.objects.filter(campaign=campaign, person_id=person_ids[-1] + (
        world["persons"] - len(person_ids)) // 2).values_list("building_id", flat=True).first()
    missing_s = min(_timed(lambda: list(selectors.missing_targets(scope, campaign, building=last_building)))[0]
                    for _ in range(3))
    missing_n = len(list(selectors.missing_targets(scope, campaign, building=last_building)))
    full = list(Tube.objects.filter(campaign=campaign, size=10).order_by("id")[:3])

    def positive(tube: Tube) -> int:
        services.tube_result_set(actor=user, tube=tube, result="positive")
        rows = list(selectors.retest_list(scope, campaign, pending_only=True).filter(source_tube=tube))
        return len(rows)

    retest_times = []
    for tube in full:
        t, count = _timed(lambda tube=tube: positive(tube))
        assert count == 10, count
        retest_times.append(t)
    return {
        "db": connection.vendor,
        "persons": world["persons"],
        "households": world["households"],
        "buildings": world["buildings"],
        "targets": targets,
        "registered": registered,
        "registrations_per_s": round((len(person_ids) - 2) / load["seconds"]),
        "tubes_per_s": round(load["tubes"] / load["seconds"], 1),
        "api_statuses": load["statuses"],
        "api_errors": load["errors"],
        "open_s": round(open_s, 3),
        "coverage_summary_s": round(coverage_s, 3),
        "coverage_reached": summary.reached,
        "coverage_missing": summary.missing,
        "missing_list_s": round(missing_s, 4),
        "missing_list_rows": missing_n,
        "retest_list_s": round(min(retest_times), 4),
        "connections": connections,
        "build_s": round(build_s, 1),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }


if __name__ == "__main__":
    main()
