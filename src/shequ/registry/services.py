"""Writes to the registry. Pages, the API, the roster import and the demo all come through here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.audit.models import AuditEvent
from shequ.audit.services import audit_record, diff
from shequ.audit.summaries import cleared_summary, repair_summary
from shequ.core.address import floor_of
from shequ.core.bulkwrite import Table
from shequ.core.idnumber import IDNumberError, parse_id_number
from shequ.core.masking import mask_id_number, mask_phone
from shequ.core.phone import PhoneError, normalize_phone
from shequ.core.text import clean_text, normalize, pinyin_full, pinyin_initials
from shequ.registry.models import (
    Building,
    Community,
    Compound,
    Grid,
    Household,
    Person,
    PersonTag,
    PropertyCompany,
    Residence,
    Room,
    Unit,
)

# -- places --------------------------------------------------------------------------------------


def number_sort_key(number: str) -> int:
    digits = "".join(ch for ch in number if ch.isdigit())
    return int(digits[:9]) if digits else 0


def compound_get_or_create(*, community: Community, name: str) -> Compound:
    compound, _created = Compound.objects.get_or_create(community=community, name=normalize(name))
    return compound


def building_get_or_create(*, compound: Compound, number: str) -> Building:
    building, _created = Building.objects.get_or_create(
        compound=compound,
        number=number,
        defaults={"community_id": compound.community_id, "sort_key": number_sort_key(number)},
    )
    return building


def unit_get_or_create(*, building: Building, number: str) -> Unit:
    unit, _created = Unit.objects.get_or_create(
        building=building,
        number=number,
        defaults={"community_id": building.community_id, "sort_key": number_sort_key(number)},
    )
    return unit


def room_get_or_create(*, unit: Unit, number: str) -> Room:
    room, _created = Room.objects.get_or_create(
        unit=unit, number=number, defaults={"community_id": unit.community_id, "floor": floor_of(number)}
    )
    return room


def place_get_or_create(*, community: Community, compound: str, building: str, unit: str, room: str) -> Room:
    """The room at an address, creating the compound, building, unit and room when they are new."""
    c = compound_get_or_create(community=community, name=compound)
    b = building_get_or_create(compound=c, number=building)
    u = unit_get_or_create(building=b, number=unit or "1")
    return room_get_or_create(unit=u, number=room)


# -- persons: validation and derived fields -----------------------------------------------------


# Choice values, built once: Django rebuilds ``Choices.values`` on every access, and a roster import
# validates hundreds of thousands of rows.
_RESIDENCIES = frozenset(Person.Residency.values)
_RELATIONS = frozenset(Person.Relation.values)
_SEXES = frozenset(Person.Sex.values)


@dataclass
class PersonData:
    """Cleaned person fields, ready for a row."""

    name: str
    id_number: str | None
    phone: str
    sex: str
    birth_date: dt.date | None
    residency: str
    relation: str
    notes: str


def clean_person_fields(
    *,
    name: Any,
    id_number: Any = None,
    phone: Any = None,
    sex: Any = None,
    birth_date: dt.date | None = None,
    residency: Any = None,
    relation: Any = None,
    notes: Any = None,
    today: dt.date | None = None,
) -> PersonData:
    """Validate and normalise; raises ValidationError keyed by field with every problem found.

    ``today`` (default: the local date now) is the latest birth date an ID number may carry; the
    roster import looks it up once rather than once a row."""
    errors: dict[str, str] = {}
    clean_name = normalize(name)
    if not clean_name:
        errors["name"] = _("the name is empty")
    elif len(clean_name) > 60:
        errors["name"] = _("the name is longer than 60 characters")
    number: str | None = None
    if id_number not in (None, ""):
        try:
            info = parse_id_number(id_number, today=today)
        except IDNumberError as exc:
            errors["id_number"] = str(exc)
        else:
            number = info.number
            # The ID number is the authority on sex and birth date.
            sex, birth_date = info.sex, info.birth_date
    clean_phone = ""
    if phone not in (None, ""):
        try:
            clean_phone = normalize_phone(phone)
        except PhoneError as exc:
            errors["phone"] = str(exc)
    residency = residency or Person.Residency.RESIDENT
    if residency not in _RESIDENCIES:
        errors["residency"] = _("unknown residency type: %(value)s") % {"value": residency}
    relation = relation or Person.Relation.OTHER
    if relation not in _RELATIONS:
        errors["relation"] = _("unknown relation: %(value)s") % {"value": relation}
    sex = sex or Person.Sex.UNKNOWN
    if sex not in _SEXES:
        errors["sex"] = _("unknown sex: %(value)s") % {"value": sex}
    if errors:
        raise ValidationError(errors)
    return PersonData(
        name=clean_name,
        id_number=number,
        phone=clean_phone,
        sex=sex,
        birth_date=birth_date,
        residency=residency,
        relation=relation,
        notes=clean_text(notes) if notes else "",
    )


# The Person fields a PersonData sets, in the order of person_field_values().
PERSON_DATA_FIELDS = (
    "name", "name_initials", "name_pinyin", "id_number", "phone", "sex", "birth_date", "residency", "relation", "notes",
)


def person_field_values(data: PersonData) -> tuple[Any, ...]:
    """The values apply_person_data() gives a person, in the order of PERSON_DATA_FIELDS (the roster
    import writes new persons from these without building Person objects)."""
    return (
        data.name,
        pinyin_initials(data.name),
        pinyin_full(data.name),
        data.id_number,
        data.phone,
        data.sex,
        data.birth_date,
        data.residency,
        data.relation,
        data.notes,
    )


def apply_person_data(person: Person, data: PersonData) -> None:
    for attname, value in zip(PERSON_DATA_FIELDS, person_field_values(data), strict=True):
        setattr(person, attname, value)


def person_snapshot(person: Person) -> dict[str, Any]:
    """What the audit log keeps of a person: numbers masked, so the log is no second copy of them."""
    return person_snapshot_of(
        name=person.name,
        id_number=person.id_number,
        phone=person.phone,
        sex=person.sex,
        birth_date=person.birth_date,
        residency=person.residency,
        relation=person.relation,
        status=person.status,
        household_id=person.household_id,
        notes=person.notes,
        tags=sorted(f"{t.tag}:{t.note}" for t in person.tags.all()) if person.pk else [],
    )


def person_snapshot_of(
    *,
    name: str,
    id_number: str | None,
    phone: str,
    sex: str,
    birth_date: dt.date | None,
    residency: str,
    relation: str,
    status: str,
    household_id: int | None,
    notes: str,
    tags: list[str],
) -> dict[str, Any]:
    """person_snapshot() from the values themselves (``tags`` sorted, as ``"tag:note"``), for a person
    that exists only as values (the roster import's new persons)."""
    return {
        "name": name,
        "id_number": mask_id_number(id_number),
        "phone": mask_phone(phone),
        "sex": sex,
        "birth_date": birth_date.isoformat() if birth_date else None,
        "residency": residency,
        "relation": relation,
        "status": status,
        "household": household_id,
        "notes": notes,
        "tags": tags,
    }


def household_snapshot(household: Household) -> dict[str, Any]:
    return {"room": household.room_id, "status": household.status, "note": household.note}


def _check_unique_id_number(*, community_id: int, id_number: str | None, exclude_pk: int | None) -> None:
    if not id_number:
        return
    same = Person.objects.filter(community_id=community_id, id_number=id_number)
    clash = (same.exclude(pk=exclude_pk) if exclude_pk is not None else same).first()
    if clash is not None:
        raise ValidationError(
            {"id_number": _("this ID number is already registered for %(name)s") % {"name": clash.name}}
        )


def _set_tags(person: Person, tags: list[tuple[str, str]] | None) -> None:
    if tags is None:
        return
    wanted = {tag: note for tag, note in tags}
    for bad in set(wanted) - set(PersonTag.Tag.values):
        raise ValidationError({"tags": _("unknown tag: %(value)s") % {"value": bad}})
    PersonTag.objects.filter(person=person).exclude(tag__in=list(wanted)).delete()
    for tag, note in wanted.items():
        PersonTag.objects.update_or_create(
            person=person, tag=tag, defaults={"community_id": person.community_id, "note": clean_text(note)[:200]}
        )
    # A person read with prefetch_related("tags") (every page's selector) would otherwise still show
    # the old tags, and the audit snapshot after the change would equal the one before.
    getattr(person, "_prefetched_objects_cache", {}).pop("tags", None)


# -- households and persons ----------------------------------------------------------------------


def households_in_room(room: Room) -> list[Household]:
    """The active households of a room: adding another one asks first (see household_create)."""
    return list(room.households.filter(status=Household.Status.ACTIVE).order_by("id"))


def members_named(household: Household, name: str) -> list[Person]:
    """The active members of a household with this (cleaned) name: adding another asks first."""
    return list(household.persons.filter(status=Person.Status.ACTIVE, name=name).order_by("id"))


@transaction.atomic
def household_create(
    *, actor: Any, room: Room, note: str = "", others_confirmed: Collection[int] | None = None, request: Any = None
) -> Household:
    """``others_confirmed``: when given, the active households already in the room that the user
    has seen and confirmed; any other one refuses (code "room_occupied"), so that a form
    resubmitted after "back" cannot add the same household twice. Rooms are locked meanwhile."""
    if others_confirmed is not None:
        Room.objects.select_for_update().filter(pk=room.pk).first()
        if any(h.pk not in set(others_confirmed) for h in households_in_room(room)):
            raise ValidationError(_("Someone has added a household to this room meanwhile; look at it first."),
                                  code="room_occupied")
    household = Household(community_id=room.community_id, room=room, note=clean_text(note))
    household.full_clean()
    household.save()
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, community=room.community, obj=household,
                 after=household_snapshot(household), request=request)
    return household


@transaction.atomic
def household_update(*, actor: Any, household: Household, note: str, cleared: Collection[str] = (),
                     request: Any = None) -> Household:
    """``cleared``: fields the user emptied on purpose (the edit form's EditForm.cleared), for the log."""
    before = household_snapshot(household)
    household.note = clean_text(note)
    household.full_clean()
    household.save()
    b, a = diff(before, household_snapshot(household))
    if a:
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, community=household.community, obj=household,
                     before=b, after=a, summary=cleared_summary(f for f in cleared if f in a and not a[f]),
                     request=request)
    return household


@transaction.atomic
def person_create(
    *,
    actor: Any,
    household: Household,
    data: PersonData,
    tags: list[tuple[str, str]] | None = None,
    same_name_confirmed: Collection[int] | None = None,
    request: Any = None,
) -> Person:
    """``same_name_confirmed``: when given, the active members with the same name that the user
    has seen and confirmed as other people; any other one refuses (code "same_name"), so that a
    form resubmitted after "back" cannot add the same person twice. The household is locked
    meanwhile. None: no such check (callers that match persons themselves)."""
    if same_name_confirmed is not None:
        Household.objects.select_for_update().filter(pk=household.pk).first()
        if any(p.pk not in set(same_name_confirmed) for p in members_named(household, data.name)):
            raise ValidationError({"name": ValidationError(
                _("%(name)s was added to this household meanwhile; look at the household first.")
                % {"name": data.name}, code="same_name")})
    _check_unique_id_number(community_id=household.community_id, id_number=data.id_number, exclude_pk=None)
    person = Person(community_id=household.community_id, household=household)
    apply_person_data(person, data)
    person.full_clean(validate_unique=False, validate_constraints=False)
    person.save()
    Residence.objects.create(community_id=person.community_id, person=person, household=household,
                             started_at=timezone.now(), reason="registered")  # shown translated: Residence.reason_shown
    _set_tags(person, tags)
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, community=household.community, obj=person,
                 after=person_snapshot(person), request=request)
    return person


@transaction.atomic
def person_update(
    *,
    actor: Any,
    person: Person,
    data: PersonData,
    tags: list[tuple[str, str]] | None = None,
    cleared: Collection[str] = (),
    request: Any = None,
) -> Person:
    """``cleared``: fields the user emptied on purpose (the edit form's EditForm.cleared), for the log."""
    before = person_snapshot(person)
    _check_unique_id_number(community_id=person.community_id, id_number=data.id_number, exclude_pk=person.pk)
    apply_person_data(person, data)
    person.full_clean(validate_unique=False, validate_constraints=False)
    person.save()
    _set_tags(person, tags)
    b, a = diff(before, person_snapshot(person))
    if a:
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, community=person.community, obj=person,
                     before=b, after=a, summary=cleared_summary(f for f in cleared if f in a and not a[f]),
                     request=request)
    return person


@transaction.atomic
def person_restore(
    *, actor: Any, person: Person, values: dict[str, Any], repaired_event_id: int, username: str = "",
    request: Any = None,
) -> list[str]:
    """Put back values that an audited update emptied without the user emptying them (``shequ
    repair-blanked``). Only fields that are still empty are filled; the person is validated as on
    every save, and the update is audited as a repair of that event. Returns the fields restored."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    before = person_snapshot(person)
    current = {f: getattr(person, f) for f in ("name", "id_number", "phone", "sex", "birth_date", "residency",
                                               "relation", "notes")}
    current.update({f: v for f, v in values.items() if f in current and current[f] in (None, "")})
    apply_person_data(person, clean_person_fields(**current))
    person.full_clean(validate_unique=False, validate_constraints=False)
    person.save()
    b, a = diff(before, person_snapshot(person))
    if a:
        audit_record(actor=actor, username=username, action=AuditEvent.Action.UPDATE, community=person.community,
                     obj=person, before=b, after=a, summary=repair_summary(repaired_event_id), request=request)
    return sorted(a)


def person_moved_to(person: Person, household_id: int) -> None:
    """What a move changes on the person: the household, and the person lives there (active again if
    they had moved out). The caller saves it (``person_move`` with save(), the roster import with one
    bulk_update of everything a row changed) and calls ``persons_move`` for the address history."""
    person.household_id = household_id
    person.status = Person.Status.ACTIVE


@transaction.atomic
def persons_move(
    *, community_id: int, moved: Sequence[Person], at: dt.datetime, reason: str = "",
    registered: Sequence[tuple[int, int]] = (),
) -> None:
    """The registry's bulk move: the address history of persons moved to their ``household_id``
    (``person_moved_to``) and of persons just registered (``registered``: person id, household id).
    Each moved person's open residence is closed at ``at`` and one residence is opened per person;
    one UPDATE and one bulk INSERT (core/bulkwrite.py ``Table``) whatever the number of persons.
    ``person_move`` moves one person through it; the roster import moves a batch."""
    if moved:
        Residence.objects.filter(person__in=[p.pk for p in moved], ended_at__isnull=True).update(ended_at=at)
    rows = [(community_id, pk, household_id, at, reason) for pk, household_id in registered]
    rows += [(community_id, p.pk, p.household_id, at, reason) for p in moved]
    if rows:
        _RESIDENCES.insert(rows)


_RESIDENCES = Table(Residence, ("community_id", "person_id", "household_id", "started_at", "reason"))


@transaction.atomic
def person_move(*, actor: Any, person: Person, household: Household, reason: str = "", request: Any = None) -> Person:
    """Move a person to another household of the same community; the old residence is closed."""
    if household.community_id != person.community_id:
        raise ValidationError({"household": _("a person can only move within their community")})
    if household.status != Household.Status.ACTIVE:
        raise ValidationError({"household": _("that household has moved out")})
    if household.pk == person.household_id and person.status == Person.Status.ACTIVE:
        raise ValidationError({"household": _("the person already lives in this household")})
    before = person_snapshot(person)
    person_moved_to(person, household.pk)
    person.household = household
    persons_move(community_id=person.community_id, moved=[person], at=timezone.now(), reason=clean_text(reason))
    person.save(update_fields=["household", "status", "updated_at"])
    b, a = diff(before, person_snapshot(person))
    audit_record(actor=actor, action=AuditEvent.Action.MOVE, community=person.community, obj=person,
                 before=b, after=a, summary=clean_text(reason), request=request)
    return person


@transaction.atomic
def person_move_out(
    *, actor: Any, person: Person, reason: str = "", deceased: bool = False, request: Any = None
) -> Person:
    """Mark a person as moved out (or deceased). The household link stays as their last address."""
    if person.status != Person.Status.ACTIVE:
        raise ValidationError({"status": _("this person no longer lives here")})
    before = person_snapshot(person)
    Residence.objects.filter(person=person, ended_at__isnull=True).update(
        ended_at=timezone.now(), reason=clean_text(reason)
    )
    person.status = Person.Status.DECEASED if deceased else Person.Status.MOVED_OUT
    person.save(update_fields=["status", "updated_at"])
    b, a = diff(before, person_snapshot(person))
    audit_record(actor=actor, action=AuditEvent.Action.MOVE_OUT, community=person.community, obj=person,
                 before=b, after=a, summary=clean_text(reason), request=request)
    return person


@transaction.atomic
def household_move_out(*, actor: Any, household: Household, reason: str = "", request: Any = None) -> Household:
    """The whole household leaves: every person still living there is marked moved out."""
    if household.status != Household.Status.ACTIVE:
        raise ValidationError({"status": _("this household has already moved out")})
    for person in household.persons.filter(status=Person.Status.ACTIVE):
        person_move_out(actor=actor, person=person, reason=reason, request=request)
    before = household_snapshot(household)
    household.status = Household.Status.VACATED
    household.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action=AuditEvent.Action.MOVE_OUT, community=household.community, obj=household,
                 before=before, after=household_snapshot(household), summary=clean_text(reason), request=request)
    return household


def person_reveal(*, actor: Any, person: Person, request: Any = None) -> dict[str, str]:
    """Full ID and phone number of one person; the caller has checked the capability. Audited."""
    audit_record(actor=actor, action=AuditEvent.Action.REVEAL, community=person.community, obj=person,
                 summary=person.name, request=request)
    return {"id_number": person.id_number or "", "phone": person.phone}


# -- grids drawn in the app ---------------------------------------------------------------------------


@transaction.atomic
def grid_create(*, actor: Any, community: Community, number: int, name: str = "", request: Any = None) -> Grid:
    """A new grid of the community (第N网格 unless named otherwise)."""
    name = clean_text(name).strip() or _("Grid %(number)d") % {"number": number}
    if Grid.objects.filter(community=community, number=number).exists():
        raise ValidationError({"number": _("The community already has grid %(number)d.") % {"number": number}})
    grid = Grid(community=community, number=number, name=name[:100])
    grid.full_clean()
    grid.save()
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, community=community, obj=grid,
                 summary=f"grid {number} {grid.name}", request=request)
    return grid


@transaction.atomic
def property_company_save(*, actor: Any, community: Community, company: PropertyCompany | None = None, name: str,
                          phone: str = "", compounds: Collection[Compound], request: Any = None) -> PropertyCompany:
    """A property company of the community (new when ``company`` is None) and exactly the compounds it
    manages: the ticked ones move to it (from the company they had), its others are left without one.
    Its property-company accounts see those compounds from their next request. Audited with the
    compound ids before and after."""
    errors: dict[str, str] = {}
    name = clean_text(name).strip()
    if not name:
        errors["name"] = _("Give the company's name.")
    elif (PropertyCompany.objects.filter(community=community, name=name)
          .exclude(pk__in=[company.pk] if company is not None else []).exists()):
        errors["name"] = _("The community already has a property company of that name.")
    phone = clean_text(phone).strip()
    if phone:
        try:
            phone = normalize_phone(phone)
        except PhoneError as exc:
            errors["phone"] = str(exc)
    if errors:
        raise ValidationError(errors)
    wanted = {c.pk for c in compounds}
    if Compound.objects.filter(pk__in=wanted).exclude(community_id=community.pk).exists():
        raise ValidationError(_("A compound of another community cannot be managed from here."))
    created = company is None
    if company is None:
        company = PropertyCompany(community=community)
        before: list[int] = []
        old = {"name": "", "phone": ""}
    else:
        before = sorted(Compound.objects.filter(property_company=company).values_list("pk", flat=True))
        old = {"name": company.name, "phone": company.phone}
    company.name, company.phone = name[:100], phone[:20]
    company.save()
    Compound.objects.filter(property_company=company).exclude(pk__in=wanted).update(property_company=None)
    Compound.objects.filter(pk__in=wanted).update(property_company=company)
    after = sorted(wanted)
    if created or before != after or old != {"name": company.name, "phone": company.phone}:
        audit_record(actor=actor, action=AuditEvent.Action.CREATE if created else AuditEvent.Action.UPDATE,
                     community=community, obj=company,
                     summary=f"property company {company.name}: compounds {before} -> {after}", request=request)
    return company


@transaction.atomic
def grid_assign_buildings(*, actor: Any, grid: Grid, buildings: Collection[Building], request: Any = None) -> Grid:
    """The grid covers exactly ``buildings`` (of its community): they join it, moving from the grid they
    were in, and the grid's other buildings leave it (to no grid). Audited with the building ids before
    and after; the grid workers of the grids concerned see the change at their next request."""
    wanted = {b.pk for b in buildings}
    if Building.objects.filter(pk__in=wanted).exclude(community_id=grid.community_id).exists():
        raise ValidationError(_("A building of another community cannot join this grid."))
    before = sorted(Building.objects.filter(grid=grid).values_list("pk", flat=True))
    moved_from = dict(Building.objects.filter(pk__in=wanted).exclude(grid=grid).exclude(grid__isnull=True)
                      .values_list("pk", "grid_id"))
    Building.objects.filter(grid=grid).exclude(pk__in=wanted).update(grid=None)
    Building.objects.filter(pk__in=wanted).update(grid=grid)
    after = sorted(wanted)
    if before != after:
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, community=grid.community, obj=grid,
                     summary=f"grid {grid.number} buildings"
                     + (f"; moved from grids {sorted(set(moved_from.values()))}" if moved_from else ""),
                     before={"buildings": before}, after={"buildings": after}, request=request)
    return grid
