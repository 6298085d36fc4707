"""Gate office pages: gate status, the ledger (with its Excel export), who is out now, counts per
hour, and the duty roster. Short views: parse input -> selector/service -> render or redirect."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from itertools import groupby
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from shequ.audit.exports import export_masking, export_record
from shequ.core.excel import XLSX_CONTENT_TYPE, write_xlsx
from shequ.core.forms import submit_once
from shequ.core.http import ScopedRequest
from shequ.core.privacy import personal_data
from shequ.core.scoping import require
from shequ.core.submission import run_once
from shequ.gates import ledger, roster, selectors, services
from shequ.gates.forms_office import (
    DayForm,
    DutyAssignForm,
    DutyRemoveForm,
    GateAddForm,
    GateStatusForm,
    KeepOnlyForm,
    LedgerFilterForm,
    ShiftForm,
)
from shequ.gates.ledger import permit_label
from shequ.gates.models import Gate
from shequ.gates.rules import reason_labels
from shequ.workforce import selectors as workforce

PAGE_SIZE = 50


def _once_or_back(request: HttpRequest, back: str, act: Callable[[], object]) -> str | None:
    """Run a state change once per submitted form and return the URL to go to (``back``); when the
    service refuses, its reasons become messages and None is returned (core.forms.submit_once)."""
    return submit_once(request, lambda: (act(), back)[1])


def _form_error_messages(request: HttpRequest, form: Any) -> None:
    """A form posted from a page that shows no form of its own: each error as a message naming the field."""
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


@personal_data
@require("gates.ledger")
def passage_detail(request: ScopedRequest, pk: int) -> HttpResponse:
    passage = selectors.passage_get(request.scope, pk)
    return render(request, "gates/passage_detail.html", {
        "passage": passage, "reasons": reason_labels(passage.reasons),
        "permit_label": permit_label(passage.permit) if passage.permit is not None else ""})


# -- gates and their status ------------------------------------------------------------------------
@personal_data
@require("gates.manage")
def gate_list(request: ScopedRequest) -> HttpResponse:
    # Grouped by compound; two communities may each have a compound of the same name, so the id
    # keeps their gates apart.
    gates = sorted(selectors.gate_list(request.scope), key=lambda g: (g.compound.name, g.compound_id, g.name))
    compounds = [(compound, list(rows)) for compound, rows in groupby(gates, key=lambda g: g.compound)]
    return render(request, "gates/office_gates.html", {
        "compounds": [{"compound": c, "gates": rows, "open": sum(g.status == Gate.Status.OPEN for g in rows)}
                      for c, rows in compounds],
        "status_form": GateStatusForm(), "keep_form": KeepOnlyForm(),
        "add_form": GateAddForm(compounds=_compounds_for_gates(request)),
    })


def _compounds_for_gates(request: ScopedRequest) -> list[Any]:
    """Compounds of the communities whose gates the reader manages."""
    return list(selectors.compounds_for_gates(request.scope))


@personal_data
@require_POST
@require("gates.manage")
def gate_add(request: ScopedRequest) -> HttpResponse:
    form = GateAddForm(request.POST, compounds=_compounds_for_gates(request))
    if not form.is_valid():
        _form_error_messages(request, form)
        return redirect("gates:gates")
    compound = form.compounds[form.cleaned_data["compound"]]
    back = reverse("gates:gates") + f"#compound-{compound.pk}"
    url = _once_or_back(request, back, lambda: services.gate_create(
        actor=request.user, compound=compound, name=form.cleaned_data["name"], request=request))
    if url is not None:
        messages.success(request, _("The gate is added."))
    return redirect(url or back)


@personal_data
@require_POST
@require("gates.manage")
def gate_status(request: ScopedRequest, pk: int) -> HttpResponse:
    gate = selectors.gate_get(request.scope, pk)
    form = GateStatusForm(request.POST)
    back = reverse("gates:gates") + f"#compound-{gate.compound_id}"
    if not form.is_valid():
        messages.error(request, _("Choose “open” or “closed”."))
        return redirect(back)
    status = form.cleaned_data["status"]
    url = _once_or_back(request, back, lambda: services.gate_set_status(
        actor=request.user, gate=gate, status=status, request=request))
    if url is None:
        return redirect(back)
    messages.success(request, _("%(gate)s is now %(status)s.") % {"gate": gate, "status": gate.get_status_display()})
    return redirect(url)


@personal_data
@require_POST
@require("gates.manage")
def gate_keep_only(request: ScopedRequest, pk: int) -> HttpResponse:
    gate = selectors.gate_get(request.scope, pk)
    KeepOnlyForm(request.POST).is_valid()
    back = reverse("gates:gates") + f"#compound-{gate.compound_id}"
    url = _once_or_back(request, back, lambda: services.gates_close_all_but(actor=request.user, keep=gate,
                                                                           request=request))
    if url is None:
        return redirect(back)
    messages.success(request, _("Only %(gate)s stays open in %(compound)s.") % {
        "gate": gate.name, "compound": gate.compound.name})
    return redirect(url)


# -- the ledger ------------------------------------------------------------------------------------
# Marked for extraction here, translated when the export is written (in the exporter's language).
LEDGER_HEADERS = [
    gettext_noop("time"), gettext_noop("name"), gettext_noop("visitor"), gettext_noop("phone"),
    gettext_noop("address"), gettext_noop("direction"), gettext_noop("temperature"), gettext_noop("health code"),
    gettext_noop("mask"), gettext_noop("decision"), gettext_noop("reasons"), gettext_noop("permit"),
    gettext_noop("decided offline"), gettext_noop("guard"),
]


def _guard_name(user: Any) -> str:
    if user is None:
        return ""
    return user.first_name or user.username


def _export_ledger(request: ScopedRequest, gate: Gate, day: dt.date, passages: Any) -> HttpResponse:
    """The filtered ledger as a spreadsheet: names and phones masked unless the role may export them
    in full (secretary, staff). Every export is an audit event."""
    masking = export_masking(request.scope, [gate.community_id], request=request)
    yes, no = _("yes"), _("no")
    count = 0

    def rows() -> Any:
        nonlocal count
        for p in passages.iterator(chunk_size=2000):
            count += 1
            subject = p.person or p.visitor
            name = subject.name if subject else ""
            phone = subject.phone if subject else ""
            yield [
                timezone.localtime(p.recorded_at, timezone.get_default_timezone()).strftime("%Y-%m-%d %H:%M:%S"),
                masking.name(name), yes if p.visitor_id else "",
                masking.phone(phone), ledger.passage_address(p), p.get_direction_display(),
                str(p.temperature) if p.temperature is not None else "", p.get_health_code_display(),
                yes if p.mask else no, p.get_decision_display(), "; ".join(reason_labels(p.reasons)),
                permit_label(p.permit) if p.permit_id else "", yes if p.offline else "", _guard_name(p.guard),
            ]

    content = write_xlsx([_(h) for h in LEDGER_HEADERS], rows(), title=f"{day.isoformat()}")
    export_record(actor=request.user, community=gate.community, obj=gate,
                  what=f"gate ledger {gate.pk} {day.isoformat()}", count=count, masking=masking,
                  query=request.GET.urlencode(), request=request)
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="gate-{gate.pk}-ledger-{day.isoformat()}.xlsx"'
    return response


@personal_data
@require("gates.ledger")
def gate_ledger(request: ScopedRequest, pk: int) -> HttpResponse:
    gate = selectors.gate_get(request.scope, pk)
    form = LedgerFilterForm(request.GET or None)
    day = form.day()
    passages = ledger.ledger(gate, day, form.filters())
    if request.GET.get("format") == "xlsx":
        return _export_ledger(request, gate, day, passages)
    page = Paginator(passages, PAGE_SIZE).get_page(request.GET.get("page"))
    for p in page.object_list:
        p.reason_labels = reason_labels(p.reasons)
        p.address = ledger.passage_address(p)
        p.permit_label = permit_label(p.permit) if p.permit_id else ""
    return render(request, "gates/ledger.html", {
        "gate": gate, "form": form, "day": day, "page": page,
        "previous_day": (day - dt.timedelta(days=1)).isoformat(), "next_day": (day + dt.timedelta(days=1)).isoformat(),
        "is_today": day == ledger.local_today(),
    })


# -- who is out now, counts per hour -----------------------------------------------------------------
@personal_data
@require("gates.ledger")
def out_list(request: ScopedRequest) -> HttpResponse:
    return render(request, "gates/ledger_out_list.html", {"rows": ledger.out_counts(request.scope)})


@personal_data
@require("gates.ledger")
def out_detail(request: ScopedRequest, pk: int) -> HttpResponse:
    compound = ledger.compound_get(request.scope, pk)
    persons = ledger.persons_out(compound)
    page = Paginator(persons, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "gates/ledger_out.html", {
        "compound": compound, "page": page,
        "visitors": ledger.visitors_inside(compound, ledger.local_today()),
    })


@personal_data
@require("gates.ledger")
def hourly(request: ScopedRequest) -> HttpResponse:
    form = DayForm(request.GET or None)
    day = form.day()
    return render(request, "gates/ledger_hourly.html", {
        "form": form, "day": day, "rows": ledger.hourly_counts(request.scope, day),
        "previous_day": (day - dt.timedelta(days=1)).isoformat(), "next_day": (day + dt.timedelta(days=1)).isoformat(),
    })


# -- the duty roster -------------------------------------------------------------------------------
def _roster_context(request: ScopedRequest, community: Any) -> dict[str, Any]:
    shifts = services.shifts_ensure_default(community_id=community.pk)
    gates = list(selectors.community_gates(request.scope, community))
    services.gate_posts_ensure(gates)
    guards = roster.eligible_guards(community)
    return {"community": community, "shifts": shifts, "gates": gates, "guards": guards}


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@personal_data
@require("gates.manage")
def roster_week(request: ScopedRequest) -> HttpResponse:
    community = selectors.community_for_roster(request.scope, _int_or_none(request.GET.get("community")))
    ctx = _roster_context(request, community)
    day_form = DayForm({"date": request.GET.get("week", "")})
    monday = roster.week_start(day_form.day())
    days, rows = roster.week_grid(ctx["gates"], ctx["shifts"], monday, roster.watched_windows(ctx["shifts"]))
    initial = {k: request.GET[k] for k in ("gate", "shift", "date") if request.GET.get(k)}
    form = DutyAssignForm(initial=initial, gates=ctx["gates"], shifts=ctx["shifts"], guards=ctx["guards"])
    return render(request, "gates/roster.html", {
        **ctx, "form": form, "days": days, "rows": rows, "today": ledger.local_today(),
        "previous_week": (monday - dt.timedelta(days=7)).isoformat(),
        "next_week": (monday + dt.timedelta(days=7)).isoformat(),
        "unstaffed": roster.unstaffed(ctx["gates"], ctx["shifts"]),
        "remove_form": DutyRemoveForm(),
        "shift_form": ShiftForm(),
    })


def _roster_url(community: Any, day: dt.date) -> str:
    return reverse("gates:roster") + "?" + urlencode({"community": community.pk, "week": day.isoformat()})


@personal_data
@require_POST
@require("gates.manage")
def roster_assign(request: ScopedRequest) -> HttpResponse:
    community = selectors.community_for_roster(request.scope, _int_or_none(request.POST.get("community")))
    ctx = _roster_context(request, community)
    form = DutyAssignForm(request.POST, gates=ctx["gates"], shifts=ctx["shifts"], guards=ctx["guards"])
    if not form.is_valid():
        _form_error_messages(request, form)
        return redirect(reverse("gates:roster") + "?" + urlencode({"community": community.pk}))
    o = form.objects()
    back = _roster_url(community, o["date"])
    url = _once_or_back(request, back, lambda: services.duty_assign(actor=request.user, request=request, **o))
    if url is None:
        return redirect(back)
    messages.success(request, _("%(guard)s is on duty at %(gate)s, %(shift)s on %(date)s.") % {
        "guard": o["guard"].first_name or o["guard"].username, "gate": o["gate"], "shift": o["shift"].name,
        "date": o["date"].isoformat()})
    return redirect(url)


@personal_data
@require_POST
@require("gates.manage")
def roster_shift_add(request: ScopedRequest) -> HttpResponse:
    """Add a custom shift to the community's roster (three 8-hour shifts are there by default)."""
    community = selectors.community_for_roster(request.scope, _int_or_none(request.POST.get("community")))
    back = reverse("gates:roster") + "?" + urlencode({"community": community.pk})
    form = ShiftForm(request.POST)
    if not form.is_valid():
        _form_error_messages(request, form)
        return redirect(back)
    data = form.cleaned_data
    url = _once_or_back(request, back, lambda: services.shift_create(
        actor=request.user, community=community, name=data["name"], starts=data["starts"], ends=data["ends"],
        request=request))
    if url is None:
        return redirect(back)
    messages.success(request, _("Shift %(name)s added.") % {"name": data["name"].strip()})
    return redirect(url)


@personal_data
@require_POST
@require("gates.manage")
def duty_remove(request: ScopedRequest, pk: int) -> HttpResponse:
    """A second click on "remove" (same form) is sent where the first went; a duty that is not there
    (or not the user's to see) is a 404."""
    DutyRemoveForm(request.POST).is_valid()

    def act() -> str:
        duty = workforce.duty_get(request.scope, pk)
        back = _roster_url(duty.community, duty.date)
        services.duty_remove(actor=request.user, duty=duty, request=request)
        return back

    url = run_once(request, act)
    messages.success(request, _("Duty removed."))
    return redirect(url)
