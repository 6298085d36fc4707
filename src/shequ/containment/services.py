"""Setting and ending movement restrictions, containment levels and exit quotas, and granting,
requesting, deciding and revoking permits (all audited)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.alerts.services import alert_raise, alerts_settle
from shequ.audit.models import AuditEvent
from shequ.audit.services import audit_record
from shequ.containment import alert_kinds
from shequ.containment.models import ContainmentArea, ExitQuota, MovementRestriction, Permit
from shequ.containment.selectors import in_force
from shequ.core.masking import mask_name, mask_phone
from shequ.core.phone import PhoneError, normalize_phone
from shequ.core.text import normalize
from shequ.registry.models import Building, Compound, Person, Room, Unit


@transaction.atomic
def restriction_create(
    *, actor: Any, person: Person, kind: str, starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None, reason: str = "", request: Any = None,
) -> MovementRestriction:
    restriction = MovementRestriction(
        community_id=person.community_id, person=person, kind=kind, starts_at=starts_at or timezone.now(),
        ends_at=ends_at, reason=reason, created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    restriction.full_clean()
    restriction.save()
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, community=person.community, obj=restriction,
                 summary=f"{kind} person={person.pk}", request=request)
    return restriction


@transaction.atomic
def restriction_end(*, actor: Any, restriction: MovementRestriction, at: dt.datetime | None = None,
                    request: Any = None) -> MovementRestriction:
    at = at or timezone.now()
    if restriction.ends_at is not None and restriction.ends_at <= at:
        return restriction  # already over: ending it again changes nothing
    restriction.ends_at = max(at, restriction.starts_at + dt.timedelta(seconds=1))
    restriction.save(update_fields=["ends_at"])
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, community=restriction.community, obj=restriction,
                 summary=f"ended person={restriction.person_id}", request=request)
    return restriction


@transaction.atomic
def area_create(
    *, actor: Any, level: str, place: Compound | Building | Unit, starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None, reason: str = "", request: Any = None,
) -> ContainmentArea:
    area = ContainmentArea(
        community_id=place.community_id, level=level, starts_at=starts_at or timezone.now(), ends_at=ends_at,
        reason=reason, created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if isinstance(place, Compound):
        area.compound = place
    elif isinstance(place, Building):
        area.building = place
    elif isinstance(place, Unit):
        area.unit = place
    else:
        raise ValidationError(_("A containment area is a compound, a building or a unit."))
    # The new level replaces the one in force on the same place from the moment it starts: the
    # strictest level over a household wins, so an old "sealed" left running would hide a relaxation.
    place_field = place._meta.model_name or ""  # "compound", "building" or "unit": the area's field
    for earlier in ContainmentArea.objects.filter(in_force(area.starts_at), **{place_field: place}):
        area_end(actor=actor, area=earlier, at=area.starts_at, request=request)
    area.full_clean()
    area.save()
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, community=place.community, obj=area,
                 summary=f"{level} {place._meta.model_name}={place.pk}", request=request)
    return area


@transaction.atomic
def area_end(*, actor: Any, area: ContainmentArea, at: dt.datetime | None = None, request: Any = None) -> ContainmentArea:
    at = at or timezone.now()
    if area.ends_at is not None and area.ends_at <= at:
        return area
    area.ends_at = max(at, area.starts_at + dt.timedelta(seconds=1))
    area.save(update_fields=["ends_at"])
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, community=area.community, obj=area, summary=f"ended {area.level}",
                 request=request)
    return area


# -- permits -------------------------------------------------------------------------------------
# A permit is a short exception: a day's errand, a week of a doctor's visits; never open-ended.
PERMIT_LONGEST = dt.timedelta(days=31)
PERMIT_PLACES = (Compound, Building, Unit, Room)


def free_text(value: object) -> str:
    """A reason or note as the user typed it: full-width punctuation (，（）) and inner spacing stay
    (normalize() would fold them); only invisible characters go and the ends are trimmed."""
    invisible = dict.fromkeys([*map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"),
                               *(c for c in range(32) if chr(c) not in "\t\n"), 127])
    return str(value or "").replace("\r\n", "\n").translate(invisible).strip()


def _home_ids(room: Room) -> dict[str, int]:
    return {"room_id": room.pk, "unit_id": room.unit_id, "building_id": room.unit.building_id,
            "compound_id": room.unit.building.compound_id}


def _permit(
    *, actor: Any, status: str, person: Person | None, visitor_name: str, visitor_phone: str,
    place: Compound | Building | Unit | Room, reason: str, starts_at: dt.datetime | None,
    ends_at: dt.datetime | None,
) -> Permit:
    """A new permit, checked: who (a person, or a visitor's name and phone), where, why, when."""
    now = timezone.now()
    errors: dict[str, str] = {}
    if not isinstance(place, PERMIT_PLACES):
        raise ValidationError(_("A permit is for a compound, a building, a unit or a room."))
    permit = Permit(community_id=place.community_id, status=status, reason=free_text(reason)[:200],
                    # Built unchecked, so that every error is reported at once: no end is one of them.
                    starts_at=starts_at or now, ends_at=ends_at,  # type: ignore[misc]  # None: an error below
                    created_by=actor if getattr(actor, "is_authenticated", False) else None)
    setattr(permit, place._meta.model_name or "", place)  # its field of that name (PERMIT_PLACES)
    if person is not None:
        if person.community_id != place.community_id:
            raise ValidationError({"place": _("The place is in another community.")})
        if person.status != Person.Status.ACTIVE:
            errors["person"] = _("This person has moved out or died.")
        elif not permit.covers(**_home_ids(person.household.room)):
            errors["place"] = _("The place does not include where this person lives (%(address)s).") % {
                "address": person.household.room.address}
        permit.person = person
    else:
        name = normalize(visitor_name)
        if not name:
            errors["visitor_name"] = _("Enter the visitor's name.")
        elif len(name) > 60:
            errors["visitor_name"] = _("The name can be at most %(limit)s characters (it has %(count)s).") % {
                "limit": 60, "count": len(name)}
        try:
            phone = normalize_phone(visitor_phone)
        except PhoneError as e:
            errors["visitor_phone"] = str(e)
            phone = ""
        permit.visitor_name, permit.visitor_phone = name[:60], phone
    if not permit.reason:
        errors["reason"] = _("Enter the reason for the permit.")
    elif len(free_text(reason)) > 200:
        errors["reason"] = _("The reason can be at most %(limit)s characters (it has %(count)s).") % {
            "limit": 200, "count": len(free_text(reason))}
    if ends_at is None:
        errors["ends_at"] = _("A permit needs an end.")
    elif ends_at <= permit.starts_at:
        errors["ends_at"] = _("The end must be later than the start.")
    elif ends_at <= now:
        errors["ends_at"] = _("The end is in the past: it would never be in force.")
    elif ends_at - permit.starts_at > PERMIT_LONGEST:
        errors["ends_at"] = _("A permit can last at most %(days)s days.") % {"days": PERMIT_LONGEST.days}
    if errors:
        raise ValidationError(errors)
    permit.full_clean()
    return permit


def _holder(permit: Permit) -> str:
    return f"person={permit.person_id}" if permit.person_id else f"visitor phone={mask_phone(permit.visitor_phone)}"


def _summary(permit: Permit, what: str) -> str:
    place = permit.place
    return (f"permit {what}: {_holder(permit)} at {place._meta.model_name}={place.pk}, "
            f"{timezone.localtime(permit.starts_at):%Y-%m-%d %H:%M} - {timezone.localtime(permit.ends_at):%Y-%m-%d %H:%M}")


@transaction.atomic
def permit_grant(
    *, actor: Any, place: Compound | Building | Unit | Room, reason: str, ends_at: dt.datetime | None,
    starts_at: dt.datetime | None = None, person: Person | None = None, visitor_name: str = "",
    visitor_phone: str = "", request: Any = None,
) -> Permit:
    """Staff grant a permit: approved by the actor at once."""
    permit = _permit(actor=actor, status=Permit.Status.APPROVED, person=person, visitor_name=visitor_name,
                     visitor_phone=visitor_phone, place=place, reason=reason, starts_at=starts_at, ends_at=ends_at)
    permit.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    permit.decided_at = timezone.now()
    permit.save()
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, community=place.community, obj=permit,
                 summary=_summary(permit, "granted"), request=request)
    return permit


@transaction.atomic
def permit_request(
    *, actor: Any, place: Compound | Building | Unit | Room, reason: str, ends_at: dt.datetime | None,
    starts_at: dt.datetime | None = None, person: Person | None = None, visitor_name: str = "",
    visitor_phone: str = "", where: str = "", request: Any = None,
) -> Permit:
    """A guard asks the office for a permit (from the gate screen, ``where`` names the gate); the
    office is alerted. Not in force until approved."""
    permit = _permit(actor=actor, status=Permit.Status.REQUESTED, person=person, visitor_name=visitor_name,
                     visitor_phone=visitor_phone, place=place, reason=reason, starts_at=starts_at, ends_at=ends_at)
    permit.requested_by = actor if getattr(actor, "is_authenticated", False) else None
    permit.requested_at = timezone.now()
    permit.requested_where = normalize(where)[:100]
    permit.save()
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, community=place.community, obj=permit,
                 summary=_summary(permit, "requested") + (f" at {permit.requested_where}" if where else ""),
                 request=request)
    alert_raise(community_id=permit.community_id, kind=alert_kinds.PERMIT_REQUESTED,
                params={"permit": permit.pk, "where": permit.requested_where or str(place),
                        "who": mask_name(permit.holder_name), "reason": permit.reason},
                url=reverse("containment:permit", args=[permit.pk]))
    return permit


def _decided(permit: Permit) -> None:
    """Refuses a decision on a permit that is no longer a request (someone else decided first)."""
    if permit.status != Permit.Status.REQUESTED:
        by = (permit.decided_by.first_name or permit.decided_by.username) if permit.decided_by else ""
        status = permit.get_status_display()
        if by:
            raise ValidationError(_("This request was already decided: %(status)s by %(by)s.") % {
                "status": status, "by": by})
        raise ValidationError(_("This request was already decided: %(status)s.") % {"status": status})


@transaction.atomic
def permit_approve(*, actor: Any, permit: Permit, ends_at: dt.datetime | None = None,
                   request: Any = None) -> Permit:
    """The office approves a request, as asked or with another end; the request's alert is settled."""
    permit = Permit.objects.select_for_update(of=("self",)).select_related("decided_by").get(pk=permit.pk)
    _decided(permit)
    now = timezone.now()
    end = ends_at or permit.ends_at
    if end <= max(now, permit.starts_at):
        raise ValidationError({"ends_at": _("The end has passed: choose a later end to approve it.")})
    if end - permit.starts_at > PERMIT_LONGEST:
        raise ValidationError({"ends_at": _("A permit can last at most %(days)s days.") % {"days": PERMIT_LONGEST.days}})
    permit.status, permit.ends_at = Permit.Status.APPROVED, end
    permit.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    permit.decided_at = now
    permit.save(update_fields=["status", "ends_at", "decided_by", "decided_at"])
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, community=permit.community, obj=permit,
                 summary=_summary(permit, "approved"), request=request)
    alerts_settle(actor=actor, kind=alert_kinds.PERMIT_REQUESTED, key="permit", value=permit.pk,
                  community_id=permit.community_id, request=request)
    return permit


@transaction.atomic
def permit_refuse(*, actor: Any, permit: Permit, note: str = "", request: Any = None) -> Permit:
    """The office refuses a request (the note says why, for the guard); the request's alert is settled."""
    permit = Permit.objects.select_for_update(of=("self",)).select_related("decided_by").get(pk=permit.pk)
    _decided(permit)
    permit.status = Permit.Status.REFUSED
    permit.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    permit.decided_at = timezone.now()
    permit.decision_note = free_text(note)[:200]
    permit.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, community=permit.community, obj=permit,
                 summary=_summary(permit, "refused"), request=request)
    alerts_settle(actor=actor, kind=alert_kinds.PERMIT_REQUESTED, key="permit", value=permit.pk,
                  community_id=permit.community_id, request=request)
    return permit


@transaction.atomic
def permit_revoke(*, actor: Any, permit: Permit, request: Any = None) -> Permit:
    """An approved permit stops applying at once (or never starts); revoking twice changes nothing."""
    permit = Permit.objects.select_for_update().get(pk=permit.pk)
    now = timezone.now()
    if permit.status != Permit.Status.APPROVED or permit.ends_at <= now:
        return permit
    permit.status = Permit.Status.REVOKED
    permit.revoked_by = actor if getattr(actor, "is_authenticated", False) else None
    permit.revoked_at = now
    permit.ends_at = max(now, permit.starts_at + dt.timedelta(seconds=1))
    permit.save(update_fields=["status", "revoked_by", "revoked_at", "ends_at"])
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, community=permit.community, obj=permit,
                 summary=_summary(permit, "revoked"), request=request)
    return permit


# -- exit quotas ------------------------------------------------------------------------------
@transaction.atomic
def exit_quota_set(*, actor: Any, compound: Any, persons: int, days: int, starts_at: dt.datetime | None = None,
                   ends_at: dt.datetime | None = None, request: Any = None) -> ExitQuota:
    """A new quota for a compound; the one in force (if any) ends when this one starts."""
    starts_at = starts_at or timezone.now()
    ExitQuota.objects.filter(in_force(starts_at), compound=compound).update(ends_at=starts_at)
    quota = ExitQuota(community_id=compound.community_id, compound=compound, persons=persons, days=days,
                      starts_at=starts_at, ends_at=ends_at,
                      created_by=actor if getattr(actor, "is_authenticated", False) else None)
    quota.full_clean()
    quota.save()
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, community=compound.community, obj=quota,
                 summary=f"exit quota {persons}/{days}d compound={compound.pk}", request=request)
    return quota


@transaction.atomic
def exit_quota_end(*, actor: Any, quota: ExitQuota, request: Any = None) -> ExitQuota:
    now = timezone.now()
    if quota.ends_at is None or quota.ends_at > now:
        quota.ends_at = max(now, quota.starts_at + dt.timedelta(seconds=1))
        quota.save(update_fields=["ends_at"])
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, community=quota.community, obj=quota,
                     summary="exit quota ended", request=request)
    return quota
