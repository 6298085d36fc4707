"""Pass pages: a person's pass (issue, reissue), a household's passes, pass cards as PDF, and the
resident's own passes on their phone.

Persons, households, buildings and grids are found through the registry selectors, so the user's
Scope decides: a grid worker reaches the persons of their grid and gets a 404 for anyone else's.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.audit.services import client_address
from shequ.core.http import ScopedRequest
from shequ.core.pdf import cjk_font, qr_svg
from shequ.core.privacy import personal_data
from shequ.core.scoping import require
from shequ.core.submission import run_once
from shequ.gates import cards, selectors, services
from shequ.gates.forms_passes import PassIssueForm, PassSearchForm
from shequ.gates.jobs import COMMUNITY_CARDS
from shequ.jobs.services import job_start
from shequ.passes import services as passes
from shequ.passes import tokens as pass_tokens
from shequ.passes.models import Pass
from shequ.registry import selectors as registry
from shequ.registry.models import Person

ACTIVE = Person.Status.ACTIVE


def _active_passes(person_ids: list[int]) -> dict[int, Pass]:
    return {p.person_id: p for p in Pass.objects.filter(person_id__in=person_ids, revoked_at__isnull=True)}


def _require_manage(request: ScopedRequest, community_id: int) -> None:
    if not request.scope.can("passes.manage", community_id):
        raise PermissionDenied


# -- staff pages -------------------------------------------------------------------------------


@personal_data
@require("passes.manage")
def pass_index(request: ScopedRequest) -> HttpResponse:
    """Find a person; print the cards of a building or a grid."""
    scope = request.scope
    form = PassSearchForm(request.GET or None)
    found = None
    if form.is_valid() and form.cleaned_data["q"]:
        found = registry.search(scope, form.cleaned_data["q"], limit=50)
    buildings = registry.buildings_in_scope(scope)
    coverage = selectors.pass_coverage(scope, buildings)
    rows = [{"building": b, "persons": coverage.get(b.pk, (0, 0))[0], "with_pass": coverage.get(b.pk, (0, 0))[1]}
            for b in buildings]
    grids = registry.grids_in_scope(scope)
    whole = [c for c in registry.communities_where(scope, "passes.manage") if c.pk in scope.granted("community")]
    return render(request, "gates/pass_index.html", {"form": form, "found": found, "rows": rows, "grids": grids,
                                                     "whole_community": whole[0] if whole else None})


@personal_data
@require("passes.manage")
def pass_person(request: ScopedRequest, pk: int) -> HttpResponse:
    person = registry.person_get(request.scope, pk)
    _require_manage(request, person.community_id)
    history = list(person.passes.select_related("issued_by").order_by("-issued_at", "-id"))
    active = next((p for p in history if p.revoked_at is None), None)
    return render(request, "gates/pass_person.html", {
        "person": person, "active": active, "history": history,
        "card_number": cards.card_number(active) if active else "",
    })


@personal_data
@require("passes.manage")
def pass_issue(request: ScopedRequest, pk: int) -> HttpResponse:
    """Confirm, then issue a pass; a current pass is revoked in the same transaction."""
    person = registry.person_get(request.scope, pk)
    _require_manage(request, person.community_id)
    if person.status != ACTIVE:
        messages.error(request, _("%(name)s no longer lives here: no pass can be issued.") % {"name": person.name})
        return redirect("gates:pass_person", pk=person.pk)
    active = Pass.objects.filter(person=person, revoked_at__isnull=True).first()
    form = PassIssueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        def issue() -> str:
            passes.pass_issue(actor=request.user, person=person, request=request)
            return reverse("gates:pass_person", args=[person.pk])

        url = run_once(request, issue)
        if active is not None:
            messages.success(request, _("A new pass was issued; the old pass no longer opens any gate."))
        else:
            messages.success(request, _("A pass was issued."))
        return redirect(url)
    return render(request, "gates/pass_issue.html", {"person": person, "active": active, "form": form})


@personal_data
@require("passes.manage")
def pass_household(request: ScopedRequest, pk: int) -> HttpResponse:
    household = registry.household_get(request.scope, pk)
    _require_manage(request, household.community_id)
    persons = list(household.persons.filter(status=ACTIVE).order_by("id"))
    active = _active_passes([p.pk for p in persons])
    rows = [{"person": p, "pass": active.get(p.pk),
             "number": cards.card_number(active[p.pk]) if p.pk in active else ""} for p in persons]
    return render(request, "gates/pass_household.html", {"household": household, "rows": rows})


INVITE_FIELD = "invite_codes"


def _cards_response(request: ScopedRequest, *, persons: list[Person], community: Any, subject: Any,
                    label: str, filename: str, back: str) -> HttpResponse:
    """Issue the missing passes and record the print (one service, one transaction), then build the PDF.

    A POST of the print form with its box ticked also issues each household a new invite code (the
    one it had stops working), printed on its cards; the form's one-time key makes a second submit
    of the same form issue nothing: it goes back to ``back`` and says so (only the codes' HMAC is
    kept, so the first PDF is the only one that has them)."""
    invite_codes = request.method == "POST" and bool(request.POST.get(INVITE_FIELD))
    if invite_codes and not request.scope.can("accounts.manage", community.pk):
        raise PermissionDenied
    # A machine without a Chinese font cannot print: refused (FontMissing, the 503 page of
    # core/middleware.py) before a pass is issued or an export recorded that nobody received.
    cjk_font()
    printed: list[services.CardsPrinted] = []

    def print_cards() -> str:
        printed.append(services.pass_cards_print(actor=request.user, persons=persons, community=community,
                                                 subject=subject, invite_codes=invite_codes, request=request))
        return back

    if invite_codes:
        url = run_once(request, print_cards, target=request.path)
        if not printed:
            messages.warning(request, _("These cards were printed already with new invite codes, on the first "
                                        "download. To print new codes, tick the box again and print."))
            return redirect(url)
    else:
        print_cards()
    join_url = request.build_absolute_uri(reverse("accounts:join"))
    body = cards.cards_pdf(cards.cards_for(persons, printed[0].active, printed[0].invites, join_url),
                           title=_("Pass cards: %(subject)s") % {"subject": label})
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@personal_data
@require("passes.manage")
def pass_cards_household(request: ScopedRequest, pk: int) -> HttpResponse:
    household = registry.household_get(request.scope, pk)
    _require_manage(request, household.community_id)
    persons = selectors.printable_persons(request.scope, household=household)
    return _cards_response(request, persons=persons, community=household.community, subject=household,
                           label=household.room.address, filename=f"pass-cards-household-{household.pk}.pdf",
                           back=reverse("gates:pass_household", args=[household.pk]))


@personal_data
@require("passes.manage")
def pass_cards_building(request: ScopedRequest, pk: int) -> HttpResponse:
    building = registry.building_get(request.scope, pk)
    _require_manage(request, building.community_id)
    persons = selectors.printable_persons(request.scope, household__room__unit__building=building)
    return _cards_response(request, persons=persons, community=building.community, subject=building,
                           label=f"{building.compound.name} {building}",
                           filename=f"pass-cards-building-{building.pk}.pdf", back=reverse("gates:passes"))


@personal_data
@require("passes.manage")
def pass_cards_grid(request: ScopedRequest, pk: int) -> HttpResponse:
    grid = registry.grid_get(request.scope, pk)
    _require_manage(request, grid.community_id)
    persons = selectors.printable_persons(request.scope, household__room__unit__building__grid=grid)
    return _cards_response(request, persons=persons, community=grid.community, subject=grid, label=grid.name,
                           filename=f"pass-cards-grid-{grid.pk}.pdf", back=reverse("gates:passes"))


@personal_data
@require_POST
@require("passes.manage")
def pass_cards_community(request: ScopedRequest) -> HttpResponse:
    """The cards of everyone in the community, as a background job (gates/jobs.py) whose page shows
    the progress and then the PDF: for those who manage the whole community (secretary, staff). The
    form's one-time key makes a second click go to the same job."""
    community = next((c for c in registry.communities_where(request.scope, "passes.manage")
                      if c.pk in request.scope.granted("community")), None)
    if community is None:
        raise PermissionDenied
    cjk_font()  # no Chinese font: refused now (the 503 page), not in the worker

    def start() -> str:
        job = job_start(user=request.user, kind=COMMUNITY_CARDS, community=community,
                        title=_("Pass cards: %(subject)s") % {"subject": community.name},
                        params={"client": client_address(request),
                                "join_url": request.build_absolute_uri(reverse("accounts:join"))},
                        back=reverse("gates:passes"))
        return reverse("jobs:detail", args=[job.pk])
    return redirect(run_once(request, start))


# -- the resident's own passes -------------------------------------------------------------------


@personal_data
@require("passes.own")
def passes_own(request: ScopedRequest) -> HttpResponse:
    """Each member's QR for the gate to scan. Only the households the user lives in (a resident's
    membership), whatever other roles they have; no pass is issued here (staff issue them)."""
    households = list(selectors.own_households(request.scope))
    persons = list(Person.objects.filter(household__in=households, status=ACTIVE).order_by("household_id", "id"))
    active = _active_passes([p.pk for p in persons])
    groups = []
    for household in households:
        members = []
        for person in (p for p in persons if p.household_id == household.pk):
            issued = active.get(person.pk)
            members.append({
                "person": person,
                "number": cards.card_number(issued) if issued else "",
                # segno's own SVG markup, built from a token we signed: nothing user-typed is in it.
                "qr": mark_safe(qr_svg(pass_tokens.token_for(issued.code), scale=5)) if issued else None,  # noqa: S308
            })
        groups.append({"household": household, "address": cards.card_address(household.room), "members": members})
    response = render(request, "gates/pass_own.html", {"groups": groups})
    response["Cache-Control"] = "no-store"
    return response
