"""Writes of disinfection: places and their targets, rounds (with their photo), a home's final
disinfection, the day's reminders. Keyword-only, each in one transaction with its audit event, but
a round: rounds are their own ledger (who recorded which place, when, with what; never changed or
deleted), like passages at a gate and health's follow-ups, so they write no audit event. The pages
and the API call these."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.alerts.services import alert_raise
from shequ.audit.models import AuditEvent
from shequ.audit.services import audit_record
from shequ.core.bulkwrite import RowInserter
from shequ.core.text import clean_text
from shequ.disinfection import alert_kinds, photos
from shequ.disinfection.models import Place, Reminder, Round
from shequ.disinfection.selectors import CompanyRow, FinalTask
from shequ.health import services as health
from shequ.health.models import HomeChecklist
from shequ.registry.models import Community, Compound

CREATE, UPDATE = AuditEvent.Action.CREATE, AuditEvent.Action.UPDATE
# A round may be recorded a little ahead of the server's clock (a phone's clock is off), not more.
CLOCK_SLACK = dt.timedelta(minutes=10)
# A phone's queue may send a round recorded offline up to two days late.
LATE_LIMIT = dt.timedelta(days=2)


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


@transaction.atomic
def place_create(*, actor: Any, compound: Compound, kind: str, name: str, target_per_day: int,
                 request: Any = None) -> Place:
    place = Place(community_id=compound.community_id, compound=compound, kind=kind, name=clean_text(name)[:100],
                  target_per_day=target_per_day)
    place.full_clean(exclude=["community", "compound"])
    place.save()
    audit_record(actor=actor, action=CREATE, community=compound.community, obj=place,
                 summary=f"place {place.kind} target={place.target_per_day}", request=request)
    return place


@transaction.atomic
def place_update(*, actor: Any, place: Place, target_per_day: int | None = None, active: bool | None = None,
                 request: Any = None) -> Place:
    place = Place.objects.select_for_update().get(pk=place.pk)
    before = {"target_per_day": place.target_per_day, "active": place.active}
    if target_per_day is not None:
        place.target_per_day = target_per_day
    if active is not None:
        place.active = active
    place.full_clean(exclude=["community", "compound"], validate_unique=False)
    place.save(update_fields=["target_per_day", "active"])
    audit_record(actor=actor, action=UPDATE, community=place.community, obj=place, before=before,
                 after={"target_per_day": place.target_per_day, "active": place.active}, request=request)
    return place


def _fields(*, at: dt.datetime | None, agent: str, concentration: str, operator: str) -> dict[str, Any]:
    now = timezone.now()
    at = at or now
    errors: dict[str, str] = {}
    if at > now + CLOCK_SLACK:
        errors["at"] = _("The time of the round is in the future.")
    elif at < now - LATE_LIMIT:
        errors["at"] = _("A round more than two days old cannot be recorded.")
    agent, operator = clean_text(agent)[:60], clean_text(operator)[:40]
    if not agent:
        errors["agent"] = _("Name the disinfectant used.")
    if not operator:
        errors["operator"] = _("Name who disinfected.")
    if errors:
        raise ValidationError(errors)
    return {"at": at, "agent": agent, "concentration": clean_text(concentration)[:30], "operator": operator}


def _save(round_: Round, photo: UploadedFile | None) -> Round:
    """Saves a new round once per client id: a round that holds it already is returned instead."""
    if photo is not None:
        prepared = photos.prepare(photo)
        round_.photo.save(prepared.photo.name or "photo.jpg", prepared.photo, save=False)
        round_.thumbnail.save(prepared.thumbnail.name or "thumb.jpg", prepared.thumbnail, save=False)
    try:
        if photo is None and not connection.in_atomic_block:
            _ROUND_INSERT.insert(round_)  # a copy's statement fails and writes nothing
        else:
            with transaction.atomic():  # a savepoint inside a caller's transaction
                if photo is None:
                    _ROUND_INSERT.insert(round_)
                else:
                    round_.save()
    except IntegrityError:
        earlier = Round.objects.filter(client_id=round_.client_id).first()
        if earlier is None:
            raise
        return earlier
    return round_


def _check_copy(earlier: Round, *, place: Place | None = None, group: Any = None) -> None:
    if (place is not None and earlier.place_id != place.pk) or (
            group is not None and str(earlier.checklist_group) != str(group)):
        raise ValidationError({"client_id": _("This client id belongs to another round.")})


def _earlier(client_id: uuid.UUID, *, place: Place | None = None, group: Any = None) -> Round | None:
    earlier = Round.objects.filter(client_id=client_id).first()
    if earlier is not None:
        _check_copy(earlier, place=place, group=group)
    return earlier


_ROUND_INSERT = RowInserter(Round)


def round_record(*, actor: Any, place: Place, client_id: uuid.UUID, agent: str, operator: str,
                 concentration: str = "", at: dt.datetime | None = None, photo: UploadedFile | None = None,
                 request: Any = None) -> tuple[Round, bool]:
    """A round of a place. The same ``client_id`` again (a phone's queue resending, a double tap)
    returns the first round and records nothing: ``(round, False)``.

    The insert comes first and the unique client id answers a repeat (a phone's queue sends most
    rounds once, so the usual path reads nothing before writing). A round without a photo is one
    prepared INSERT (core/bulkwrite.py), atomic by itself: no transaction, and on SQLite the write
    lock is held for that one statement (bench/services.py: the API's recording figure); one with
    a photo goes through ``save()`` with its files. The round is its own record of who did it: no
    audit event (module docstring)."""
    try:
        if not place.active:
            raise ValidationError({"place": _("This place is no longer disinfected.")})
        fields = _fields(at=at, agent=agent, concentration=concentration, operator=operator)
    except ValidationError:
        # A resend of a round recorded before its place was retired, or more than two days ago.
        earlier = _earlier(client_id, place=place)
        if earlier is None:
            raise
        return earlier, False
    round_ = Round(community_id=place.community_id, compound_id=place.compound_id, place=place, kind=Round.Kind.ROUND,
                   client_id=client_id, recorded_by=_user(actor), **fields)
    saved = _save(round_, photo)
    if saved is not round_:
        _check_copy(saved, place=place)
        return saved, False
    return saved, True


@transaction.atomic
def final_record(*, actor: Any, task: FinalTask, client_id: uuid.UUID, agent: str, operator: str,
                 concentration: str = "", at: dt.datetime | None = None, photo: UploadedFile | None = None,
                 request: Any = None) -> tuple[Round, bool]:
    """The final disinfection of a transferred household's home: a round of the room, and the home
    checklist's final disinfection (health's service), in one transaction; the office is told."""
    earlier = _earlier(client_id, group=task.group)
    if earlier is not None:
        return earlier, False
    room = task.room
    fields = _fields(at=at, agent=agent, concentration=concentration, operator=operator)
    round_ = Round(community_id=room.community_id, compound_id=room.unit.building.compound_id, room=room,
                   kind=Round.Kind.FINAL, checklist_group=task.group, client_id=client_id,
                   recorded_by=_user(actor), **fields)
    saved = _save(round_, photo)
    if saved is not round_:
        return saved, False
    checklist = HomeChecklist.objects.get(group=task.group)
    health.checklist_record(actor=actor, checklist=checklist, disinfected=True, at=saved.at, request=request)
    audit_record(actor=actor, action=CREATE, community=room.community, obj=saved,
                 summary=f"final disinfection room={room.pk}", request=request)
    alert_raise(community_id=room.community_id, kind=alert_kinds.FINAL_DONE,
                url=reverse("disinfection:round", args=[saved.pk]),
                params={"where": room.address, "operator": saved.operator})
    return saved, True


@transaction.atomic
def reminders_send(*, actor: Any, community: Community, rows: list[CompanyRow], day: dt.date,
                   request: Any = None) -> list[Reminder]:
    """The day's reminder to each property company of ``rows`` (the board) with places behind: once
    a day per company; a company reminded already today is left alone. Returns those sent now."""
    sent: list[Reminder] = []
    for row in rows:
        if row.company is None or row.community.pk != community.pk or not row.behind:
            continue
        if Reminder.objects.filter(property_company=row.company, day=day).exists():
            continue
        try:
            with transaction.atomic():
                reminder = Reminder.objects.create(community=community, property_company=row.company, day=day,
                                                   places_behind=len(row.behind), sent_at=timezone.now(),
                                                   sent_by=_user(actor))
        except IntegrityError:
            continue  # sent by someone else a moment ago
        audit_record(actor=actor, action=CREATE, community=community, obj=reminder,
                     summary=f"reminder company={row.company.pk} behind={len(row.behind)}", request=request)
        sent.append(reminder)
    return sent
