"""Reads of resident services: each takes the caller's Scope (an object outside it is a 404)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from shequ.core.rows import ChainReader
from shequ.core.scoping import Scope
from shequ.registry.models import Community
from shequ.services.models import CarePlan, CareTask, CareVisit, HelpRequest

DONE = [HelpRequest.Status.RESOLVED, HelpRequest.Status.CALLED_BACK, HelpRequest.Status.CLOSED]


# -- help requests ------------------------------------------------------------------------------------
def help_request_list(scope: Scope, *, status: str | None = None, open_only: bool = False) -> QuerySet[HelpRequest]:
    qs = scope.filter(HelpRequest.objects.select_related("household__room__unit__building__compound", "handler",
                                                         "grid"))
    if status:
        qs = qs.filter(status=status)
    if open_only:
        qs = qs.exclude(status__in=DONE)
    return qs


def help_request_get(scope: Scope, pk: int) -> HelpRequest:
    return get_object_or_404(help_request_list(scope), pk=pk)


def help_request_board(scope: Scope) -> list[HelpRequest]:
    """The requests not yet resolved, urgent and flagged first, each with its ``flag_list``."""
    now = timezone.now()
    rows = list(help_request_list(scope, open_only=True).order_by("-opened_at")[:300])
    for row in rows:
        row.flag_list = row.flags(now)  # type: ignore[attr-defined]
    rows.sort(key=lambda r: (r.urgency != HelpRequest.Urgency.URGENT, not r.flag_list, -r.opened_at.timestamp()))  # type: ignore[attr-defined]
    return rows


@dataclass
class LedgerRow:
    day: dt.date
    category: str
    grid: str
    opened: int = 0
    rendered: int = 0  # resolved (services rendered)


@dataclass
class Ledger:
    rows: list[LedgerRow] = field(default_factory=list)
    opened: int = 0
    rendered: int = 0
    by_category: Counter[str] = field(default_factory=Counter)
    by_grid: Counter[str] = field(default_factory=Counter)


def help_request_ledger(scope: Scope, *, start: dt.date, end: dt.date, community_id: int | None = None) -> Ledger:
    """台账: requests opened from ``start`` to ``end`` (local days, inclusive) by day, category and
    grid, each with how many were resolved (the services rendered). One grouped query."""
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    qs = scope.filter(HelpRequest.objects.filter(opened_at__gte=since, opened_at__lt=until))
    if community_id is not None:
        qs = qs.filter(community_id=community_id)
    grouped = (qs.annotate(day=TruncDate("opened_at", tzinfo=tz)).values("day", "category", "grid__name")
               .annotate(opened=Count("id"), rendered=Count("id", filter=Q(status__in=DONE)))
               .order_by("day", "category", "grid__name"))
    ledger = Ledger()
    labels = dict(HelpRequest._meta.get_field("category").choices)  # type: ignore[arg-type]
    for g in grouped:
        row = LedgerRow(day=g["day"], category=str(labels.get(g["category"], g["category"])), grid=g["grid__name"] or "",
                        opened=g["opened"], rendered=g["rendered"])
        ledger.rows.append(row)
        ledger.opened += row.opened
        ledger.rendered += row.rendered
        ledger.by_category[row.category] += row.opened
        ledger.by_grid[row.grid] += row.opened
    return ledger


# -- care ------------------------------------------------------------------------------------------
def care_plan_list(scope: Scope) -> QuerySet[CarePlan]:
    return scope.filter(CarePlan.objects.select_related("person__household__room", "assignee", "grid"))


def care_plan_get(scope: Scope, pk: int) -> CarePlan:
    return get_object_or_404(care_plan_list(scope), pk=pk)


def care_visits(scope: Scope, plan: CarePlan) -> QuerySet[CareVisit]:
    return scope.filter(CareVisit.objects.filter(task__plan=plan).select_related("task", "by")).order_by("-due_on", "-id")


_TASK_ROW = ChainReader([(CareTask, None, None), (CarePlan, "plan_id", "plan"),
                         (Community, "community_id", "community")], "t0.id = %s")


def care_task_for_record(scope: Scope, pk: int) -> CareTask:
    """A task to record an outcome of (the today page and the API: a phone's queue), with its plan and the plan's
    community, in one prepared statement (core/rows.py), the scope checked on the row read; 404
    outside the scope (bench/services.py: the API's recording figure)."""
    task = _TASK_ROW.first([pk])
    if task is None or not scope.sees(CareTask, id=task.pk, community_id=task.community_id, plan_id=task.plan_id):
        raise Http404
    return task


@dataclass
class TodayTask:
    task: CareTask
    due_on: dt.date
    visit: CareVisit | None
    overdue: bool  # due on an earlier day and not done
    submission_key: str = ""  # the page's one-time key of this task's form

    @property
    def key(self) -> str:
        return f"{self.task.pk}:{self.due_on.isoformat()}"


def tasks_today(scope: Scope, user: Any, *, today: dt.date | None = None) -> list[TodayTask]:
    """The signed-in person's care tasks for today: each task of the plans assigned to them that is
    due today, or whose latest due day is past and not done (overdue). Two queries."""
    today = today or timezone.localdate()
    tasks = list(scope.filter(CareTask.objects.filter(plan__assignee_id=user.pk, plan__ended_at__isnull=True,
                                                      starts_on__lte=today))
                 .select_related("plan__person__household__room").order_by("plan__person__name", "id"))
    due = {t.pk: t.due_on_or_before(today) for t in tasks}
    days = {d for d in due.values() if d is not None}
    visits = {(v.task_id, v.due_on): v for v in CareVisit.objects.filter(task__in=tasks, due_on__in=days)} if days else {}
    out = []
    for task in tasks:
        day = due[task.pk]
        if day is None:
            continue
        visit = visits.get((task.pk, day))
        done = visit is not None and visit.outcome == CareVisit.Outcome.DONE
        if day == today or not done:
            out.append(TodayTask(task=task, due_on=day, visit=visit, overdue=day < today and visit is None))
    out.sort(key=lambda t: (not t.overdue, t.visit is not None, t.task.plan.person.name))
    return out


def refills_due(scope: Scope, *, within_days: int = 3, today: dt.date | None = None) -> list[CareTask]:
    """Refill tasks whose medicine runs out within ``within_days`` (or has run out): supplies turns
    them into urgent medicine orders."""
    today = today or timezone.localdate()
    return list(scope.filter(CareTask.objects.filter(kind=CareTask.Kind.REFILL, plan__ended_at__isnull=True,
                                                     runs_out_on__lte=today + dt.timedelta(days=within_days)))
                .select_related("plan__person__household__room").order_by("runs_out_on", "id"))


# -- the daily report's figures (reports.figures reads them) --------------------------------------------

def report_figures(community_ids: Sequence[int], *, since: dt.datetime, until: dt.datetime) -> dict[str, dict[int, int]]:
    """Help requests per community for the daily report: opened in [since, until], resolved in
    [since, until], and still open when the day began (opened before since, not resolved by then)."""
    def per(qs: QuerySet[Any]) -> dict[int, int]:
        return dict(qs.filter(community_id__in=community_ids).values_list("community_id").annotate(n=Count("id")))

    return {
        "help_opened": per(HelpRequest.objects.filter(opened_at__gte=since, opened_at__lte=until)),
        "help_resolved": per(HelpRequest.objects.filter(resolved_at__gte=since, resolved_at__lte=until)),
        "help_open_before": per(HelpRequest.objects.filter(opened_at__lt=since).filter(
            Q(resolved_at__isnull=True) | Q(resolved_at__gte=since))),
    }
