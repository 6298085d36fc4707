"""The gate screen: what a guard uses at the gate, on a phone, day and night.

Every page works without JavaScript: the form posts here and gets the verdict page back. With
JavaScript (gates/static/gates/screen.js) the same form is posted with ``Accept: application/json``
and the verdict comes back as JSON, so the screen never reloads; when the server cannot be reached,
the script decides locally from the offline bundle (``bundle.json``) and queues the passage, which it
posts here again, with the same client_id, when the network returns. Either way the passage goes
through ``services.record_passage``, once per client_id.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import uuid
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.gzip import gzip_page

from shequ.containment import services as containment
from shequ.containment.forms import PermitRequestForm
from shequ.containment.models import Permit
from shequ.core.forms import replace_submitted, submit_once
from shequ.core.http import ScopedRequest
from shequ.core.idnumber import IDNumberError, parse_id_number
from shequ.core.masking import mask_name
from shequ.core.phone import PhoneError, normalize_phone
from shequ.core.privacy import personal_data
from shequ.core.scoping import require
from shequ.core.temperature import range_message
from shequ.core.templatetags.shequ import age
from shequ.gates import offline, selectors, services
from shequ.gates.forms_screen import PassageForm, VisitorForm
from shequ.gates.ledger import permit_label
from shequ.gates.models import Decision, Direction, Gate, HealthCode, Passage
from shequ.gates.rules import FEVER_AT, PERMIT_LIFTS, TEMPERATURE_MAX, TEMPERATURE_MIN, reason_labels
from shequ.passes import tokens as pass_tokens
from shequ.registry.models import Person

_DIRECTION_KEY = "gates.screen.direction"  # the last direction the guard recorded (session)
# The phone or ID number a guard typed for someone who is not in the registry, kept in the session
# (never in a URL) for the visitor form that the refusal offers.
_VISITOR_PREFILL_KEY = "gates.screen.visitor_prefill"


def _keep_for_visitor_form(request: HttpRequest, passage: Passage, credential: str) -> None:
    if "unknown_person" not in passage.reasons or not credential or pass_tokens.looks_like_token(credential):
        return
    prefill = {"passage": passage.pk, "phone": "", "id_number": ""}
    try:
        prefill["phone"] = normalize_phone(credential)
    except PhoneError:
        try:
            prefill["id_number"] = parse_id_number(credential).number
        except (IDNumberError, ValueError):
            return
    request.session[_VISITOR_PREFILL_KEY] = prefill


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _address(room: Any) -> str:
    return f"{room.unit.building.compound.name} {room.address}"


def verdict_of(passage: Passage, *, created: bool) -> dict[str, Any]:
    """What the screen shows after a passage, as JSON for the script and as context for the page."""
    subject: dict[str, Any] | None = None
    if passage.person is not None:
        person = passage.person
        subject = {"name": mask_name(person.name), "address": _address(person.household.room), "visitor": False}
    elif passage.visitor is not None:
        visitor = passage.visitor
        subject = {"name": mask_name(visitor.name), "address": _address(visitor.host_household.room),
                   "visitor": True}
    permit = passage.permit if passage.permit_id is not None else None
    # Refused by containment (not by a check a permit cannot lift): the guard may ask for a permit.
    may_request = (passage.decision == Decision.DENY and bool(PERMIT_LIFTS & set(passage.reasons))
                   and subject is not None)
    return {
        "decision": passage.decision,
        "reasons": list(passage.reasons),
        "reason_labels": reason_labels(passage.reasons),
        "permit": {"id": permit.pk, "by": permit.approver, "label": permit_label(permit)} if permit else None,
        "permit_request_url": (f"{reverse('gates:screen_permit', args=[passage.gate_id])}?"
                               + urlencode({"passage": passage.pk})) if may_request else "",
        "person": subject,
        "passage_id": passage.pk,
        "created": created,
        "offline": passage.offline,
        "recorded_at": passage.recorded_at.isoformat(),
        # Nobody in the registry answered to the credential: offer the visitor form, with the
        # checks already taken.
        "visitor_url": (f"{reverse('gates:screen_visitor', args=[passage.gate_id])}?"
                        + urlencode({"temperature": passage.temperature or "", "health_code": passage.health_code,
                                     "mask": "yes" if passage.mask else "no", "passage": passage.pk}))
        if "unknown_person" in passage.reasons and passage.visitor_id is None else "",
    }


def _passage_qs() -> Any:
    return Passage.objects.select_related(
        "person__household__room__unit__building__compound",
        "visitor__host_household__room__unit__building__compound",
        "permit__decided_by",
    )


def _config(request: HttpRequest, gate: Gate) -> dict[str, Any]:
    """What the script needs besides the bundle: URLs, rule constants, labels in the user's language."""
    return {
        "gate": gate.pk,
        "user": request.user.pk,
        "gate_closed": gate.status == Gate.Status.CLOSED,
        "urls": {
            "record": reverse("gates:screen", args=[gate.pk]),
            "bundle": reverse("gates:screen_bundle", args=[gate.pk]),
            "lookup": reverse("gates:screen_lookup", args=[gate.pk]),
            "visitor": reverse("gates:screen_visitor", args=[gate.pk]),
            "worker": reverse("gates:screen_worker"),
            "permits": reverse("gates:screen_permits", args=[gate.pk]),
        },
        "rules": {"fever_at": str(FEVER_AT), "temperature_min": str(TEMPERATURE_MIN),
                  "temperature_max": str(TEMPERATURE_MAX),
                  # A queued passage older than this is refused by the server (record_passage).
                  "recorded_back_days": services.RECORDED_BACK.days},
        "reasons": offline.reason_label_table(),
        "text": {
            "allow": _("Allowed"),
            "deny": _("Refused"),
            "offline_verdict": _("decided offline"),
            "waiting": _("offline: %(n)s waiting"),
            "failed": _("%(n)s could not be recorded"),
            "stale": _("%(n)s of them are older than %(days)s days: connect now, the server accepts passages "
                       "for %(limit)s days only"),
            "sending": _("sending…"),
            "login": _("Log in again to send the waiting passages."),
            "bundle_age": _("offline list from %(time)s"),
            "no_bundle": _("no offline list yet"),
            "temperature_range": range_message(),
            "did_you_mean": _("%(value)s °C is out of range; did you mean %(suggestion)s?"),
            "need_identity": _("Scan the pass, type an ID or phone number, or look the person up."),
            "need_temperature": _("Take the temperature first."),
            "offline_credential": _("Offline: ID and phone numbers cannot be checked. Scan the pass or look the person up by room."),
            "offline_lookup": _("Offline: searching the offline list (rooms and masked names)."),
            "not_found": _("Nobody found."),
            "found": _("%(n)s found"),
            "permit_by": _("permit by %(by)s, until %(until)s"),
            "register_visitor": _("Register the visitor"),
            "visitor": _("Visitor"),
            "unknown": _("Unidentified"),
            "selected": _("Selected"),
            "camera_error": _("The camera could not be started."),
            "server_error": _("The server refused this passage:"),
            "storage_full": _("This phone's storage is full: the passage could not be kept. Write it down."),
        },
    }


def _duty(gate: Gate) -> dict[str, Any]:
    now = timezone.now()
    current = selectors.shift_at(gate.community_id, now, gate=gate)
    guards = selectors.on_duty(gate, now)
    return {"shift": current[0] if current else None,
            "guards": [g.get_full_name() or g.username for g in guards]}


def _permit_rows(gate: Gate) -> list[dict[str, Any]]:
    """The permits the guard sees at this gate (selectors.permits_at_gate), as the screen lists them."""
    now = timezone.now()
    rows = []
    for p in selectors.permits_at_gate(gate, now)[:30]:
        room = p.person.household.room if p.person is not None else p.room
        place = room.address if room is not None else str(p.place)
        waiting = p.status == Permit.Status.REQUESTED and p.ends_at > now
        usable = p.in_force(now)
        rows.append({
            "id": p.pk, "who": mask_name(p.holder_name), "visitor": p.is_visitor, "place": place,
            "status": "waiting" if waiting else "in_force" if usable else "approved_later" if (
                p.status == Permit.Status.APPROVED and p.ends_at > now) else p.status,
            "status_label": _("waiting for the office") if waiting else permit_label(p) if usable else (
                _("refused: %(note)s") % {"note": p.decision_note} if p.status == Permit.Status.REFUSED
                and p.decision_note else p.get_status_display()),
            "visitor_url": (f"{reverse('gates:screen_visitor', args=[gate.pk])}?" + urlencode({"permit": p.pk}))
            if usable and p.is_visitor else "",
        })
    return rows


def _render_screen(request: HttpRequest, gate: Gate, form: PassageForm, *, verdict: dict[str, Any] | None = None,
                   picked: Person | None = None, status: int = 200) -> HttpResponse:
    context = {
        "gate": gate, "form": form, "verdict": verdict, "duty": _duty(gate), "picked": picked,
        "picked_details": _sex_and_age(picked) if picked is not None else "",
        "permits": _permit_rows(gate),
        "config": _config(request, gate),
        "temperature_min": TEMPERATURE_MIN, "temperature_max": TEMPERATURE_MAX,
        "health_codes": HealthCode.choices, "directions": Direction.choices,
    }
    return render(request, "gates/screen.html", context, status=status)


def _fresh_form(request: HttpRequest, gate: Gate, **initial: Any) -> PassageForm:
    direction = request.session.get(_DIRECTION_KEY, Direction.IN)
    return PassageForm(gate=gate, initial={"client_id": uuid.uuid4(), "direction": direction, **initial})


@personal_data
@require("gates.screen")
def screen_start(request: ScopedRequest) -> HttpResponse:
    """A guard posted to one gate goes straight to it; otherwise pick one (none: say so)."""
    gates = list(selectors.gate_list(request.scope))
    if len(gates) == 1:
        return redirect("gates:screen", pk=gates[0].pk)
    return render(request, "gates/screen_start.html", {"gates": gates})


@personal_data
@require("gates.screen")
def screen(request: ScopedRequest, pk: int) -> HttpResponse:
    gate = selectors.gate_get(request.scope, pk)
    if request.method != "POST":
        picked = None
        if request.GET.get("person", "").isdigit():
            picked = (selectors.compound_persons(gate)
                      .filter(pk=int(request.GET["person"]), status=Person.Status.ACTIVE).first())
        form = _fresh_form(request, gate, person=picked.pk if picked else None)
        return _render_screen(request, gate, form, picked=picked)

    as_json = _wants_json(request)
    form = PassageForm(request.POST, gate=gate)
    result = None
    direction = ""
    if form.is_valid() and form.checks is not None:
        direction = form.checks.direction
        try:
            result = services.record_passage(
                gate=gate, actor=request.user, checks=form.checks, client_id=form.cleaned_data["client_id"],
                recorded_at=form.cleaned_data.get("recorded_at"),
                credential=None if form.person_obj else form.cleaned_data["credential"],
                person=form.person_obj, offline_decision=form.cleaned_data.get("offline_decision") or "",
            )
        except services.ClientIdConflict:
            if as_json:
                return JsonResponse({"message": _("This client_id was used at another gate.")}, status=409)
            form.add_error(None, _("This form was already used at another gate; it has been renewed."))
            replace_submitted(form, client_id=str(uuid.uuid4()))
        except ValidationError as e:
            form.add_error(None, e.messages)
    if result is None:
        if as_json:
            return JsonResponse({"message": _("Please correct the marked fields."),
                                 "errors": {f: [str(m) for m in ms] for f, ms in form.errors.items()},
                                 "suggestion": form.suggestion}, status=422)
        return _render_screen(request, gate, form, picked=form.person_obj)

    request.session[_DIRECTION_KEY] = direction
    passage = _passage_qs().get(pk=result.passage.pk)
    if form.person_obj is None:
        _keep_for_visitor_form(request, passage, form.cleaned_data["credential"])
    verdict = verdict_of(passage, created=result.created)
    if as_json:
        return JsonResponse(verdict, status=201 if result.created else 200)
    return _render_screen(request, gate, _fresh_form(request, gate), verdict=verdict)


def _sex_and_age(person: Person) -> str:
    """"女 · 34岁" beside a masked name, so that a guard can tell 刘*强 the father from 刘*强 the son."""
    parts = []
    if person.sex in (Person.Sex.MALE, Person.Sex.FEMALE):
        parts.append(str(person.get_sex_display()))
    if person.birth_date is not None:
        parts.append(_("%(age)s years") % {"age": age(person.birth_date)})
    return " · ".join(parts)


@personal_data
@require("gates.screen")
def screen_lookup(request: ScopedRequest, pk: int) -> HttpResponse:
    """Room (9-2-502), name, pinyin or last digits -> the persons of the gate's compound, masked."""
    gate = selectors.gate_get(request.scope, pk)
    q = request.GET.get("q", "").strip()[:60]
    found = selectors.lookup_at_gate(gate, q) if q else None
    persons = [p for p in (found.persons if found else []) if p.status == Person.Status.ACTIVE]
    rows = [{"id": p.pk, "name": mask_name(p.name), "details": _sex_and_age(p), "address": _address(p.household.room)}
            for p in persons]
    if _wants_json(request):
        return JsonResponse({"q": q, "persons": rows})
    return render(request, "gates/screen_lookup.html", {"gate": gate, "q": q, "rows": rows, "searched": bool(q)})


@personal_data
@require("gates.screen")
@gzip_page
def screen_bundle(request: ScopedRequest, pk: int) -> HttpResponse:
    """The offline bundle of this gate (gates/offline.py), for the screen's local decisions.

    Fetched every few minutes by every open screen, often over a phone's mobile data: it is
    compressed, and a screen that sends the ETag of the bundle it holds gets a 304 while nothing in
    it changed. (Compression is safe here: the body reflects nothing the client sent.)"""
    gate = selectors.gate_get(request.scope, pk)
    data = offline.bundle_for_gate(gate)
    data["user"] = request.user.pk
    data["reasons"] = offline.reason_label_table()
    stable = json.dumps({k: v for k, v in data.items() if k != "generated_at"}, sort_keys=True)
    etag = '"' + hashlib.sha256(stable.encode()).hexdigest()[:32] + '"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponse(status=304)
    else:
        response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "separators": (",", ":")})
    response["ETag"] = etag
    # Personal data (masked names, pass tokens): kept by the screen's script, never by a cache.
    response["Cache-Control"] = "private, no-store"
    return response


@personal_data
@require("gates.screen")
def screen_visitor(request: ScopedRequest, pk: int) -> HttpResponse:
    """Register a visitor and record their entry; the verdict is shown on the screen."""
    gate = selectors.gate_get(request.scope, pk)
    if request.method != "POST":
        initial: dict[str, Any] = {"client_id": uuid.uuid4()}
        for key in ("temperature", "health_code", "mask"):
            if request.GET.get(key):
                initial[key] = request.GET[key][:10]
        prefill = request.session.get(_VISITOR_PREFILL_KEY) or {}
        if request.GET.get("passage") and request.GET["passage"] == str(prefill.get("passage")):
            # The phone (or ID number) typed at the screen for this unknown person.
            initial.update({k: prefill[k] for k in ("phone", "id_number") if prefill.get(k)})
        if request.GET.get("permit", "").isdigit():
            # A visitor's permit in force here: its name, host and reason; the phone is typed again,
            # since the gate matches the permit by it.
            permit = selectors.permits_at_gate(gate, timezone.now()).filter(
                pk=int(request.GET["permit"]), person__isnull=True, status=Permit.Status.APPROVED).first()
            if permit is not None:
                initial.update({"name": permit.visitor_name, "reason": permit.reason,
                                "host": permit.room.address if permit.room is not None else ""})
        form = VisitorForm(gate=gate, initial=initial)
        return _render_visitor(request, gate, form)
    form = VisitorForm(request.POST, gate=gate)
    result = None
    if form.is_valid() and form.checks is not None and form.host_household is not None:
        data = form.cleaned_data
        try:
            result = services.visitor_register(
                gate=gate, actor=request.user, name=data["name"], phone=data["phone"],
                id_number=data["id_number"], host_household=form.host_household, reason=data["reason"],
                vehicle_plate=data["vehicle_plate"], checks=form.checks, client_id=data["client_id"],
            )
        except services.ClientIdConflict:
            form.add_error(None, _("This form was already used at another gate; it has been renewed."))
            replace_submitted(form, client_id=str(uuid.uuid4()))
        except ValidationError as e:
            form.apply_service_errors(e)
    if result is None:
        return _render_visitor(request, gate, form)
    passage = _passage_qs().get(pk=result.passage.pk)
    return _render_screen(request, gate, _fresh_form(request, gate), verdict=verdict_of(passage, created=result.created))


def _render_visitor(request: HttpRequest, gate: Gate, form: VisitorForm) -> HttpResponse:
    return render(request, "gates/screen_visitor.html", {
        "gate": gate, "form": form, "duty": _duty(gate), "health_codes": HealthCode.choices,
        "visitor_fields": [form[name] for name in ("name", "phone", "id_number", "host", "reason", "vehicle_plate")],
        "temperature_min": TEMPERATURE_MIN, "temperature_max": TEMPERATURE_MAX,
    })


@personal_data
@require("gates.screen")
def screen_permits(request: ScopedRequest, pk: int) -> HttpResponse:
    """Permits at this gate's compound: in force now, and the requests of the last day with what the
    office decided. The screen's script asks every few seconds while a request waits."""
    gate = selectors.gate_get(request.scope, pk)
    rows = _permit_rows(gate)
    if _wants_json(request):
        response = JsonResponse({"permits": rows}, json_dumps_params={"ensure_ascii": False})
        response["Cache-Control"] = "private, no-store"
        return response
    return render(request, "gates/screen_permits.html", {"gate": gate, "permits": rows, "duty": _duty(gate)})


@personal_data
@require("gates.screen")
def screen_permit(request: ScopedRequest, pk: int) -> HttpResponse:
    """Ask the office for a permit for someone this gate refused for containment (a restriction, a
    sealed area, the exit quota, a sealed host): the office is alerted and decides on its phone;
    once approved, recording the person (or registering the visitor) again lets them through."""
    gate = selectors.gate_get(request.scope, pk)
    passage_id = request.GET.get("passage") or request.POST.get("passage") or ""
    if not passage_id.isdigit():
        raise Http404
    passage = selectors.passage_get(request.scope, int(passage_id))
    if passage.gate_id != gate.pk or not verdict_of(passage, created=False)["permit_request_url"]:
        raise Http404  # only a refusal a permit could lift, at this gate
    person, visitor = passage.person, passage.visitor
    if person is not None:
        home, who = person.household.room, person.name
    elif visitor is not None:
        home, who = visitor.host_household.room, visitor.name
    else:  # cannot be: the verdict offers a permit to someone identified only
        raise Http404
    form = PermitRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def ask() -> str:
            now = timezone.now()
            containment.permit_request(
                actor=request.user, place=home, reason=data["reason"], starts_at=now,
                ends_at=now + dt.timedelta(hours=data["hours"]), person=person,
                visitor_name=visitor.name if visitor else "", visitor_phone=visitor.phone if visitor else "",
                where=str(gate), request=request)
            return reverse("gates:screen", args=[gate.pk]) + "#permits"

        url = submit_once(request, ask, form=form)
        if url is not None:
            messages.success(request, _("Permit requested: the office has been told. The answer shows on this "
                                        "screen under “Permits here”."))
            return redirect(url)
    return render(request, "gates/screen_permit.html", {
        "gate": gate, "form": form, "passage": passage, "duty": _duty(gate),
        "who": mask_name(who), "visitor": visitor is not None,
        "address": _address(home), "reasons": reason_labels([r for r in passage.reasons if r in PERMIT_LIFTS]),
    })


# The files the screen needs to open without the network (screen.html and base.html load these).
SCREEN_ASSETS = ("shequ/shequ.css", "gates/screen.css", "gates/rules.js", "gates/screen.js")


def screen_worker(request: HttpRequest) -> HttpResponse:
    """The gate screen's service worker (templates/gates/sw.js says what it does). Served under
    /gates/ so that it may keep the screen pages; it holds no data, so it needs no login."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as package_version

    try:
        release = package_version("shequ")
    except PackageNotFoundError:  # a source tree that was never installed
        release = ""
    assets = [static(name) for name in SCREEN_ASSETS]
    marker = 987654321
    pattern = "^" + re.escape(reverse("gates:screen", args=[marker])).replace(str(marker), r"\d+") + "$"
    version = hashlib.sha256(json.dumps([release, assets]).encode()).hexdigest()[:16]
    # Rendered without the request: no context processor, so no session or database is read.
    response = HttpResponse(render_to_string("gates/sw.js", {
        "scope": reverse("gates:screen_start").rsplit("screen/", 1)[0],
        "assets_json": json.dumps(assets), "screen_pattern_json": json.dumps(pattern),
        "version_json": json.dumps(version),
    }), content_type="text/javascript; charset=utf-8")
    # The browser checks for a new worker on each visit; never from an HTTP cache.
    response["Cache-Control"] = "no-cache"
    return response
