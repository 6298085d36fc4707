"""Notices pages: the list, writing a notice from a usual draft, one notice with its poster and its
WeChat texts, the door-knock list where grid workers tick who was told (offline as the gate screen
is: core/static/core/queue.js), the households told in person, and a resident's notices.

Writes go through notices.services with a one-time key (core.forms.submit_once) or, for a tick at a
door, the row's client id, so a double submit, a resubmission after "back" or the phone's queue
sending twice records once. Reads go through the selectors: anything outside the caller's Scope is
a 404.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from shequ.audit.exports import export_record
from shequ.core import excel
from shequ.core.forms import submit_once
from shequ.core.http import ScopedRequest
from shequ.core.privacy import personal_data
from shequ.core.scoping import require
from shequ.notices import selectors, services
from shequ.notices.drafts import DRAFTS, draft_for
from shequ.notices.forms import InPersonForm, KnockForm, NoticeForm
from shequ.notices.models import Knock, Notice
from shequ.notices.poster import poster_pdf
from shequ.registry import selectors as registry
from shequ.registry.models import Community


def _check(request: ScopedRequest, capability: str, community_id: int) -> None:
    if not request.scope.can(capability, community_id):
        raise PermissionDenied


def _communities(request: ScopedRequest) -> list[Community]:
    return list(Community.objects.filter(id__in=request.scope.communities_where("notices.manage")).order_by("code"))


@require("notices.knock")
def notice_list(request: ScopedRequest) -> HttpResponse:
    """Those who write notices see every one with its status; grid workers the published ones."""
    manage = request.scope.can("notices.manage")
    notices = list(selectors.notice_list(request.scope)[:200]) if manage else list(
        selectors.published_for_members(request.scope)[:200])
    return render(request, "notices/list.html", {"notices": notices, "drafts": DRAFTS, "manage": manage})


def _form_targets(data: dict[str, Any]) -> dict[str, list[int]]:
    return {name: list(data.get(name) or []) for name in ("compounds", "buildings", "units", "grids")}


def _target_fields(form: NoticeForm) -> list[object]:
    return [form[name] for name in ("compounds", "buildings", "grids", "units")]


@require("notices.manage")
def notice_new(request: ScopedRequest) -> HttpResponse:
    communities = _communities(request)
    draft = draft_for(request.GET.get("kind", "")) or draft_for(Notice.Kind.GENERAL)
    initial = {"kind": draft.kind, "title": str(draft.title), "body": str(draft.body)} if draft else {}
    form = NoticeForm(request.POST or None, communities=communities, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        community = next(c for c in communities if c.pk == data["community"])
        targets: dict[str, Any] = _form_targets(data)

        def create() -> str:
            notice = services.notice_create(actor=request.user, community=community, kind=data["kind"],
                                            title=data["title"], body=data["body"], signed=data["signed"],
                                            request=request, **targets)
            return reverse("notices:notice", args=[notice.pk])

        url = submit_once(request, create, form=form)
        if url is not None:
            return redirect(url)
    return render(request, "notices/edit.html", {"form": form, "notice": None, "drafts": DRAFTS,
                                                 "targets": _target_fields(form)})


@require("notices.manage")
def notice_edit(request: ScopedRequest, pk: int) -> HttpResponse:
    notice = selectors.notice_get(request.scope, pk)
    _check(request, "notices.manage", notice.community_id)
    if notice.status != Notice.Status.DRAFT:
        return redirect(reverse("notices:notice", args=[notice.pk]))
    initial = {"community": notice.community_id, "kind": notice.kind, "title": notice.title, "body": notice.body,
               "signed": notice.signed, **{name: list(getattr(notice, name).values_list("id", flat=True))
                                           for name in ("compounds", "buildings", "units", "grids")}}
    form = NoticeForm(request.POST or None, communities=[notice.community], initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def update() -> str:
            targets: dict[str, Any] = _form_targets(data)
            services.notice_update(actor=request.user, notice=notice, kind=data["kind"], title=data["title"],
                                   body=data["body"], signed=data["signed"], request=request, **targets)
            return reverse("notices:notice", args=[notice.pk])

        url = submit_once(request, update, form=form)
        if url is not None:
            return redirect(url)
    return render(request, "notices/edit.html", {"form": form, "notice": notice, "drafts": (),
                                                 "targets": _target_fields(form)})


@require("notices.knock")
def notice(request: ScopedRequest, pk: int) -> HttpResponse:
    """One notice: its text, where it goes, publish or withdraw, the poster, a WeChat text per building
    group, and how many of the households told in person have been told."""
    item = selectors.notice_get(request.scope, pk)
    manage = request.scope.can("notices.manage", item.community_id)
    if request.method == "POST":
        _check(request, "notices.manage", item.community_id)
        action = request.POST.get("action", "")

        def act() -> str:
            if action == "publish":
                services.notice_publish(actor=request.user, notice=item, request=request)
            elif action == "withdraw":
                services.notice_withdraw(actor=request.user, notice=item, request=request)
            else:
                raise ValidationError(_("No such action."))
            return reverse("notices:notice", args=[item.pk])

        return redirect(submit_once(request, act) or reverse("notices:notice", args=[item.pk]))
    rows = selectors.door_knock_list(request.scope, item) if item.status != Notice.Status.DRAFT else []
    texts = []
    if manage:
        buildings = selectors.buildings_reached(item)
        texts = [(f"{b.compound.name} {b}", selectors.wechat_text(item, b)) for b in buildings] or [
            (_("Any group"), selectors.wechat_text(item))]
    return render(request, "notices/notice.html", {
        "notice": item, "manage": manage, "places": selectors.target_labels(item),
        "households": selectors.reached(item).count() if manage else None, "texts": texts,
        "counts": selectors.knock_counts(rows)})


@require_GET
@require("notices.manage")
def poster(request: ScopedRequest, pk: int) -> HttpResponse:
    item = selectors.notice_get(request.scope, pk)
    _check(request, "notices.manage", item.community_id)
    day = timezone.localtime(item.published_at).date() if item.published_at else timezone.localdate()
    content = poster_pdf(title=item.title, body=item.body, places=selectors.target_labels(item),
                         signed=item.signed or item.community.name, day=day)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="notice-{item.pk}.pdf"'
    return response


@personal_data
@require("notices.knock")
def knock(request: ScopedRequest, pk: int) -> HttpResponse:
    """The door-knock list: the households of the caller's scope told in person, and a tick for each.
    A tick arrives with its row's client id; the phone's queue may send it twice and it counts once."""
    item = selectors.notice_get(request.scope, pk)
    _check(request, "notices.knock", item.community_id)
    if item.status == Notice.Status.DRAFT:
        return redirect(reverse("notices:notice", args=[item.pk]))
    if request.method == "POST":
        form = KnockForm(request.POST)
        problem = ""
        if form.is_valid():
            try:
                client_id = uuid.UUID(request.POST.get("client_id", ""))
            except ValueError:
                client_id = None
            try:
                household = registry.household_get(request.scope, form.cleaned_data["household"])  # 404 outside
                services.knock_record(actor=request.user, notice=item, household=household,
                                      outcome=form.cleaned_data["outcome"], note=form.cleaned_data["note"],
                                      client_id=client_id, request=request)
            except ValidationError as exc:
                problem = " ".join(exc.messages)
        else:
            problem = " ".join(str(m) for ms in form.errors.values() for m in ms)
        if request.headers.get("X-Requested-With") == "fetch":
            return JsonResponse({"ok": not problem, "problem": problem}, status=200 if not problem else 422)
        if problem:
            from django.contrib import messages

            messages.error(request, problem)
        return redirect(reverse("notices:knock", args=[item.pk]))
    rows = selectors.door_knock_list(request.scope, item)
    if request.GET.get("format") == "xlsx":
        headers = [_("compound"), _("room"), _("head of household"), _("why in person"), _("outcome"), _("note"),
                   _("time")]
        data = [[r.compound, r.address, r.head, r.reason, r.outcome_label, r.note,
                 timezone.localtime(r.at).strftime("%Y-%m-%d %H:%M") if r.at else ""] for r in rows]
        export_record(actor=request.user, community=item.community, what="door-knock list", count=len(data),
                      masking=None, obj=item, request=request)
        response = HttpResponse(excel.write_xlsx(headers, data, title=_("door-knock list")),
                                content_type=excel.XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="door-knock-{item.pk}.xlsx"'
        return response
    shown = request.GET.get("show", "left")
    listed = [r for r in rows if shown == "all" or r.outcome != Knock.Outcome.TOLD]
    return render(request, "notices/knock.html", {
        "notice": item, "rows": [(r, uuid.uuid4()) for r in listed], "counts": selectors.knock_counts(rows),
        "show": shown, "outcomes": Knock.Outcome})


@personal_data
@require("notices.manage")
def in_person(request: ScopedRequest) -> HttpResponse:
    """Households told in person: those marked here, beside the rule (no phone on record, everyone 70
    or older) that adds the others to every door-knock list."""
    q = request.GET.get("q", "").strip()
    found = registry.search(request.scope, q, limit=20).households if q else []
    form = InPersonForm(initial={"address": q})
    if request.method == "POST":
        action = request.POST.get("action", "")

        def act() -> str:
            if action == "mark":
                household = registry.household_get(request.scope, int(request.POST.get("household", "0") or 0))
                _check(request, "notices.manage", household.community_id)
                services.in_person_mark(actor=request.user, household=household,
                                        reason=request.POST.get("reason", ""), request=request)
            elif action == "unmark":
                mark = selectors.in_person_list(request.scope).filter(pk=int(request.POST.get("mark", "0") or 0)).first()
                if mark is None:
                    raise ValidationError(_("No such household on the list."))
                services.in_person_unmark(actor=request.user, mark=mark, request=request)
            else:
                raise ValidationError(_("No such action."))
            return reverse("notices:in_person")

        return redirect(submit_once(request, act) or reverse("notices:in_person"))
    return render(request, "notices/in_person.html", {
        "marks": selectors.in_person_list(request.scope), "found": found, "q": q, "form": form,
        "age": selectors.ELDERLY_AGE})


@require("notices.own")
def mine(request: ScopedRequest) -> HttpResponse:
    return render(request, "notices/mine.html", {"notices": selectors.mine(request.scope)})
