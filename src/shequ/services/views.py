"""Resident services pages: help requests (the board, one request through its life cycle, the
ledger and its Excel), the resident's own requests, care plans and today's care tasks.

Every write goes through services.services (audited) with a one-time key (core.forms.submit_once);
every read goes through the user's Scope: anything outside it is a 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from shequ.accounts.models import Membership, User
from shequ.audit.exports import export_record
from shequ.core import excel
from shequ.core.address import parse_address
from shequ.core.forms import submit_once
from shequ.core.http import ScopedRequest
from shequ.core.privacy import personal_data
from shequ.core.scoping import Role, require
from shequ.core.submission import new_key
from shequ.registry import selectors as registry
from shequ.registry.models import Community, Household, Person
from shequ.services import selectors, services
from shequ.services.forms import (
    AssignForm,
    CallbackForm,
    CarePlanForm,
    LedgerForm,
    OwnRequestForm,
    RequestForm,
    ResolveForm,
    StepForm,
    VisitForm,
)
from shequ.services.models import CareTask, HelpRequest

HANDLER_ROLES = (Role.SECRETARY, Role.STAFF, Role.GRID_WORKER)
ASSIGNEE_ROLES = (Role.SECRETARY, Role.STAFF, Role.GRID_WORKER, Role.VOLUNTEER)


def _check(request: ScopedRequest, capability: str, community_id: int) -> None:
    if not request.scope.can(capability, community_id):
        raise PermissionDenied


def _communities(request: ScopedRequest, capability: str) -> list[tuple[int, str]]:
    ids = request.scope.communities_where(capability)
    return [(c.pk, c.name) for c in Community.objects.filter(id__in=sorted(ids)).order_by("code")]


def _people(community_id: int, roles: tuple[str, ...]) -> list[tuple[int, str]]:
    rows = (Membership.objects.filter(community_id=community_id, role__in=roles, user__is_active=True)
            .select_related("user").order_by("user__username"))
    seen: dict[int, str] = {}
    for m in rows:
        seen.setdefault(m.user_id, f"{m.user.get_full_name() or m.user.username} ({m.get_role_display()})")
    return list(seen.items())


def find_household(request: ScopedRequest, community_id: int, address: str) -> Household:
    """The active household at a typed address, in the community and in the reader's scope."""
    parsed = parse_address(address)
    found: list[Household] = []
    if parsed is not None:
        qs = Household.objects.filter(community_id=community_id, status=Household.Status.ACTIVE,
                                      room__number=parsed.room, room__unit__building__number=parsed.building)
        if parsed.unit:
            qs = qs.filter(room__unit__number=parsed.unit)
        if parsed.compound:
            qs = qs.filter(room__unit__building__compound__name__contains=parsed.compound)
        found = list(qs.order_by("id")[:2])
    if not found:
        raise ValidationError({"address": _("No household lives at %(address)s.") % {"address": address}})
    if len(found) > 1:
        raise ValidationError({"address": _("%(address)s is ambiguous: name the compound (富通小区9-2-502).")
                               % {"address": address}})
    return registry.household_get(request.scope, found[0].pk)


# -- help requests ------------------------------------------------------------------------------------
@personal_data
@require("services.requests")
def requests(request: ScopedRequest) -> HttpResponse:
    """The requests not yet resolved (urgent and flagged first) and the form to take a new one."""
    communities = _communities(request, "services.requests")
    form = RequestForm(request.POST or None, communities=communities)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        community_id = data.get("community") or (communities[0][0] if communities else None)
        if community_id is None:
            raise PermissionDenied
        _check(request, "services.requests", community_id)
        community = Community.objects.get(pk=community_id)

        def take() -> str:
            household = find_household(request, community.pk, data["address"]) if data["address"].strip() else None
            item = services.help_request_open(
                actor=request.user, community=community, household=household, location=data["location"],
                contact=data["contact"], category=data["category"], urgency=data["urgency"], source=data["source"],
                text=data["text"], request=request)
            return reverse("services:request", args=[item.pk])

        url = submit_once(request, take, form=form)
        if url is not None:
            messages.success(request, _("The help request is open."))
            return redirect(url)
    if request.method == "GET":
        services.help_requests_flag(community_ids=sorted(request.scope.communities_where("services.requests")))
    rows = selectors.help_request_board(request.scope)
    return render(request, "services/requests.html", {"form": form, "rows": rows})


@personal_data
@require("services.requests")
def help_request(request: ScopedRequest, pk: int) -> HttpResponse:
    """One request: assign, record steps, resolve, call back, close (each a button of its own)."""
    item = selectors.help_request_get(request.scope, pk)
    _check(request, "services.requests", item.community_id)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    handlers = _people(item.community_id, HANDLER_ROLES)
    forms_: dict[str, Any] = {
        "assign": AssignForm(request.POST if action == "assign" else None, handlers=handlers,
                             initial={"handler": item.handler_id or request.user.pk}),
        "step": StepForm(request.POST if action == "step" else None),
        "resolve": ResolveForm(request.POST if action == "resolve" else None),
        "callback": CallbackForm(request.POST if action == "callback" else None),
    }
    if action == "close":
        def close() -> str:
            services.help_request_close(actor=request.user, help_request=item, request=request)
            return reverse("services:request", args=[item.pk])

        return redirect(submit_once(request, close) or reverse("services:request", args=[item.pk]))
    form = forms_.get(action)
    if form is not None and form.is_valid():
        data = form.cleaned_data

        def act() -> str:
            if action == "assign":
                handler = User.objects.filter(pk=data["handler"]).first()
                services.help_request_assign(actor=request.user, help_request=item, handler=handler, request=request)
            elif action == "step":
                services.help_step_add(actor=request.user, help_request=item, text=data["text"], request=request)
            elif action == "resolve":
                services.help_request_resolve(actor=request.user, help_request=item, outcome=data["outcome"],
                                              request=request)
            else:
                services.help_request_call_back(actor=request.user, help_request=item,
                                                satisfaction=data["satisfaction"], note=data["note"], request=request)
            return reverse("services:request", args=[item.pk])

        url = submit_once(request, act, form=form)
        if url is not None:
            return redirect(url)
    elif request.method == "POST" and form is None:
        raise Http404
    item.flag_list = item.flags(timezone.now())  # type: ignore[attr-defined]
    return render(request, "services/request.html", {"item": item, "steps": list(item.steps.select_related("by")),
                                                     "key": new_key(), **forms_})


def _ledger_range(request: ScopedRequest) -> tuple[LedgerForm, dt.date, dt.date]:
    form = LedgerForm(request.GET or None)
    today = timezone.localdate()
    start, end = today.replace(day=1), today
    if form.is_valid():
        start = form.cleaned_data["start"] or start
        end = form.cleaned_data["end"] or end
    if end < start:
        start, end = end, start
    end = min(end, start + dt.timedelta(days=366))
    return form, start, end


@personal_data
@require_GET
@require("services.ledger")
def ledger(request: ScopedRequest) -> HttpResponse:
    """台账 by day, category and grid, with the count of services rendered (requests resolved)."""
    form, start, end = _ledger_range(request)
    data = selectors.help_request_ledger(request.scope, start=start, end=end)
    return render(request, "services/ledger.html", {"form": form, "ledger": data, "start": start, "end": end,
                                                    # (a Counter in a template: a missing key is 0)
                                                    "categories": data.by_category.most_common(),
                                                    "grids": data.by_grid.most_common()})


@require_GET
@require("services.ledger")
def ledger_xlsx(request: ScopedRequest) -> HttpResponse:
    _form, start, end = _ledger_range(request)
    data = selectors.help_request_ledger(request.scope, start=start, end=end)
    rows = [[r.day.isoformat(), r.category, r.grid, r.opened, r.rendered] for r in data.rows]
    rows.append([_("total"), "", "", data.opened, data.rendered])
    content = excel.write_xlsx([_("day"), _("category"), _("grid"), _("requests"), _("services rendered")], rows,
                               title=_("help requests"))
    for community_id in sorted(request.scope.communities_where("services.ledger")):
        export_record(actor=request.user, community=Community.objects.get(pk=community_id), what="help request ledger",
                      count=len(rows) - 1, masking=None, query=f"{start.isoformat()}..{end.isoformat()}",
                      request=request)
    response = HttpResponse(content, content_type=excel.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="help-requests-{start.isoformat()}.xlsx"'
    return response


def _own_household(request: ScopedRequest) -> Household:
    households = sorted(request.scope.granted("household"))
    if not households:
        raise Http404
    return registry.household_get(request.scope, households[0])


@personal_data
@require("services.own")
def mine(request: ScopedRequest) -> HttpResponse:
    """A resident's own requests: ask for help, see what was done."""
    household = _own_household(request)
    form = OwnRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def ask() -> str:
            services.help_request_open(
                actor=request.user, community=household.community, household=household, category=data["category"],
                urgency=HelpRequest.Urgency.URGENT if data["urgent"] else HelpRequest.Urgency.NORMAL,
                source=HelpRequest.Source.RESIDENT, text=data["text"], request=request)
            return reverse("services:mine")

        url = submit_once(request, ask, form=form)
        if url is not None:
            messages.success(request, _("Your request is sent to the community."))
            return redirect(url)
    own = list(selectors.help_request_list(request.scope).filter(household=household)
               .prefetch_related("steps")[:50])
    return render(request, "services/mine.html", {"household": household, "form": form, "rows": own})


# -- care ----------------------------------------------------------------------------------------------
@personal_data
@require("services.care")
def care(request: ScopedRequest) -> HttpResponse:
    """Care plans of the community, and the tagged persons without one (to make theirs)."""
    plans = list(selectors.care_plan_list(request.scope).filter(ended_at__isnull=True)
                 .order_by("person__name")[:500])
    planned = {p.person_id for p in plans}
    tagged = [p for p in registry.special_population_list(request.scope)[:500] if p.pk not in planned][:200]
    return render(request, "services/care.html", {"plans": plans, "tagged": tagged})


@personal_data
@require("services.care")
def care_new(request: ScopedRequest, person_pk: int) -> HttpResponse:
    person: Person = registry.person_get(request.scope, person_pk)
    _check(request, "services.care", person.community_id)
    form = CarePlanForm(request.POST or None, assignees=_people(person.community_id, ASSIGNEE_ROLES),
                        initial={"person": person.pk})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        today = timezone.localdate()
        tasks: list[dict[str, Any]] = []
        if data["call_daily"]:
            tasks.append({"kind": CareTask.Kind.CALL, "every_days": 1, "starts_on": today})
        if data["visit_weekly"]:
            tasks.append({"kind": CareTask.Kind.VISIT, "every_days": 7, "starts_on": today})
        if data["medicine"].strip():
            every = data["every_days"] or 30
            runs_out = data["runs_out_on"]
            tasks.append({"kind": CareTask.Kind.REFILL, "every_days": every, "medicine": data["medicine"],
                          "dose": data["dose"], "runs_out_on": runs_out,
                          "starts_on": max(today, runs_out - dt.timedelta(days=3)) if runs_out else today})

        def make() -> str:
            assignee = User.objects.filter(pk=data["assignee"]).first()
            if assignee is None:
                raise ValidationError({"assignee": _("Choose the assignee.")})
            plan = services.care_plan_create(actor=request.user, person=person, assignee=assignee, tasks=tasks,
                                             note=data["note"], request=request)
            return reverse("services:care_plan", args=[plan.pk])

        url = submit_once(request, make, form=form)
        if url is not None:
            return redirect(url)
    return render(request, "services/care_new.html", {"person": person, "form": form})


@personal_data
@require("services.tasks")
def care_plan(request: ScopedRequest, pk: int) -> HttpResponse:
    plan = selectors.care_plan_get(request.scope, pk)
    tasks = list(plan.tasks.order_by("id"))
    visits = list(selectors.care_visits(request.scope, plan)[:60])
    return render(request, "services/care_plan.html", {"plan": plan, "tasks": tasks, "visits": visits})


@personal_data
@require("services.tasks")
def today(request: ScopedRequest) -> HttpResponse:
    """Today's care tasks of the signed-in person, on a phone: done or not reached, with a note. The
    buttons work offline (static/services/today.js queues them with their client ids)."""
    if request.method == "POST":
        form = VisitForm(request.POST)
        posted = request.POST.get("task", "")
        day = request.POST.get("due_on", "")
        if not posted.isdigit() or not form.is_valid():
            raise Http404
        task = selectors.care_task_for_record(request.scope, int(posted))
        try:
            due_on = dt.date.fromisoformat(day)
        except ValueError:
            raise Http404 from None

        def record() -> str:
            services.care_visit_record(actor=request.user, task=task, due_on=due_on,
                                       outcome=form.cleaned_data["outcome"], note=form.cleaned_data["note"],
                                       request=request)
            return reverse("services:today")

        url = submit_once(request, record, form=form)
        if url is None:
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, str(error))
        return redirect(reverse("services:today"))
    services.care_sweep(assignee_id=request.user.pk)  # the user's own plans: what is overdue is escalated now
    rows = selectors.tasks_today(request.scope, request.user)
    for row in rows:
        row.submission_key = new_key()
    return render(request, "services/today.html", {"rows": rows, "today": timezone.localdate()})

