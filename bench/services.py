"""Resident services benchmark: today's care tasks of one person, the help-request ledger of a
community for a month, and recording a care task's outcome or a disinfection round through the API.

    uv run python bench/services.py --quick      # 10,000 persons, 300 care plans, 5,000 requests (SQLite)
    uv run python bench/services.py              # the street world: 70,000 persons, 2,000 care plans,
                                                 # 50,000 help requests over 60 days in 20 communities
    uv run python bench/services.py --smoke      # a few seconds to try the bench; not figures

The population is bench/campaign.py's (build_population, one community holding the street's
persons); care plans, their tasks and 30 days of outcomes, and the help requests (the bench
community's share with households and grids, the other 19 communities' with a free location) are
written with bulk inserts: the stage, not the act. Timed in this process (no app server):

- tasks_today_s: ``selectors.tasks_today`` of one assignee with 33 people in their care (Karamay's
  one-to-one list), median of 20;
- requests_month_s: ``selectors.help_request_ledger`` of the bench community for the last 30 days,
  median of 5;
- task_record_ratio (in-process): outcomes recorded per second through ``services.care_visit_record``
  over one read by primary key + one INSERT in this process (floor_per_s).

Then through HTTP, as the issue defines the recording figure: bench/gate.py's server (gunicorn,
2 sync workers, production settings, bench/gate_settings.py so that its floor view is served) on
this bench's database, and bench/gate.py's client (32 concurrent keep-alive connections) driving
three loads in turns, each for the same time (30 s in 5 rounds; --quick 6 s in 2), after a warm-up:

- ``POST /api/v1/services/visits`` (JSON) with the 33-plan assignee's general API token, one outcome
  a request, each a (task, day) not recorded before (a daily call added to each of their plans,
  started 3,000 days back: stage_http) and a new client id;
- ``POST /api/v1/disinfection/rounds`` (a plain form without a photo, as record.js sends such a
  round; a round with a photo is multipart) with the bench community's staff
  account's general token, ten places on its first compound in turn, a new client id each;
- ``POST /bench/floor/{gate}``: the gate bench's floor (one read by primary key + one insert) on a
  gate of the same compound.

task_record_http_ratio and disinfection_record_http_ratio are each load's requests per second over
the floor's (http_floor_per_s); http_statuses and http_recorded show that every timed request
recorded one row. record_ratio is the lower of the two: the issue's "recording a disinfection round
or a task done through the API at >= 0.7 of the gate bench's floor in the same run".

Last, bench/hygiene.py runs in its own process on its own database (the street's disinfection board
over 60 days of rounds) and its figures are joined as disinfection_*: disinfection_board_s, and
disinfection_record_ratio, its in-process ratio (the test client against a bare floor); --smoke
skips it.

Each measure is a function returning a dict. The last line printed is one JSON object. Never part
of the test suite; figures go to docs/performance.md.
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

from campaign import _timed, build_population  # bench/ is on sys.path
from gate import drive_in_turns, floor_requests

ROOT = Path(__file__).resolve().parents[1]
CATEGORIES = ["medical", "medicine", "food", "utilities", "trapped", "psychological", "conflict", "other"]
IN_CARE_OF_ONE = 33


def stage_care(world: dict[str, Any], plans: int, history_days: int = 30) -> dict[str, Any]:
    """``plans`` tagged persons with a care plan each (a daily call, a weekly visit, every third a
    refill), assigned one-to-one: the first assignee has 33, the rest go to assignees of about 30
    each; ``history_days`` of outcomes (one call in nine not reached, one in seven missing)."""
    from django.utils import timezone

    from shequ.accounts.models import Membership, User
    from shequ.registry.models import Person, PersonTag
    from shequ.services.models import CarePlan, CareTask, CareVisit

    community = world["community"]
    now, today = timezone.now(), timezone.localdate()
    persons = list(Person.objects.filter(community=community).order_by("id")
                   .values_list("id", "household__room__unit__building__grid_id")[:: 7][:plans])
    PersonTag.objects.bulk_create([PersonTag(community=community, person_id=p, tag="elderly_alone")
                                   for p, _g in persons], batch_size=2000)
    assignees = [User.objects.create(username=f"bench-care-{i}-{uuid.uuid4().hex[:4]}")
                 for i in range(1 + (len(persons) - IN_CARE_OF_ONE) // 30 + 1)]
    Membership.objects.bulk_create([Membership(user=u, role="volunteer", community=community) for u in assignees])

    def assignee_of(i: int) -> int:
        return assignees[0].pk if i < IN_CARE_OF_ONE else assignees[1 + (i - IN_CARE_OF_ONE) // 30].pk

    rows = CarePlan.objects.bulk_create([
        CarePlan(community=community, person_id=p, grid_id=g, assignee_id=assignee_of(i), lives_alone=True,
                 created_at=now) for i, (p, g) in enumerate(persons)], batch_size=2000)
    start = today - dt.timedelta(days=history_days)
    tasks = []
    for i, plan in enumerate(rows):
        tasks.append(CareTask(community=community, plan=plan, kind="call", every_days=1, starts_on=start))
        tasks.append(CareTask(community=community, plan=plan, kind="visit", every_days=7, starts_on=start))
        if i % 3 == 0:
            tasks.append(CareTask(community=community, plan=plan, kind="refill", every_days=30, starts_on=start,
                                  medicine="胰岛素", dose="每日20单位", runs_out_on=today + dt.timedelta(days=i % 30)))
    CareTask.objects.bulk_create(tasks, batch_size=2000)
    visits = []
    for task in tasks:
        day = start
        while day < today:
            if task.is_due(day) and (task.pk + day.toordinal()) % 7 != 0:
                outcome = "not_reached" if (task.pk + day.toordinal()) % 9 == 0 else "done"
                visits.append(CareVisit(community=community, task=task, due_on=day, outcome=outcome,
                                        at=now, by_id=task.plan.assignee_id))
            day += dt.timedelta(days=1)
    CareVisit.objects.bulk_create(visits, batch_size=5000)
    return {"care_plans": len(rows), "care_tasks": len(tasks), "care_visits": len(visits), "assignee": assignees[0]}


def stage_requests(world: dict[str, Any], total: int, communities: int = 20, days: int = 60) -> dict[str, Any]:
    """``total`` help requests over ``days`` days in ``communities`` communities: the bench
    community's share on its households (with their grids), the others' at a free location."""
    from django.utils import timezone

    from shequ.registry.models import Community, Household
    from shequ.services.models import HelpRequest

    community = world["community"]
    others = [Community.objects.create(street=community.street, code=f"bench-s{i}-{uuid.uuid4().hex[:6]}",
                                       name=f"基准社区{i}") for i in range(communities - 1)]
    households = list(Household.objects.filter(community=community).values_list(
        "id", "room__unit__building__grid_id")[:5000])
    now = timezone.now()
    rows = []
    for i in range(total):
        opened = now - dt.timedelta(minutes=(i * 60 * 24 * days) // total)
        status = ("closed", "called_back", "resolved", "assigned", "open")[i % 5] if opened < now - dt.timedelta(
            days=2) else ("open", "assigned")[i % 2]
        target = community if i % communities == 0 else others[i % (communities - 1)]
        household, grid = households[i % len(households)] if target is community else (None, None)
        rows.append(HelpRequest(community=target, household_id=household, grid_id=grid,
                                location="" if household else "9号楼302", category=CATEGORIES[i % len(CATEGORIES)],
                                urgency="urgent" if i % 11 == 0 else "normal", source="phone", text="基准求助",
                                status=status, opened_at=opened))
    HelpRequest.objects.bulk_create(rows, batch_size=5000)
    return {"help_requests": len(rows), "community_requests": sum(1 for r in rows if r.community_id == community.pk)}


def tasks_today(world: dict[str, Any], assignee: Any) -> dict[str, Any]:
    from shequ.accounts.access import scope_for
    from shequ.services import selectors

    scope = scope_for(assignee)
    rows = selectors.tasks_today(scope, assignee)
    times = [_timed(lambda: selectors.tasks_today(scope_for(assignee), assignee))[0] for _ in range(20)]
    return {"tasks_today_s": round(statistics.median(times), 4), "tasks_today_rows": len(rows)}


def requests_month(world: dict[str, Any]) -> dict[str, Any]:
    from django.utils import timezone

    from shequ.accounts.access import scope_for
    from shequ.services import selectors

    scope = scope_for(world["user"])
    end = timezone.localdate()
    start = end - dt.timedelta(days=29)
    ledger = selectors.help_request_ledger(scope, start=start, end=end)
    times = [_timed(lambda: selectors.help_request_ledger(scope_for(world["user"]), start=start, end=end))[0]
             for _ in range(5)]
    return {"requests_month_s": round(statistics.median(times), 4), "requests_month": ledger.opened,
            "ledger_rows": len(ledger.rows)}


def task_record(world: dict[str, Any], assignee: Any, recordings: int) -> dict[str, Any]:
    """Today's outcome of ``recordings`` tasks due today, through the service, against the floor."""
    from django.db import connection
    from django.utils import timezone

    from shequ.services import services
    from shequ.services.models import CareTask

    today = timezone.localdate()
    due = [t for t in CareTask.objects.filter(community=world["community"], kind="call")
           .select_related("plan__person", "plan__community")  # as selectors.care_task_get reads it
           .order_by("id")[:recordings] if t.is_due(today)]
    t = time.perf_counter()
    for task in due:
        services.care_visit_record(actor=assignee, task=task, due_on=today, outcome="done", client_id=uuid.uuid4())
    rate = len(due) / (time.perf_counter() - t)
    ids = [task.pk for task in due]
    t = time.perf_counter()
    with connection.cursor() as cursor:
        for pk in ids:
            cursor.execute("SELECT id, plan_id FROM services_caretask WHERE id = %s", [pk])
            cursor.fetchone()
            cursor.execute("INSERT INTO services_helpstep (community_id, help_request_id, at, text) "
                           "SELECT community_id, (SELECT MIN(id) FROM services_helprequest), %s, 'bench' "
                           "FROM services_caretask WHERE id = %s", [timezone.now(), pk])
    floor = len(ids) / (time.perf_counter() - t)
    ratio = round(rate / floor, 3)
    return {"task_records_per_s": round(rate, 1), "floor_per_s": round(floor, 1), "task_record_ratio": ratio}


def stage_http(world: dict[str, Any], assignee: Any, days: int) -> dict[str, Any]:
    """What the HTTP loads need, written directly (the stage, not the act): a daily call on each of
    the assignee's plans started ``days`` ago with no outcome yet, so that every request can record
    a (task, day) not recorded before; ten disinfection places on the bench community's first
    compound; a gate there for the floor view; a general API token for the assignee (care tasks)
    and one for the bench community's staff account (rounds)."""
    from django.utils import timezone

    from shequ.accounts.services import api_token_create
    from shequ.disinfection.models import Place
    from shequ.gates.models import Gate
    from shequ.registry.models import Compound
    from shequ.services.models import CarePlan, CareTask

    community = world["community"]
    starts_on = timezone.localdate() - dt.timedelta(days=days)
    tasks = CareTask.objects.bulk_create([
        CareTask(community=community, plan_id=plan_id, kind="call", every_days=1, starts_on=starts_on)
        for plan_id in CarePlan.objects.filter(assignee=assignee).values_list("id", flat=True)])
    compound = Compound.objects.filter(community=community).order_by("id").first()
    places = Place.objects.bulk_create([Place(community=community, compound=compound, kind="stairwell",
                                              name=f"基准楼道{j}", target_per_day=5) for j in range(10)])
    gate = Gate.objects.create(community=community, compound=compound, name="基准东门")
    _token, volunteer_key = api_token_create(user=assignee, name="bench services")
    _token, staff_key = api_token_create(user=world["user"], name="bench disinfection")
    return {"task_ids": [t.pk for t in tasks], "days": days, "place_ids": [p.pk for p in places],
            "gate_id": gate.pk, "volunteer_key": volunteer_key, "staff_key": staff_key}


def visit_requests(key: str, task_ids: list[int], days: int) -> Any:
    """``POST /api/v1/services/visits``, one outcome a request: the next (task, day) not recorded yet
    (today's first, then the day before, ...), a new client id each."""
    from django.utils import timezone

    url = "/api/v1/services/visits"
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    today, counter = timezone.localdate(), itertools.count()  # next() on a count is atomic: shared by the threads

    def request(n: int, i: int, rnd: Any) -> tuple[str, str, bytes, dict[str, str]]:
        k = next(counter)
        if k >= len(task_ids) * days:
            raise RuntimeError("out of (task, day) pairs: raise stage_http's days")
        record = {"client_id": str(uuid.uuid4()), "task_id": task_ids[k % len(task_ids)],
                  "due_on": (today - dt.timedelta(days=k // len(task_ids))).isoformat(), "outcome": "done"}
        return "POST", url, json.dumps({"records": [record]}).encode(), headers

    return request


def round_requests(key: str, place_ids: list[int], *, multipart: bool = False) -> Any:
    """``POST /api/v1/disinfection/rounds`` without a photo, as the phone's queue sends such a round
    (a plain form, application/x-www-form-urlencoded; ``multipart``: as a round with a photo is
    sent, without the photo), a new client id each, the places in turn."""
    from urllib.parse import urlencode

    url = "/api/v1/disinfection/rounds"
    boundary = f"bench{uuid.uuid4().hex}"
    kind = f"multipart/form-data; boundary={boundary}" if multipart else "application/x-www-form-urlencoded"
    headers = {"Authorization": f"Bearer {key}", "Content-Type": kind}

    def request(n: int, i: int, rnd: Any) -> tuple[str, str, bytes, dict[str, str]]:
        fields = {"client_id": str(uuid.uuid4()), "place_id": str(place_ids[(n + i) % len(place_ids)]),
                  "agent": "84消毒液", "concentration": "500mg/L", "operator": "王师傅"}
        if not multipart:
            return "POST", url, urlencode(fields).encode(), headers
        body = "".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
                       for name, value in fields.items()) + f"--{boundary}--\r\n"
        return "POST", url, body.encode(), headers

    return request


def record_http(stage: dict[str, Any], *, seconds: float, rounds: int, connections: int,
                workers: int) -> dict[str, Any]:
    """The three loads in turns on one gunicorn (bench/gate.py's server, its floor view included),
    on this bench's database; the ratios of the two recordings to the floor."""

    from django.db import connection

    from shequ.disinfection.models import Round
    from shequ.services.models import CareVisit

    def recorded() -> tuple[int, int]:
        counts = (CareVisit.objects.filter(task_id__in=stage["task_ids"]).count(),
                  Round.objects.filter(place_id__in=stage["place_ids"]).count())
        connection.close()  # the server's workers write; this process holds nothing open meanwhile
        return counts

    loads = {"task": visit_requests(stage["volunteer_key"], stage["task_ids"], stage["days"]),
             "disinfection": round_requests(stage["staff_key"], stage["place_ids"]),
             "floor": floor_requests(stage["gate_id"])}
    driven = drive_in_turns(loads, workers=workers, connections=connections, seconds=seconds, rounds=rounds,
                            recorded=recorded)
    task, round_, floor = (driven["summaries"][name] for name in loads)
    before, after, load_before = driven["before"], driven["after"], driven["load_before"]

    def ratio(of: dict[str, Any]) -> float:
        return round(of["per_s"] / floor["per_s"], 3) if floor["per_s"] else 0.0

    return {"task_record_http_ratio": ratio(task), "disinfection_record_http_ratio": ratio(round_),
            "task_records_http_per_s": task["per_s"], "task_record_http_p99_ms": task["p99_ms"],
            "disinfection_records_http_per_s": round_["per_s"], "disinfection_record_http_p99_ms": round_["p99_ms"],
            "http_floor_per_s": floor["per_s"], "http_floor_p99_ms": floor["p99_ms"],
            # Every timed request of the two recordings must have recorded one row.
            "http_statuses": {name: figures["statuses"] for name, figures in
                              (("task", task), ("disinfection", round_), ("floor", floor))},
            "http_recorded": {"task": after[0] - before[0], "disinfection": after[1] - before[1]},
            "http_errors": task["errors"] + round_["errors"] + floor["errors"],
            "http_seconds": seconds, "http_rounds": rounds, "http_connections": connections,
            "http_workers": workers, "http_load_before": load_before,
            "http_load_after": driven["load_after"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 persons, 300 care plans, 5,000 requests")
    parser.add_argument("--smoke", action="store_true",
                        help="a few seconds to try the bench: 2,000 persons, 1 s per load, no bench/hygiene.py")
    parser.add_argument("--seconds", type=float, help="seconds per HTTP load over all rounds (30; --quick 6)")
    parser.add_argument("--rounds", type=int, help="turns of the three HTTP loads (5; --quick 2)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent clients (bench/gate.py's 32)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (bench/gate.py's 2)")
    args = parser.parse_args()
    persons, plans, requests = ((2_000, 60, 500) if args.smoke else (10_000, 300, 5_000) if args.quick
                                else (70_000, 2_000, 50_000))
    seconds = args.seconds or (1.0 if args.smoke else 6.0 if args.quick else 30.0)
    rounds = args.rounds or (1 if args.smoke else 2 if args.quick else 5)
    workdir = Path(tempfile.mkdtemp(prefix="shequ-bench-services-"))
    os.environ.pop("SHEQU_DATABASE_URL", None)
    os.environ.update({"SHEQU_DATA_DIR": str(workdir), "SHEQU_SECRET_KEY": secrets.token_urlsafe(40),
                       "DJANGO_SETTINGS_MODULE": "shequ.settings"})
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
        build_s, world = _timed(lambda: build_population(persons))
        care = stage_care(world, plans)
        staged = stage_requests(world, requests)
        print(f"built {world['persons']} persons in {build_s:.1f} s; {care['care_plans']} care plans, "
              f"{care['care_visits']} outcomes, {staged['help_requests']} help requests", file=sys.stderr)
        progress("staged")
        assignee = care.pop("assignee")
        figures: dict[str, Any] = {"persons": world["persons"], **care, **staged}
        figures |= tasks_today(world, assignee)
        figures |= requests_month(world)
        figures |= task_record(world, assignee, recordings=50 if args.smoke else 300 if args.quick else 2000)
        figures |= {"database": connection.vendor, "quick": args.quick, "smoke": args.smoke}
        progress("timed in this process")
        # 33 tasks x 3,000 days: more (task, day) pairs than 32 clients record in the full run.
        figures |= record_http(stage_http(world, assignee, days=3000), seconds=seconds, rounds=rounds,
                               connections=args.connections, workers=args.workers)
        connection.close()
        progress("timed through HTTP")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if not args.smoke:
        figures |= disinfection(quick=args.quick)
        progress("bench/hygiene.py")
    # The figure: recording through the API under gunicorn against the gate bench's floor.
    figures["record_ratio"] = min(figures["task_record_http_ratio"], figures["disinfection_record_http_ratio"])
    print(json.dumps(figures))


def disinfection(*, quick: bool) -> dict[str, Any]:
    """bench/hygiene.py in its own process (its own throwaway database), its last line's figures."""
    import subprocess

    command = [sys.executable, str(ROOT / "bench" / "hygiene.py"), *(["--quick"] if quick else [])]
    done = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603
    hygiene = json.loads(done.stdout.strip().splitlines()[-1])
    return {"disinfection_board_s": hygiene["disinfection_board_s"],
            "disinfection_record_ratio": hygiene["record_ratio"],
            **{f"disinfection_{k}": v for k, v in hygiene.items()
               if k not in ("disinfection_board_s", "record_ratio") and not k.startswith("disinfection_")}}


if __name__ == "__main__":
    main()
