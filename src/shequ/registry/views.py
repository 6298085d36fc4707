"""Registry pages. Short views: parse input -> selector/service -> render."""

from __future__ import annotations

import base64
import logging
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext_lazy

from shequ.audit.exports import export_masking, export_record
from shequ.audit.services import client_address
from shequ.core.excel import XLSX_CONTENT_TYPE, write_xlsx
from shequ.core.forms import add_service_errors, submit_once
from shequ.core.http import ScopedRequest
from shequ.core.privacy import personal_data
from shequ.core.scoping import require
from shequ.core.submission import earlier_result, run_once
from shequ.core.uploads import upload_refused_message
from shequ.jobs.services import job_start
from shequ.registry import selectors, services
from shequ.registry.forms import (
    GridForm,
    HouseholdForm,
    ImportForm,
    MoveForm,
    MoveOutForm,
    PersonFilterForm,
    PersonForm,
    PropertyCompanyForm,
)
from shequ.registry.importer import (
    RosterFileError,
    RosterTooCostly,
    background_limits,
    check_cost,
    import_roster,
    page_limits,
    rejected_rows_xlsx,
)
from shequ.registry.jobs import ROSTER_IMPORT
from shequ.registry.models import Community, Grid, Household, PersonTag

logger = logging.getLogger(__name__)

PAGE_SIZE = 50

# The letter each special population shows on a floor plan, beside its colour (never colour alone);
# the legend above the plan and a screen reader say the population in words.
TAG_MARKS = {
    PersonTag.Tag.ELDERLY_ALONE: pgettext_lazy("floor plan mark", "E"),
    PersonTag.Tag.CHRONIC: pgettext_lazy("floor plan mark", "C"),
    PersonTag.Tag.LOW_INCOME: pgettext_lazy("floor plan mark", "L"),
    PersonTag.Tag.PREGNANT: pgettext_lazy("floor plan mark", "P"),
    PersonTag.Tag.INFANT: pgettext_lazy("floor plan mark", "I"),
    PersonTag.Tag.DISABLED: pgettext_lazy("floor plan mark", "D"),
    PersonTag.Tag.BEDRIDDEN: pgettext_lazy("floor plan mark", "B"),
    PersonTag.Tag.STRANDED: pgettext_lazy("floor plan mark", "T"),
}


# -- places --------------------------------------------------------------------------------------


@personal_data
@require("registry.view_places")
def compound_list(request: ScopedRequest) -> HttpResponse:
    return render(request, "registry/compound_list.html", {"compounds": selectors.compound_list(request.scope)})


@personal_data
@require("registry.view_places")
def compound_detail(request: ScopedRequest, pk: int) -> HttpResponse:
    compound = selectors.compound_get(request.scope, pk)
    rows = selectors.building_list(request.scope, compound)
    return render(request, "registry/compound_detail.html", {"compound": compound, "rows": rows})


@personal_data
@require("registry.view_places")
def building_detail(request: ScopedRequest, pk: int) -> HttpResponse:
    building = selectors.building_get(request.scope, pk)
    with_people = request.scope.can("registry.view_persons", building.community_id)
    plans = selectors.building_floor_plan(request.scope, building, with_tags=with_people)
    present = {t for plan in plans for _floor, cells in plan.floors for cell in cells for t in cell.tags}
    legend = [(tag, TAG_MARKS[PersonTag.Tag(tag)], label) for tag, label in PersonTag.Tag.choices if tag in present]
    return render(
        request,
        "registry/building_detail.html",
        {"building": building, "plans": plans, "with_people": with_people, "legend": legend},
    )


@personal_data
@require("registry.view_places")
def room_detail(request: ScopedRequest, pk: int) -> HttpResponse:
    room = selectors.room_get(request.scope, pk)
    # Who may see households gets them listed; everyone (a property company too) gets the counts
    # the floor plan shows for this room.
    households = selectors.room_households(request.scope, room)
    household_count, person_count = selectors.room_occupancy(room)
    can_edit = request.scope.can("registry.edit", room.community_id)
    form = HouseholdForm(room=room)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        earlier = earlier_result(request)
        if earlier is not None:
            return redirect(earlier)
        form = HouseholdForm(request.POST, room=room)
        if form.is_valid():
            url = submit_once(request, lambda: reverse("registry:household", args=[services.household_create(
                actor=request.user, room=room, note=form.cleaned_data["note"],
                others_confirmed=form.others_confirmed, request=request).pk]), form=form)
            if url is not None:
                return redirect(url)
    return render(
        request,
        "registry/room_detail.html",
        {"room": room, "households": households, "form": form, "can_edit": can_edit,
         "may_see_households": request.scope.can("registry.view_persons", room.community_id),
         "household_count": household_count, "person_count": person_count},
    )


# -- households and persons ----------------------------------------------------------------------


@personal_data
@require("registry.view_persons")
def household_detail(request: ScopedRequest, pk: int) -> HttpResponse:
    household = selectors.household_get(request.scope, pk)
    living, former = selectors.household_persons(request.scope, household)
    return render(
        request,
        "registry/household_detail.html",
        {
            "household": household,
            "living": living,
            "former": former,
            "can_edit": request.scope.can("registry.edit", household.community_id),
            "can_reveal": request.scope.can("person.reveal", household.community_id),
        },
    )


@personal_data
@require("registry.edit")
def household_edit(request: ScopedRequest, pk: int) -> HttpResponse:
    household = selectors.household_get(request.scope, pk)
    _require_edit(request, household.community_id)
    form = HouseholdForm(request.POST or None, initial={"note": household.note})
    if request.method == "POST" and form.is_valid():
        services.household_update(actor=request.user, household=household, note=form.cleaned_data["note"],
                                  cleared=form.cleared, request=request)
        messages.success(request, _("Saved."))
        return redirect("registry:household", pk=household.pk)
    return render(request, "registry/household_form.html", {"household": household, "form": form})


@personal_data
@require("registry.edit")
def household_move_out(request: ScopedRequest, pk: int) -> HttpResponse:
    household = selectors.household_get(request.scope, pk)
    _require_edit(request, household.community_id)
    form = MoveOutForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        url = submit_once(request, lambda: reverse("registry:household", args=[services.household_move_out(
            actor=request.user, household=household, reason=form.cleaned_data["reason"], request=request).pk]))
        if url is None:  # the refusal is in the messages
            return redirect("registry:household", pk=household.pk)
        messages.success(request, _("The household is marked as moved out."))
        return redirect(url)
    return render(request, "registry/move_out_form.html", {"subject": household, "form": form, "household": household})


def _require_edit(request: ScopedRequest, community_id: int) -> None:
    if not request.scope.can("registry.edit", community_id):
        raise PermissionDenied


@personal_data
@require("registry.edit")
def person_create(request: ScopedRequest, household_pk: int) -> HttpResponse:
    household = selectors.household_get(request.scope, household_pk)
    _require_edit(request, household.community_id)
    if household.status != Household.Status.ACTIVE:
        raise Http404
    if request.method == "POST" and (earlier := earlier_result(request)) is not None:
        return redirect(earlier)  # this very form was saved before: its result, not a second person
    form = PersonForm(request.POST or None, household=household)
    if request.method == "POST" and form.is_valid():
        person_data = form.cleaned_person
        assert person_data is not None
        url = submit_once(request, lambda: reverse("registry:person", args=[services.person_create(
            actor=request.user, household=household, data=person_data, tags=form.tags(),
            same_name_confirmed=form.same_name_confirmed, request=request).pk]), form=form)
        if url is not None:
            messages.success(request, _("Saved."))
            return redirect(url)
    return render(request, "registry/person_form.html", {"form": form, "household": household, "person": None})


@personal_data
@require("registry.view_persons")
def person_detail(request: ScopedRequest, pk: int) -> HttpResponse:
    person = selectors.person_get(request.scope, pk)
    can_reveal = request.scope.can("person.reveal", person.community_id)
    revealed = None
    if request.method == "POST":
        if not can_reveal:
            raise PermissionDenied
        revealed = services.person_reveal(actor=request.user, person=person, request=request)
    return render(
        request,
        "registry/person_detail.html",
        {
            "person": person,
            "residences": selectors.person_residences(person),
            "revealed": revealed,
            "can_reveal": can_reveal,
            "can_edit": request.scope.can("registry.edit", person.community_id),
        },
    )


@personal_data
@require("registry.edit")
def person_edit(request: ScopedRequest, pk: int) -> HttpResponse:
    person = selectors.person_get(request.scope, pk)
    _require_edit(request, person.community_id)
    can_reveal = request.scope.can("person.reveal", person.community_id)
    revealed = None
    if request.method == "POST" and "reveal" in request.POST:
        # The person page's audited reveal, offered where a number is corrected: the form itself
        # never carries a full number, for any role.
        if not can_reveal:
            raise PermissionDenied
        revealed = services.person_reveal(actor=request.user, person=person, request=request)
    form = PersonForm(request.POST if request.method == "POST" and not revealed else None, person=person)
    if form.is_bound and form.is_valid():
        assert form.cleaned_person is not None
        try:
            services.person_update(actor=request.user, person=person, data=form.cleaned_person, tags=form.tags(),
                                   cleared=form.cleared, request=request)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("registry:person", pk=person.pk)
    return render(request, "registry/person_form.html", {"form": form, "household": person.household,
                                                         "person": person, "can_reveal": can_reveal,
                                                         "revealed": revealed})


@personal_data
@require("registry.edit")
def person_move(request: ScopedRequest, pk: int) -> HttpResponse:
    person = selectors.person_get(request.scope, pk)
    _require_edit(request, person.community_id)
    form = MoveForm(request.POST or None)
    candidates: list[Household] = []
    if request.method == "POST" and form.is_valid():
        candidates = selectors.households_for_move(request.scope, person, form.cleaned_data["address"])
        chosen = form.cleaned_data.get("household")
        target = next((h for h in candidates if h.pk == chosen), None)
        if target is None and len(candidates) == 1:
            target = candidates[0]
        if not candidates:
            form.add_error("address", _("No household lives at that address in this community."))
        elif target is not None:
            url = submit_once(request, lambda: reverse("registry:person", args=[services.person_move(
                actor=request.user, person=person, household=target, reason=form.cleaned_data["reason"],
                request=request).pk]), form=form)
            if url is not None:
                messages.success(request, _("Moved."))
                return redirect(url)
    return render(request, "registry/person_move.html", {"person": person, "form": form, "candidates": candidates})


@personal_data
@require("registry.edit")
def person_move_out(request: ScopedRequest, pk: int) -> HttpResponse:
    person = selectors.person_get(request.scope, pk)
    _require_edit(request, person.community_id)
    form = MoveOutForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        url = submit_once(request, lambda: reverse("registry:person", args=[services.person_move_out(
            actor=request.user, person=person, reason=form.cleaned_data["reason"],
            deceased=form.cleaned_data["deceased"], request=request).pk]))
        if url is None:  # the refusal is in the messages
            return redirect("registry:person", pk=person.pk)
        messages.success(request, _("Marked as moved out."))
        return redirect(url)
    return render(request, "registry/move_out_form.html", {"subject": person, "form": form, "person": person})


# -- search and lists ----------------------------------------------------------------------------


@personal_data
@require("registry.lists")
def search(request: ScopedRequest) -> HttpResponse:
    q = request.GET.get("q", "")
    result = selectors.search(request.scope, q)
    return render(request, "registry/search.html", {"q": q, "result": result})


def _filter_form(request: ScopedRequest) -> PersonFilterForm:
    grids = list(selectors.grids_in_scope(request.scope))
    compounds = list(selectors.compounds_in_scope(request.scope))
    form = PersonFilterForm(request.GET or None, grids=grids, compounds=compounds)
    form.is_valid()
    return form


def _filters(form: PersonFilterForm) -> dict[str, Any]:
    data = form.cleaned_data if form.is_bound and hasattr(form, "cleaned_data") else {}
    return {k: data.get(k) or None for k in ("tag", "detail", "grid", "compound", "residency")}


# Marked for extraction here, translated when the export is written (in the exporter's language).
EXPORT_HEADERS = [
    gettext_noop("compound"), gettext_noop("building"), gettext_noop("unit"), gettext_noop("room"),
    gettext_noop("name"), gettext_noop("sex"), gettext_noop("birth date"), gettext_noop("ID number"),
    gettext_noop("phone"), gettext_noop("relation to head"), gettext_noop("residency"), gettext_noop("status"),
    gettext_noop("tags"), gettext_noop("notes"),
]


def _export_persons(request: ScopedRequest, persons: Any, *, name: str) -> HttpResponse:
    """Excel export of a person list, masked unless the exporter may see full numbers. Audited."""
    if not request.scope.can("registry.export"):
        raise PermissionDenied
    community_ids = request.scope.community_ids
    masking = export_masking(request.scope, community_ids, request=request)
    headers = [_(h) for h in EXPORT_HEADERS]
    count = 0

    def rows() -> Any:
        nonlocal count
        for p in persons.iterator(chunk_size=2000):
            count += 1
            room = p.household.room
            yield [
                room.unit.building.compound.name, room.unit.building.number, room.unit.number, room.number,
                p.name, p.get_sex_display(), p.birth_date.isoformat() if p.birth_date else "",
                masking.id_number(p.id_number), masking.phone(p.phone),
                p.get_relation_display(), p.get_residency_display(), p.get_status_display(),
                "、".join(f"{t.get_tag_display()}{':' + t.note if t.note else ''}" for t in p.tags.all()),
                p.notes,
            ]

    content = write_xlsx(headers, rows(), title=name)
    community = Community.objects.filter(pk__in=community_ids).order_by("pk").first()
    export_record(actor=request.user, community=community, what=name, count=count, masking=masking,
                  query=request.GET.urlencode(), request=request)
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.xlsx"'
    return response


@personal_data
@require("registry.lists")
def person_list(request: ScopedRequest) -> HttpResponse:
    form = _filter_form(request)
    persons = selectors.person_list(request.scope, **_filters(form))
    if request.GET.get("format") == "xlsx":
        return _export_persons(request, persons, name="persons")
    page = Paginator(persons, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "registry/person_list.html",
                  {"form": form, "page": page, "title": _("Persons"), "export_name": "persons"})


@personal_data
@require("registry.lists")
def special_list(request: ScopedRequest) -> HttpResponse:
    form = _filter_form(request)
    f = _filters(form)
    persons = selectors.special_population_list(request.scope, tag=f["tag"], detail=f["detail"], grid=f["grid"],
                                                compound=f["compound"])
    if request.GET.get("format") == "xlsx":
        return _export_persons(request, persons, name="special-populations")
    page = Paginator(persons, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "registry/person_list.html",
                  {"form": form, "page": page, "title": _("Special populations"), "special": True})


@personal_data
@require("registry.lists")
def grid_list(request: ScopedRequest) -> HttpResponse:
    rows = selectors.grid_list(request.scope)
    if request.GET.get("format") == "xlsx":
        if not request.scope.can("registry.export"):
            raise PermissionDenied
        headers = [_("grid"), _("buildings"), _("households"), _("persons"), _("special populations"),
                   _("grid workers")]
        content = write_xlsx(headers, ([r["grid"].name, r["buildings"], r["households"], r["persons"],
                                        r["special"], "、".join(r["workers"])] for r in rows), title="grids")
        # Counts and the workers' names (staff, not residents): nothing to mask.
        export_record(actor=request.user, community=rows[0]["grid"].community if rows else None, what="grids",
                      count=len(rows), masking=None, request=request)
        response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = 'attachment; filename="grids.xlsx"'
        return response
    return render(request, "registry/grid_list.html", {"rows": rows})


@personal_data
@require("registry.lists")
def grid_detail(request: ScopedRequest, pk: int) -> HttpResponse:
    grid = selectors.grid_get(request.scope, pk)
    return render(request, "registry/grid_detail.html",
                  {"grid": grid, "buildings": selectors.grid_buildings(request.scope, grid)})


# -- grids drawn in the app ----------------------------------------------------------------------


def _setup_community(request: ScopedRequest) -> Community:
    """The community whose grids the reader draws: the one asked for among theirs, or their first."""
    ids = sorted(request.scope.communities_where("registry.setup"))  # secretary and staff
    wanted = request.POST.get("community") or request.GET.get("community")
    if wanted and wanted.isdigit() and int(wanted) in ids:
        return Community.objects.get(pk=int(wanted))
    if wanted or not ids:
        raise Http404
    return Community.objects.get(pk=ids[0])


@personal_data
@require("registry.setup")
def grid_new(request: ScopedRequest) -> HttpResponse:
    community = _setup_community(request)
    if request.method == "POST" and (earlier := earlier_result(request)) is not None:
        return redirect(earlier)
    taken = list(Grid.objects.filter(community=community).values_list("number", flat=True))
    form = GridForm(request.POST or None, initial={"number": max(taken, default=0) + 1})
    if request.method == "POST" and form.is_valid():
        url = submit_once(request, lambda: reverse("registry:grid_draw", args=[services.grid_create(
            actor=request.user, community=community, number=form.cleaned_data["number"],
            name=form.cleaned_data["name"], request=request).pk]), form=form)
        if url is not None:
            return redirect(url)
    return render(request, "registry/grid_new.html", {"form": form, "community": community})


@personal_data
@require("registry.setup")
def grid_draw(request: ScopedRequest, pk: int) -> HttpResponse:
    """Draw a grid: tick the community's buildings it covers (from the list, or a building's floor
    plan); the counts follow the ticks on the page and are saved with them."""
    grid = selectors.grid_get(request.scope, pk)
    if not request.scope.can("registry.setup", grid.community_id):
        raise Http404
    rows = selectors.buildings_for_grids(request.scope, grid.community)
    if request.method == "POST":
        by_pk = {str(r["building"].pk): r["building"] for r in rows}
        chosen = [by_pk[v] for v in request.POST.getlist("building") if v in by_pk]
        try:
            services.grid_assign_buildings(actor=request.user, grid=grid, buildings=chosen, request=request)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The grid is saved: %(buildings)d buildings.") % {"buildings": len(chosen)})
        return redirect("registry:grid_draw", pk=grid.pk)
    mine = [r for r in rows if r["building"].grid_id == grid.pk]
    compounds: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        compounds.setdefault(r["building"].compound.name, []).append(r)
    return render(request, "registry/grid_draw.html", {
        "grid": grid, "compounds": compounds, "buildings": len(mine), "households": sum(r["households"] for r in mine),
        "unassigned": sum(1 for r in rows if r["building"].grid_id is None)})


# -- property companies (set-up) ------------------------------------------------------------------


@personal_data
@require("registry.setup")
def property_companies(request: ScopedRequest) -> HttpResponse:
    """The community's property companies and the compounds each manages."""
    community = _setup_community(request)
    rows = selectors.property_companies_for_setup(request.scope, community)
    unmanaged = [c for c in selectors.compounds_for_setup(request.scope, community) if c.property_company_id is None]
    return render(request, "registry/property_companies.html",
                  {"community": community, "rows": rows, "unmanaged": unmanaged})


@personal_data
@require("registry.setup")
def property_company_edit(request: ScopedRequest, pk: int | None = None) -> HttpResponse:
    """A new property company (no pk) or one to change: name, phone, the compounds it manages."""
    company = selectors.property_company_for_setup(request.scope, pk) if pk is not None else None
    community = company.community if company is not None else _setup_community(request)
    if request.method == "POST" and (earlier := earlier_result(request)) is not None:
        return redirect(earlier)
    compounds = selectors.compounds_for_setup(request.scope, community)
    initial = ({"name": company.name, "phone": company.phone,
                "compounds": [str(c.pk) for c in compounds if c.property_company_id == company.pk]}
               if company is not None else {})
    form = PropertyCompanyForm(request.POST or None, initial=initial, compounds=compounds)
    if request.method == "POST" and form.is_valid():
        by_pk = {str(c.pk): c for c in compounds}
        data = form.cleaned_data

        def save() -> str:
            services.property_company_save(
                actor=request.user, community=community, company=company, name=data["name"], phone=data["phone"],
                compounds=[by_pk[v] for v in data["compounds"] if v in by_pk], request=request)
            return f"{reverse('registry:property_companies')}?community={community.pk}"

        url = submit_once(request, save, form=form)
        if url is not None:
            messages.success(request, _("The property company is saved."))
            return redirect(url)
    return render(request, "registry/property_company_edit.html",
                  {"form": form, "community": community, "company": company})


# -- roster import -------------------------------------------------------------------------------

REJECTED_SESSION_KEY = "registry_import_rejected"


@personal_data
@require("registry.import")
def roster_import(request: ScopedRequest) -> HttpResponse:
    communities = list(selectors.communities_where(request.scope, "registry.import"))
    community = communities[0]
    form = ImportForm(request.POST or None, request.FILES or None, communities=communities)
    result = None
    refused = upload_refused_message(request) if request.method == "POST" else None
    if refused:
        # The upload handler kept nothing of a file over the limit: say so instead of "required".
        form = ImportForm(request.POST, request.FILES, communities=communities)
        form.is_valid()
        form.errors.pop("file", None)
        form.add_error("file", refused)
    elif request.method == "POST" and form.is_valid():
        community = form.cleaned_data["community"] or community
        upload = form.cleaned_data["file"]
        if upload.size > settings.SHEQU_IMPORT_BACKGROUND_BYTES:
            data = upload.read()
            try:
                check_cost(data, background_limits(community))
            except RosterTooCostly as exc:
                form.add_error("file", str(exc))
            else:
                return _roster_import_in_background(request, community, upload.name, data,
                                                    dry_run=form.cleaned_data["dry_run"])
        else:
            result = _roster_import_now(request, form, community, upload)
    return render(request, "registry/import.html", {"form": form, "result": result, "community": community})


def _roster_import_now(request: ScopedRequest, form: ImportForm, community: Community, upload: Any) -> Any:
    """A file small enough to import within the request: the result, or None with the reason on the form."""
    try:
        result = import_roster(community=community, path_or_file=upload, filename=upload.name,
                               actor=request.user, dry_run=form.cleaned_data["dry_run"], request=request,
                               limits=page_limits(community))
    except RosterTooCostly as exc:
        form.add_error("file", str(exc))
        return None
    except RosterFileError as exc:
        form.add_error("file", _("The file cannot be read: %(reason)s") % {"reason": exc})
        return None
    except Exception:
        # The audit log has the import's "interrupted" event with what was written by then.
        logger.exception("roster import of %s stopped", upload.name)
        form.add_error("file", _("The import stopped partway because of an error on the server; the rows "
                                 "written before it are kept and the audit log records how far it got. "
                                 "Import the same file again to complete it."))
        return None
    if result.rejected:
        request.session[REJECTED_SESSION_KEY] = base64.b64encode(rejected_rows_xlsx(result)).decode()
    else:
        request.session.pop(REJECTED_SESSION_KEY, None)
    return result


def _roster_import_in_background(request: ScopedRequest, community: Community, filename: str, data: bytes, *,
                                 dry_run: bool) -> HttpResponse:
    """A large file: a background job (registry/jobs.py) with a progress page, started once per
    submitted form (the form's one-time key), so a second click goes to the same job."""
    def start() -> str:
        job = job_start(user=request.user, kind=ROSTER_IMPORT, community=community,
                        title=_("Roster import: %(file)s") % {"file": filename},
                        params={"dry_run": dry_run, "client": client_address(request)},
                        upload=data, upload_name=filename, back=reverse("registry:import"))
        return reverse("jobs:detail", args=[job.pk])
    return redirect(run_once(request, start))


@personal_data
@require("registry.import")
def roster_import_rejected(request: HttpRequest) -> HttpResponse:
    data = request.session.get(REJECTED_SESSION_KEY)
    if not data:
        raise Http404
    response = HttpResponse(base64.b64decode(data), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="rejected-rows.xlsx"'
    return response
