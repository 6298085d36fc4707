"""Resident services benchmark: today's care tasks of one person, the help-request ledger of a
community for a month, and recording a care task's outcome.

    uv run python bench/services.py --quick      # 10,000 persons, 300 care plans, 5,000 requests (SQLite)
    uv run python bench/services.py              # the street world: 70,000 persons, 2,000 care plans,
                                                 # 50,000 help requests over 60 days in 20 communities

The population is bench/campaign.py's (build_population, one community holding the street's
persons); care plans, their tasks and 30 days of outcomes, and the help requests (the bench
community's share with households and grids, the other 19 communities' with a free location) are
written with bulk inserts: the stage, not the act. Timed, in this process (no app server):

- tasks_today_s: ``selectors.tasks_today`` of one assignee with 33 people in their care (Karamay's
  one-to-one list), median of 20;
- requests_month_s: ``selectors.help_request_ledger`` of the bench community for the last 30 days,
  median of 5;
- task_record_ratio: outcomes recorded per second through ``services.care_visit_record`` (what
  POST /api/v1/services/visits calls), divided by the rate of the gate bench's floor (one read by
  primary key + one INSERT) measured in the same run, in this process (bench/gate.py measures the
  floor under gunicorn; this is the in-process ratio only);
- disinfection_board_s and disinfection_record_ratio: bench/hygiene.py, run as its own process on
  its own database (the street's disinfection board over 60 days of rounds; recording a round
  through the API against the same kind of floor), its figures joined to this line;
- record_ratio: the lower of task_record_ratio and disinfection_record_ratio (the issue's "recording
  a disinfection round or a task done").

Each measure is a function returning a dict. The last line printed is one JSON object. Never part of the test suite; figures
go to docs/performance.md.
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

from campaign import _timed, build_population  # bench/ is on sys.path

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
    return {"task_records_per_s": round(rate, 1), "floor_per_s": round(floor, 1), "task_record_ratio": ratio,
            "record_ratio": ratio}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 persons, 300 care plans, 5,000 requests")
    args = parser.parse_args()
    persons, plans, requests = (10_000, 300, 5_000) if args.quick else (70_000, 2_000, 50_000)
    workdir = Path(tempfile.mkdtemp(prefix="shequ-bench-services-"))
    os.environ.pop("SHEQU_DATABASE_URL", None)
    os.environ.update({"SHEQU_DATA_DIR": str(workdir), "SHEQU_SECRET_KEY": secrets.token_urlsafe(40),
                       "DJANGO_SETTINGS_MODULE": "shequ.settings"})
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    try:
        call_command("migrate", verbosity=0)
        build_s, world = _timed(lambda: build_population(persons))
        care = stage_care(world, plans)
        staged = stage_requests(world, requests)
        print(f"built {world['persons']} persons in {build_s:.1f} s; {care['care_plans']} care plans, "
              f"{care['care_visits']} outcomes, {staged['help_requests']} help requests", file=sys.stderr)
        assignee = care.pop("assignee")
        figures: dict[str, Any] = {"persons": world["persons"], **care, **staged}
        figures |= tasks_today(world, assignee)
        figures |= requests_month(world)
        figures |= task_record(world, assignee, recordings=300 if args.quick else 2000)
        figures |= {"database": connection.vendor, "quick": args.quick}
        connection.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    figures |= disinfection(quick=args.quick)
    figures["record_ratio"] = min(figures["task_record_ratio"], figures.get("disinfection_record_ratio", 1.0))
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
