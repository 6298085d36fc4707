"""Writes of the gates app: passes, passages (with the rules), visitors, gate status, quotas, duty.

``record_passage`` is the one code path for a passage: the gate screen, the device API and the
offline queue's sync all call it.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.alerts.models import Kind as AlertKind
from shequ.alerts.services import alert_raise
from shequ.audit.models import AuditEvent
from shequ.audit.services import audit_record
from shequ.containment.models import STRICTNESS, ContainmentArea, MovementRestriction
from shequ.containment.selectors import in_force
from shequ.core.bulkwrite import RowInserter
from shequ.core.idnumber import IDNumberError, normalize_id_number, parse_id_number
from shequ.core.masking import mask_name
from shequ.core.phone import PhoneError, normalize_phone
from shequ.core.rows import ChainReader
from shequ.core.text import normalize
from shequ.gates import passes
from shequ.gates.models import (
    Decision,
    Direction,
    DutyAssignment,
    ExitQuota,
    Gate,
    GateDevice,
    GateGuard,
    HealthCode,
    Pass,
    Passage,
    Shift,
    Visitor,
)
from shequ.gates.rules import REASON_MSGIDS, Checks, Standing, Verdict, decide
from shequ.registry.models import Building, Compound, Household, Person, Room, Unit


# -- passes -----------------------------------------------------------------------------------
@transaction.atomic
def pass_issue(*, actor: Any, person: Person, request: Any = None) -> Pass:
    """Issue a new pass; the person's current pass (if any) is revoked at the same moment."""
    now = timezone.now()
    revoked = Pass.objects.filter(person=person, revoked_at__isnull=True).update(revoked_at=now)
    issued = Pass.objects.create(
        community_id=person.community_id, person=person, code=passes.new_code(),
        issued_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, community=person.community, obj=issued,
                 summary=f"pass for person={person.pk}" + (" (reissued)" if revoked else ""), request=request)
    return issued


def passes_ensure(*, actor: Any, persons: list[Person]) -> dict[int, Pass]:
    """person id -> active pass, issuing one (in bulk) for each person without; for printing cards."""
    ids = [p.pk for p in persons]
    active = {p.person_id: p for p in Pass.objects.filter(person_id__in=ids, revoked_at__isnull=True)}
    missing = [p for p in persons if p.pk not in active]
    if missing:
        by = actor if getattr(actor, "is_authenticated", False) else None
        with transaction.atomic():
            Pass.objects.bulk_create(
                [Pass(community_id=p.community_id, person=p, code=passes.new_code(), issued_by=by) for p in missing],
                ignore_conflicts=True,  # a pass issued meanwhile by someone else wins
            )
        active = {p.person_id: p for p in Pass.objects.filter(person_id__in=ids, revoked_at__isnull=True)}
    return active


# -- identifying the subject ------------------------------------------------------------------
@dataclass(frozen=True)
class Identified:
    person: Person | None
    kind: str  # "pass" | "id" | "phone" | "person" | ""
    problem: str | None  # a rules.IDENTITY_PROBLEMS code
    # (restricted, level, exit quota id) at the gate and moment identify was asked about, when they
    # were read with the pass (``facts_at``); standing_of then needs no statement of its own.
    facts: tuple[bool, str | None, int | None] | None = None


def _person_qs(community_id: int) -> Any:
    return Person.objects.filter(community_id=community_id).select_related(
        "household__room__unit__building__compound"
    )


# A pass with its person, household, room, unit, building and compound: what
# ``select_related("person__household__room__unit__building__compound")`` loads, in one statement
# built once from the models (core/rows.py), because compiling that query cost more than running it
# (this runs for every scanned pass).
_PASS_CHAIN = ChainReader(
    [(Pass, None, None), (Person, "person_id", "person"), (Household, "household_id", "household"),
     (Room, "room_id", "room"), (Unit, "unit_id", "unit"), (Building, "building_id", "building"),
     (Compound, "compound_id", "compound")],
    "t0.community_id = %s AND t0.code = %s",
)


# The same, with the facts standing_of needs at a gate (t1 the person, t4 to t6 their unit, building
# and compound): a pass scanned at a gate is one statement, not two.
_PASS_CHAIN_FACTS: list[tuple[ChainReader, list[str]]] = []


def _pass_with_person(community_id: int, code: str, facts_at: tuple[int, dt.datetime] | None = None) -> Pass | None:
    if facts_at is None:
        return _PASS_CHAIN.first([community_id, code])
    if not _PASS_CHAIN_FACTS:
        extra, names = _positional(", ".join(_facts_exprs("t1.id", "t4.id", "t5.id", "t6.id")))
        _PASS_CHAIN_FACTS.append((ChainReader(_PASS_CHAIN.chain, _PASS_CHAIN.where, extra=[extra]), names))
    reader, names = _PASS_CHAIN_FACTS[0]
    values = {"gate_compound": facts_at[0], "at": connection.ops.adapt_datetimefield_value(facts_at[1])}
    return reader.first([*(values[n] for n in names), community_id, code])


def identify(*, community_id: int, credential: str, facts_at: tuple[int, dt.datetime] | None = None) -> Identified:
    """A pass token, an ID number or a mobile phone number -> the person, within one community.
    ``facts_at`` (a gate's compound id, a moment): a pass is read together with the person's
    restriction, containment level and the gate's exit quota at that moment (``Identified.facts``)."""
    text = normalize(credential).strip()
    if passes.looks_like_token(text):
        code = passes.code_from_token(text)
        if code is None:
            return Identified(None, "pass", "pass_invalid")
        issued = _pass_with_person(community_id, code, facts_at)
        if issued is None:
            return Identified(None, "pass", "pass_invalid")
        if issued.revoked_at is not None:
            return Identified(issued.person, "pass", "pass_revoked")
        facts = _facts_of(issued._extra) if facts_at is not None else None
        return Identified(issued.person, "pass", None, facts)
    try:
        id_number = normalize_id_number(text)
        parse_id_number(id_number)
    except (IDNumberError, ValueError):
        id_number = ""
    if id_number:
        person = _person_qs(community_id).filter(id_number=id_number).first()
        return Identified(person, "id", None if person else "unknown_person")
    try:
        phone = normalize_phone(text)
    except PhoneError:
        return Identified(None, "", "unknown_person")
    found = list(_person_qs(community_id).filter(phone=phone, status=Person.Status.ACTIVE)[:2])
    if len(found) > 1:
        return Identified(None, "phone", "ambiguous_phone")
    return Identified(found[0] if found else None, "phone", None if found else "unknown_person")


# -- passages ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class PassageResult:
    passage: Passage
    created: bool

    @property
    def verdict(self) -> Verdict:
        return Verdict(self.passage.decision, tuple(self.passage.reasons))


class ClientIdConflict(Exception):
    """The client_id was used for a passage at another gate."""


def quota_in_force(compound_id: int, at: dt.datetime) -> ExitQuota | None:
    return ExitQuota.objects.filter(in_force(at), compound_id=compound_id).order_by("-starts_at").first()


def exits_used(*, household_id: int, compound_id: int, since: dt.datetime, until: dt.datetime) -> int:
    return Passage.objects.filter(
        household_id=household_id, direction=Direction.OUT, decision=Decision.ALLOW, visitor__isnull=True,
        gate__compound_id=compound_id, recorded_at__gt=since, recorded_at__lte=until,
    ).count()


def _facts_exprs(person: str, unit: str, building: str, compound: str) -> list[str]:
    """The three expressions standing_of reads about a person and their household's place, built
    from the models' table names: a restriction of the person in force, the strictest containment
    level (by containment.models.STRICTNESS) over the unit, building or compound, and the exit quota
    in force at the gate's compound. ``person`` .. ``compound`` are SQL (a placeholder, or a column
    of the statement they are part of); ``%(at)s`` and ``%(gate_compound)s`` are parameters."""
    restriction = MovementRestriction._meta.db_table
    area = ContainmentArea._meta.db_table
    quota = ExitQuota._meta.db_table
    strictness = " ".join(f"WHEN '{level.value}' THEN {rank}" for level, rank in STRICTNESS.items())
    in_force = "{t}.starts_at <= %(at)s AND ({t}.ends_at IS NULL OR {t}.ends_at > %(at)s)"
    # Table names and level codes come from the models, never from input; values are parameters.
    return [
        f"EXISTS (SELECT 1 FROM {restriction} r WHERE r.person_id = {person} AND {in_force.format(t='r')})",  # noqa: S608
        f"(SELECT MAX(CASE a.level {strictness} ELSE 0 END) FROM {area} a WHERE {in_force.format(t='a')} "  # noqa: S608
        f"AND (a.unit_id = {unit} OR a.building_id = {building} OR a.compound_id = {compound}))",
        f"(SELECT q.id FROM {quota} q WHERE q.compound_id = %(gate_compound)s AND {in_force.format(t='q')} "  # noqa: S608
        "ORDER BY q.starts_at DESC LIMIT 1)",
    ]


def _facts_sql() -> str:
    """One statement for the facts of a person and place given as parameters."""
    return "SELECT " + ", ".join(_facts_exprs("%(person)s", "%(unit)s", "%(building)s", "%(compound)s"))


def _positional(sql: str) -> tuple[str, list[str]]:
    """``%(name)s`` placeholders -> ``%s``, with the names in the order they appear."""
    names: list[str] = []

    def one(m: re.Match[str]) -> str:
        names.append(m.group(1))
        return "%s"

    return re.sub(r"%\((\w+)\)s", one, sql), names


_FACTS_SQL: str | None = None
_LEVEL_OF_RANK = {rank: level.value for level, rank in STRICTNESS.items()}


def _place_facts(*, person_id: int | None, unit: Any, gate_compound_id: int, at: dt.datetime) -> tuple[bool, str | None, int | None]:
    """(a restriction of the person in force, the strictest containment level over the unit, its
    building or compound, the id of the exit quota in force at the gate's compound), in one round
    trip: this runs for every passage. tests/gates/test_services.py holds it to the containment
    selectors (restrictions_in_force, levels_for_units) and quota_in_force."""
    global _FACTS_SQL
    if _FACTS_SQL is None:
        _FACTS_SQL = _facts_sql()
    at_db = connection.ops.adapt_datetimefield_value(at)
    params = {"person": person_id or 0, "unit": unit.pk, "building": unit.building_id,
              "compound": unit.building.compound_id, "gate_compound": gate_compound_id, "at": at_db}
    with connection.cursor() as cursor:
        cursor.execute(_FACTS_SQL, params)
        return _facts_of(cursor.fetchone())


def _facts_of(row: Sequence[Any]) -> tuple[bool, str | None, int | None]:
    restricted, rank, quota_id = row
    return bool(restricted), _LEVEL_OF_RANK.get(rank or 0), quota_id


def standing_of(*, gate: Gate, person: Person | None, problem: str | None, at: dt.datetime,
                direction: str, for_update: bool = False,
                facts: tuple[bool, str | None, int | None] | None = None) -> Standing:
    """What the rules need to know about a person at a gate at a moment.

    One query for the person's restriction, the containment level over their unit, building and
    compound, and the exit quota in force; when they are leaving under a quota, one more counts the
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
        facts = _place_facts(person_id=person.pk, unit=person.household.room.unit,
                             gate_compound_id=gate.compound_id, at=at)
    restricted, level, quota_id = facts
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
    return Standing(gate_closed=gate_closed, restricted=restricted, level=level, quota_left=quota_left)


def visitor_standing(*, gate: Gate, host: Household, at: dt.datetime) -> Standing:
    """A visitor's standing: the checks, the gate, and the containment level of the host household."""
    _restricted, level, _quota = _place_facts(person_id=None, unit=host.room.unit, gate_compound_id=gate.compound_id,
                                              at=at)
    return Standing(visitor=True, gate_closed=gate.status == Gate.Status.CLOSED, level=level)


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


def _alert(gate: Gate, passage: Passage, who: str, verdict: Verdict, kind: str = AlertKind.GATE_REFUSED) -> None:
    from django.urls import reverse

    alert_raise(
        community_id=gate.community_id, kind=kind,
        params={"gate": str(gate), "who": who, "reasons": [REASON_MSGIDS[r] for r in verdict.reasons]},
        url=reverse("gates:passage", args=[passage.pk]),
    )


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
    if at > received + dt.timedelta(minutes=5):
        raise ValidationError({"recorded_at": _("The passage time is in the future.")})
    # No look-up of the client_id first: the unique constraint (community, client_id) decides. A copy
    # (a retry, or a second copy arriving at the same moment) fails its insert, its transaction rolls
    # back with anything it did, and the first record is returned. A first copy, the common case, is
    # spared a query.
    kind = "person" if person is not None else "visitor" if visitor is not None else ""
    problem = None
    facts = None
    if person is None and visitor is None:
        found = identify(community_id=gate.community_id, credential=credential or "",
                         facts_at=(gate.compound_id, at))
        person, kind, problem, facts = found.person, found.kind, found.problem, found.facts
    if person is not None and person.community_id != gate.community_id:
        person, problem = None, "unknown_person"
    # The standing is read before the transaction: on SQLite the transaction holds the database's
    # write lock (BEGIN IMMEDIATE), so it should hold it only for the writes.
    if visitor is not None:
        standing = visitor_standing(gate=gate, host=visitor.host_household, at=at)
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
            # A duplicate client_id raises IntegrityError here; it leaves this block, which rolls back.
            # The presence moves with the insert (the trigger).
            _PASSAGE_INSERT.insert(passage)
            who = mask_name(person.name if person else visitor.name if visitor else "")
            if verdict.alert:
                _alert(gate, passage, who, verdict)
            if offline_decision and offline_decision != verdict.decision:
                _alert(gate, passage, who, verdict, kind=AlertKind.GATE_OFFLINE_DIFFERS)
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
    if not normalize(reason).strip():
        errors["reason"] = _("Enter the reason for the visit.")
    if errors:
        raise ValidationError(errors)
    visitor = Visitor.objects.create(
        community_id=gate.community_id, name=name, phone=phone, id_number=id_number.strip(),
        host_household=host_household, reason=normalize(reason).strip()[:200],
        vehicle_plate=normalize(vehicle_plate).strip().upper()[:16],
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    result = record_passage(gate=gate, actor=actor, checks=checks, client_id=client_id, recorded_at=recorded_at,
                            visitor=visitor)
    if not result.created:
        visitor.delete()  # a copy of this registration arrived at the same moment and won
    return result


# -- gate devices ----------------------------------------------------------------------------
def _may_post_at(user: Any, gate: Gate) -> bool:
    """The user could record passages at the gate from the screen: a device token never widens that."""
    from shequ.core.scoping import scope_for

    scope = scope_for(user)
    return scope.can("gates.screen", gate.community_id) and scope.gates_qs(Gate.objects.filter(pk=gate.pk)).exists()


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


# -- gates, quotas, duty ----------------------------------------------------------------------
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


DEFAULT_SHIFTS = [("早班", dt.time(8), dt.time(16)), ("中班", dt.time(16), dt.time(0)), ("夜班", dt.time(0), dt.time(8))]


def shifts_ensure_default(*, community_id: int) -> list[Shift]:
    """Three 8-hour shifts, unless the community has defined its own."""
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


@transaction.atomic
def duty_assign(*, actor: Any, gate: Gate, shift: Shift, date: dt.date, guard: Any, request: Any = None) -> DutyAssignment:
    """Put a guard on duty at a gate; being on the roster of a gate also posts them there (GateGuard),
    so that their gate screen may record at it."""
    if shift.community_id != gate.community_id:
        raise ValidationError({"shift": _("The shift belongs to another community.")})
    duty, created = DutyAssignment.objects.get_or_create(
        gate=gate, shift=shift, date=date, guard=guard, defaults={"community_id": gate.community_id})
    GateGuard.objects.get_or_create(gate=gate, user=guard, defaults={"community_id": gate.community_id})
    if created:
        audit_record(actor=actor, action=AuditEvent.Action.CREATE, community=gate.community, obj=duty,
                     summary=f"duty {guard} {gate} {date} {shift.name}", request=request)
    return duty


@transaction.atomic
def duty_remove(*, actor: Any, duty: DutyAssignment, request: Any = None) -> None:
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, community=duty.community, obj=duty,
                 summary=f"duty removed {duty.guard} {duty.gate} {duty.date}", request=request)
    duty.delete()


def parse_checks(*, direction: str, temperature: Decimal | str | float | None, health_code: str,
                 mask: bool) -> Checks:
    """Validated checks, or a ValidationError naming the field and the reason."""
    from shequ.gates.rules import TEMPERATURE_MAX, TEMPERATURE_MIN, suggest_temperature

    errors: dict[str, str] = {}
    if direction not in Direction.values:
        errors["direction"] = _("Direction is “in” or “out”.")
    if health_code not in HealthCode.values:
        errors["health_code"] = _("Health code is green, yellow or red.")
    value: Decimal | None = None
    if temperature not in (None, ""):
        try:
            value = Decimal(str(temperature))
            # "nan" and "inf" are Decimals too, and compare with an exception: not a temperature.
            value = value.quantize(Decimal("0.1")) if value.is_finite() else None
        except Exception:  # noqa: BLE001 - any unreadable number is the same error for the guard
            value = None
        if value is None or not (TEMPERATURE_MIN <= value <= TEMPERATURE_MAX):
            suggestion = suggest_temperature(temperature)
            if suggestion is not None:
                errors["temperature"] = _("%(value)s °C is out of range; did you mean %(suggestion)s?") % {
                    "value": temperature, "suggestion": suggestion}
            else:
                errors["temperature"] = _("Temperature must be between 35.0 and 42.0 °C.")
    if errors:
        raise ValidationError(errors)
    return Checks(direction=direction, temperature=value, health_code=health_code, mask=bool(mask))
