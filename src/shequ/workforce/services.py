"""Writes of the workforce: shift templates, posts, putting people on duty.

Keyword-only, ``actor`` first, one transaction with the audit event. The gate roster calls these
through gates.services (which adds the guard's gate post, GateGuard).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shequ.audit.models import AuditEvent
from shequ.audit.services import audit_record
from shequ.core.text import normalize
from shequ.workforce.models import Assignment, Post, Shift

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
