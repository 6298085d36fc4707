"""Writes of notices: write (and edit while a draft), publish, withdraw, tick a household at its door,
mark a household to be told in person. Keyword-only, each in one transaction with its audit event;
the pages, the API and the CLI call these."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.audit.models import AuditEvent
from shequ.audit.services import audit_record
from shequ.core.text import clean_text, normalize
from shequ.notices.models import InPerson, Knock, Notice
from shequ.notices.selectors import reached
from shequ.registry.models import Building, Community, Compound, Grid, Household, Unit

CREATE, UPDATE = AuditEvent.Action.CREATE, AuditEvent.Action.UPDATE
MAX_BODY = 5000


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _targets(community: Community, *, compounds: Iterable[int], buildings: Iterable[int], units: Iterable[int],
             grids: Iterable[int]) -> dict[str, list[int]]:
    """The target ids, each checked to be a place of the community (else a message naming the field)."""
    out: dict[str, list[int]] = {}
    for name, model, ids in (("compounds", Compound, compounds), ("buildings", Building, buildings),
                             ("units", Unit, units), ("grids", Grid, grids)):
        wanted = sorted({int(i) for i in ids})
        found = set(model.objects.filter(community=community, pk__in=wanted).values_list("id", flat=True))
        if set(wanted) - found:
            raise ValidationError({name: _("Not a place of %(community)s: %(ids)s.")
                                   % {"community": community.name, "ids": ", ".join(map(str, sorted(set(wanted) - found)))}})
        out[name] = wanted
    return out


def _text(title: str, body: str) -> tuple[str, str]:
    title, body = normalize(title), clean_text(body)
    errors = {}
    if not title:
        errors["title"] = _("Give the notice a title.")
    if not body:
        errors["body"] = _("Write the text of the notice.")
    elif len(body) > MAX_BODY:
        errors["body"] = _("The text is %(n)s characters long; at most %(max)s fit on a poster.") % {
            "n": len(body), "max": MAX_BODY}
    if errors:
        raise ValidationError(errors)
    return title[:120], body


@transaction.atomic
def notice_create(*, actor: Any, community: Community, kind: str, title: str, body: str, signed: str = "",
                  compounds: Iterable[int] = (), buildings: Iterable[int] = (), units: Iterable[int] = (),
                  grids: Iterable[int] = (), client_id: uuid.UUID | None = None, request: Any = None) -> Notice:
    """A draft notice. With the caller's ``client_id`` (the API), the same id again returns the first."""
    if client_id is not None:
        earlier = Notice.objects.filter(client_id=client_id, community=community).first()
        if earlier is not None:
            return earlier
    if kind not in Notice.Kind.values:
        raise ValidationError({"kind": _("No such kind of notice: %(kind)s.") % {"kind": kind}})
    title, body = _text(title, body)
    targets = _targets(community, compounds=compounds, buildings=buildings, units=units, grids=grids)
    notice = Notice(community=community, kind=kind, title=title, body=body, signed=normalize(signed)[:100],
                    client_id=client_id, created_by=_user(actor))
    try:
        with transaction.atomic():
            notice.save()
    except IntegrityError:  # the same client id, committed meanwhile
        return Notice.objects.get(client_id=client_id)
    for name, ids in targets.items():
        getattr(notice, name).set(ids)
    audit_record(actor=actor, action=CREATE, community=community, obj=notice, summary=f"notice {notice.title}",
                 request=request)
    return notice


@transaction.atomic
def notice_update(*, actor: Any, notice: Notice, kind: str, title: str, body: str, signed: str = "",
                  compounds: Iterable[int] = (), buildings: Iterable[int] = (), units: Iterable[int] = (),
                  grids: Iterable[int] = (), request: Any = None) -> Notice:
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if notice.status != Notice.Status.DRAFT:
        raise ValidationError(_("A published notice is not edited: withdraw it and write a new one."))
    if kind not in Notice.Kind.values:
        raise ValidationError({"kind": _("No such kind of notice: %(kind)s.") % {"kind": kind}})
    title, body = _text(title, body)
    targets = _targets(notice.community, compounds=compounds, buildings=buildings, units=units, grids=grids)
    changes = {f: (getattr(notice, f), v) for f, v in (("kind", kind), ("title", title), ("body", body),
                                                     ("signed", normalize(signed)[:100])) if getattr(notice, f) != v}
    for f, (_old, new) in changes.items():
        setattr(notice, f, new)
    if changes:
        notice.save(update_fields=list(changes))
    for name, ids in targets.items():
        stored = sorted(getattr(notice, name).values_list("id", flat=True))
        if stored != ids:
            changes[name] = (",".join(map(str, stored)), ",".join(map(str, ids)))
            getattr(notice, name).set(ids)
    if changes:
        audit_record(actor=actor, action=UPDATE, community=notice.community, obj=notice,
                     summary="edited: " + ", ".join(sorted(changes)),
                     before={f: old for f, (old, _new) in changes.items()},
                     after={f: new for f, (_old, new) in changes.items()}, request=request)
    return notice


@transaction.atomic
def notice_publish(*, actor: Any, notice: Notice, request: Any = None) -> Notice:
    """Publish a draft (once: publishing again changes nothing). A notice that reaches no household
    is refused: its targets are wrong."""
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if notice.status == Notice.Status.PUBLISHED:
        return notice
    if notice.status == Notice.Status.WITHDRAWN:
        raise ValidationError(_("This notice was withdrawn; write a new one."))
    if not reached(notice).exists():
        raise ValidationError(_("No household lives in the places this notice is for."))
    notice.status, notice.published_at = Notice.Status.PUBLISHED, timezone.now()
    notice.save(update_fields=["status", "published_at"])
    audit_record(actor=actor, action=UPDATE, community=notice.community, obj=notice, summary="published",
                 request=request)
    return notice


@transaction.atomic
def notice_withdraw(*, actor: Any, notice: Notice, request: Any = None) -> Notice:
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if notice.status == Notice.Status.WITHDRAWN:
        return notice
    notice.status, notice.withdrawn_at = Notice.Status.WITHDRAWN, timezone.now()
    notice.save(update_fields=["status", "withdrawn_at"])
    audit_record(actor=actor, action=UPDATE, community=notice.community, obj=notice, summary="withdrawn",
                 request=request)
    return notice


@transaction.atomic
def knock_record(*, actor: Any, notice: Notice, household: Household, outcome: str, note: str = "",
                 client_id: uuid.UUID | None = None, at: Any = None, request: Any = None) -> Knock:
    """Tick a household of a published notice: told, or not at home. One row per household: "told"
    stays told (a later "not at home" changes nothing); "not at home" becomes "told". A retry with
    the same ``client_id`` (the phone's queue) returns the first record."""
    if client_id is not None:
        earlier = Knock.objects.filter(client_id=client_id).first()
        if earlier is not None:
            return earlier
    if outcome not in Knock.Outcome.values:
        raise ValidationError({"outcome": _("No such outcome: %(outcome)s.") % {"outcome": outcome}})
    if notice.status != Notice.Status.PUBLISHED:
        raise ValidationError(_("This notice is not published: there is nobody to tell."))
    if not reached(notice).filter(pk=household.pk).exists():
        raise ValidationError({"household": _("%(address)s is not among the places this notice is for.")
                               % {"address": household.room.address}})
    when = at or timezone.now()
    note = normalize(note)[:200]
    knock = Knock.objects.select_for_update().filter(notice=notice, household=household).first()
    if knock is None:
        try:
            with transaction.atomic():
                knock = Knock.objects.create(community_id=notice.community_id, notice=notice, household=household,
                                             outcome=outcome, note=note, at=when, by=_user(actor), client_id=client_id)
        except IntegrityError:  # the same household ticked by someone else meanwhile
            knock = Knock.objects.select_for_update().get(notice=notice, household=household)
        else:
            audit_record(actor=actor, action=CREATE, community=notice.community, obj=knock,
                         summary=f"{household.room.address} {outcome}", request=request)
            return knock
    if knock.outcome == Knock.Outcome.TOLD or outcome == knock.outcome:
        return knock
    knock.outcome, knock.at, knock.by = outcome, when, _user(actor)
    knock.note = note or knock.note
    knock.save(update_fields=["outcome", "at", "by", "note"])
    audit_record(actor=actor, action=UPDATE, community=notice.community, obj=knock,
                 summary=f"{household.room.address} {outcome}", request=request)
    return knock


@transaction.atomic
def in_person_mark(*, actor: Any, household: Household, reason: str = "", request: Any = None) -> InPerson:
    mark, created = InPerson.objects.get_or_create(
        household=household, defaults={"community_id": household.community_id, "reason": normalize(reason)[:200],
                                       "created_by": _user(actor)})
    if created:
        audit_record(actor=actor, action=CREATE, community=household.community, obj=mark,
                     summary=f"told in person: {household.room.address}", request=request)
    return mark


@transaction.atomic
def in_person_unmark(*, actor: Any, mark: InPerson, request: Any = None) -> None:
    # The event names the household (the mark itself is gone afterwards).
    audit_record(actor=actor, action=UPDATE, community=mark.household.community, obj=mark.household,
                 summary=f"no longer told in person: {mark.household.room.address}", request=request)
    mark.delete()
