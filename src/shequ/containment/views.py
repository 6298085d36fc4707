"""Containment pages for community staff: movement restrictions on persons, containment levels on
compounds, buildings and units, exit quotas per compound, and permits (the exceptions to them).

Every write goes through the services (containment.services), which audit it; every read goes
through the user's Scope (registry and containment selectors), so anything of another community is
a 404. Each create form carries a one-time key: a double submit sets one row.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.containment import services
from shequ.containment.forms import (
    AreaForm,
    EndForm,
    PermitApproveForm,
    PermitForm,
    PermitRefuseForm,
    PermitRevokeForm,
    PersonSearchForm,
    QuotaForm,
    RestrictionForm,
    VisitorPermitForm,
)
from shequ.containment.models import ContainmentArea, Level, MovementRestriction, Permit
from shequ.containment.selectors import (
    area_list,
    in_force,
    levels_for_units,
    permit_list,
    quota_list,
    restriction_list,
)
from shequ.core.forms import submit_once
from shequ.core.http import ScopedRequest
from shequ.core.privacy import personal_data
from shequ.core.scoping import Scope, require
from shequ.core.submission import run_once
from shequ.registry import selectors as registry
from shequ.registry.models import Building, Compound, Unit

CAPABILITY = "containment.manage"
PAGE_SIZE = 50


# -- reads that the containment and gates selectors do not have ------------------------------------------


def _split(rows: list[Any], now: Any) -> dict[str, list[Any]]:
    """Rows with starts_at/ends_at -> in force now, scheduled (starting later), ended."""
    groups: dict[str, list[Any]] = {"current": [], "scheduled": [], "ended": []}
    for row in rows:
        if row.starts_at > now:
            groups["scheduled"].append(row)
        elif row.ends_at is not None and row.ends_at <= now:
            groups["ended"].append(row)
        else:
            groups["current"].append(row)
    return groups


def _areas_over_compound(scope: Scope, compound: Compound) -> QuerySet[ContainmentArea]:
    """Areas on the compound itself, on one of its buildings, or on one of their units."""
    return area_list(scope).filter(
        Q(compound=compound) | Q(building__compound=compound) | Q(unit__building__compound=compound)
    )


def _check(request: ScopedRequest, community_id: int) -> None:
    if not request.scope.can(CAPABILITY, community_id):
        raise PermissionDenied


# -- overview --------------------------------------------------------------------------------------------


@personal_data
@require(CAPABILITY)
def index(request: ScopedRequest) -> HttpResponse:
    """Every compound with what is in force over it now."""
    scope, now = request.scope, timezone.now()
    compounds = list(registry.compound_list(scope))
    areas = list(area_list(scope, current_at=now))
    quotas = {q.compound_id: q for q in quota_list(scope).filter(in_force(now))}
    restricted = dict(
        restriction_list(scope, current_at=now).order_by()
        .values_list("person__household__room__unit__building__compound")
        .annotate(n=Count("person", distinct=True))
    )
    rows = []
    for compound in compounds:
        own = [a for a in areas if a.compound_id == compound.pk]
        inside = [a for a in areas if (a.building and a.building.compound_id == compound.pk)
                  or (a.unit and a.unit.building.compound_id == compound.pk)]
        level = max(own, key=lambda a: _strictness(a.level)) if own else None
        rows.append({"compound": compound, "level": level, "inside": inside, "quota": quotas.get(compound.pk),
                     "restricted": restricted.get(compound.pk, 0)})
    return render(request, "containment/index.html", {"rows": rows})


def _strictness(level: str) -> int:
    from shequ.containment.models import STRICTNESS

    return STRICTNESS[Level(level)]


# -- movement restrictions ------------------------------------------------------------------------------


@personal_data
@require(CAPABILITY)
def restrictions(request: ScopedRequest) -> HttpResponse:
    scope, now = request.scope, timezone.now()
    search = PersonSearchForm(request.GET or None)
    found = None
    if search.is_valid() and search.cleaned_data["q"]:
        found = registry.search(scope, search.cleaned_data["q"], limit=50)
    rows = restriction_list(scope)
    current = list(rows.filter(in_force(now)))
    scheduled = list(rows.filter(starts_at__gt=now))
    ended = Paginator(rows.filter(ends_at__lte=now), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "containment/restrictions.html", {
        "search": search, "found": found, "current": current, "scheduled": scheduled, "page": ended,
    })


@personal_data
@require(CAPABILITY)
def person(request: ScopedRequest, pk: int) -> HttpResponse:
    """A person's restrictions, and setting a new one."""
    subject = registry.person_get(request.scope, pk)
    _check(request, subject.community_id)
    form = RestrictionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def create() -> str:
            services.restriction_create(actor=request.user, person=subject, kind=data["kind"],
                                        starts_at=data["starts_at"], ends_at=data["ends_at"],
                                        reason=data["reason"].strip(), request=request)
            return reverse("containment:person", args=[subject.pk])

        url = submit_once(request, create, form=form)
        if url is not None:
            messages.success(request, _("The movement restriction is set."))
            return redirect(url)
    now = timezone.now()
    history = _split(list(MovementRestriction.objects.filter(person=subject).order_by("-starts_at", "-id")), now)
    permits_live = [p for p in permit_list(request.scope).filter(person=subject, ends_at__gt=now)
                    if p.status in (Permit.Status.REQUESTED, Permit.Status.APPROVED)]
    return render(request, "containment/person.html", {"person": subject, "form": form, "permits": permits_live,
                                                       **history})


@personal_data
@require(CAPABILITY)
def restriction_end(request: ScopedRequest, pk: int) -> HttpResponse:
    restriction = get_object_or_404(restriction_list(request.scope), pk=pk)
    _check(request, restriction.community_id)
    back = reverse("containment:person", args=[restriction.person_id])
    form = EndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        def end() -> str:
            services.restriction_end(actor=request.user, restriction=restriction, request=request)
            return back

        messages.success(request, _("The movement restriction has ended."))
        return redirect(run_once(request, end))
    return render(request, "containment/confirm_end.html", {
        "form": form, "back": back, "subject": restriction.person.name, "what": restriction.get_kind_display(),
        "row": restriction,
    })


# -- containment areas -------------------------------------------------------------------------------


@personal_data
@require(CAPABILITY)
def areas(request: ScopedRequest) -> HttpResponse:
    now = timezone.now()
    rows = area_list(request.scope)
    current = list(rows.filter(in_force(now)))
    scheduled = list(rows.filter(starts_at__gt=now))
    ended = Paginator(rows.filter(ends_at__lte=now), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "containment/areas.html", {"current": current, "scheduled": scheduled, "page": ended})


def _set_level(request: HttpRequest, form: AreaForm, place: Compound | Building | Unit, back: str) -> str | None:
    """Set a level on a place (the service ends the level in force there when the new one starts)."""
    data = form.cleaned_data

    def create() -> str:
        services.area_create(actor=request.user, level=data["level"], place=place, starts_at=data["starts_at"],
                             ends_at=data["ends_at"], reason=data["reason"].strip(), request=request)
        return back

    return submit_once(request, create, form=form)


@personal_data
@require(CAPABILITY)
def compound(request: ScopedRequest, pk: int) -> HttpResponse:
    """What is in force over a compound now; set its level or its exit quota."""
    place = registry.compound_get(request.scope, pk)
    _check(request, place.community_id)
    back = reverse("containment:compound", args=[place.pk])
    action = request.POST.get("action") if request.method == "POST" else None
    # Both forms post to this page; "action" says which. No prefixes: the one-time key must keep its name.
    area_form = AreaForm(request.POST if action == "area" else None, auto_id="area_%s")
    quota_form = QuotaForm(request.POST if action == "quota" else None, auto_id="quota_%s")
    if action == "area" and area_form.is_valid():
        if _set_level(request, area_form, place, back) is not None:
            messages.success(request, _("The containment level is set."))
            return redirect(back)
    elif action == "quota" and quota_form.is_valid():
        data = quota_form.cleaned_data

        def create() -> str:
            services.exit_quota_set(actor=request.user, compound=place, persons=data["persons"],
                                         days=data["days"], starts_at=data["starts_at"], ends_at=data["ends_at"],
                                         request=request)
            return back

        if submit_once(request, create, form=quota_form) is not None:
            messages.success(request, _("The exit quota is set."))
            return redirect(back)
    now = timezone.now()
    over = _split(list(_areas_over_compound(request.scope, place)), now)
    quotas = _split(list(quota_list(request.scope).filter(compound=place)), now)
    restricted = list(restriction_list(request.scope, current_at=now).filter(
        person__household__room__unit__building__compound=place))
    buildings = list(place.buildings.order_by("sort_key", "number"))
    units = list(Unit.objects.filter(building__in=buildings).values_list("id", "building_id"))
    levels = levels_for_units([u for u, _b in units], now)
    building_levels: dict[int, set[str]] = {}
    for unit_id, building_id in units:
        if unit_id in levels:
            building_levels.setdefault(building_id, set()).add(levels[unit_id])
    building_rows = [{"building": b, "levels": [Level(v).label for v in sorted(
        building_levels.get(b.pk, ()), key=_strictness, reverse=True)]} for b in buildings]
    return render(request, "containment/compound.html", {
        "compound": place, "area_form": area_form, "quota_form": quota_form, "areas": over, "quotas": quotas,
        "restricted": restricted, "buildings": building_rows,
    })


@personal_data
@require(CAPABILITY)
def building(request: ScopedRequest, pk: int) -> HttpResponse:
    """What is in force over a building and each of its units now; set a level on it or on a unit."""
    place = registry.building_get(request.scope, pk)
    _check(request, place.community_id)
    back = reverse("containment:building", args=[place.pk])
    units = list(place.units.order_by("sort_key", "number"))
    form = AreaForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        target: Building | Unit = form.unit() or place
        if _set_level(request, form, target, back) is not None:
            messages.success(request, _("The containment level is set."))
            return redirect(back)
    now = timezone.now()
    rows = area_list(request.scope).filter(
        Q(compound_id=place.compound_id) | Q(building=place) | Q(unit__building=place))
    over = _split(list(rows), now)
    levels = levels_for_units([u.pk for u in units], now)
    unit_rows = [{"unit": u, "level": Level(levels[u.pk]).label if u.pk in levels else ""} for u in units]
    restricted = list(restriction_list(request.scope, current_at=now).filter(
        person__household__room__unit__building=place))
    return render(request, "containment/building.html", {
        "building": place, "form": form, "areas": over, "units": unit_rows, "restricted": restricted,
    })


def _back_for(area: ContainmentArea) -> str:
    if area.compound_id:
        return reverse("containment:compound", args=[area.compound_id])
    if area.building_id:
        return reverse("containment:building", args=[area.building_id])
    assert area.unit is not None  # an area is a compound, a building or a unit
    return reverse("containment:building", args=[area.unit.building_id])


@personal_data
@require(CAPABILITY)
def area_end(request: ScopedRequest, pk: int) -> HttpResponse:
    area = get_object_or_404(area_list(request.scope), pk=pk)
    _check(request, area.community_id)
    back = _back_for(area)
    form = EndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        def end() -> str:
            services.area_end(actor=request.user, area=area, request=request)
            return back

        messages.success(request, _("The containment level has ended."))
        return redirect(run_once(request, end))
    return render(request, "containment/confirm_end.html", {
        "form": form, "back": back, "area": area, "what": area.get_level_display(), "row": area,
    })


@personal_data
@require(CAPABILITY)
def quota_end(request: ScopedRequest, pk: int) -> HttpResponse:
    quota = get_object_or_404(quota_list(request.scope), pk=pk)
    _check(request, quota.community_id)
    back = reverse("containment:compound", args=[quota.compound_id])
    form = EndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        def end() -> str:
            services.exit_quota_end(actor=request.user, quota=quota, request=request)
            return back

        messages.success(request, _("The exit quota has ended."))
        return redirect(run_once(request, end))
    return render(request, "containment/confirm_end.html", {
        "form": form, "back": back, "quota": quota, "subject": quota.compound.name,
        "what": _("exit quota"), "row": quota,
    })


# -- permits ---------------------------------------------------------------------------------------------


def _permit_groups(rows: list[Permit], now: Any) -> dict[str, list[Permit]]:
    """Requests waiting for a decision, permits in force, starting later, and the rest (over)."""
    groups: dict[str, list[Permit]] = {"requested": [], "current": [], "scheduled": [], "over": []}
    for p in rows:
        if p.status == Permit.Status.REQUESTED and p.ends_at > now:
            groups["requested"].append(p)
        elif p.status == Permit.Status.APPROVED and p.ends_at > now:
            groups["scheduled" if p.starts_at > now else "current"].append(p)
        else:
            groups["over"].append(p)
    return groups


@personal_data
@require(CAPABILITY)
def permits(request: ScopedRequest) -> HttpResponse:
    """Requests from the gates first, then permits in force and starting later; the rest page by page."""
    now = timezone.now()
    rows = permit_list(request.scope)
    live = list(rows.filter(ends_at__gt=now, status__in=[Permit.Status.REQUESTED, Permit.Status.APPROVED]))
    groups = _permit_groups(live, now)
    over = rows.exclude(pk__in=[p.pk for p in live])
    page = Paginator(over, PAGE_SIZE).get_page(request.GET.get("page"))
    search = PersonSearchForm(request.GET or None)
    found = None
    if search.is_valid() and search.cleaned_data["q"]:
        found = registry.search(request.scope, search.cleaned_data["q"], limit=50)
    return render(request, "containment/permits.html", {**groups, "page": page, "search": search, "found": found})


@personal_data
@require(CAPABILITY)
def permit_new(request: ScopedRequest) -> HttpResponse:
    """Grant a permit: to a person (``?person=<id>``, around their home) or to a visitor (around the
    household they come to). Granted by the user, who is shown at the gate as the approver."""
    scope = request.scope
    subject = registry.person_get(scope, int(request.GET["person"])) if request.GET.get("person", "").isdigit() else None
    if subject is not None:
        _check(request, subject.community_id)
        form: PermitForm = PermitForm(request.POST or None, home=subject.household.room)
    else:
        if not scope.can(CAPABILITY):
            raise PermissionDenied
        form = VisitorPermitForm(request.POST or None, scope=scope)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if subject is not None:
            home = subject.household.room
        else:
            assert isinstance(form, VisitorPermitForm)  # made so above
            home = form.host_room
        _check(request, home.community_id)

        def grant() -> str:
            permit = services.permit_grant(
                actor=request.user, place=form.place(home), reason=data["reason"], starts_at=data["starts_at"],
                ends_at=data["ends_at"], person=subject, visitor_name=data.get("visitor_name", ""),
                visitor_phone=data.get("visitor_phone", ""), request=request)
            return reverse("containment:permit", args=[permit.pk])

        url = submit_once(request, grant, form=form)
        if url is not None:
            messages.success(request, _("The permit is granted. The gates let its holder through from its start."))
            return redirect(url)
    return render(request, "containment/permit_new.html", {"form": form, "person": subject})


@personal_data
@require(CAPABILITY)
def permit(request: ScopedRequest, pk: int) -> HttpResponse:
    """One permit, made for a phone: who, where, why, when, who asked and who decided; approve or
    refuse a request, revoke a permit in force. Each button's form posts here with its ``action``."""
    found = get_object_or_404(permit_list(request.scope), pk=pk)
    _check(request, found.community_id)
    back = reverse("containment:permit", args=[found.pk])
    action = request.POST.get("action") if request.method == "POST" else None
    approve = PermitApproveForm(request.POST if action == "approve" else None, permit=found, auto_id="approve_%s")
    refuse = PermitRefuseForm(request.POST if action == "refuse" else None, auto_id="refuse_%s")
    revoke = PermitRevokeForm(request.POST if action == "revoke" else None, auto_id="revoke_%s")
    acts: dict[str, tuple[Any, Callable[[dict[str, Any]], Any], str]] = {
        "approve": (approve, lambda d: services.permit_approve(actor=request.user, permit=found, ends_at=d["ends_at"],
                                                                request=request),
                    _("Approved: the gates let the holder through from now.")),
        "refuse": (refuse, lambda d: services.permit_refuse(actor=request.user, permit=found, note=d["note"],
                                                             request=request),
                   _("Refused: the guard sees it on the gate screen.")),
        "revoke": (revoke, lambda d: services.permit_revoke(actor=request.user, permit=found, request=request),
                   _("The permit has ended.")),
    }
    failed: list[str] = []
    if action in acts:
        form, act, done = acts[action]
        if form.is_valid():
            data = form.cleaned_data

            def run() -> str:
                act(data)
                return back

            if submit_once(request, run, form=form) is not None:
                messages.success(request, done)
                return redirect(back)
        # Shown above the permit: the form it is about may be gone (someone else decided first).
        failed = [str(e) for e in form.non_field_errors()]
        found.refresh_from_db()
    now = timezone.now()
    return render(request, "containment/permit.html", {
        "permit": found, "approve": approve, "refuse": refuse, "revoke": revoke, "failed": failed,
        "waiting": found.status == Permit.Status.REQUESTED and found.ends_at > now,
        "in_force": found.in_force(now), "scheduled": found.status == Permit.Status.APPROVED and found.starts_at > now,
        "over": found.ends_at <= now,
    })
