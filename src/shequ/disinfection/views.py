"""Disinfection pages: the board (places behind today, per property company; the final
disinfections waiting; the secretary's reminder), the places, the phone screen that records a
round with its photo (offline: static/disinfection/record.js), a round's page and its photo.

Every write goes through disinfection.services (audited); every read through the user's Scope
(disinfection selectors): anything outside it is a 404.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from shequ.core.forms import submit_once
from shequ.core.scoping import require
from shequ.disinfection import selectors, services
from shequ.disinfection.forms import PlaceForm, RoundForm
from shequ.disinfection.models import Round
from shequ.registry.models import Community


def _check(request: HttpRequest, capability: str, community_id: int) -> None:
    if not request.scope.can(capability, community_id):  # type: ignore[attr-defined]
        raise PermissionDenied


def _day(request: HttpRequest) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        return selectors.local_day(timezone.now())


@require("disinfection.board")
def board(request: HttpRequest) -> HttpResponse:
    """Which places are behind today, per property company, for the community (or the street)."""
    scope = request.scope  # type: ignore[attr-defined]
    day, now = _day(request), timezone.now()
    if request.method == "POST":
        if request.POST.get("action") != "remind" or not scope.can("disinfection.manage"):
            raise PermissionDenied
        # Today's rounds so far, or (in the morning) yesterday's that were never recorded.
        today = selectors.local_day(now)
        day = today - dt.timedelta(days=1) if request.POST.get("day") == (today - dt.timedelta(days=1)).isoformat() else today
        rows = selectors.board(scope, day=day, now=now)
        managed = scope.communities_where("disinfection.manage")
        if not any(r.behind and r.company is not None and r.community.pk in managed for r in rows):
            messages.info(request, _("No property company is behind."))
            return redirect("disinfection:board")
        communities = Community.objects.filter(id__in=sorted(managed))

        def remind() -> str:
            sent = []
            for community in communities:
                sent += services.reminders_send(actor=request.user, community=community, rows=rows, day=day,
                                                request=request)
            messages.success(request, _("Reminders sent: %(n)s.") % {"n": len(sent)})
            return reverse("disinfection:board")

        return redirect(submit_once(request, remind) or reverse("disinfection:board"))
    rows = selectors.board(scope, day=day, now=now)
    finals = selectors.final_tasks(scope) if scope.can("disinfection.record") else []
    behind = sum(len(r.behind) for r in rows)
    return render(request, "disinfection/board.html", {
        "rows": rows, "day": day, "behind": behind, "finals": finals,
        "reminders": selectors.reminders_for(scope, day=day),
        "street": not scope.can("disinfection.record"),
        "can_remind": scope.can("disinfection.manage"), "key": uuid.uuid4().hex})


@require("disinfection.manage")
def places(request: HttpRequest) -> HttpResponse:
    scope = request.scope  # type: ignore[attr-defined]
    compounds = [c for c in selectors.compound_choices(scope) if scope.can("disinfection.manage", c.community_id)]
    form = PlaceForm(request.POST or None)
    form.fields["compound"].choices = [(c.pk, c.name) for c in compounds]  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        compound = next(c for c in compounds if c.pk == d["compound"])

        def add() -> str:
            services.place_create(actor=request.user, compound=compound, kind=d["kind"], name=d["name"],
                                  target_per_day=d["target_per_day"], request=request)
            return reverse("disinfection:places")

        if (url := submit_once(request, add, form=form)) is not None:
            return redirect(url)
    return render(request, "disinfection/places.html", {"places": selectors.place_list(scope), "form": form})


def _answer(request: HttpRequest, round_: Round | None, created: bool, form: RoundForm | None = None) -> HttpResponse | None:
    """The phone's script (X-Requested-With: fetch) gets JSON: 201 recorded, 200 recorded before
    (the same client id), 422 with the reasons; a plain form post goes back to the screen."""
    if request.headers.get("X-Requested-With") != "fetch":
        return None
    if round_ is None:
        errors = form.errors.get_json_data() if form is not None else {}
        return JsonResponse({"message": _("The round was not recorded."), "errors": {
            k: [e["message"] for e in v] for k, v in errors.items()}}, status=422)
    return JsonResponse({"id": round_.pk, "created": "created" if created else "existing"},
                        status=201 if created else 200)


@require("disinfection.record")
def record(request: HttpRequest) -> HttpResponse:
    """The phone screen: a round of a place (agent, concentration, operator, photo), or a home's
    final disinfection; works offline (static/disinfection/record.js queues rounds with their
    photo and sends them when the network is back)."""
    scope = request.scope  # type: ignore[attr-defined]
    place_rows = [p for p in selectors.place_list(scope) if scope.can("disinfection.record", p.community_id)]
    finals = [t for t in selectors.final_tasks(scope) if scope.can("disinfection.record", t.room.community_id)]
    form = RoundForm(request.POST or None, request.FILES or None, places=place_rows)
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                round_, created = _record(request, d, place_rows, finals)
            except ValidationError as exc:
                from shequ.core.forms import add_service_errors

                add_service_errors(form, exc)
            else:
                answer = _answer(request, round_, created)
                if answer is not None:
                    return answer
                if created:
                    messages.success(request, _("Round recorded: %(place)s at %(at)s.") % {
                        "place": round_.place.name if round_.place else round_.room.address if round_.room else "",
                        "at": timezone.localtime(round_.at).strftime("%H:%M")})
                return redirect("disinfection:record")
        answer = _answer(request, None, False, form)
        if answer is not None:
            return answer
    today = selectors.local_day(timezone.now())
    return render(request, "disinfection/record.html", {
        "form": form, "finals": finals, "client_id": uuid.uuid4(), "has_places": bool(place_rows),
        "max_bytes": settings.SHEQU_PHOTO_MAX_BYTES, "max_mb": f"{settings.SHEQU_PHOTO_MAX_BYTES / 1_000_000:g}",
        "recent": selectors.rounds_of_day(scope, day=today)[:10],
        "reminders": selectors.reminders_for(scope, day=today)})


def _record(request: HttpRequest, d: dict[str, Any], place_rows: list[Any], finals: list[Any]) -> tuple[Round, bool]:
    common = {"actor": request.user, "client_id": d["client_id"], "agent": d["agent"], "operator": d["operator"],
              "concentration": d["concentration"], "at": d["at"], "photo": d["photo"] or None, "request": request}
    earlier = selectors.round_list(request.scope).filter(client_id=d["client_id"]).first()  # type: ignore[attr-defined]
    if earlier is not None:
        return earlier, False  # the phone's queue resending: the task may be done by now
    if d.get("final"):
        task = next((t for t in finals if str(t.group) == str(d["final"])), None)
        if task is None:
            raise Http404
        return services.final_record(task=task, **common)
    place = next((p for p in place_rows if p.pk == d["place"]), None)
    if place is None:
        raise Http404
    return services.round_record(place=place, **common)


@require("disinfection.board")
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.round_get(request.scope, pk)  # type: ignore[attr-defined]
    return render(request, "disinfection/round.html", {"round": item})


@require_GET
@require("disinfection.board")
def photo(request: HttpRequest, pk: int, size: str) -> FileResponse:
    """A round's photo or thumbnail, from the file storage, to those who see the round."""
    item = selectors.round_get(request.scope, pk)  # type: ignore[attr-defined]
    field = {"thumb": item.thumbnail, "photo": item.photo}.get(size)
    if not field:
        raise Http404
    response = FileResponse(field.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response
