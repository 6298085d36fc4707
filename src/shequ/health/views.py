"""Health pages: the register, a person's health card (history, the proposal of a positive re-test,
orders), an order and its changes, today's follow-ups of a grid worker (made for a phone), a
household's visit, and the resident's own page with the self-report.

Every write goes through health.services; every read through the Scope (health.selectors), so a
person or order of another grid or community is a 404. Lists of health data are audited when
shown (an ``export`` event: the list, the count, "shown on the page").
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from shequ.audit.exports import export_record
from shequ.core.forms import submit_once
from shequ.core.http import ScopedRequest
from shequ.core.privacy import personal_data
from shequ.core.scoping import require
from shequ.core.uploads import upload_refused_message
from shequ.health import selectors, services
from shequ.health.forms import (
    ChecklistForm,
    ConfirmForm,
    ControlChecklistForm,
    EndForm,
    EntryForm,
    FacilityForm,
    HealthListConfirmForm,
    HealthListForm,
    OrderForm,
    PolicyForm,
    RestartForm,
    RuleForm,
    SealForm,
    SelfReportForm,
    SetEndForm,
    TransferRequestForm,
    TransferStepForm,
    VisitForm,
)
from shequ.health.imports import HealthListResult, RosterFileError, import_health_list
from shequ.health.models import RISK_STATUSES, QuarantineOrder, QuarantinePolicy, Status
from shequ.registry.models import Community

VIEW, MANAGE, FOLLOWUP, OWN = "health.view", "health.manage", "health.followup", "health.own"
PAGE_SIZE = 50


def _check(request: ScopedRequest, capability: str, community_id: int) -> None:
    if not request.scope.can(capability, community_id):
        raise PermissionDenied


def _audit_list(request: ScopedRequest, what: str, rows: list[Any], query: str = "") -> None:
    """A list of health data shown on a page is recorded as an export of it, per community."""
    if request.method != "GET":
        return
    by_community: dict[int, int] = {}
    for row in rows:
        by_community[row.community_id] = by_community.get(row.community_id, 0) + 1
    for community in Community.objects.filter(pk__in=list(by_community)):
        export_record(actor=request.user, community=community, what=what, count=by_community[community.pk],
                      masking=None, detail="shown on the page", query=query or None, request=request)


# -- the register -------------------------------------------------------------------------------------


@personal_data
@require(VIEW)
def index(request: ScopedRequest) -> HttpResponse:
    """The current health statuses the user may see, by status; orders in force; risk places."""
    status = request.GET.get("status", "")
    if status not in Status.values:
        status = ""
    rows = selectors.register_list(request.scope, status=status or None)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    _audit_list(request, "health register", list(page.object_list), query=f"status={status}" if status else "")
    return render(request, "health/index.html", {
        "page": page, "status": status, "statuses": Status.choices,
        "orders": selectors.order_list(request.scope).count(),
    })


def _policy(value: str, community: Community) -> QuarantinePolicy:
    kind, _sep, key = value.partition(":")
    if kind == "preset":
        return services.policy_for_preset(community=community, name=key)
    found = QuarantinePolicy.objects.filter(community=community, pk=int(key) if key.isdigit() else 0).first()
    if found is None:
        raise ValidationError({"policy": _("Choose a policy.")})
    return found


@personal_data
@require(VIEW)
def person(request: ScopedRequest, pk: int) -> HttpResponse:
    """A person's health card: the current status and its history, a positive re-test to confirm,
    orders; staff add a status and order home quarantine here (for the household in one tap)."""
    scope = request.scope
    subject = selectors.health_person_get(scope, pk)
    _check(request, VIEW, subject.community_id)
    back = reverse("health:person", args=[subject.pk])
    may_manage = scope.can(MANAGE, subject.community_id)
    action = request.POST.get("action") if request.method == "POST" else None
    entry_form = EntryForm(request.POST if action == "entry" else None, auto_id="entry_%s")
    order_form = OrderForm(request.POST if action == "order" else None, auto_id="order_%s",
                           policies=selectors.policy_choices(scope, subject.community_id))
    confirm_form = ConfirmForm(request.POST if action == "confirm" else None, auto_id="confirm_%s")
    others = list(subject.household.persons.filter(status="active").exclude(pk=subject.pk).order_by("id"))
    transfer_form = TransferRequestForm(request.POST if action == "transfer" else None, auto_id="transfer_%s",
                                        others=others)
    seal_form = SealForm(request.POST if action == "seal" else None, auto_id="seal_%s")
    may_seal = may_manage and scope.can("containment.manage", subject.community_id)
    if (action is not None and not may_manage) or (action == "seal" and not may_seal):
        raise PermissionDenied
    if action == "seal" and seal_form.is_valid():
        data = seal_form.cleaned_data

        def seal() -> str:
            services.case_seal(actor=request.user, person=subject, place=data["place"], reason=data["reason"],
                               request=request)
            return back

        if submit_once(request, seal, form=seal_form) is not None:
            messages.success(request, _("Sealed: the gates keep everyone there inside from now."))
            return redirect(back)
    elif action == "entry" and entry_form.is_valid():
        data = entry_form.cleaned_data

        def record() -> str:
            services.entry_record(actor=request.user, person=subject, status=data["status"], source=data["source"],
                                  last_exposure_on=data["last_exposure_on"], onset_on=data["onset_on"],
                                  note=data["note"], request=request)
            return back

        if submit_once(request, record, form=entry_form) is not None:
            messages.success(request, _("The health status is recorded."))
            return redirect(back)
    elif action == "confirm" and confirm_form.is_valid():
        retest = selectors.retest_get(scope, subject, confirm_form.cleaned_data["retest"])

        def confirm() -> str:
            services.retest_confirm(actor=request.user, retest=retest, request=request)
            return back

        if submit_once(request, confirm, form=confirm_form) is not None:
            messages.success(request, _("Confirmed: the person is registered as a confirmed case."))
            return redirect(back)
    elif action == "order" and order_form.is_valid():
        data = order_form.cleaned_data

        def order() -> str:
            policy = _policy(data["policy"], subject.community)
            if data["household"]:
                outcome = services.orders_for_household(
                    actor=request.user, household=subject.household, policy=policy,
                    last_exposure_on=data["last_exposure_on"], reason=data["reason"], request=request)
                messages.success(request, _("Ordered for %(n)s members; %(m)s already under an order.") % {
                    "n": len(outcome.ordered), "m": len(outcome.already)})
            else:
                services.order_create(actor=request.user, person=subject, policy=policy,
                                      last_exposure_on=data["last_exposure_on"], reason=data["reason"],
                                      request=request)
                messages.success(request, _("The order is made: the gates keep this person at home."))
            return back

        if submit_once(request, order, form=order_form) is not None:
            return redirect(back)
    elif action == "transfer" and transfer_form.is_valid():
        url = submit_once(request, lambda: transfer_request_run(request, subject, transfer_form), form=transfer_form)
        if url is not None:
            messages.success(request, _("The transfer is requested."))
            return redirect(url)
    entries = selectors.person_entries(scope, subject)
    current = next((e for e in entries if e.current), None)
    return render(request, "health/person.html", {
        "seal_form": seal_form, "may_seal": may_seal and current is not None and current.status in RISK_STATUSES,
        "person": subject, "entries": entries, "current": current,
        "proposals": selectors.retest_proposals(scope, subject), "orders": selectors.person_orders(scope, subject),
        "entry_form": entry_form, "order_form": order_form, "may_manage": may_manage,
        "transfer_form": transfer_form, "transfers": list(selectors.transfer_list(scope).filter(person=subject)),
    })


# -- orders ------------------------------------------------------------------------------------------


@personal_data
@require(VIEW)
def orders(request: ScopedRequest) -> HttpResponse:
    rows = selectors.order_list(request.scope)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    _audit_list(request, "quarantine orders", list(page.object_list))
    return render(request, "health/orders.html", {"page": page, "now": timezone.now()})


@personal_data
@require(VIEW)
def order(request: ScopedRequest, pk: int) -> HttpResponse:
    """One order: its period, policy, test days, restrictions, changes and follow-ups; staff restart it
    from a new exposure, give it a new end or end it, each with a reason."""
    found = selectors.order_get(request.scope, pk)
    _check(request, VIEW, found.community_id)
    back = reverse("health:order", args=[found.pk])
    action = request.POST.get("action") if request.method == "POST" else None
    if action is not None:
        _check(request, MANAGE, found.community_id)
    restart = RestartForm(request.POST if action == "restart" else None, auto_id="restart_%s")
    set_end = SetEndForm(request.POST if action == "set_end" else None, auto_id="set_end_%s")
    end = EndForm(request.POST if action == "end" else None, auto_id="end_%s")
    forms_by_action = {"restart": restart, "set_end": set_end, "end": end}
    if action in forms_by_action and forms_by_action[action].is_valid():
        data = forms_by_action[action].cleaned_data

        def change() -> str:
            if action == "restart":
                services.order_restart(actor=request.user, order=found, last_exposure_on=data["last_exposure_on"],
                                       reason=data["reason"], request=request)
            elif action == "set_end":
                services.order_set_end(actor=request.user, order=found, ends_at=data["ends_at"],
                                       reason=data["reason"], request=request)
            else:
                services.order_end(actor=request.user, order=found, reason=data["reason"], request=request)
            return back

        if submit_once(request, change, form=forms_by_action[action]) is not None:
            messages.success(request, _("The order is changed; the gates follow it from now."))
            return redirect(back)
        found.refresh_from_db()
    followups = list(selectors.followup_list(request.scope).filter(order=found).order_by("due_at"))
    return render(request, "health/order.html", {
        "order": found, "changes": selectors.order_changes(request.scope, found), "followups": followups,
        "restart": restart, "set_end": set_end, "end": end,
        "may_manage": request.scope.can(MANAGE, found.community_id),
        "live": found.state == QuarantineOrder.State.ACTIVE,
    })


# -- follow-ups ----------------------------------------------------------------------------------------


@personal_data
@require(FOLLOWUP)
def followups(request: ScopedRequest) -> HttpResponse:
    """Today's follow-ups: households in walking order (building, unit, floor), made for a phone;
    a grid worker's list is their grid's. The overdue buckets on top."""
    now = timezone.now()
    households = selectors.due_today(request.scope, at=now)
    buckets = selectors.overdue_buckets(request.scope, at=now)
    _audit_list(request, "follow-ups due", [h.household for h in households])
    return render(request, "health/followups.html", {
        "households": households, "buckets": [(name, len(ids)) for name, ids in buckets.items()],
        "today": timezone.localdate(now),
        # The phone page's script comes back here after the API recorded a visit.
        "saved": "alerted" if request.GET.get("alerted") else "saved" if request.GET.get("saved") else "",
    })


@personal_data
@require(FOLLOWUP)
def household_visit(request: ScopedRequest, pk: int) -> HttpResponse:
    """One visit records every member: outcome, temperature, symptoms. The page's script sends it
    through the API and queues it offline (static/health/followup.js); without it the form posts here."""
    now = timezone.now()
    due = [h for h in selectors.due_today(request.scope, at=now) if h.household.pk == pk]
    if not due:
        household = selectors.visit_household_get(request.scope, pk)  # a 404 outside the scope
        _check(request, FOLLOWUP, household.community_id)
        return render(request, "health/visit.html", {"household": household, "form": None, "done": []})
    entry = due[0]
    _check(request, FOLLOWUP, entry.household.community_id)
    slots = entry.visit
    form = VisitForm(request.POST or None, slots=slots)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        records = [services.FollowUpIn(followup_id=f.pk, outcome=data[f"outcome_{f.pk}"],
                                       temperature=data[f"temperature_{f.pk}"], symptoms=data[f"symptoms_{f.pk}"],
                                       client_id=data[f"client_id_{f.pk}"]) for f in slots]

        def visit() -> str:
            done = services.household_visit_record(actor=request.user, household=entry.household, records=records,
                                                   request=request)
            if any(r.alerts for r in done):
                messages.warning(request, _("The office is alerted (fever, symptoms or missed follow-ups)."))
            return reverse("health:followups")

        url = submit_once(request, visit, form=form)
        if url is not None:
            messages.success(request, _("The visit is recorded."))
            return redirect(url)
    return render(request, "health/visit.html", {
        "household": entry.household, "form": form, "done": entry.done,
        "api": reverse("api:health_followups_record"),
    })


# -- the resident's own ---------------------------------------------------------------------------------


@personal_data
@require(OWN)
def mine(request: ScopedRequest) -> HttpResponse:
    """A resident's own household's orders and follow-ups; the self-report of the slot due."""
    now = timezone.now()
    due = selectors.own_due(request.scope, at=now)
    form = SelfReportForm(request.POST or None)
    if request.method == "POST":
        person_id = request.POST.get("person", "")
        slot = next((f for f in due if str(f.person_id) == person_id), None) if len(due) > 1 else (due[0] if due else None)
        if slot is None:
            messages.error(request, _("Nothing is due to report now."))
            return redirect(reverse("health:mine"))
        if form.is_valid():
            data = form.cleaned_data

            def report() -> str:
                services.followup_record(actor=request.user, followup=slot, outcome="seen",
                                         temperature=data["temperature"], symptoms=data["symptoms"],
                                         self_reported=True, request=request)
                return reverse("health:mine")

            if submit_once(request, report, form=form) is not None:
                messages.success(request, _("Thank you: your report is recorded."))
                return redirect(reverse("health:mine"))
    return render(request, "health/mine.html", {
        "orders": selectors.own_orders(request.scope), "due": due, "form": form,
    })



# -- transfers and facilities ----------------------------------------------------------------------


def transfer_request_run(request: ScopedRequest, subject: Any, form: Any) -> str:
    """The person card's transfer request (with the household members ticked)."""
    data = form.cleaned_data
    others = {str(p.pk): p for p in subject.household.persons.filter(status="active").exclude(pk=subject.pk)}
    persons = [subject, *(others[i] for i in data["together"] if i in others)]
    made = services.transfer_request(actor=request.user, persons=persons, destination=data["destination"],
                                     reason=data["reason"], request=request)
    return reverse("health:transfer", args=[made[0].pk])


@personal_data
@require(VIEW)
def transfer(request: ScopedRequest, pk: int) -> HttpResponse:
    """A transfer, made for a phone: its steps with who and when, the next step, the home checklist."""
    scope = request.scope
    found = selectors.transfer_get(scope, pk)
    _check(request, VIEW, found.community_id)
    back = reverse("health:transfer", args=[found.pk])
    checklist = selectors.transfer_checklist(scope, found)
    group = selectors.transfer_group(scope, found)
    going = {t.person_id for t in group}
    staying = list(found.household.persons.filter(status="active").exclude(pk__in=going).order_by("id"))
    facilities = [(str(f["facility"].pk), f"{f['facility'].name} ({f['free']})") for f in selectors.facility_list(scope)]
    action = request.POST.get("action") if request.method == "POST" else None
    if action is not None:
        _check(request, MANAGE, found.community_id)
    step_to = request.POST.get("to", "") if action == "step" else ""
    steps = {to: TransferStepForm(request.POST if step_to == to else None, step=to, facilities=facilities,
                                  auto_id=f"{to}_%s") for to in found.next_states}
    checklist_form = ChecklistForm(request.POST if action == "checklist" else None, staying=staying,
                                   auto_id="checklist_%s", initial={"pets": checklist.pets, "keys": checklist.keys})
    if action == "step" and step_to in steps and steps[step_to].is_valid():
        data = steps[step_to].cleaned_data

        def advance() -> str:
            facility = selectors.facility_get(scope, int(data["facility"])) if data.get("facility") else None
            monitoring = (services.policy_for_preset(community=found.community, name="monitoring 7")
                          if data.get("then_monitoring") else None)
            services.transfer_advance(actor=request.user, transfer=found, to=step_to, note=data["note"],
                                      vehicle=data.get("vehicle", ""), driver=data.get("driver", ""),
                                      driver_phone=data.get("driver_phone", ""), facility=facility,
                                      room=data.get("room", ""), then_monitoring=monitoring, request=request)
            return back

        if submit_once(request, advance, form=steps[step_to]) is not None:
            messages.success(request, _("The transfer is updated."))
            return redirect(back)
    elif action == "checklist" and checklist_form.is_valid():
        data = checklist_form.cleaned_data
        by_id = {str(p.pk): p for p in staying}

        def answer() -> str:
            services.checklist_record(actor=request.user, checklist=checklist,
                                      left=[(by_id[i], data["care"]) for i in data["left"] if i in by_id],
                                      pets=data["pets"], keys=data["keys"], disinfected=data["disinfected"],
                                      request=request)
            return back

        if submit_once(request, answer, form=checklist_form) is not None:
            messages.success(request, _("The home checklist is recorded."))
            return redirect(back)
    return render(request, "health/transfer.html", {
        "transfer": found, "steps": selectors.transfer_steps(scope, found), "group": group, "checklist": checklist,
        "step_forms": steps, "checklist_form": checklist_form,
        "may_manage": scope.can(MANAGE, found.community_id),
    })


@personal_data
@require(VIEW)
def facilities(request: ScopedRequest) -> HttpResponse:
    """The facility register: rooms, capacity, occupancy; staff add one."""
    scope = request.scope
    form = FacilityForm(request.POST or None)
    communities = sorted(scope.communities_where(MANAGE))
    if request.method == "POST":
        if not communities:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            community = Community.objects.get(pk=communities[0])

            def save() -> str:
                services.facility_set(actor=request.user, community=community, name=data["name"], kind=data["kind"],
                                      capacity=data["capacity"], address=data["address"], request=request)
                return reverse("health:facilities")

            if submit_once(request, save, form=form) is not None:
                messages.success(request, _("The facility is saved."))
                return redirect(reverse("health:facilities"))
    return render(request, "health/facilities.html", {
        "rows": selectors.facility_list(scope), "form": form, "may_manage": bool(communities),
        "transfers": list(selectors.transfer_list(scope, live_only=True)[:100]),
    })


@personal_data
@require("health.epidemic_free")
def epidemic_free(request: ScopedRequest) -> HttpResponse:
    """Every compound's epidemic-free status and since when, printable as the published lists were.
    For the community's office and the street office; counts, never persons."""
    rows = selectors.epidemic_free_list(request.scope, at=timezone.now())
    free = sum(1 for r in rows if r["verdict"].free)
    return render(request, "health/epidemic_free.html", {
        "rows": rows, "free": free, "total": len(rows),
        "share": round(100 * free / len(rows), 1) if rows else 0,
    })


# -- the health list's upload page -------------------------------------------------------------------

LIST_SESSION_KEY = "health_list_checked"


def _run_list(request: ScopedRequest, *, community: Community, data: bytes, filename: str, kind: str,
              dry_run: bool) -> HealthListResult:
    """The same import as ``shequ import-health-list`` (health.imports), with the page's user."""
    return import_health_list(community=community, path_or_file=data, filename=filename, kind=kind,
                              actor=request.user, dry_run=dry_run, today=timezone.localdate(), request=request)


@personal_data
@require(MANAGE)
def health_list(request: ScopedRequest) -> HttpResponse:
    """Staff upload the street's or the CDC's list: checked first (nothing stored: matched,
    unmatched with the candidates counted, rejected with row, column and reason, as the command
    reports them), then recorded with one tap. Importing the same list again records nothing new."""
    scope = request.scope
    communities = list(Community.objects.filter(pk__in=scope.communities_where(MANAGE)).order_by("code"))
    if not communities:
        raise PermissionDenied
    by_pk = {str(c.pk): c for c in communities}
    action = request.POST.get("action", "upload") if request.method == "POST" else None
    form = HealthListForm(request.POST if action == "upload" else None, request.FILES if action == "upload" else None,
                          communities=communities)
    confirm = HealthListConfirmForm(request.POST if action == "confirm" else None)
    result: HealthListResult | None = None
    checked: dict[str, Any] | None = None
    refused = upload_refused_message(request) if action == "upload" else None
    if refused:
        form.is_valid()
        form.errors.pop("file", None)
        form.add_error("file", refused)
    elif action == "upload" and form.is_valid():
        upload = form.cleaned_data["file"]
        community = by_pk[form.cleaned_data["community"]]
        data = upload.read()
        try:
            result = _run_list(request, community=community, data=data, filename=upload.name,
                               kind=form.cleaned_data["kind"], dry_run=form.cleaned_data["dry_run"])
        except RosterFileError as exc:
            form.add_error("file", _("The file cannot be read: %(reason)s") % {"reason": exc})
        else:
            if result.dry_run:
                checked = {"token": hashlib.sha256(data).hexdigest(), "community": community.pk,
                           "kind": form.cleaned_data["kind"], "filename": upload.name,
                           "data": base64.b64encode(data).decode()}
                request.session[LIST_SESSION_KEY] = checked
            else:
                request.session.pop(LIST_SESSION_KEY, None)
    elif action == "confirm" and confirm.is_valid():
        kept = request.session.get(LIST_SESSION_KEY) or {}
        target = by_pk.get(str(kept.get("community", "")))
        if kept.get("token") != confirm.cleaned_data["token"] or target is None:
            messages.error(request, _("The checked list is no longer here: upload it again."))
        else:
            try:
                result = _run_list(request, community=target, data=base64.b64decode(kept["data"]),
                                   filename=kept["filename"], kind=kept["kind"], dry_run=False)
            except RosterFileError as exc:  # pragma: no cover - it was read a moment ago
                messages.error(request, str(exc))
            else:
                request.session.pop(LIST_SESSION_KEY, None)
    unmatched = [{**row, **(result.unmatched_cells.get(row["row"], {}))} for row in result.unmatched] \
        if result is not None else []
    return render(request, "health/list.html", {
        "form": form, "result": result, "unmatched": unmatched, "checked": checked,
        "confirm": HealthListConfirmForm(initial={"token": checked["token"]}) if checked else None,
    })


# -- the order letter and the door notice (PDF) -------------------------------------------------------


def _pdf(request: ScopedRequest, order: QuarantineOrder, what: str, content: bytes, count: int,
         filename: str) -> HttpResponse:
    export_record(actor=request.user, community=order.community, what=what, count=count, masking=None,
                  obj=order, request=request)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@personal_data
@require(MANAGE)
def order_letter(request: ScopedRequest, pk: int) -> HttpResponse:
    """The order letter (PDF, in Chinese): the person's, or with ?household=1 one page naming every
    member of the household under an order in force. The ID number is masked."""
    from shequ.health.letters import order_letter_pdf

    found = selectors.order_get(request.scope, pk)
    _check(request, MANAGE, found.community_id)
    household = request.GET.get("household") == "1"
    orders = (selectors.household_orders(request.scope, found.person.household) if household else []) or [found]
    content = order_letter_pdf(orders, household=household)
    return _pdf(request, found, "order letter pdf", content, len(orders), f"order-{found.pk}.pdf")


@require_GET
@personal_data
@require(MANAGE)
def door_notice(request: ScopedRequest, pk: int) -> HttpResponse:
    """The door notice (PDF): the household's address, what the order is and until when, the names
    masked; no ID number, no phone (it is posted on the door)."""
    from shequ.health.letters import door_notice_pdf

    found = selectors.order_get(request.scope, pk)
    _check(request, MANAGE, found.community_id)
    orders = selectors.household_orders(request.scope, found.person.household) or [found]
    content = door_notice_pdf(orders)
    return _pdf(request, found, "door notice pdf", content, len(orders), f"door-notice-{found.pk}.pdf")


# -- settings: quarantine policies, the epidemic-free rule, the control checklists ---------------------


@require(MANAGE)
def health_settings(request: ScopedRequest) -> HttpResponse:
    """A community's quarantine policies (new or changed; the presets are listed until first used),
    its epidemic-free rule and each compound's six control items (防控全到位), all through services."""
    from shequ.health.models import CONTROL_ITEMS
    from shequ.health.periods import PRESETS

    scope = request.scope
    communities = list(Community.objects.filter(pk__in=scope.communities_where(MANAGE)).order_by("code"))
    if not communities:
        raise PermissionDenied
    wanted = request.POST.get("community") or request.GET.get("community") or ""
    community = next((c for c in communities if str(c.pk) == wanted), None)
    if community is None:
        if request.method == "POST" and wanted:
            raise PermissionDenied  # a community the user does not manage
        community = communities[0]
    here = f"{reverse('health:settings')}?community={community.pk}"
    policies = selectors.community_policies(scope, community.pk)
    action = request.POST.get("action") if request.method == "POST" else None
    editing = next((p for p in policies if str(p.pk) == request.GET.get("edit", "")), None)
    preset = next((p for p in PRESETS if p[0] == request.GET.get("preset", "")), None)
    initial: dict[str, Any] = {}
    if editing is not None:
        initial = {"name": editing.name, "quarantine_days": editing.quarantine_days,
                   "monitoring_days": editing.monitoring_days, "test_days": editing.test_days,
                   "slots_per_day": editing.slots_per_day, "is_default": editing.is_default}
    elif preset is not None:
        initial = {"name": preset[0], "quarantine_days": preset[1], "monitoring_days": preset[2],
                   "test_days": preset[3]}
    policy_form = PolicyForm(request.POST if action == "policy" else None, auto_id="policy_%s", initial=initial)
    rule, compounds = selectors.community_settings(scope, community.pk)
    rule_form = RuleForm(request.POST if action == "rule" else None, auto_id="rule_%s",
                         initial={"days": rule.days, "checklist_required": rule.checklist_required} if rule else {})
    posted = request.POST.get("compound", "") if action == "checklist" else ""
    checklist_forms = []
    for compound, ticked in compounds:
        values = {"compound": compound.pk, **({n: getattr(ticked, n) for n, _l in CONTROL_ITEMS} if ticked else {})}
        bound = request.POST if posted == str(compound.pk) else None
        checklist_forms.append((compound, ticked, ControlChecklistForm(bound, initial=values,
                                                                      auto_id=f"checklist{compound.pk}_%s")))
    by_compound = {str(c.pk): c for c, _t in compounds}
    done = None
    if action == "policy" and policy_form.is_valid():
        data = policy_form.cleaned_data

        def save_policy() -> str:
            services.policy_set(actor=request.user, community=community, name=data["name"],
                                quarantine_days=data["quarantine_days"], monitoring_days=data["monitoring_days"],
                                test_days=data["test_days"], slots_per_day=data["slots_per_day"],
                                is_default=data["is_default"], request=request)
            return here

        done = submit_once(request, save_policy, form=policy_form)
    elif action == "rule" and rule_form.is_valid():
        data = rule_form.cleaned_data

        def save_rule() -> str:
            services.epidemic_free_rule_set(actor=request.user, community=community, days=data["days"],
                                            checklist_required=data["checklist_required"], request=request)
            return here

        done = submit_once(request, save_rule, form=rule_form)
    elif action == "checklist" and posted in by_compound:
        form = next(f for c, _t, f in checklist_forms if str(c.pk) == posted)
        if form.is_valid():
            data = form.cleaned_data

            def save_checklist() -> str:
                services.control_checklist_set(actor=request.user, compound=by_compound[posted],
                                               items={n: data[n] for n, _l in CONTROL_ITEMS}, request=request)
                return here

            done = submit_once(request, save_checklist, form=form)
    elif action == "checklist":
        raise PermissionDenied  # a compound of no community the user manages
    if done is not None:
        messages.success(request, _("Saved."))
        return redirect(done)
    used = {p.name for p in policies}
    return render(request, "health/settings.html", {
        "community": community, "communities": communities, "policies": policies, "editing": editing,
        "presets": [p for p in PRESETS if p[0] not in used], "policy_form": policy_form,
        "rule": rule, "rule_form": rule_form, "checklists": checklist_forms, "items": CONTROL_ITEMS,
    })


# -- cases and contacts on the floor plan ------------------------------------------------------------------

# The letter each status shows on the floor plan, beside its colour (never colour alone).
STATUS_MARKS = {Status.CONFIRMED: "C", Status.ASYMPTOMATIC: "A", Status.SUSPECTED: "S", Status.CLOSE_CONTACT: "1",
                Status.SECONDARY_CONTACT: "2", Status.RISK_ARRIVAL: "R", Status.FEVER: "F"}


@personal_data
@require(VIEW)
def floor_plan(request: ScopedRequest, pk: int) -> HttpResponse:
    """A building's floor plan (registry's selector draws it) with the cases and contacts marked, for
    the roles that may see health data. On a health page because registry may not import health
    (the layer contract): registry's own floor plan stays without health data."""
    from shequ.registry.selectors import building_floor_plan

    scope = request.scope
    building = selectors.floor_plan_building_get(scope, pk)
    _check(request, VIEW, building.community_id)
    plans = building_floor_plan(scope, building, with_tags=False)
    marks = selectors.building_health_marks(scope, building)
    entries = [e for room in marks.values() for e in room]
    _audit_list(request, "health floor plan", entries, query=f"building={building.pk}")
    present = {e.status for e in entries}
    legend = [(value, STATUS_MARKS[Status(value)], label) for value, label in Status.choices if value in present
              and value in STATUS_MARKS]
    rows = [(plan.unit, [(floor, [(cell, [(STATUS_MARKS.get(Status(e.status), "?"), e) for e in marks.get(
        cell.room.pk, [])]) for cell in cells]) for floor, cells in plan.floors]) for plan in plans]
    # Every marked room listed under the plan too: readable on a phone, and for the medical role,
    # who sees the community's health data but not registry's rooms (their plan is empty).
    listed = sorted(marks.items(), key=lambda item: (item[1][0].person.household.room.unit.number,
                                                     item[1][0].person.household.room.number))
    return render(request, "health/floor_plan.html", {
        "building": building, "rows": rows, "legend": legend, "count": len(entries),
        "listed": [(entries_[0].person.household.room, [(STATUS_MARKS.get(Status(e.status), "?"), e)
                                                         for e in entries_]) for _room, entries_ in listed],
    })
