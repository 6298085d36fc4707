"""Writes of the gates app: passages (with the rules), visitors, gate status, devices, duty. Passes
are shequ.passes'; what holds over a person (restrictions, levels, quotas, permits) is containment's.

``record_passage`` is the one code path for a passage: the gate screen, the device API and the
offline queue's sync all call it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.accounts import tokencache
from shequ.accounts.services import invite_issue
from shequ.alerts.kinds import AlertKind
from shequ.alerts.services import alert_raise
from shequ.audit.exports import export_record
from shequ.audit.models import AuditEvent
from shequ.audit.services import audit_record
from shequ.containment.models import ExitQuota
from shequ.containment.selectors import Facts, facts_of, facts_select, place_facts
from shequ.containment.services import free_text
from shequ.core.bulkwrite import RowInserter
from shequ.core.idnumber import IDNumberError, parse_id_number
from shequ.core.masking import mask_name
from shequ.core.phone import PhoneError, normalize_phone
from shequ.core.temperature import parse_temperature
from shequ.core.text import normalize
from shequ.gates import alert_kinds, gatecache
from shequ.gates.models import (
    Decision,
    Direction,
    Gate,
    GateDevice,
    GateGuard,
    HealthCode,
    Passage,
    Visitor,
)
from shequ.gates.rules import REASON_MSGIDS, Checks, Standing, Verdict, decide
from shequ.passes.models import Pass
from shequ.passes.services import CHAIN_COLUMNS, ReadWith, identify, passes_ensure
from shequ.registry.models import Household, Person
from shequ.workforce import services as workforce
from shequ.workforce.models import Assignment, Shift


# -- identifying the subject at a gate ----------------------------------------------------------
@dataclass(frozen=True)
class Identified:
    person: Person | None
    kind: str  # "pass" | "id" | "phone" | "person" | ""
    problem: str | None  # a rules.IDENTITY_PROBLEMS code
    # What holds over the person at the gate and moment asked about (containment.selectors.Facts),
    # when it was read with their pass; standing_of then needs no statement of its own.
    facts: Facts | None = None


def identify_at_gate(*, gate_compound_id: int, community_id: int, credential: str, at: dt.datetime) -> Identified:
    """passes.services.identify at a gate: a pass is read together with the person's restriction,
    the containment level over their home, the gate's exit quota and their permit at that moment,
    in one statement (this runs for every scanned pass)."""
    sql, names = facts_select(CHAIN_COLUMNS)
    values = {"gate_compound": gate_compound_id, "at": connection.ops.adapt_datetimefield_value(at)}
    found = identify(community_id=community_id, credential=credential,
                     read_with=ReadWith(sql, [values[n] for n in names]))
    return Identified(found.person, found.kind, found.problem,
                      facts_of(found.extra) if found.extra is not None else None)


# -- passages ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class PassageResult:
    passage: Passage
    created: bool

    @property
    def verdict(self) -> Verdict:
        return Verdict(self.passage.decision, tuple(self.passage.reasons), self.passage.permit_id is not None)


class ClientIdConflict(Exception):
    """The client_id was used for a passage at another gate."""


def exits_used(*, household_id: int, compound_id: int, since: dt.datetime, until: dt.datetime) -> int:
    return Passage.objects.filter(
        household_id=household_id, direction=Direction.OUT, decision=Decision.ALLOW, visitor__isnull=True,
        gate__compound_id=compound_id, recorded_at__gt=since, recorded_at__lte=until,
    ).count()


def standing_of(*, gate: Gate, person: Person | None, problem: str | None, at: dt.datetime,
                direction: str, for_update: bool = False, facts: Facts | None = None) -> Standing:
    """What the rules need to know about a person at a gate at a moment.

    One query for the person's restriction, the containment level over their unit, building and
    compound, the exit quota in force and their permit in force (none when they were read with the
    pass: ``facts``); when they are leaving under a quota, one more counts the
    household's exits in the period. ``for_update`` (inside record_passage's transaction): the
    household's row is locked before its exits are counted, so two members leaving at once cannot
    both take the last exit.
    """
    gate_closed = gate.status == Gate.Status.CLOSED
    if problem is None and person is not None:
        if person.status != Person.Status.ACTIVE:
            problem = "not_active"
        elif person.household.room.unit.building.compound_id != gate.compound_id:
            problem = "other_compound"
    if problem is not None or person is None:
        return Standing(identity_problem=problem or "unknown_person", gate_closed=gate_closed)
    if facts is None or for_update:  # under the household's lock, read afresh
        facts = place_facts(person_id=person.pk, room=person.household.room, gate_compound_id=gate.compound_id,
                             at=at)
    restricted, level, quota_id, permit_id = facts
    quota_left = None
    if direction == Direction.OUT and quota_id is not None:
        quota = ExitQuota.objects.get(pk=quota_id)
        if for_update:
            list(Household.objects.select_for_update().filter(pk=person.household_id).values_list("pk"))
        # Exits within the period on either side of this one: an exit recorded a moment later (the
        # other member at the other gate, whose clock ran ahead) or queued offline and synced now
        # is as much "within two days" as one before.
        period = dt.timedelta(days=quota.days)
        used = exits_used(household_id=person.household_id, compound_id=gate.compound_id,
                          since=at - period, until=at + period)
        quota_left = quota.persons - used
    return Standing(gate_closed=gate_closed, restricted=restricted, level=level, quota_left=quota_left,
                    permit=permit_id)


def visitor_standing(*, gate: Gate, host: Household, at: dt.datetime, phone: str = "") -> Standing:
    """A visitor's standing: the gate, the containment level of the host household, and a permit in
    force for a visitor with this (normalized) phone at the host's place."""
    _restricted, level, _quota, permit_id = place_facts(person_id=None, room=host.room,
                                                         gate_compound_id=gate.compound_id, at=at,
                                                         visitor_phone=phone)
    return Standing(visitor=True, gate_closed=gate.status == Gate.Status.CLOSED, level=level, permit=permit_id)


_SUBJECT = ("person__household__room__unit__building__compound",
            "visitor__host_household__room__unit__building__compound")


def _existing(gate: Gate, client_id: uuid.UUID) -> PassageResult | None:
    found = (Passage.objects.filter(community_id=gate.community_id, client_id=client_id)
             .select_related(*_SUBJECT).first())
    if found is None:
        return None
    if found.gate_id != gate.pk:
        raise ClientIdConflict
    return PassageResult(found, False)


def passage_by_client_id(*, gate: Gate, client_id: uuid.UUID) -> Passage | None:
    """The passage a device sent with this client_id at this gate, if the server has it."""
    return Passage.objects.filter(gate=gate, client_id=client_id).select_related(*_SUBJECT).first()


def _alert(gate: Gate, passage: Passage, who: str, verdict: Verdict,
           kind: AlertKind = alert_kinds.GATE_REFUSED) -> None:
    from django.urls import reverse

    alert_raise(
        community_id=gate.community_id, kind=kind,
        params={"gate": str(gate), "who": who, "reasons": [REASON_MSGIDS[r] for r in verdict.reasons]},
        url=reverse("gates:passage", args=[passage.pk]),
    )


# How far from the server's clock a passage's time may be: a week back (what an offline queue can
# really hold; gate-screen.md) and a phone clock a little ahead.
RECORDED_BACK = dt.timedelta(days=7)
RECORDED_AHEAD = dt.timedelta(minutes=5)


def record_passage(
    *, gate: Gate, actor: Any, checks: Checks, client_id: uuid.UUID, recorded_at: dt.datetime | None = None,
    credential: str | None = None, person: Person | None = None, visitor: Visitor | None = None,
    offline_decision: str = "",
) -> PassageResult:
    """Decide and record one passage, exactly once per ``client_id``.

    ``offline_decision`` is what an offline screen showed the guard; the passage is then marked
    offline, and if the server's rules differ, staff are alerted. Two copies of the same client_id
    arriving at the same moment: one inserts, the other meets the unique constraint and returns the
    first record.
    """
    received = timezone.now()
    at = recorded_at or received
    if at > received + RECORDED_AHEAD:
        raise ValidationError({"recorded_at": _(
            "The passage time is more than %(minutes)s minutes ahead of the server's clock: check the "
            "device's clock.") % {"minutes": int(RECORDED_AHEAD.total_seconds() // 60)}})
    if at < received - RECORDED_BACK:
        # A copy of a passage recorded long ago (its answer was lost) is still answered with it.
        earlier = _existing(gate, client_id)
        if earlier is not None:
            return earlier
        raise ValidationError({"recorded_at": _(
            "The passage time is more than %(days)s days ago: the server no longer accepts it. Write it "
            "in the paper ledger and tell the office.") % {"days": RECORDED_BACK.days}})
    # No look-up of the client_id first: the unique constraint (community, client_id) decides. A copy
    # (a retry, or a second copy arriving at the same moment) fails its insert, its transaction rolls
    # back with anything it did, and the first record is returned. A first copy, the common case, is
    # spared a query.
    kind = "person" if person is not None else "visitor" if visitor is not None else ""
    problem = None
    facts = None
    if person is None and visitor is None:
        found = identify_at_gate(gate_compound_id=gate.compound_id, community_id=gate.community_id,
                                 credential=credential or "", at=at)
        person, kind, problem, facts = found.person, found.kind, found.problem, found.facts
    if person is not None and person.community_id != gate.community_id:
        person, problem = None, "unknown_person"
    # The standing is read before the transaction: on SQLite the transaction holds the database's
    # write lock (BEGIN IMMEDIATE), so it should hold it only for the writes.
    household_id: int | None
    if visitor is not None:
        standing = visitor_standing(gate=gate, host=visitor.host_household, at=at, phone=visitor.phone)
        household_id = visitor.host_household_id
    else:
        standing = standing_of(gate=gate, person=person, problem=problem, at=at, direction=checks.direction,
                               facts=facts)
        household_id = person.household_id if person is not None and not standing.identity_problem else None
    # The row is prepared before the transaction: on SQLite the transaction holds the write lock,
    # which the other app-server processes wait for, so inside it there is only SQL to run.
    passage = Passage(
        community_id=gate.community_id, gate=gate,
        guard=actor if getattr(actor, "is_authenticated", False) else None,
        client_id=client_id, recorded_at=at,
        person=person if visitor is None else None, visitor=visitor, household_id=household_id,
        credential=kind, direction=checks.direction, temperature=checks.temperature,
        health_code=checks.health_code, mask=checks.mask, decision="", reasons=[],
        offline=bool(offline_decision), offline_decision=offline_decision,
    )
    verdict = decide(checks, standing)
    passage.decision, passage.reasons = verdict.decision, list(verdict.reasons)
    passage.permit_id = standing.permit if verdict.permit else None
    # The common case is one INSERT, atomic by itself: the database's trigger moves the person's
    # presence with it (migration gates 0002). Outside a transaction no BEGIN/COMMIT is needed; on
    # SQLite the write lock is then held for that one statement only.
    if (not connection.in_atomic_block and standing.quota_left is None and not verdict.alert
            and not (offline_decision and offline_decision != verdict.decision)):
        try:
            _PASSAGE_INSERT.insert(passage)
        except IntegrityError:  # a copy of this client_id: its statement failed and wrote nothing
            earlier = _existing(gate, client_id)
            if earlier is None:
                raise
            return earlier
        return PassageResult(passage, True)
    try:
        with transaction.atomic():
            if standing.quota_left is not None:
                # Leaving under an exit quota: count again with the household locked, so two members
                # leaving at the same moment cannot both take the last exit.
                standing = standing_of(gate=gate, person=person, problem=problem, at=at,
                                       direction=checks.direction, for_update=True)
            verdict = decide(checks, standing)
            passage.decision, passage.reasons = verdict.decision, list(verdict.reasons)
            passage.permit_id = standing.permit if verdict.permit else None
            # A duplicate client_id raises IntegrityError here; it leaves this block, which rolls back.
            # The presence moves with the insert (the trigger).
            _PASSAGE_INSERT.insert(passage)
            who = mask_name(person.name if person else visitor.name if visitor else "")
            if verdict.alert:
                _alert(gate, passage, who, verdict)
            if offline_decision and offline_decision != verdict.decision:
                _alert(gate, passage, who, verdict, kind=alert_kinds.GATE_OFFLINE_DIFFERS)
    except IntegrityError:
        earlier = _existing(gate, client_id)
        if earlier is None:
            raise
        return earlier
    return PassageResult(passage, True)


_PASSAGE_INSERT = RowInserter(Passage)


@transaction.atomic
def visitor_register(
    *, gate: Gate, actor: Any, name: str, phone: str, host_household: Household, reason: str,
    checks: Checks, client_id: uuid.UUID, id_number: str = "", vehicle_plate: str = "",
    recorded_at: dt.datetime | None = None,
) -> PassageResult:
    """Register a visitor and record their entry (same checks; refused when the host is sealed).
    Idempotent by client_id like every passage."""
    earlier = _existing(gate, client_id)
    if earlier is not None:
        return earlier
    if host_household.community_id != gate.community_id:
        raise ValidationError({"host_household": _("The host household is not in this community.")})
    errors: dict[str, str] = {}
    name = normalize(name).strip()
    # The reason is free text, kept as typed (full-width punctuation and all); name and plate are
    # matched and printed, so they are normalized.
    reason = free_text(reason)
    plate = normalize(vehicle_plate).replace(" ", "").upper()
    if not name:
        errors["name"] = _("Enter the visitor's name.")
    try:
        phone = normalize_phone(phone)
    except PhoneError as e:
        errors["phone"] = str(e)
    if id_number.strip():
        try:
            id_number = parse_id_number(id_number).number
        except (IDNumberError, ValueError) as e:
            errors["id_number"] = str(e)
    if not reason:
        errors["reason"] = _("Enter the reason for the visit.")
    # Nothing is cut short without a word: what does not fit is an error on its field.
    for field, value, limit in (("name", name, 60), ("reason", reason, 200), ("vehicle_plate", plate, 16)):
        if len(value) > limit and field not in errors:
            errors[field] = _("At most %(limit)s characters (you typed %(count)s).") % {
                "limit": limit, "count": len(value)}
    if errors:
        raise ValidationError(errors)
    visitor = Visitor.objects.create(
        community_id=gate.community_id, name=name, phone=phone, id_number=id_number.strip(),
        host_household=host_household, reason=reason, vehicle_plate=plate,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    result = record_passage(gate=gate, actor=actor, checks=checks, client_id=client_id, recorded_at=recorded_at,
                            visitor=visitor)
    if not result.created:
        visitor.delete()  # a copy of this registration arrived at the same moment and won
    return result


# -- pass cards --------------------------------------------------------------------------------
@dataclass(frozen=True)
class CardsPrinted:
    """What a print of pass cards needs: person id -> active pass, and household id -> the invite
    code issued for it at this print (empty unless the office asked for codes)."""

    active: dict[int, Pass]
    invites: dict[int, str]


@transaction.atomic
def pass_cards_print(*, actor: Any, persons: Sequence[Person], community: Any, subject: Any,
                     invite_codes: bool = False, request: Any = None) -> CardsPrinted:
    """Before pass cards are printed: person id -> active pass, the missing ones issued through
    passes_ensure (each audited as a single issue), and the print itself in the audit log (an
    export of personal data), in one transaction. With ``invite_codes``, each household with a card
    (an active pass) gets a new invite code through accounts' invite_issue, which revokes the code it
    had (audited there); the codes are returned to be printed, as only their HMAC is kept."""
    ids = [p.pk for p in persons]
    had = Pass.objects.filter(person_id__in=ids, revoked_at__isnull=True).count()
    active = passes_ensure(actor=actor, persons=persons, request=request)
    printed = sum(1 for p in persons if p.pk in active)
    invites: dict[int, str] = {}
    if invite_codes:
        for person in persons:
            if person.pk in active and person.household_id not in invites:
                invites[person.household_id] = invite_issue(actor=actor, household=person.household, request=request)
    # A card carries the holder's name and QR in full: that is what the gate reads (masking None).
    detail = f"{len(active) - had} passes issued" + (f", {len(invites)} invite codes issued" if invite_codes else "")
    export_record(actor=actor, community=community, obj=subject,
                  what=f"pass cards {subject._meta.model_name}={subject.pk}", count=printed, unit="cards",
                  detail=detail, masking=None, request=request)
    return CardsPrinted(active=active, invites=invites)


# -- gate devices ----------------------------------------------------------------------------
def _may_post_at(user: Any, gate: Gate) -> bool:
    """The user could record passages at the gate from the screen: a device token never widens that."""
    from shequ.accounts.access import scope_for

    scope = scope_for(user)
    return scope.can("gates.screen", gate.community_id) and scope.sees(Gate, id=gate.pk, community_id=gate.community_id)


@transaction.atomic
def gate_device_create(*, gate: Gate, user: Any, name: str = "", actor: Any = None) -> tuple[GateDevice, str]:
    """A new API token for ``user`` bound to ``gate``; returns the binding and the token (shown once).
    Its purpose is gate_device: it may call the routes of a gate device, at this gate only."""
    from shequ.accounts.models import ApiToken
    from shequ.accounts.services import api_token_create

    if not user.is_active:
        raise ValidationError({"user": _("The user is not active.")})
    if not _may_post_at(user, gate):
        raise ValidationError({"user": _("This user may not record passages at this gate (post them to the gate "
                                         "first, or use a secretary's or staff account).")})
    token, key = api_token_create(user=user, name=(name or f"gate {gate.pk} {gate}")[:100], actor=actor,
                                  purpose=ApiToken.Purpose.GATE_DEVICE)
    device = GateDevice.objects.create(community_id=gate.community_id, gate=gate, token=token)
    tokencache.changed()  # a token's gate binding is part of what is remembered for it
    audit_record(actor=actor, username="cli", action=AuditEvent.Action.TOKEN, community=gate.community, obj=device,
                 summary=f"gate device token {token.prefix} for {user.get_username()} bound to gate={gate.pk}")
    return device, key


@transaction.atomic
def gate_device_revoke(*, device: GateDevice, actor: Any = None) -> GateDevice:
    from shequ.accounts.services import api_token_revoke

    if device.token.revoked_at is None:
        api_token_revoke(token=device.token, actor=actor)
        audit_record(actor=actor, username="cli", action=AuditEvent.Action.TOKEN, community=device.gate.community,
                     obj=device, summary=f"gate device token {device.token.prefix} revoked (gate={device.gate_id})")
    return device


# -- gates and duty ----------------------------------------------------------------------
@transaction.atomic
def gate_create(*, actor: Any, compound: Any, name: str, request: Any = None) -> Gate:
    """A new gate of a compound (set-up in the app, issue 18), open; names are unique per compound."""
    name = normalize(name).strip()
    if not name:
        raise ValidationError({"name": _("Name the gate, for example 东门.")})
    if Gate.objects.filter(compound=compound, name=name).exists():
        raise ValidationError({"name": _("The compound already has a gate with this name.")})
    gate = Gate(community_id=compound.community_id, compound=compound, name=name[:60])
    gate.full_clean()
    gate.save()
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, community=compound.community, obj=gate,
                 summary=f"gate {gate.name} of compound={compound.pk}", request=request)
    return gate


@transaction.atomic
def gate_set_status(*, actor: Any, gate: Gate, status: str, request: Any = None) -> Gate:
    if status not in Gate.Status.values:
        raise ValidationError({"status": _("Unknown gate status.")})
    if status == Gate.Status.CLOSED:
        others_open = Gate.objects.filter(compound_id=gate.compound_id, status=Gate.Status.OPEN).exclude(pk=gate.pk)
        if not others_open.exists():
            raise ValidationError(_("This is the last open gate of the compound; keep at least one open."))
    if gate.status != status:
        before = gate.status
        gate.status = status
        gate.save(update_fields=["status"])
        gatecache.changed()
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, community=gate.community, obj=gate,
                     summary=f"gate status {before} -> {status}", request=request)
    return gate


@transaction.atomic
def gates_close_all_but(*, actor: Any, keep: Gate, request: Any = None) -> int:
    """"Only the main entrance stays open": close every other gate of the compound."""
    if keep.status != Gate.Status.OPEN:
        gate_set_status(actor=actor, gate=keep, status=Gate.Status.OPEN, request=request)
    closed = 0
    for gate in Gate.objects.filter(compound_id=keep.compound_id, status=Gate.Status.OPEN).exclude(pk=keep.pk):
        gate_set_status(actor=actor, gate=gate, status=Gate.Status.CLOSED, request=request)
        closed += 1
    return closed


DEFAULT_SHIFTS = workforce.DEFAULT_SHIFTS
shifts_ensure_default = workforce.shifts_ensure_default
shift_create = workforce.shift_create


def gate_posts_ensure(gates: list[Gate]) -> dict[int, Any]:
    """Each gate's post in workforce (made when missing), by gate id."""
    by_community: dict[int, list[tuple[int, str]]] = {}
    for g in gates:
        by_community.setdefault(g.community_id, []).append((g.pk, str(g)))
    posts: dict[int, Any] = {}
    for community_id, pairs in by_community.items():
        posts.update(workforce.gate_posts_ensure(community_id=community_id, gates=pairs))
    return posts


@transaction.atomic
def duty_assign(*, actor: Any, gate: Gate, shift: Shift, date: dt.date, guard: Any, request: Any = None) -> Assignment:
    """Put a guard on duty at a gate (its post in workforce); being on the roster of a gate also posts
    them there (GateGuard), so that their gate screen may record at it."""
    if shift.community_id != gate.community_id:
        raise ValidationError({"shift": _("The shift belongs to another community.")})
    post = gate_posts_ensure([gate])[gate.pk]
    duty, _created = workforce.assignment_create(actor=actor, post=post, shift=shift, date=date, user=guard,
                                                 request=request, summary=f"duty {guard} {gate} {date} {shift.name}")
    _post, posted = GateGuard.objects.get_or_create(gate=gate, user=guard, defaults={"community_id": gate.community_id})
    if posted:
        tokencache.changed()  # the guard's Scope now reaches this gate
    return duty


duty_remove = workforce.assignment_remove


def parse_checks(*, direction: str, temperature: Decimal | str | float | None, health_code: str,
                 mask: bool) -> Checks:
    """Validated checks, or a ValidationError naming the field and the reason."""
    errors: dict[str, str] = {}
    if direction not in Direction.values:
        errors["direction"] = _("Direction is “in” or “out”.")
    if health_code not in HealthCode.values:
        errors["health_code"] = _("Health code is green, yellow or red.")
    value: Decimal | None = None
    try:
        value = parse_temperature(temperature)
    except ValidationError as e:
        errors.update({k: v[0] for k, v in e.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    return Checks(direction=direction, temperature=value, health_code=health_code, mask=bool(mask))
