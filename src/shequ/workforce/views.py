"""Workforce pages: the duty board, call-outs, volunteers (sign-up, vetting, hours, certificates) and
the volunteer's own page. Short views: parse input -> selector/service -> render or redirect."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from shequ.accounts.views import SLIPS_SESSION_KEY
from shequ.audit.exports import export_record
from shequ.core.forms import submit_once
from shequ.core.http import ScopedRequest
from shequ.core.masking import mask_phone
from shequ.core.privacy import personal_data
from shequ.core.scoping import require
from shequ.core.submission import new_key, run_once
from shequ.registry.models import Building, Community
from shequ.workforce import prints, selectors, services
from shequ.workforce.forms import CallOutForm, HealthForm, PostForm, SignupForm
from shequ.workforce.models import CallOut, Volunteer


def _community(request: ScopedRequest, value: str | None) -> Community:
    try:
        pk = int(value) if value else None
    except ValueError:
        pk = None
    return selectors.managed_community(request.scope, pk)


def _back(name: str, community: Community) -> str:
    return reverse(name) + "?" + urlencode({"community": community.pk})


@personal_data
@require("workforce.manage")
def board(request: ScopedRequest) -> HttpResponse:
    """Posts x shifts for today and tomorrow, gaps in the current and next shift highlighted; a
    post that is not a gate is added here."""
    community = _community(request, request.POST.get("community") or request.GET.get("community"))
    services.shifts_ensure_default(community_id=community.pk)
    form = PostForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        url = submit_once(request, lambda: (services.post_create(
            actor=request.user, community=community, kind=data["kind"], name=data["name"], needed=data["needed"],
            request=request), _back("workforce:board", community))[1], form=form)
        if url is not None:
            messages.success(request, _("Post %(name)s added.") % {"name": data["name"].strip()})
            return redirect(url)
    closed = [p.gate_id for p in selectors.post_list(request.scope, community)
              if p.gate_id is not None and getattr(p.gate, "status", "open") != "open"]
    return render(request, "workforce/board.html", {
        "community": community, "board": selectors.board(request.scope, community, closed_gates=closed),
        "form": form, "communities": selectors.managed_communities(request.scope)})


@personal_data
@require("workforce.manage")
def callouts(request: ScopedRequest) -> HttpResponse:
    """Call out a shift short of people; the call-outs with who accepted and how fast."""
    community = _community(request, request.POST.get("community") or request.GET.get("community"))
    posts = list(selectors.post_list(request.scope, community))
    shifts = services.shifts_ensure_default(community_id=community.pk)
    initial = {k: request.GET[k] for k in ("post", "shift", "date") if request.GET.get(k)}
    form = CallOutForm(request.POST or None, initial=initial, posts=posts, shifts=shifts)
    if request.method == "POST" and form.is_valid():
        o = form.objects()
        url = submit_once(request, lambda: reverse("workforce:callout", args=[
            services.callout_create(actor=request.user, request=request, **o).pk]), form=form)
        if url is not None:
            messages.success(request, _("The shift is offered to the volunteers on standby."))
            return redirect(url)
    return render(request, "workforce/callouts.html", {
        "community": community, "form": form, "callouts": selectors.callout_list(request.scope, community)[:100]})


@personal_data
@require("workforce.own")
def callout(request: ScopedRequest, pk: int) -> HttpResponse:
    """The link on a volunteer's phone: the shift offered, and "I take it". The first to accept gets
    it; whoever comes second is told so. The office sees the same page with its link to share."""
    item = selectors.callout_get(request.scope, pk)
    if request.method == "POST":
        if item.status == CallOut.Status.OPEN or item.accepted_by_id != request.user.pk:
            def accept() -> str:
                services.callout_accept(actor=request.user, callout=item, request=request)
                return reverse("workforce:mine")

            try:
                url = run_once(request, accept)
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, message)
                return redirect(reverse("workforce:callout", args=[item.pk]))
            messages.success(request, _("The shift is yours: %(post)s, %(shift)s on %(date)s.") % {
                "post": item.post.name, "shift": item.shift.name, "date": item.date.isoformat()})
            return redirect(url)
        return redirect(reverse("workforce:mine"))
    return render(request, "workforce/callout.html", {
        "callout": item, "office": request.scope.can("workforce.manage", item.community_id),
        "link": request.build_absolute_uri(reverse("workforce:callout", args=[item.pk])),
        "mine": item.accepted_by_id == request.user.pk, "key": new_key(),
        "reason": selectors.unassignable_reason(request.user, item.community_id, item.date)})


@personal_data
@require("workforce.own")
def mine(request: ScopedRequest) -> HttpResponse:
    """A volunteer's (or anyone on duty's) own page: their shifts, the call-outs offered to them,
    their health status for today."""
    today = timezone.localdate()
    communities = sorted(request.scope.communities_where("workforce.own"))
    form = HealthForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and communities:
        community = Community.objects.get(pk=communities[0])
        url = submit_once(request, lambda: (services.health_declare(
            actor=request.user, community=community, temperature=form.cleaned_data["temperature"],
            request=request), reverse("workforce:mine"))[1], form=form)
        if url is not None:
            messages.success(request, _("Thank you: your temperature for today is recorded."))
            return redirect(url)
    volunteer = Volunteer.objects.filter(user_id=request.scope.user_id or 0).first()
    standby = volunteer is None or volunteer.standby
    return render(request, "workforce/mine.html", {
        "duties": selectors.my_duties(request.scope, since=today)[:50],
        "offered": list(selectors.callouts_offered(request.scope, since=today)) if standby else [],
        "health": selectors.health_today(request.user, today), "form": form, "today": today,
        "reason": selectors.unassignable_reason(request.user, communities[0], today) if communities else "",
        "served": sum(s.hours for c in communities for s in selectors.hours_served(
            request.scope, Community.objects.get(pk=c), user_id=request.user.pk))})


@personal_data
@require("workforce.manage")
def volunteers(request: ScopedRequest) -> HttpResponse:
    """Sign-ups to vet (approve: a volunteer account with a one-time password; refuse), hours served."""
    community = _community(request, request.POST.get("community") or request.GET.get("community"))
    if request.method == "POST":
        volunteer = selectors.volunteer_get(request.scope, int(request.POST.get("volunteer") or 0))
        if request.POST.get("action") == "approve":
            def approve() -> str:
                account = services.volunteer_approve(actor=request.user, volunteer=volunteer, request=request)
                if account is None:
                    return _back("workforce:volunteers", community)
                request.session[SLIPS_SESSION_KEY] = [{
                    "user": account.user.pk, "username": account.user.username, "name": account.user.first_name,
                    "password": account.password, "role": account.membership.role}]
                return reverse("accounts:slips")
            url = submit_once(request, approve)
        else:
            url = submit_once(request, lambda: (services.volunteer_refuse(
                actor=request.user, volunteer=volunteer, request=request), _back("workforce:volunteers", community))[1])
        return redirect(url or _back("workforce:volunteers", community))
    rows = list(selectors.volunteer_list(request.scope, community))
    for v in rows:
        v.phone_masked = mask_phone(v.phone)  # type: ignore[attr-defined]
    return render(request, "workforce/volunteers.html", {
        "community": community, "volunteers": rows, "key": new_key(), "served": selectors.hours_served(request.scope, community),
        "join_url": request.build_absolute_uri(reverse("workforce:join", args=[community.code]))})


def join(request: HttpRequest, code: str) -> HttpResponse:
    """The public sign-up form the QR poster opens (no account needed)."""
    community = get_object_or_404(Community, code=code)
    buildings = list(Building.objects.filter(community=community).select_related("compound").order_by(
        "compound__name", "number"))
    form = SignupForm(request.POST or None, buildings=buildings)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data

        def signup() -> str:
            services.volunteer_signup(
                actor=request.user if request.user.is_authenticated else None, community=community, name=d["name"], phone=d["phone"],
                building=form.buildings.get(d["building"]) if d["building"] else None, skills=d["skills"],
                languages=d["languages"], availability=d["availability"], request=request)
            return reverse("workforce:join", args=[code]) + "?done=1"

        url = submit_once(request, signup, form=form)
        if url is not None:
            return redirect(url)
    return render(request, "workforce/join.html", {"community": community, "form": form,
                                                   "done": request.GET.get("done") == "1"})


@personal_data
@require_GET
@require("workforce.manage")
def poster(request: ScopedRequest) -> HttpResponse:
    """The QR poster of the sign-up link (PDF, Chinese)."""
    community = _community(request, request.GET.get("community"))
    url = request.build_absolute_uri(reverse("workforce:join", args=[community.code]))
    response = HttpResponse(prints.poster_pdf(community_name=community.name, url=url),
                            content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="volunteer-poster.pdf"'
    return response


@personal_data
@require_GET
@require("workforce.manage")
def certificate(request: ScopedRequest, user_pk: int) -> HttpResponse:
    """A certificate of service (PDF, Chinese) for someone who served in the community."""
    community = _community(request, request.GET.get("community"))
    served = selectors.hours_served(request.scope, community, user_id=user_pk)
    if not served:
        raise Http404
    duties = selectors.duties_of(request.scope, community, user_pk)
    one = served[0]
    body = prints.certificate_pdf(community_name=community.name, name=one.user.first_name or one.user.username,
                                  hours=round(one.hours, 1), shifts=one.shifts, first=duties[0].date if duties else None,
                                  last=duties[-1].date if duties else None, issued=timezone.localdate())
    export_record(actor=request.user, community=community, what="certificate of service", count=1, masking=None,
                  detail=f"user={user_pk}", request=request)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{user_pk}.pdf"'
    return response


