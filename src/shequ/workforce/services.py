"""Writes of the workforce: shift templates, posts, putting people on duty.

Keyword-only, ``actor`` first, one transaction with the audit event. The gate roster calls these
through gates.services (which adds the guard's gate post, GateGuard).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.accounts.services import NewAccount, member_create
from shequ.audit.models import AuditEvent
from shequ.audit.services import audit_record
from shequ.core.phone import PhoneError, normalize_phone
from shequ.core.scoping import Role
from shequ.core.temperature import parse_temperature
from shequ.core.text import normalize
from shequ.registry.models import Building, Person
from shequ.workforce import selectors
from shequ.workforce.models import Assignment, CallOut, HealthDeclaration, Post, Shift, Volunteer

# Three 8-hour shifts (三班倒); the evening one runs to midnight, the night one starts there.
DEFAULT_SHIFTS = [("早班", dt.time(8), dt.time(16)), ("中班", dt.time(16), dt.time(0)), ("夜班", dt.time(0), dt.time(8))]


def shifts_ensure_default(*, community_id: int) -> list[Shift]:
    """Three 8-hour shifts, unless the community has defined its own. Setting up defaults is not an
    act of anyone: no audit event (as before, in the gate roster)."""
    if not Shift.objects.filter(community_id=community_id).exists():
        Shift.objects.bulk_create([Shift(community_id=community_id, name=n, starts=s, ends=e)
                                   for n, s, e in DEFAULT_SHIFTS], ignore_conflicts=True)
    return list(Shift.objects.filter(community_id=community_id))


@transaction.atomic
def shift_create(*, actor: Any, community: Any, name: str, starts: dt.time, ends: dt.time,
                 request: Any = None) -> Shift:
    """A custom shift (e.g. 12-hour shifts, or 2-hour volunteer turns). A shift that ends at or before
    it starts runs past midnight. Names are unique in the community."""
    name = normalize(name).strip()
    if not name:
        raise ValidationError({"name": _("Name the shift.")})
    if starts == ends:
        raise ValidationError({"ends": _("A shift cannot start and end at the same time.")})
    if Shift.objects.filter(community=community, name=name).exists():
        raise ValidationError({"name": _("The community already has a shift with this name.")})
    shift = Shift(community=community, name=name[:30], starts=starts, ends=ends)
    shift.full_clean()
    shift.save()
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, community=community, obj=shift,
                 summary=f"shift {shift}", request=request)
    return shift


def gate_posts_ensure(*, community_id: int, gates: list[tuple[int, str]]) -> dict[int, Post]:
    """The post of each gate (``(gate id, name)``), made when missing: every gate is a post of kind
    "gate" needing one person per shift. Like the default shifts, a post that mirrors a gate is set-up
    rather than anyone's act: no audit event. Returns gate id -> post."""
    posts = {p.gate_id: p for p in Post.objects.filter(gate_id__in=[g for g, _n in gates])}
    missing = [Post(community_id=community_id, kind=Post.Kind.GATE, gate_id=g, name=name[:80])
               for g, name in gates if g not in posts]
    if missing:
        Post.objects.bulk_create(missing, ignore_conflicts=True)
        posts = {p.gate_id: p for p in Post.objects.filter(gate_id__in=[g for g, _n in gates])}
    return {g: p for g, p in posts.items() if g is not None}


@transaction.atomic
def post_create(*, actor: Any, community: Any, kind: str, name: str, needed: int = 1,
                request: Any = None) -> Post:
    """A post that is not a gate (gate posts come with their gates). Names are unique per community."""
    name = normalize(name).strip()
    errors: dict[str, str] = {}
    if kind not in Post.Kind.values or kind == Post.Kind.GATE:
        errors["kind"] = _("Choose the kind of post; a gate's post comes with the gate.")
    if not name:
        errors["name"] = _("Name the post, for example 配送组.")
    elif Post.objects.filter(community=community, name=name).exists():
        errors["name"] = _("The community already has a post with this name.")
    if not 1 <= needed <= 50:
        errors["needed"] = _("A post needs between 1 and 50 people per shift.")
    if errors:
        raise ValidationError(errors)
    post = Post(community=community, kind=kind, name=name[:80], needed=needed)
    post.full_clean()
    post.save()
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, community=community, obj=post,
                 summary=f"post {post.kind} {post.name} needs {post.needed}", request=request)
    return post


@transaction.atomic
def post_set_needed(*, actor: Any, post: Post, needed: int, request: Any = None) -> Post:
    if not 1 <= needed <= 50:
        raise ValidationError({"needed": _("A post needs between 1 and 50 people per shift.")})
    if post.needed != needed:
        before = post.needed
        post.needed = needed
        post.save(update_fields=["needed"])
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, community=post.community, obj=post,
                     summary=f"post {post.name} needs {before} -> {needed}", request=request)
    return post


@transaction.atomic
def assignment_create(*, actor: Any, post: Post, shift: Shift, date: dt.date, user: Any,
                      request: Any = None, summary: str = "") -> tuple[Assignment, bool]:
    """Put someone on duty at a post for a shift on a day; the same duty twice is the first one.
    Returns the duty and whether it is new."""
    if shift.community_id != post.community_id:
        raise ValidationError({"shift": _("The shift belongs to another community.")})
    reason = selectors.unassignable_reason(user, post.community_id, date)
    if reason:
        raise ValidationError(reason)
    duty, created = Assignment.objects.get_or_create(
        post=post, shift=shift, date=date, user=user, defaults={"community_id": post.community_id})
    if created:
        audit_record(actor=actor, action=AuditEvent.Action.CREATE, community=post.community, obj=duty,
                     summary=summary or f"duty {user} {post} {date} {shift.name}", request=request)
    return duty, created


@transaction.atomic
def assignment_remove(*, actor: Any, duty: Assignment, request: Any = None) -> None:
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, community=duty.community, obj=duty,
                 summary=f"duty removed {duty.user} {duty.post} {duty.date}", request=request)
    duty.delete()


# -- volunteers ------------------------------------------------------------------------------------


def volunteer_signup(*, actor: Any = None, community: Any, name: str, phone: str, building: Building | None = None,
                     skills: list[str] | None = None, languages: str = "", availability: str = "",
                     request: Any = None) -> tuple[Volunteer, bool]:
    """A sign-up from the public form (no account yet). One per phone and community: the same phone
    again, a double submit or a resubmit after "back", finds the first sign-up and changes nothing.
    Returns the sign-up and whether it is new. ``actor``: whoever is signed in on the phone, if
    anyone (the form is public)."""
    errors: dict[str, str] = {}
    name = normalize(name).strip()
    if not name:
        errors["name"] = _("Give your name.")
    try:
        phone = normalize_phone(phone)
    except PhoneError as exc:
        errors["phone"] = str(exc)
    unknown = sorted(set(skills or []) - set(Volunteer.Skill.values))
    if unknown:
        errors["skills"] = _("Unknown skill: %(skill)s.") % {"skill": ", ".join(unknown)}
    if building is not None and building.community_id != community.pk:
        errors["building"] = _("The building is not in this community.")
    if errors:
        raise ValidationError(errors)
    found = Volunteer.objects.filter(community=community, phone=phone).first()
    if found is not None:
        return found, False
    volunteer = Volunteer(community=community, name=name[:60], phone=phone, building=building,
                          skills=sorted(set(skills or [])), languages=normalize(languages).strip()[:100],
                          availability=normalize(availability).strip()[:200])
    volunteer.full_clean()
    try:
        with transaction.atomic():
            volunteer.save()
            audit_record(actor=actor, username="" if actor is not None else "signup", action=AuditEvent.Action.CREATE, community=community,
                         obj=volunteer, summary=f"volunteer sign-up {volunteer.name}", request=request)
    except IntegrityError:  # the same phone at the same moment: the first one stands
        return Volunteer.objects.get(community=community, phone=phone), False
    return volunteer, True


@transaction.atomic
def volunteer_approve(*, actor: Any, volunteer: Volunteer, request: Any = None) -> NewAccount | None:
    """Vetting passed: the volunteer gets an account with the volunteer role (accounts' member_create,
    with its one-time password to hand over) and is linked to their registry person when their
    phone matches exactly one. Approving again changes nothing (None)."""
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    if volunteer.status == Volunteer.Status.APPROVED:
        return None
    account = member_create(actor=actor, community=volunteer.community, name=volunteer.name, role=Role.VOLUNTEER,
                            phone=volunteer.phone, request=request)
    persons = list(Person.objects.filter(community_id=volunteer.community_id, phone=volunteer.phone,
                                         status=Person.Status.ACTIVE).values_list("id", flat=True)[:2])
    volunteer.person_id = persons[0] if len(persons) == 1 else None
    volunteer.user = account.user
    volunteer.status = Volunteer.Status.APPROVED
    volunteer.decided_at, volunteer.decided_by = timezone.now(), actor
    volunteer.save(update_fields=["person", "user", "status", "decided_at", "decided_by"])
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, community=volunteer.community, obj=volunteer,
                 summary=f"volunteer {volunteer.name} approved as {account.user.username}", request=request)
    return account


@transaction.atomic
def volunteer_refuse(*, actor: Any, volunteer: Volunteer, request: Any = None) -> Volunteer:
    if volunteer.status == Volunteer.Status.PENDING:
        volunteer.status = Volunteer.Status.REFUSED
        volunteer.decided_at, volunteer.decided_by = timezone.now(), actor
        volunteer.save(update_fields=["status", "decided_at", "decided_by"])
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, community=volunteer.community, obj=volunteer,
                     summary=f"volunteer {volunteer.name} refused", request=request)
    return volunteer


@transaction.atomic
def health_declare(*, actor: Any, community: Any, temperature: Any, request: Any = None) -> HealthDeclaration:
    """The user's own temperature for today; declaring again the same day replaces it (the latest
    reading counts)."""
    value = parse_temperature(temperature)
    if value is None:
        raise ValidationError({"temperature": _("Give the temperature you took, for example 36.5.")})
    now = timezone.now()
    declaration, _created = HealthDeclaration.objects.update_or_create(
        user=actor, date=timezone.localdate(now), defaults={
            "community": community, "temperature": value, "declared_at": now})
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, community=community, obj=declaration,
                 summary=f"health status {declaration.date} {value}", request=request)
    return declaration


# -- call-outs ---------------------------------------------------------------------------------------


class CallOutTaken(ValidationError):
    """The call-out was filled (or called off) before this accept."""


@transaction.atomic
def callout_create(*, actor: Any, post: Post, shift: Shift, date: dt.date, request: Any = None) -> CallOut:
    """Offer a shift of a post to the volunteers on standby. Calling out the same post, shift and day
    while a call is open is that call."""
    if shift.community_id != post.community_id:
        raise ValidationError({"shift": _("The shift belongs to another community.")})
    if date < timezone.localdate() - dt.timedelta(days=1):
        raise ValidationError({"date": _("A shift that is over cannot be called out.")})
    found = CallOut.objects.filter(post=post, shift=shift, date=date, status=CallOut.Status.OPEN).first()
    if found is not None:
        return found
    callout = CallOut(community_id=post.community_id, post=post, shift=shift, date=date, created_by=actor,
                      created_at=timezone.now())
    callout.save()
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, community=post.community, obj=callout,
                 summary=f"call-out {post} {date} {shift.name}", request=request)
    return callout


def callout_accept(*, actor: Any, callout: CallOut, request: Any = None) -> Assignment:
    """The first volunteer to accept gets the shift. One conditional UPDATE decides, the first
    statement of the transaction, so two accepts at the same moment cannot both win on PostgreSQL
    (the second waits for the row and then finds it filled) nor on SQLite (writers queue)."""
    reason = selectors.unassignable_reason(actor, callout.community_id, callout.date)
    if reason:
        raise ValidationError(reason)
    now = timezone.now()
    with transaction.atomic():
        won = CallOut.objects.filter(pk=callout.pk, status=CallOut.Status.OPEN).update(
            status=CallOut.Status.FILLED, accepted_by=actor, accepted_at=now)
        if not won:
            raise CallOutTaken(_("Someone else has already taken this shift. Thank you: you stay on standby."))
        callout.refresh_from_db()
        duty, _created = assignment_create(actor=actor, post=callout.post, shift=callout.shift, date=callout.date,
                                           user=actor, request=request,
                                           summary=f"call-out accepted {actor} {callout.post} {callout.date}")
        CallOut.objects.filter(pk=callout.pk).update(assignment=duty)
        callout.assignment = duty
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, community=callout.community, obj=callout,
                     summary=f"call-out filled by {actor} after {callout.minutes_to_fill} min", request=request)
    return duty


@transaction.atomic
def callout_cancel(*, actor: Any, callout: CallOut, request: Any = None) -> CallOut:
    if CallOut.objects.filter(pk=callout.pk, status=CallOut.Status.OPEN).update(status=CallOut.Status.CANCELLED):
        callout.status = CallOut.Status.CANCELLED
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, community=callout.community, obj=callout,
                     summary=f"call-out cancelled {callout.post} {callout.date}", request=request)
    return callout
