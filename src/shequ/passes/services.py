"""Passes: issuing one (the person's current pass is revoked), issuing the missing ones of many
through the same service, and identifying a person from what they show at a checkpoint (a pass, an
ID number, a mobile number). The gates and the campaigns' sampling points both call ``identify``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from shequ.audit.models import AuditEvent
from shequ.audit.services import audit_record
from shequ.core.idnumber import IDNumberError, normalize_id_number, parse_id_number
from shequ.core.phone import PhoneError, normalize_phone
from shequ.core.rows import ChainReader, extra_values
from shequ.core.text import normalize
from shequ.passes import tokens
from shequ.passes.models import Pass
from shequ.registry.models import Building, Compound, Household, Person, Room, Unit


# -- issuing ---------------------------------------------------------------------------------------
@transaction.atomic
def pass_issue(*, actor: Any, person: Person, request: Any = None) -> Pass:
    """Issue a new pass; the person's current pass (if any) is revoked at the same moment, and the
    issue is in the audit log, in the same transaction."""
    now = timezone.now()
    revoked = Pass.objects.filter(person=person, revoked_at__isnull=True).update(revoked_at=now)
    issued = Pass.objects.create(
        community_id=person.community_id, person=person, code=tokens.new_code(),
        issued_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, community=person.community, obj=issued,
                 summary=f"pass for person={person.pk}" + (" (reissued)" if revoked else ""), request=request)
    return issued


@transaction.atomic
def passes_ensure(*, actor: Any, persons: Sequence[Person], request: Any = None) -> dict[int, Pass]:
    """person id -> active pass, issuing one through ``pass_issue`` (audited, like a single issue)
    for each person without; for printing cards. All in one transaction."""
    ids = [p.pk for p in persons]
    active = {p.person_id: p for p in Pass.objects.filter(person_id__in=ids, revoked_at__isnull=True)}
    for person in persons:
        if person.pk in active:
            continue
        try:
            with transaction.atomic():
                active[person.pk] = pass_issue(actor=actor, person=person, request=request)
        except IntegrityError:
            # A pass issued meanwhile by someone else (one active pass per person) wins.
            found = Pass.objects.filter(person_id=person.pk, revoked_at__isnull=True).first()
            if found is None:
                raise
            active[person.pk] = found
    return active


# -- identifying the person ------------------------------------------------------------------------
@dataclass(frozen=True)
class Identified:
    person: Person | None
    kind: str  # "pass" | "id" | "phone" | "person" | ""
    problem: str | None  # a gates.rules.IDENTITY_PROBLEMS code
    # The values of ``read_with``'s expressions, read in the pass's own statement (None otherwise).
    extra: tuple[Any, ...] | None = None


@dataclass(frozen=True)
class ReadWith:
    """More expressions to read in the same statement as a scanned pass (the gates read the facts of
    containment that hold over the person this way: one statement per scan, not two). ``sql`` is a
    select list that may name the columns of ``CHAIN_COLUMNS``, with ``%s`` placeholders for
    ``params``; build it once (the statement is built and kept per distinct ``sql``)."""

    sql: str
    params: Sequence[Any]


# The columns of the pass's statement an expression of ReadWith may name.
CHAIN_COLUMNS = {"person": "t1.id", "household": "t2.id", "room": "t3.id", "unit": "t4.id",
                 "building": "t5.id", "compound": "t6.id"}


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
_READERS: dict[str, ChainReader] = {}


def _pass_with_person(community_id: int, code: str, read_with: ReadWith | None) -> Pass | None:
    if read_with is None:
        return _PASS_CHAIN.first([community_id, code])
    reader = _READERS.get(read_with.sql)
    if reader is None:
        reader = _READERS.setdefault(read_with.sql,
                                     ChainReader(_PASS_CHAIN.chain, _PASS_CHAIN.where, extra=[read_with.sql]))
    return reader.first([*read_with.params, community_id, code])


def identify(*, community_id: int, credential: str, read_with: ReadWith | None = None) -> Identified:
    """A pass token, an ID number or a mobile phone number -> the person, within one community.
    ``read_with``: more values read with a pass, in its statement (``Identified.extra``)."""
    text = normalize(credential).strip()
    if tokens.looks_like_token(text):
        code = tokens.code_from_token(text)
        if code is None:
            return Identified(None, "pass", "pass_invalid")
        issued = _pass_with_person(community_id, code, read_with)
        if issued is None:
            return Identified(None, "pass", "pass_invalid")
        if issued.revoked_at is not None:
            return Identified(issued.person, "pass", "pass_revoked")
        return Identified(issued.person, "pass", None, extra_values(issued) if read_with is not None else None)
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
