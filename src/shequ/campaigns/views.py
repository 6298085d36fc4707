"""Campaign pages. Short views: parse input -> selector/service -> render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.audit.services import client_address
from shequ.campaigns import exports, places, results, selectors, services
from shequ.campaigns.forms import (
    CampaignForm,
    ExemptForm,
    FoundPersonForm,
    MissingFilterForm,
    PointForm,
    QuarantineForm,
    ResultEntryForm,
    ResultsUploadForm,
    SampleForm,
    VisitForm,
)
from shequ.campaigns.jobs import MISSING_PDF
from shequ.campaigns.models import Campaign, Kind, Tube
from shequ.core.forms import add_service_errors, replace_submitted, submit_once
from shequ.core.http import ScopedRequest
from shequ.core.privacy import personal_data
from shequ.core.scoping import require
from shequ.core.submission import run_once
from shequ.core.uploads import upload_refused_message
from shequ.jobs.services import job_start
from shequ.registry import selectors as registry_selectors
from shequ.registry.models import Person
from shequ.registry.services import clean_person_fields

PAGE_SIZE = 100


def _manage(request: ScopedRequest, campaign: Campaign) -> None:
    if not selectors.manages(request.scope, campaign):
        raise PermissionDenied


def _errors(request: HttpRequest, exc: ValidationError) -> None:
    for m in getattr(exc, "message_dict", {"": exc.messages}).values():
        for text in m:
            messages.error(request, text)


# -- campaigns ------------------------------------------------------------------------------------


@personal_data
@require("campaigns.field")
def campaign_list(request: ScopedRequest) -> HttpResponse:
    campaigns = list(selectors.campaign_list(request.scope)[:200])
    scopes = places.scope_labels_for(campaigns)
    return render(request, "campaigns/campaign_list.html", {
        "campaigns": [(c, _(", ").join(scopes[c.pk])) for c in campaigns],
        "may_create": request.scope.can("campaigns.manage")})


@personal_data
@require("campaigns.manage")
def campaign_create(request: ScopedRequest) -> HttpResponse:
    scope = request.scope
    community = registry_selectors.communities_where(scope, "campaigns.manage").first()
    assert community is not None  # require() above: the user manages campaigns in a community
    form = CampaignForm(request.POST or None, community=community,
                        initial={"starts_on": timezone.localdate(), "kind": request.GET.get("kind", Kind.TEST_ROUND)})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        url = submit_once(request, lambda: reverse("campaigns:detail", args=[services.campaign_create(
            actor=request.user, community=community, name=d["name"], kind=d["kind"], starts_on=d["starts_on"],
            ends_on=d["ends_on"], grid=d["grid"], compounds=d["compounds"], buildings=d["building_list"],
            request=request).pk]), form=form)
        if url is not None:
            return redirect(url)
    return render(request, "campaigns/campaign_form.html", {"form": form, "community": community})


@personal_data
@require("campaigns.field")
def campaign_detail(request: ScopedRequest, pk: int) -> HttpResponse:
    """The coverage at a glance: totals, then by grid, compound, building and unit."""
    campaign = selectors.campaign_get(request.scope, pk)
    coverage = selectors.coverage(request.scope, campaign)
    return render(request, "campaigns/campaign_detail.html", {
        "campaign": campaign, "coverage": coverage, "manages": selectors.manages(request.scope, campaign),
        "scope_label": _(", ").join(places.scope_labels(campaign)),
    })


@personal_data
@require("campaigns.manage")
def campaign_open(request: ScopedRequest, pk: int) -> HttpResponse:
    return _transition(request, pk, services.campaign_open, _("The campaign is open; its targets are fixed."))


@personal_data
@require("campaigns.manage")
def campaign_close(request: ScopedRequest, pk: int) -> HttpResponse:
    return _transition(request, pk, services.campaign_close, _("The campaign is closed."))


@require_POST
def _transition(request: ScopedRequest, pk: int, service: Any, done: str) -> HttpResponse:
    campaign = selectors.campaign_get(request.scope, pk)
    _manage(request, campaign)
    try:
        service(actor=request.user, campaign=campaign, request=request)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, done)
    return redirect("campaigns:detail", pk=campaign.pk)


# -- missing persons ------------------------------------------------------------------------------

# A missing list longer than this is printed in the background (campaigns/jobs.py) from the page.
MISSING_PDF_AT_ONCE = 2000


def _missing_filters(request: HttpRequest) -> dict[str, int | None]:
    form = MissingFilterForm(request.GET)
    form.is_valid()
    return {k: form.cleaned_data.get(k) for k in ("compound", "building", "unit", "grid")}


@personal_data
@require("campaigns.field")
def missing_list(request: ScopedRequest, pk: int) -> HttpResponse:
    campaign = selectors.campaign_get(request.scope, pk)
    filters = _missing_filters(request)
    qs = selectors.missing_targets(request.scope, campaign, **filters)
    if request.GET.get("format") == "xlsx":
        return exports.missing_xlsx(request, campaign, qs, filters)
    if request.GET.get("format") == "pdf":
        return exports.missing_pdf(request, campaign, qs, filters)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in filters.items() if v})
    # Numbers are masked on every page (a reveal is audited): the Call button reveals one and dials.
    return render(request, "campaigns/missing_list.html", {
        "campaign": campaign, "page": page, "query": query, "in_background": page.paginator.count > MISSING_PDF_AT_ONCE,
        "may_call": request.scope.can("person.call", campaign.community_id),
        "manages": selectors.manages(request.scope, campaign)})


@personal_data
@require_POST
@require("campaigns.field")
def missing_pdf_job(request: ScopedRequest, pk: int) -> HttpResponse:
    """The missing list as PDF, made in the background (campaigns/jobs.py, the same function as the
    page's link) with a progress page; once per submitted form."""
    campaign = selectors.campaign_get(request.scope, pk)
    filters = _missing_filters(request)

    def start() -> str:
        job = job_start(user=request.user, kind=MISSING_PDF, community=campaign.community,
                        title=_("Missing list: %(campaign)s") % {"campaign": campaign.name},
                        params={"campaign": campaign.pk, "filters": filters, "client": client_address(request)},
                        back=reverse("campaigns:missing", args=[campaign.pk]))
        return reverse("jobs:detail", args=[job.pk])
    return redirect(run_once(request, start))


@personal_data
@require("person.call")
@require_POST
def call(request: ScopedRequest, pk: int, target_pk: int) -> HttpResponse:
    """Staff, or a grid worker of the person's grid, call a missing person: the phone number is
    revealed to them through the registry's reveal (audited) and dialled. JSON for the page's script (which then opens
    the tel: link), else a page with the number to tap."""
    from django.http import JsonResponse

    from shequ.registry.services import person_reveal

    scope = request.scope
    campaign = selectors.campaign_get(scope, pk)
    if not scope.can("person.call", campaign.community_id):
        raise PermissionDenied
    target = selectors.target_get(scope, campaign, target_pk)
    person = selectors.person_to_call(scope, target)
    phone = person_reveal(actor=request.user, person=person, request=request)["phone"] if person.phone else ""
    if request.headers.get("Accept", "").startswith("application/json"):
        response: HttpResponse = JsonResponse({"phone": phone, "tel": f"tel:{phone}" if phone else ""})
    else:
        response = render(request, "campaigns/call.html", {"campaign": campaign, "person": person, "phone": phone})
    response["Cache-Control"] = "no-store"
    return response


@personal_data
@require("campaigns.manage")
def compare_previous(request: ScopedRequest, pk: int) -> HttpResponse:
    campaign = selectors.campaign_get(request.scope, pk)
    _manage(request, campaign)
    qs = selectors.sampled_last_time_not_now(request.scope, campaign)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "campaigns/compare.html", {
        "campaign": campaign, "page": page, "may_call": request.scope.can("person.call", campaign.community_id)})


@personal_data
@require("campaigns.field")
def target_exempt(request: ScopedRequest, pk: int, target_pk: int) -> HttpResponse:
    campaign = selectors.campaign_get(request.scope, pk)
    target = selectors.target_get(request.scope, campaign, target_pk)
    form = ExemptForm(request.POST or None, initial={"reason": target.exempt_reason, "note": target.exempt_note})
    if request.method == "POST" and form.is_valid():
        url = submit_once(request, lambda: (services.target_exempt(
            actor=request.user, target=target, reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"], request=request), reverse("campaigns:missing", args=[campaign.pk]))[1],
            form=form)
        if url is not None:
            messages.success(request, _("Saved."))
            return redirect(url)
    return render(request, "campaigns/exempt_form.html", {"campaign": campaign, "target": target, "form": form})


# -- screening --------------------------------------------------------------------------------------


@personal_data
@require("campaigns.field")
def visit_list(request: ScopedRequest, pk: int) -> HttpResponse:
    """A grid worker's phone list: households not visited yet, by building, unit and floor."""
    campaign = selectors.campaign_get(request.scope, pk)
    households = selectors.unvisited_households(request.scope, campaign)
    page = Paginator(households, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "campaigns/visit_list.html", {"campaign": campaign, "page": page})


@personal_data
@require("campaigns.field")
def household_visit(request: ScopedRequest, pk: int, household_pk: int) -> HttpResponse:
    campaign = selectors.campaign_get(request.scope, pk)
    target_household = selectors.household_target_get(request.scope, campaign, household_pk)
    household = target_household.household
    persons = list(household.persons.filter(status=Person.Status.ACTIVE).order_by("id"))
    form = VisitForm(None, persons=persons)
    found = FoundPersonForm(None)
    if request.method == "POST" and request.POST.get("action") == "found":
        found = FoundPersonForm(request.POST)
        if found.is_valid():
            d = found.cleaned_data
            try:
                data = clean_person_fields(name=d["name"], id_number=d["id_number"], phone=d["phone"],
                                           residency=d["residency"], relation=d["relation"])
            except ValidationError as exc:
                add_service_errors(found, exc)
            else:
                url = submit_once(request, lambda: (services.person_found(
                    actor=request.user, campaign=campaign, household=household, data=data, request=request),
                    request.path)[1], form=found)
                if url is not None:
                    messages.success(request, _("Added to the registry and to this campaign."))
                    return redirect(url)
    elif request.method == "POST":
        form = VisitForm(request.POST, persons=persons)
        if form.is_valid():
            d = form.cleaned_data
            url = submit_once(request, lambda: (services.visit_record(
                actor=request.user, campaign=campaign, household=household, outcome=d["outcome"],
                present=d["present"], moved_out=d["moved_out"], deceased=d["deceased"], notes=d["notes"],
                request=request), reverse("campaigns:visits", args=[campaign.pk]))[1], form=form)
            if url is not None:
                messages.success(request, _("Visit saved."))
                return redirect(url)
    visits = campaign.visits.filter(household=household).select_related("visitor")[:10]
    head = next((p for p in persons if p.relation == Person.Relation.HEAD), persons[0] if persons else None)
    return render(request, "campaigns/household_visit.html", {
        "campaign": campaign, "household": household, "th": target_household, "form": form, "found": found,
        "visits": visits, "head_name": head.name if head else ""})


# -- test rounds ------------------------------------------------------------------------------------


@personal_data
@require("campaigns.field")
def point_list(request: ScopedRequest, pk: int) -> HttpResponse:
    campaign = selectors.campaign_get(request.scope, pk)
    manages = selectors.manages(request.scope, campaign)
    form = PointForm(request.POST or None, community=campaign.community)
    if request.method == "POST":
        _manage(request, campaign)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.point_create(actor=request.user, campaign=campaign, name=d["name"], location=d["location"],
                                      slots=[(d["starts_at"], d["ends_at"], list(d["buildings"]))], request=request)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("campaigns:points", pk=campaign.pk)
    points = [(p, [(slot, places.slot_buildings_label(sb.building for sb in slot.slot_buildings.all()))
                   for slot in p.slots.all()])
              for p in selectors.point_list(request.scope, campaign)]
    return render(request, "campaigns/point_list.html", {
        "campaign": campaign, "points": points, "form": form, "manages": manages})


def _sample_url(campaign: Campaign, **params: Any) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return reverse("campaigns:sample", args=[campaign.pk]) + (f"?{query}" if query else "")


def _point_id(campaign: Campaign, value: Any) -> int | None:
    """The sampling point chosen, if it is one of this round's."""
    text = str(value or "")
    return int(text) if text.isdigit() and campaign.points.filter(pk=int(text)).exists() else None


@personal_data
@require("campaigns.field")
def sample(request: ScopedRequest, pk: int) -> HttpResponse:
    """Sample registration on a phone: the tube barcode and its pooling, then one person at a time
    (a scanned pass, an ID or phone number, or a person chosen from the look-up). The look-up's
    search and Add buttons belong to the same form as the tube field (``form="sample-form"``), so
    searching keeps the tube typed so far, and Add puts that person into that tube; sample.js does
    the same in place, through the offline queue."""
    campaign = selectors.campaign_get(request.scope, pk)
    if campaign.kind != Kind.TEST_ROUND:
        return render(request, "campaigns/sample.html", {"campaign": campaign, "screening": True})
    data = request.POST if request.method == "POST" else request.GET
    q = data.get("q", "").strip()
    form = None
    if request.method == "POST":
        wants_lookup = request.POST.get("action") == "lookup" or (q and not any(
            request.POST.get(k, "").strip() for k in ("credential", "person", "close")))
        if wants_lookup:
            return redirect(_sample_url(campaign, tube=request.POST.get("tube", "").strip(),
                                        pooling=request.POST.get("pooling"),
                                        point=_point_id(campaign, request.POST.get("point")), q=q))
        form = SampleForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            person, problem = _person_for(request, campaign, d)
            chosen = campaign.points.filter(pk=d["point"]).first() if d["point"] else None
            specs = [services.SampleIn(client_id=d["client_id"], person=person, problem=problem)]
            if person is None and not problem and d["close"]:
                specs = []
            try:
                registration = services.tube_register(
                    actor=request.user, campaign=campaign, code=d["tube"], pooling=d["pooling"], samples=specs,
                    point=chosen, close=d["close"], request=request)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                for s in registration.samples:
                    if s.status == "rejected":
                        messages.error(request, s.problem)
                    elif s.repeat:
                        messages.warning(request, _("This person was already sampled in this round."))
                for w in registration.warnings:
                    messages.warning(request, w)
                registered = registration.tube
                return redirect(_sample_url(campaign, tube="" if registered.is_closed else registered.code,
                                            pooling=registered.pooling, point=chosen.pk if chosen else None,
                                            last=registered.pk, q=q))
    code = (data.get("tube") or "").strip().upper()
    pooling = data.get("pooling") or "10"
    point = _point_id(campaign, data.get("point"))
    if form is None:
        form = SampleForm(initial={"tube": code, "pooling": pooling, "point": point,
                                   "client_id": SampleForm.new_client_id()})
    else:
        # Shown again after a refusal: a new client_id, so that the next try is a new registration.
        replace_submitted(form, client_id=str(SampleForm.new_client_id()))
    form.fields["tube" if not code else "credential"].widget.attrs["autofocus"] = True
    tube = Tube.objects.filter(campaign=campaign, code=code).first() if code else None
    last_pk = request.GET.get("last", "")
    last = Tube.objects.filter(campaign=campaign, pk=int(last_pk)).first() if last_pk.isdigit() else None
    found = selectors.lookup_persons(request.scope, campaign, q)
    sampled = selectors.sampled_tubes(campaign, [p.pk for p in found])
    return render(request, "campaigns/sample.html", {
        "campaign": campaign, "form": form, "tube": tube, "last": last if last and last != tube and last.is_closed else None,
        "samples": selectors.tube_samples(request.scope, tube) if tube else [],
        "found": [(p, sampled.get(p.pk, [])) for p in found], "q": q, "code": code, "point": point,
        "points": campaign.points.all(), "manages": selectors.manages(request.scope, campaign)})


def _person_for(request: ScopedRequest, campaign: Campaign, d: dict[str, Any]) -> tuple[Person | None, str]:
    if d.get("person"):
        person = selectors.field_persons(request.scope, campaign).filter(
            pk=d["person"]).select_related("household__room").first()
        return person, "" if person else _("Not found in this community.")
    credential = (d.get("credential") or "").strip()
    if not credential:
        return None, "" if d.get("close") else _("Scan a pass or type an ID or phone number.")
    return services.identify_for_sampling(campaign=campaign, credential=credential)


@personal_data
@require("campaigns.field")
def door_to_door(request: ScopedRequest, pk: int) -> HttpResponse:
    campaign = selectors.campaign_get(request.scope, pk)
    rows = selectors.door_to_door(request.scope, campaign)
    # A sealed compound puts thousands on the list: a page at a time on the phone.
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "campaigns/door_to_door.html", {
        "campaign": campaign, "page": page, "rows": page.object_list})


@personal_data
@require("campaigns.manage")
def results_page(request: ScopedRequest, pk: int) -> HttpResponse:
    """Import lab results (.csv/.xlsx) or enter one by hand."""
    campaign = selectors.campaign_get(request.scope, pk)
    _manage(request, campaign)
    upload = ResultsUploadForm()
    entry = ResultEntryForm()
    report = None
    refused = upload_refused_message(request) if request.method == "POST" else None
    if refused:
        upload = ResultsUploadForm(request.POST)
        upload.is_valid()
        upload.errors.pop("file", None)
        upload.add_error("file", refused)
    elif request.method == "POST" and "file" in request.FILES:
        upload = ResultsUploadForm(request.POST, request.FILES)
        if upload.is_valid():
            f = upload.cleaned_data["file"]
            try:
                report = results.results_import(actor=request.user, campaign=campaign, file=f, filename=f.name,
                                                request=request)
            except results.ResultsTooCostly as exc:
                upload.add_error("file", str(exc))
            except results.ResultsFileError as exc:
                upload.add_error("file", _("The file cannot be read: %(reason)s") % {"reason": exc})
    elif request.method == "POST":
        entry = ResultEntryForm(request.POST)
        if entry.is_valid():
            d = entry.cleaned_data
            try:
                outcome = results.result_enter(actor=request.user, campaign=campaign, code=d["code"],
                                               result=d["result"], at=d["at"], request=request)
            except ValidationError as exc:
                add_service_errors(entry, exc)
            else:
                if outcome.retests:
                    messages.warning(request, _("%(n)s persons are on the re-test list.") % {"n": outcome.retests})
                messages.success(request, _("Result saved for tube %(code)s.") % {"code": outcome.tube.code})
                return redirect("campaigns:results", pk=campaign.pk)
    return render(request, "campaigns/results.html", {"campaign": campaign, "upload": upload, "entry": entry,
                                                      "report": report})


@personal_data
@require("campaigns.field")
def retest_list(request: ScopedRequest, pk: int) -> HttpResponse:
    """The re-test list by source tube, each with its people, their restrictions in force and, for
    those who manage containment, one action that orders home quarantine for the tube's persons."""
    from shequ.containment.selectors import restrictions_in_force

    campaign = selectors.campaign_get(request.scope, pk)
    rows = list(selectors.retest_list(request.scope, campaign))
    if request.GET.get("format") == "xlsx":
        return exports.retests_xlsx(request, campaign, rows)
    may_quarantine = request.scope.can("containment.manage", campaign.community_id)
    restricted = restrictions_in_force({r.person_id for r in rows}, timezone.now())
    groups: dict[int, dict[str, Any]] = {}
    for r in rows:
        group = groups.setdefault(r.source_tube_id, {"tube": r.source_tube, "rows": [], "pending": 0})
        group["rows"].append((r, restricted.get(r.person_id, [])))
        group["pending"] += r.status == "pending"
    for group in groups.values():
        if may_quarantine and group["tube"].result == "positive":
            group["form"] = QuarantineForm()
    return render(request, "campaigns/retest_list.html", {"campaign": campaign, "groups": list(groups.values())})


@personal_data
@require("containment.manage")
@require_POST
def retest_quarantine(request: ScopedRequest, pk: int, tube_pk: int) -> HttpResponse:
    campaign = selectors.campaign_get(request.scope, pk)
    if not request.scope.can("containment.manage", campaign.community_id):
        raise PermissionDenied
    tube = selectors.tube_get(request.scope, campaign, tube_pk)
    form = QuarantineForm(request.POST)
    back = reverse("campaigns:retests", args=[campaign.pk])
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, str(e))  # an ErrorList yields its messages as text
        return redirect(back)
    outcome: list[services.QuarantineOutcome] = []

    def order() -> str:
        outcome.append(services.retest_quarantine(actor=request.user, campaign=campaign, tube=tube,
                                                  days=form.cleaned_data["days"], request=request))
        return back

    url = submit_once(request, order)
    if url is None:  # the refusal is in the messages
        return redirect(back)
    if outcome:  # not a resubmission of a form already done
        done = outcome[0]
        messages.success(request, _("Home quarantine ordered for %(n)s persons of tube %(code)s.") % {
            "n": len(done.ordered), "code": tube.code})
        if done.already:
            messages.info(request, _("Already under a restriction, left as it was: %(names)s.") % {
                "names": _(", ").join(f"{p.name} ({r.get_kind_display()})" for p, r in done.already)})
    return redirect(url)


@personal_data
@require("campaigns.field")
def tube_list(request: ScopedRequest, pk: int) -> HttpResponse:
    campaign = selectors.campaign_get(request.scope, pk)
    tubes = selectors.tube_list(request.scope, campaign)
    status = request.GET.get("result")
    if status in ("positive", "invalid", "negative"):
        tubes = tubes.filter(result=status)
    elif status == "pending":
        tubes = tubes.filter(result="")
    page = Paginator(tubes, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "campaigns/tube_list.html", {"campaign": campaign, "page": page, "status": status})


@personal_data
@require("campaigns.field")
def tube_detail(request: ScopedRequest, pk: int, tube_pk: int) -> HttpResponse:
    campaign = selectors.campaign_get(request.scope, pk)
    tube = selectors.tube_get(request.scope, campaign, tube_pk)
    if request.method == "POST":
        try:
            services.tube_close(actor=request.user, tube=tube, request=request)
        except ValidationError as exc:
            _errors(request, exc)
        return redirect("campaigns:tube", pk=campaign.pk, tube_pk=tube.pk)
    return render(request, "campaigns/tube_detail.html", {
        "campaign": campaign, "tube": tube,
        "samples": selectors.tube_samples(request.scope, tube)})

