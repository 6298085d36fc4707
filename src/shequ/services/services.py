"""Writes of resident services: help requests through their life cycle, the sweep that flags late
requests and overdue care tasks, care plans and their tasks' outcomes. Keyword-only, each in one
transaction with its audit event; the pages, the API, supplies' inbox and ``shequ care-sweep``
call these."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.alerts.services import alert_raise
from shequ.audit.models import AuditEvent
from shequ.audit.services import audit_record
from shequ.core.bulkwrite import RowInserter
from shequ.core.text import clean_text, normalize
from shequ.registry.models import Community, Household, Person
from shequ.services import alert_kinds
from shequ.services.models import CarePlan, CareTask, CareVisit, Category, HelpRequest, HelpStep

CREATE, UPDATE = AuditEvent.Action.CREATE, AuditEvent.Action.UPDATE
Status = HelpRequest.Status


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def where(help_request: HelpRequest) -> str:
    if help_request.household_id is not None:
        return help_request.household.room.address  # type: ignore[union-attr]
    return help_request.location or help_request.contact or "?"


def _locked(help_request: HelpRequest) -> HelpRequest:
    # The row alone: FOR UPDATE cannot lock the nullable side of an outer join (the household).
    return HelpRequest.objects.select_for_update().get(pk=help_request.pk)


# -- help requests ----------------------------------------------------------------------------------
@transaction.atomic
def help_request_open(*, actor: Any, community: Community, text: str, category: str = Category.OTHER,
                      urgency: str = HelpRequest.Urgency.NORMAL, source: str = HelpRequest.Source.PHONE,
                      household: Household | None = None, location: str = "", contact: str = "",
                      distress: bool = False, client_id: uuid.UUID | None = None, page: bool = True,
                      request: Any = None) -> HelpRequest:
    """A help request, open. The same ``client_id`` again returns the first request and records
    nothing. An urgent one (a distress request always is) pages the staff on duty, unless the caller
    has alerted them already (``page=False``: supplies' inbox raises its own distress alert)."""
    if client_id is not None:
        earlier = HelpRequest.objects.filter(client_id=client_id).first()
        if earlier is not None:
            if earlier.community_id != community.pk:
                raise ValidationError({"client_id": _("This client id belongs to another request.")})
            return earlier
    if household is not None and household.community_id != community.pk:
        raise ValidationError({"household": _("This household is not in the community.")})
    if household is None and not normalize(location) and not normalize(contact):
        raise ValidationError({"location": _("Give the household's address or say where the person is.")})
    if not clean_text(text):
        raise ValidationError({"text": _("Say what is needed.")})
    if distress:
        urgency = HelpRequest.Urgency.URGENT
    grid_id = household.room.unit.building.grid_id if household is not None else None
    item = HelpRequest(community=community, household=household, grid_id=grid_id, location=normalize(location)[:200],
                       contact=normalize(contact)[:100], category=category, urgency=urgency, distress=distress,
                       source=source, text=clean_text(text)[:5000], opened_at=timezone.now(),
                       opened_by=_user(actor), client_id=client_id)
    item.full_clean(exclude=["community", "household", "grid", "handler", "opened_by", "called_back_by"],
                    validate_unique=False)
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError:
        if client_id is None:
            raise
        return HelpRequest.objects.get(client_id=client_id)  # the same call, a moment earlier
    audit_record(actor=actor, action=CREATE, community=community, obj=item,
                 summary=f"help request {item.category} {item.urgency} source={item.source}", request=request)
    if page and item.urgency == HelpRequest.Urgency.URGENT:
        alert_raise(community_id=community.pk, kind=alert_kinds.URGENT,
                    params={"where": where(item), "text": item.text[:200], "help_request": item.pk},
                    url=reverse("services:request", args=[item.pk]), grids=[grid_id] if grid_id else [])
    return item


@transaction.atomic
def help_request_assign(*, actor: Any, help_request: HelpRequest, handler: Any, request: Any = None) -> HelpRequest:
    """The person handling it (again: a new handler). Not once it is resolved."""
    item = _locked(help_request)
    if item.is_done:
        raise ValidationError(_("This request is %(status)s.") % {"status": item.get_status_display()})
    if handler is None or not handler.memberships.filter(community_id=item.community_id).exists():
        raise ValidationError({"handler": _("The handler must work in this community.")})
    if item.handler_id == handler.pk:
        return item
    item.handler, item.status = handler, Status.ASSIGNED
    item.assigned_at = item.assigned_at or timezone.now()
    item.save(update_fields=["handler", "status", "assigned_at"])
    audit_record(actor=actor, action=UPDATE, community=item.community, obj=item, summary=f"assigned to {handler.pk}",
                 request=request)
    return item


@transaction.atomic
def help_step_add(*, actor: Any, help_request: HelpRequest, text: str, request: Any = None) -> HelpStep:
    """One step taken (who and when are the actor and now). The first step of an unassigned request
    makes its author the handler."""
    item = _locked(help_request)
    if item.status == Status.CLOSED:
        raise ValidationError(_("This request is closed."))
    if not clean_text(text):
        raise ValidationError({"text": _("Say what was done.")})
    step = HelpStep.objects.create(community_id=item.community_id, help_request=item, at=timezone.now(),
                                   by=_user(actor), text=clean_text(text)[:2000])
    if item.handler_id is None and _user(actor) is not None:
        item.handler, item.status, item.assigned_at = actor, Status.ASSIGNED, step.at
        item.save(update_fields=["handler", "status", "assigned_at"])
    audit_record(actor=actor, action=CREATE, community=item.community, obj=step, summary=f"step of {item.pk}",
                 request=request)
    return step


@transaction.atomic
def help_request_resolve(*, actor: Any, help_request: HelpRequest, outcome: str, request: Any = None) -> HelpRequest:
    item = _locked(help_request)
    if item.is_done:
        return item
    if not clean_text(outcome):
        raise ValidationError({"outcome": _("Say what was done.")})
    item.status, item.resolved_at, item.outcome = Status.RESOLVED, timezone.now(), clean_text(outcome)[:2000]
    if item.handler_id is None and _user(actor) is not None:
        item.handler, item.assigned_at = actor, item.resolved_at
    item.save(update_fields=["status", "resolved_at", "outcome", "handler", "assigned_at"])
    audit_record(actor=actor, action=UPDATE, community=item.community, obj=item, summary="resolved", request=request)
    return item


@transaction.atomic
def help_request_call_back(*, actor: Any, help_request: HelpRequest, satisfaction: str, note: str = "",
                           request: Any = None) -> HelpRequest:
    """The call-back to the resident after it was resolved, with their satisfaction (or: not reached)."""
    item = _locked(help_request)
    if item.status in (Status.CALLED_BACK, Status.CLOSED) and item.called_back_at is not None:
        return item
    if item.status != Status.RESOLVED:
        raise ValidationError(_("Call back once the request is resolved."))
    if satisfaction not in HelpRequest.Satisfaction.values:
        raise ValidationError({"satisfaction": _("Choose how satisfied they are.")})
    item.status, item.called_back_at, item.called_back_by = Status.CALLED_BACK, timezone.now(), _user(actor)
    item.satisfaction, item.callback_note = satisfaction, clean_text(note)[:2000]
    item.save(update_fields=["status", "called_back_at", "called_back_by", "satisfaction", "callback_note"])
    audit_record(actor=actor, action=UPDATE, community=item.community, obj=item,
                 summary=f"called back {satisfaction}", request=request)
    return item


@transaction.atomic
def help_request_close(*, actor: Any, help_request: HelpRequest, request: Any = None) -> HelpRequest:
    """Closed once resolved. A distress request only after a call-back that reached the person."""
    item = _locked(help_request)
    if item.status == Status.CLOSED:
        return item
    if not item.is_done:
        raise ValidationError(_("Resolve the request before closing it."))
    if item.distress and (item.called_back_at is None or item.satisfaction == HelpRequest.Satisfaction.UNREACHED):
        raise ValidationError(_("A distress request is closed only after a call-back that reached the person."),
                              code="call_back_needed")
    item.status, item.closed_at = Status.CLOSED, timezone.now()
    item.save(update_fields=["status", "closed_at"])
    audit_record(actor=actor, action=UPDATE, community=item.community, obj=item, summary="closed", request=request)
    return item


def help_requests_flag(*, community_ids: list[int] | None = None) -> list[HelpRequest]:
    """Raise the "still waiting" alert, once per request, for each request with no handler for 30
    minutes or open past its category's deadline. Run by ``shequ care-sweep`` and by the request
    list page; running it again raises nothing new."""
    now = timezone.now()
    candidates = HelpRequest.objects.filter(status__in=[Status.OPEN, Status.ASSIGNED], flagged_at__isnull=True)
    if community_ids is not None:
        candidates = candidates.filter(community_id__in=community_ids)
    flagged = []
    for item in candidates.select_related("household__room").order_by("id"):
        if not item.flags(now):
            continue
        with transaction.atomic():
            updated = HelpRequest.objects.filter(pk=item.pk, flagged_at__isnull=True).update(flagged_at=now)
            if not updated:
                continue  # another sweep took it
            alert_raise(community_id=item.community_id, kind=alert_kinds.LATE,
                        params={"where": where(item), "text": item.text[:200], "help_request": item.pk},
                        url=reverse("services:request", args=[item.pk]), grids=[item.grid_id] if item.grid_id else [])
        flagged.append(item)
    return flagged


# -- care of special populations ---------------------------------------------------------------------
@transaction.atomic
def care_plan_create(*, actor: Any, person: Person, assignee: Any, tasks: list[dict[str, Any]], note: str = "",
                     request: Any = None) -> CarePlan:
    """A person's care plan with one assignee and its tasks (``{"kind", "every_days", "starts_on",
    "medicine", "dose", "runs_out_on"}``). A person has one plan: asking again for the same person
    changes the assignee (one-to-one) and adds no second plan."""
    from shequ.registry.models import PersonTag

    if not assignee.memberships.filter(community_id=person.community_id).exists():
        raise ValidationError({"assignee": _("The assignee must work in this community.")})
    tags = set(PersonTag.objects.filter(person=person).values_list("tag", flat=True))
    if not tags:
        raise ValidationError({"person": _("Tag the person in the registry first (a special population).")})
    household = person.household
    grid_id = household.room.unit.building.grid_id if household is not None else None
    plan = CarePlan.objects.select_for_update().filter(person=person).first()
    if plan is not None:
        if plan.assignee_id != assignee.pk or plan.ended_at is not None:
            plan.assignee, plan.ended_at = assignee, None
            plan.save(update_fields=["assignee", "ended_at"])
            audit_record(actor=actor, action=UPDATE, community=plan.community, obj=plan,
                         summary=f"assigned to {assignee.pk}", request=request)
        return plan
    plan = CarePlan.objects.create(community_id=person.community_id, person=person, grid_id=grid_id, assignee=assignee,
                                   note=normalize(note)[:200], lives_alone="elderly_alone" in tags,
                                   created_at=timezone.now())
    for spec in tasks:
        care_task_add(actor=actor, plan=plan, audit=False, **spec)
    audit_record(actor=actor, action=CREATE, community=plan.community, obj=plan,
                 summary=f"care plan person={person.pk} assignee={assignee.pk} tasks={len(tasks)}", request=request)
    return plan


def care_task_add(*, actor: Any, plan: CarePlan, kind: str, every_days: int, starts_on: dt.date, medicine: str = "",
                  dose: str = "", runs_out_on: dt.date | None = None, audit: bool = True,
                  request: Any = None) -> CareTask:
    task = CareTask(community_id=plan.community_id, plan=plan, kind=kind, every_days=every_days, starts_on=starts_on,
                    medicine=normalize(medicine)[:100], dose=normalize(dose)[:100], runs_out_on=runs_out_on)
    if kind == CareTask.Kind.REFILL and not task.medicine:
        raise ValidationError({"medicine": _("A refill names the medicine.")})
    task.full_clean(exclude=["community", "plan"])
    task.save()
    if audit:
        audit_record(actor=actor, action=CREATE, community=plan.community, obj=task, summary=f"care task {kind}",
                     request=request)
    return task


def care_visit_record(*, actor: Any, task: CareTask, due_on: dt.date, outcome: str, note: str = "",
                      client_id: uuid.UUID | None = None, request: Any = None) -> tuple[CareVisit, bool]:
    """The outcome of a task on its due day: (visit, created). One per task and day: the same
    ``client_id``, or a second outcome for the same day, returns the first and records nothing. A
    refill done moves the day the medicine runs out on by the task's interval, in the same
    transaction.

    The insert comes first and the unique constraints (client id; task and day) answer the repeat:
    the phone's queue sends most outcomes once, so the usual path reads nothing. It is one prepared
    statement (core/bulkwrite.py), atomic by itself outside a refill (bench/services.py). Outcomes
    are their own ledger (who, when, what; never changed), like follow-ups and passages: no audit
    event. The task's plan and community are expected read with it (selectors.care_task_for_record)."""
    if outcome not in CareVisit.Outcome.values:
        raise ValidationError({"outcome": _("Done or not reached.")})
    if not task.is_due(due_on) or due_on > timezone.localdate():
        raise ValidationError({"due_on": _("This task is not due on %(day)s.") % {"day": due_on.isoformat()}})
    visit = CareVisit(community_id=task.community_id, task=task, due_on=due_on, outcome=outcome,
                      note=clean_text(note)[:500], at=timezone.now(), by=_user(actor), client_id=client_id)
    refill_of = (task.runs_out_on if task.kind == CareTask.Kind.REFILL and outcome == CareVisit.Outcome.DONE
                 else None)
    try:
        if refill_of is None and not connection.in_atomic_block:
            _VISIT_INSERT.insert(visit)  # a repeat's statement fails and writes nothing
        else:
            with transaction.atomic():
                _VISIT_INSERT.insert(visit)
                if refill_of is not None:
                    task.runs_out_on = max(refill_of, due_on) + dt.timedelta(days=task.every_days)
                    task.save(update_fields=["runs_out_on"])
    except IntegrityError:
        earlier = CareVisit.objects.filter(client_id=client_id).first() if client_id is not None else None
        return earlier or CareVisit.objects.get(task=task, due_on=due_on), False
    return visit, True


_VISIT_INSERT = RowInserter(CareVisit)

MISSED_CALLS_TO_ESCALATE = 2
RUN_LIMIT = 60  # due days looked back for the last one done


def _missed_due_days(task: CareTask, today: dt.date, done: set[dt.date], limit: int) -> list[dt.date]:
    """The due days before today, newest first, back to the last one done (at most ``limit``)."""
    missed: list[dt.date] = []
    day = task.due_on_or_before(today - dt.timedelta(days=1))
    while day is not None and len(missed) < limit and day not in done:
        missed.append(day)
        previous = day - dt.timedelta(days=task.every_days)
        day = previous if previous >= task.starts_on else None
    return missed


def care_sweep(*, community_ids: list[int] | None = None, assignee_id: int | None = None) -> dict[str, int]:
    """What must not wait for someone to look: a care task due on an earlier day and not done is
    reported to the secretary (one alert per task and due day); two missed daily calls of an elderly
    person living alone open an urgent help request (once for that run of missed calls); late help
    requests are flagged. Run by ``shequ care-sweep`` (every few minutes from cron) for every
    community, and by the today page for the plans of the person who opens it (``assignee_id``);
    running it twice changes nothing."""
    today = timezone.localdate()
    tasks = (CareTask.objects.filter(plan__ended_at__isnull=True, starts_on__lt=today)
             .select_related("plan__person__household__room", "plan__community"))
    if community_ids is not None:
        tasks = tasks.filter(community_id__in=community_ids)
    if assignee_id is not None:
        tasks = tasks.filter(plan__assignee_id=assignee_id)
    counts = {"overdue": 0, "escalated": 0, "flagged": 0}
    tasks_list = list(tasks)
    done_days: dict[int, set[dt.date]] = {}
    for task_id, day in (CareVisit.objects.filter(task__in=tasks_list, outcome=CareVisit.Outcome.DONE,
                                                  due_on__gte=today - dt.timedelta(days=62))
                         .values_list("task_id", "due_on")):
        done_days.setdefault(task_id, set()).add(day)
    for task in tasks_list:
        done = done_days.get(task.pk, set())
        missed = _missed_due_days(task, today, done, RUN_LIMIT)
        if not missed:
            continue
        person = task.plan.person
        if task.overdue_alerted_on is None or task.overdue_alerted_on < missed[0]:
            with transaction.atomic():
                if CareTask.objects.filter(pk=task.pk).exclude(overdue_alerted_on__gte=missed[0]).update(
                        overdue_alerted_on=missed[0]):
                    alert_raise(community_id=task.community_id, kind=alert_kinds.CARE_OVERDUE,
                                params={"task": task.get_kind_display(), "who": person.name,
                                        "day": missed[0].isoformat(), "care_task": task.pk},
                                url=reverse("services:care_plan", args=[task.plan_id]))
                    counts["overdue"] += 1
        two_calls = (task.kind == CareTask.Kind.CALL and task.every_days == 1 and task.plan.lives_alone
                     and len(missed) >= MISSED_CALLS_TO_ESCALATE)
        # Once for a run of missed calls (back to the last call done): an escalation on a day of
        # this run means it was opened already.
        if two_calls and (task.escalated_on is None or task.escalated_on < missed[-1]):
            with transaction.atomic():
                if CareTask.objects.filter(pk=task.pk, escalated_on=task.escalated_on).update(escalated_on=missed[0]):
                    help_request_open(
                        actor=None, community=task.plan.community, household=person.household,
                        location="" if person.household else person.name, contact=person.name,
                        category=Category.OTHER, urgency=HelpRequest.Urgency.URGENT, source=HelpRequest.Source.CARE,
                        text=_("%(who)s (elderly, living alone) was not reached by the daily call on %(days)s.")
                        % {"who": person.name, "days": ", ".join(d.isoformat() for d in reversed(missed[:7]))})
                    counts["escalated"] += 1
    if assignee_id is None:
        counts["flagged"] = len(help_requests_flag(community_ids=community_ids))
    return counts
