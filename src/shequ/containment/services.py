"""Setting and ending movement restrictions and containment levels (audited)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.audit.models import AuditEvent
from shequ.audit.services import audit_record
from shequ.containment.models import ContainmentArea, MovementRestriction
from shequ.containment.selectors import in_force
from shequ.registry.models import Building, Compound, Person, Unit


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
    for earlier in ContainmentArea.objects.filter(in_force(area.starts_at), **{place._meta.model_name: place}):
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
