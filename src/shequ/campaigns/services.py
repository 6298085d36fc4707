"""Writes of the campaigns app: open and close rounds, visits, exemptions, tubes and samples, results.

``tube_register`` is the one code path for sample registration: the sampling page, the device API
and the offline queue's sync all call it. It is idempotent by each sample's ``client_id`` like
``gates.services.record_passage``: the same client_id again returns the first row and records
nothing; two copies arriving at the same moment meet the unique constraint, and the loser returns
the winner's row.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, OuterRef, Q, Value
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from shequ.alerts.services import alert_raise
from shequ.audit.models import AuditEvent
from shequ.audit.services import audit_record
from shequ.campaigns import alert_kinds
from shequ.campaigns.models import (
    POOLINGS,
    Campaign,
    CampaignPlace,
    ExemptReason,
    Kind,
    Result,
    Retest,
    RetestStatus,
    Sample,
    SamplingPoint,
    SamplingSlot,
    SlotBuilding,
    Status,
    Target,
    TargetHousehold,
    Tube,
    Visit,
    VisitOutcome,
)
from shequ.campaigns.reach import targets_exempt_unreached, targets_reach
from shequ.core.bulkwrite import RowInserter, refresh_planner_statistics
from shequ.core.text import normalize
from shequ.passes.services import identify
from shequ.registry import services as registry
from shequ.registry.models import Building, Community, Compound, Grid, Household, Person, Unit

# What a sampling phone's offline queue can really hold: a scan waits at most a week, and a phone's
# clock may run a little ahead of the server's.
SAMPLED_AT_BACK = dt.timedelta(days=7)
SAMPLED_AT_AHEAD = dt.timedelta(minutes=5)


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


# -- campaigns ------------------------------------------------------------------------------------


@transaction.atomic
def campaign_create(
    *, actor: Any, community: Community, name: str, kind: str, starts_on: dt.date, ends_on: dt.date | None = None,
    compounds: Iterable[Compound] = (), buildings: Iterable[Building] = (), units: Iterable[Unit] = (),
    grid: Grid | None = None, previous: Campaign | None = None, request: Any = None,
) -> Campaign:
    """A draft campaign. No places and no grid: the whole community. The previous round defaults to
    the latest earlier campaign of the same kind in the community."""
    compounds, buildings, units = list(compounds), list(buildings), list(units)
    errors: dict[str, str] = {}
    if kind not in Kind.values:
        errors["kind"] = _("Unknown campaign kind.")
    if not normalize(name).strip():
        errors["name"] = _("Enter a name.")
    if ends_on is not None and ends_on < starts_on:
        errors["ends_on"] = _("The end date is before the start date.")
    places: list[Compound | Building | Unit] = [*compounds, *buildings, *units]
    if grid is not None and places:
        errors["grid"] = _("Choose either a grid or places, not both.")
    if any(p.community_id != community.pk for p in places) or (grid is not None and grid.community_id != community.pk):
        errors["places"] = _("The places must be in the campaign's community.")
    if previous is not None and previous.community_id != community.pk:
        errors["previous"] = _("The previous round must be in the same community.")
    if errors:
        raise ValidationError(errors)
    if previous is None:
        previous = (Campaign.objects.filter(community=community, kind=kind).exclude(status=Status.DRAFT)
                    .order_by("-starts_on", "-id").first())
    campaign = Campaign.objects.create(
        community=community, name=normalize(name).strip()[:100], kind=kind, starts_on=starts_on, ends_on=ends_on,
        grid=grid, previous=previous, created_by=_user(actor),
    )
    CampaignPlace.objects.bulk_create(
        [CampaignPlace(community=community, campaign=campaign, compound=c) for c in compounds]
        + [CampaignPlace(community=community, campaign=campaign, building=b) for b in buildings]
        + [CampaignPlace(community=community, campaign=campaign, unit=u) for u in units]
    )
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, community=community, obj=campaign,
                 summary=f"campaign {campaign.kind} {campaign.name}", request=request)
    return campaign


def scope_q(campaign: Campaign, prefix: str) -> Q:
    """Rows in the campaign's scope; ``prefix`` leads from the row to its Unit ("room__unit")."""
    p = f"{prefix}__" if prefix else ""
    q = Q(community_id=campaign.community_id)
    if campaign.grid_id is not None:
        return q & Q(**{f"{p}building__grid_id": campaign.grid_id})
    places = list(campaign.places.values_list("compound_id", "building_id", "unit_id"))
    if not places:
        return q
    any_place = Q(pk__in=[])
    compounds = [c for c, _b, _u in places if c]
    buildings = [b for _c, b, _u in places if b]
    units = [u for _c, _b, u in places if u]
    if compounds:
        any_place |= Q(**{f"{p}building__compound_id__in": compounds})
    if buildings:
        any_place |= Q(**{f"{p}building_id__in": buildings})
    if units:
        any_place |= Q(**{f"{p}id__in": units})
    return q & any_place


def _insert_from_select(table: str, columns: Sequence[str], constants: dict[str, Any], qs: Any) -> int:
    """INSERT INTO table (constants..., columns...) SELECT %s..., <qs> in one statement: the snapshot
    of a million persons never passes through Python. ``qs`` is a values_list of plain fields."""
    sql, params = qs.query.sql_with_params()
    names = [*constants, *columns]
    placeholders = ", ".join(["%s"] * len(constants))
    statement = (f"INSERT INTO {table} ({', '.join(names)}) "  # noqa: S608 - names are ours, values are params
                 f"SELECT {placeholders}, s.* FROM ({sql}) s")
    with connection.cursor() as cursor:
        cursor.execute(statement, [*constants.values(), *params])
        return cursor.rowcount


def _snapshot(campaign: Campaign) -> tuple[int, int]:
    someone = Person.objects.filter(household_id=OuterRef("pk"), status=Person.Status.ACTIVE)
    households = Household.objects.filter(
        scope_q(campaign, "room__unit"), Exists(someone), status=Household.Status.ACTIVE,
    ).values_list(
        "community_id", "id", "room__unit__building__compound_id", "room__unit__building_id", "room__unit_id",
        "room__unit__building__grid_id", "room__floor",
    )
    h = _insert_from_select(
        TargetHousehold._meta.db_table,
        ["community_id", "household_id", "compound_id", "building_id", "unit_id", "grid_id", "floor"],
        {"campaign_id": campaign.pk, "last_outcome": "", "visits": 0}, households.order_by(),
    )
    persons = Person.objects.filter(
        scope_q(campaign, "household__room__unit"), status=Person.Status.ACTIVE,
        household__status=Household.Status.ACTIVE,
    ).values_list(
        "community_id", "id", "household_id", "household__room__unit__building__compound_id",
        "household__room__unit__building_id", "household__room__unit_id", "household__room__unit__building__grid_id",
    )
    p = _insert_from_select(
        Target._meta.db_table,
        ["community_id", "person_id", "household_id", "compound_id", "building_id", "unit_id", "grid_id"],
        {"campaign_id": campaign.pk, "added_mid_round": False, "found_in_screening": False, "exempt_reason": "",
         "exempt_note": ""},
        persons.order_by(),
    )
    return h, p


@transaction.atomic
def campaign_open(*, actor: Any, campaign: Campaign, request: Any = None) -> Campaign:
    """Open a draft: its targets become the households and persons in scope at this moment."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != Status.DRAFT:
        raise ValidationError({"status": _("Only a draft campaign can be opened.")})
    households, persons = _snapshot(campaign)
    # A round's snapshot can add a million rows at once: planned for their real number from now on.
    refresh_planner_statistics(Target, TargetHousehold)
    campaign.status = Status.OPEN
    campaign.opened_at = timezone.now()
    campaign.save(update_fields=["status", "opened_at"])
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, community=campaign.community, obj=campaign,
                 summary=f"campaign opened: {households} households, {persons} persons", request=request)
    return campaign


@transaction.atomic
def campaign_close(*, actor: Any, campaign: Campaign, request: Any = None) -> Campaign:
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != Status.OPEN:
        raise ValidationError({"status": _("Only an open campaign can be closed.")})
    campaign.status = Status.CLOSED
    campaign.closed_at = timezone.now()
    campaign.save(update_fields=["status", "closed_at"])
    Tube.objects.filter(campaign=campaign, closed_at__isnull=True).update(closed_at=campaign.closed_at)
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, community=campaign.community, obj=campaign,
                 summary="campaign closed", request=request)
    return campaign


def _require_open(campaign: Campaign) -> None:
    if campaign.status != Status.OPEN:
        raise ValidationError({NON_FIELD_ERRORS: _("The campaign is not open.")})


# -- targets --------------------------------------------------------------------------------------


def _place_of(person: Person) -> dict[str, Any]:
    unit = person.household.room.unit
    return {"household_id": person.household_id, "compound_id": unit.building.compound_id,
            "building_id": unit.building_id, "unit_id": unit.pk, "grid_id": unit.building.grid_id}


def target_add(*, campaign: Campaign, person: Person, found_in_screening: bool = False) -> Target:
    """Add a person while the round runs (found on a doorstep, sampled though not targeted)."""
    existing = Target.objects.filter(campaign=campaign, person=person).first()
    if existing is not None:
        return existing
    household = person.household
    TargetHousehold.objects.get_or_create(
        campaign=campaign, household=household,
        defaults={"community_id": campaign.community_id, "floor": household.room.floor,
                  **{k: v for k, v in _place_of(person).items() if k != "household_id"}},
    )
    return Target.objects.create(community_id=campaign.community_id, campaign=campaign, person=person,
                                 added_mid_round=True, found_in_screening=found_in_screening, **_place_of(person))


@transaction.atomic
def person_found(*, actor: Any, campaign: Campaign, household: Household, data: registry.PersonData,
                 request: Any = None) -> Target:
    """Someone found on a doorstep who is not in the registry (workers trapped in a flat under
    renovation): registered through the registry's service and added as a target."""
    _require_open(campaign)
    if household.community_id != campaign.community_id:
        raise ValidationError({"household": _("The household is not in this campaign's community.")})
    person = registry.person_create(actor=actor, household=household, data=data, request=request)
    return target_add(campaign=campaign, person=person, found_in_screening=True)


@transaction.atomic
def target_exempt(*, actor: Any, target: Target, reason: str, note: str = "", request: Any = None) -> Target:
    """Exempt a person from the round with a reason; an empty reason lifts the exemption."""
    if reason and reason not in ExemptReason.values:
        raise ValidationError({"reason": _("Unknown exemption reason.")})
    if reason == ExemptReason.AWAY and not normalize(note).strip():
        raise ValidationError({"note": _("Say what proves the person is away.")})
    target.exempt_reason = reason
    target.exempt_note = normalize(note).strip()[:200]
    target.save(update_fields=["exempt_reason", "exempt_note"])
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, community=target.campaign.community, obj=target,
                 summary=f"campaign={target.campaign_id} person={target.person_id} exempt={reason or '-'}",
                 request=request)
    return target


# -- screening visits -----------------------------------------------------------------------------


@transaction.atomic
def visit_record(
    *, actor: Any, campaign: Campaign, household: Household, outcome: str,
    present: dict[int, Decimal | None] | None = None, moved_out: Sequence[int] = (), deceased: Sequence[int] = (),
    notes: str = "", visited_at: dt.datetime | None = None, request: Any = None,
) -> Visit:
    """Record a visit. Persons confirmed present are reached (with their temperature); persons found
    moved out or deceased are corrected in the registry and exempted; a household found moved out
    is moved out in the registry with all its persons."""
    _require_open(campaign)
    if outcome not in VisitOutcome.values:
        raise ValidationError({"outcome": _("Unknown visit outcome.")})
    present = dict(present or {})
    members = {p.pk: p for p in household.persons.filter(status=Person.Status.ACTIVE)}
    for pid in [*present, *moved_out, *deceased]:
        if pid not in members:
            raise ValidationError({"present": _("That person does not live in this household.")})
    if outcome != VisitOutcome.VISITED and present:
        raise ValidationError({"present": _("Persons can only be confirmed on a visit where someone was home.")})
    now = visited_at or timezone.now()
    visit = Visit.objects.create(
        community_id=campaign.community_id, campaign=campaign, household=household, outcome=outcome,
        visited_at=now, visitor=_user(actor),
        present={str(k): (str(v) if v is not None else None) for k, v in present.items()},
        notes=normalize(notes).strip(),
    )
    TargetHousehold.objects.filter(campaign=campaign, household=household).update(
        last_outcome=outcome, visited_at=now, visits=F("visits") + 1)
    targets_reach(campaign=campaign, persons=[members[pid] for pid in present], at=now, temperatures=present)
    if outcome == VisitOutcome.MOVED_OUT:
        registry.household_move_out(actor=actor, household=household, reason=_("found moved out in screening"),
                                    request=request)
        targets_exempt_unreached(campaign=campaign, where=Q(household=household), reason=ExemptReason.MOVED_OUT)
    for pid, is_dead in [*((p, False) for p in moved_out), *((p, True) for p in deceased)]:
        registry.person_move_out(actor=actor, person=members[pid], deceased=is_dead,
                                 reason=_("found in screening"), request=request)
        targets_exempt_unreached(campaign=campaign, where=Q(person_id=pid),
                                 reason=ExemptReason.DECEASED if is_dead else ExemptReason.MOVED_OUT)
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, community=campaign.community, obj=visit,
                 summary=f"visit campaign={campaign.pk} household={household.pk} {outcome}", request=request)
    return visit


# -- sampling points ------------------------------------------------------------------------------


@transaction.atomic
def point_create(
    *, actor: Any, campaign: Campaign, name: str, location: str = "",
    slots: Sequence[tuple[dt.datetime, dt.datetime, Sequence[Building]]] = (), request: Any = None,
) -> SamplingPoint:
    """A sampling point with its time slots, each calling down some buildings."""
    if not normalize(name).strip():
        raise ValidationError({"name": _("Enter a name.")})
    point = SamplingPoint.objects.create(community_id=campaign.community_id, campaign=campaign,
                                         name=normalize(name).strip()[:100], location=normalize(location)[:200])
    for starts_at, ends_at, buildings in slots:
        if ends_at <= starts_at:
            raise ValidationError({"slots": _("A time slot must end after it starts.")})
        slot = SamplingSlot.objects.create(community_id=campaign.community_id, point=point, starts_at=starts_at,
                                           ends_at=ends_at)
        for b in buildings:
            if b.community_id != campaign.community_id:
                raise ValidationError({"slots": _("The places must be in the campaign's community.")})
        SlotBuilding.objects.bulk_create([SlotBuilding(community_id=campaign.community_id, slot=slot, building=b)
                                          for b in buildings])
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, community=campaign.community, obj=point,
                 summary=f"sampling point {point.name} campaign={campaign.pk}", request=request)
    return point


# -- tubes and samples ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleIn:
    client_id: uuid.UUID
    person: Person | None  # None: the credential did not identify anyone (problem says why)
    problem: str = ""


@dataclass
class SampleOut:
    client_id: uuid.UUID
    status: str  # "created" | "existing" | "rejected"
    sample: Sample | None = None
    problem: str = ""

    @property
    def repeat(self) -> bool:
        return bool(self.sample and self.sample.repeat)


@dataclass
class Registration:
    tube: Tube
    samples: list[SampleOut] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def created(self) -> int:
        return sum(1 for s in self.samples if s.status == "created")


_TUBE_ROW = RowInserter(Tube, conflict=("campaign", "code"))


def _tube_for(campaign: Campaign, code: str, pooling: int, point: SamplingPoint | None, actor: Any) -> Tube:
    """The tube with this code, locked for this transaction; created if new. The insert ignores a
    conflict, so when another phone created the same tube a moment ago, its tube is the one used."""
    # One statement whether the tube is new or not (a sampling phone usually sends a new tube).
    tube = _TUBE_ROW.insert_or_lock(Tube(community_id=campaign.community_id, campaign=campaign, code=code,
                                         pooling=pooling, point=point, created_by=_user(actor)))
    if tube.pooling != pooling:
        raise ValidationError({"pooling": _("Tube %(code)s is a %(n)s-in-1 tube.") % {"code": code, "n": tube.pooling}})
    return tube


def clean_tube_code(code: str) -> str:
    text = normalize(code).strip().upper()
    if not text:
        raise ValidationError({"code": _("Scan or type the tube's barcode.")})
    if len(text) > 40 or any(c.isspace() for c in text):
        raise ValidationError({"code": _("A tube barcode has no spaces and at most 40 characters.")})
    return text


IDENTITY_MESSAGES = {
    "unknown_person": gettext_noop("Not found: look the person up by name or address, or add them at their door."),
    "pass_invalid": gettext_noop("This pass is not valid."),
    "ambiguous_phone": gettext_noop("Several persons share this phone: look them up by name or room."),
}


def identify_for_sampling(*, campaign: Campaign, credential: str) -> tuple[Person | None, str]:
    """A scanned pass, an ID number or a phone number -> (person, "") or (None, problem). A revoked
    pass still names its person: sampling only needs to know who it is."""
    found = identify(community_id=campaign.community_id, credential=credential)
    if found.person is not None and found.problem in (None, "pass_revoked"):
        return found.person, ""
    return None, _(IDENTITY_MESSAGES.get(found.problem or "", IDENTITY_MESSAGES["unknown_person"]))


def tube_register(
    *, actor: Any, campaign: Campaign, code: str, pooling: int, samples: Sequence[SampleIn],
    point: SamplingPoint | None = None, sampled_at: dt.datetime | None = None, close: bool = False,
    request: Any = None,
) -> Registration:
    """Register persons into a tube, each exactly once per client_id. The tube closes when full
    (or when ``close`` asks). Per-sample problems (tube full, not in this community, already in the
    tube) are returned, not raised; a problem with the tube itself raises ValidationError."""
    for attempt in range(2):
        try:
            return _tube_register(actor=actor, campaign=campaign, code=code, pooling=pooling, samples=samples,
                                  point=point, sampled_at=sampled_at, close=close, request=request)
        except IntegrityError:
            # Another copy of one of these client_ids (or of this person in this tube) committed
            # first; on the second pass the existing rows are found and returned.
            if attempt:
                raise
    raise AssertionError("unreachable")


@transaction.atomic
def _tube_register(
    *, actor: Any, campaign: Campaign, code: str, pooling: int, samples: Sequence[SampleIn],
    point: SamplingPoint | None, sampled_at: dt.datetime | None, close: bool, request: Any,
) -> Registration:
    if campaign.kind != Kind.TEST_ROUND:
        raise ValidationError({NON_FIELD_ERRORS: _("This is a door-to-door screening: tubes are registered in "
                                                   "test rounds only.")})
    code = clean_tube_code(code)
    if pooling not in POOLINGS:
        raise ValidationError({"pooling": _("Pooling is 1, 5, 10 or 20 persons per tube.")})
    if point is not None and point.campaign_id != campaign.pk:
        raise ValidationError({"point": _("The sampling point belongs to another campaign.")})
    if not samples and not close:
        raise ValidationError({"samples": _("Add at least one person to the tube.")})
    repeated = sorted(str(c) for c, n in Counter(s.client_id for s in samples).items() if n > 1)
    if repeated:
        # Each client_id names one registration; two persons under one id would store one of them.
        raise ValidationError({"client_id": _("%(ids)s is used for more than one sample in this request: each "
                                              "sample needs its own client_id.") % {"ids": ", ".join(repeated)}})
    now = timezone.now()
    at = sampled_at or now
    if at > now + SAMPLED_AT_AHEAD:
        raise ValidationError({"sampled_at": _("The sampling time is in the future.")})
    if at < now - SAMPLED_AT_BACK:
        raise ValidationError({"sampled_at": _("The sampling time is more than %(days)s days ago.") % {
            "days": SAMPLED_AT_BACK.days}})
    if not campaign.is_open and not Tube.objects.filter(campaign=campaign, code=code).exists():
        _require_open(campaign)  # a closed round may still answer replays of tubes it has, nothing new
    # The tube row is locked before looking for earlier copies: a copy racing this one waits here
    # until the first commits, and then finds its rows.
    tube = _tube_for(campaign, code, pooling, point, actor)
    # One query for both: earlier copies of these client_ids (anywhere) and what the tube holds.
    client_ids = [s.client_id for s in samples]
    found = list(Sample.objects.filter(Q(tube=tube) | Q(community_id=campaign.community_id, client_id__in=client_ids)))
    wanted = set(client_ids)
    earlier = {x.client_id: x for x in found if x.client_id in wanted}
    if any(e.tube_id != tube.pk for e in earlier.values()):
        raise ValidationError({"client_id": _("A client_id was already used for another tube.")})
    in_tube = {x.person_id: x.client_id for x in found if x.tube_id == tube.pk}
    out: dict[uuid.UUID, SampleOut] = {}
    for s in samples:
        if s.client_id in earlier:
            out[s.client_id] = SampleOut(s.client_id, "existing", earlier[s.client_id])
        elif s.person is not None and in_tube.get(s.person.pk) == s.client_id:
            out[s.client_id] = SampleOut(s.client_id, "existing", Sample.objects.get(
                community_id=campaign.community_id, client_id=s.client_id))
    fresh = [s for s in samples if s.client_id not in out]
    if fresh:
        _require_open(campaign)
        if tube.is_closed or tube.result:
            raise ValidationError({"code": _("Tube %(code)s is closed.") % {"code": code}})
    size = tube.size
    accepted: list[tuple[SampleIn, Person]] = []
    for s in fresh:
        problem, person = s.problem, s.person
        if not problem:
            if person is None or person.community_id != campaign.community_id:
                problem = _("Not found in this community.")
            elif person.status != Person.Status.ACTIVE:
                problem = _("This person no longer lives here.")
            elif person.pk in in_tube:
                problem = _("Already in this tube.")
            elif size >= tube.pooling:
                problem = _("The tube is full.")
        if problem or person is None:  # (no problem and no person cannot be: "not found" above)
            out[s.client_id] = SampleOut(s.client_id, "rejected", None, problem)
            continue
        in_tube[person.pk] = s.client_id
        size += 1
        accepted.append((s, person))
    registration = Registration(tube=tube)
    if accepted:
        person_ids = [person.pk for _s, person in accepted]
        # Pending re-tests and earlier samples of these persons, in one statement.
        pending: set[int] = set()
        sampled_before: set[int] = set()
        for person_id, kind in (
            Retest.objects.filter(campaign=campaign, person_id__in=person_ids, status=RetestStatus.PENDING)
            .values_list("person_id", Value(1)).union(
                Sample.objects.filter(campaign=campaign, person_id__in=person_ids).values_list("person_id", Value(2)),
                all=True)
        ):
            (pending if kind == 1 else sampled_before).add(person_id)
        rows = [Sample(community_id=campaign.community_id, campaign=campaign, tube=tube, person=person,
                       client_id=s.client_id, sampled_at=at, registered_by=_user(actor),
                       retest=person.pk in pending,
                       repeat=person.pk in sampled_before and person.pk not in pending) for s, person in accepted]
        Sample.objects.bulk_create(rows)
        for row in rows:
            out[row.client_id] = SampleOut(row.client_id, "created", row)
        targets_reach(campaign=campaign, persons=[person for _s, person in accepted], at=at)
        registration.warnings += _sealed_warnings(tube, at)
    if not size:
        if not samples:
            raise ValidationError({"code": _("An empty tube cannot be closed.")})
        # Nobody could be added: no empty tube is left behind (its row is locked by this transaction,
        # and no sample or re-test refers to an empty tube).
        tube.delete()
        registration.samples = [out[s.client_id] for s in samples]
        return registration
    tube.size = size
    fields = ["size"]
    if (size >= tube.pooling or close) and not tube.is_closed and size:
        tube.closed_at = now
        fields.append("closed_at")
    tube.save(update_fields=fields)
    if accepted or "closed_at" in fields:
        audit_record(actor=actor, action=AuditEvent.Action.CREATE, community=campaign.community, obj=tube,
                     summary=f"tube {tube.code}: {len(accepted)} samples, {size}/{tube.pooling}"
                             + (" closed" if tube.closed_at else ""), request=request)
    registration.samples = [out[s.client_id] for s in samples]
    return registration


def _sealed_warnings(tube: Tube, at: dt.datetime) -> list[str]:
    """Sealed areas usually take one tube per household: warn when a pooled tube mixes households
    and one of them is sealed (a warning, because the sampling team decides). Two queries when the
    community has no sealed area in force, which is the common case."""
    from shequ.containment.models import ContainmentArea, Level
    from shequ.containment.selectors import in_force, levels_for_units

    if tube.pooling == 1:
        return []
    if not ContainmentArea.objects.filter(in_force(at), community_id=tube.community_id, level=Level.SEALED).exists():
        return []
    rows = set(Sample.objects.filter(tube=tube).values_list("person__household_id", "person__household__room__unit_id"))
    if len({h for h, _u in rows}) < 2:
        return []
    if Level.SEALED in levels_for_units({u for _h, u in rows}, at).values():
        return [_("A sealed area usually has one tube per household; this tube holds several households.")]
    return []


@transaction.atomic
def tube_close(*, actor: Any, tube: Tube, request: Any = None) -> Tube:
    tube = Tube.objects.select_for_update().get(pk=tube.pk)
    if tube.closed_at is None:
        if not tube.size:
            raise ValidationError({"code": _("An empty tube cannot be closed.")})
        tube.closed_at = timezone.now()
        tube.save(update_fields=["closed_at"])
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, community=tube.community, obj=tube,
                     summary=f"tube {tube.code} closed with {tube.size}/{tube.pooling}", request=request)
    return tube


# -- results --------------------------------------------------------------------------------------


@dataclass
class ResultOutcome:
    tube: Tube
    changed: bool
    retests: int = 0


@transaction.atomic
def tube_result_set(*, actor: Any, tube: Tube, result: str, at: dt.datetime | None = None,
                    request: Any = None) -> ResultOutcome:
    """Record a tube's lab result. A positive or invalid tube puts its persons on the re-test list
    and alerts the community; a single tube of a person on the re-test list closes their re-test."""
    if result not in Result.values:
        raise ValidationError({"result": _("The result is negative, positive or invalid.")})
    tube = Tube.objects.select_for_update().select_related("campaign").get(pk=tube.pk)
    at = at or timezone.now()
    if at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"time": _("The result time is in the future.")})
    if tube.result == result:
        return ResultOutcome(tube, False)
    if tube.result:
        raise ValidationError({"result": _("Tube %(code)s already has the result %(result)s.") % {
            "code": tube.code, "result": tube.get_result_display()}})
    if not tube.size:
        raise ValidationError({"code": _("Tube %(code)s holds no samples.") % {"code": tube.code}})
    tube.result, tube.result_at = result, at
    tube.closed_at = tube.closed_at or at
    tube.save(update_fields=["result", "result_at", "closed_at"])
    samples = list(Sample.objects.filter(tube=tube).values_list("person_id", "retest"))
    retesting = [pid for pid, retest in samples if retest]
    resolved = bool(retesting) and tube.pooling == 1 and result != Result.INVALID
    if resolved:
        Retest.objects.filter(campaign_id=tube.campaign_id, person_id__in=retesting,
                              status=RetestStatus.PENDING).update(
            status=RetestStatus.POSITIVE if result == Result.POSITIVE else RetestStatus.NEGATIVE,
            resolved_tube=tube, resolved_at=at)
    new: list[int] = []
    if result in (Result.POSITIVE, Result.INVALID):
        already = set(Retest.objects.filter(campaign_id=tube.campaign_id, status=RetestStatus.PENDING,
                                            person_id__in=[pid for pid, _r in samples])
                      .values_list("person_id", flat=True))
        new = [pid for pid, retest in samples if pid not in already and not (resolved and retest)]
        Retest.objects.bulk_create([Retest(community_id=tube.community_id, campaign_id=tube.campaign_id,
                                           person_id=pid, source_tube=tube) for pid in new])
        if new or tube.pooling > 1 or result == Result.POSITIVE:
            from django.urls import reverse

            # The grid workers of these persons see the alert too: they know the households.
            grids = Person.objects.filter(pk__in=[pid for pid, _r in samples]).values_list(
                "household__room__unit__building__grid_id", flat=True)
            alert_raise(community_id=tube.community_id,
                        kind=alert_kinds.TUBE_POSITIVE if result == Result.POSITIVE else alert_kinds.TUBE_INVALID,
                        params={"campaign": tube.campaign.name, "tube": tube.code, "count": len(samples)},
                        url=reverse("campaigns:tube", args=[tube.campaign_id, tube.pk]), grids=grids)
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, community=tube.community, obj=tube,
                 summary=f"tube {tube.code} result {result}; {len(new)} to re-test", request=request)
    return ResultOutcome(tube, True, len(new))


# -- after a positive tube ------------------------------------------------------------------------

QUARANTINE_DAYS_MAX = 28


@dataclass
class QuarantineOutcome:
    tube: Tube
    ordered: list[Person] = field(default_factory=list)
    # Persons left as they were, with the restriction already in force over them.
    already: list[tuple[Person, Any]] = field(default_factory=list)


@transaction.atomic
def retest_quarantine(*, actor: Any, campaign: Campaign, tube: Tube, days: int = 7, at: dt.datetime | None = None,
                      request: Any = None) -> QuarantineOutcome:
    """Home quarantine from ``at`` for ``days`` for the persons of a positive tube who are on the
    re-test list (not those re-tested negative since), through containment's movement restriction.
    Persons already under a restriction in force are left as they are and named. Doing it again
    orders nothing new: the tube row is locked, so two clicks at once run one after the other and
    the second finds everyone restricted."""
    from shequ.containment.models import RestrictionKind
    from shequ.containment.selectors import restrictions_in_force
    from shequ.containment.services import restriction_create

    tube = Tube.objects.select_for_update().get(pk=tube.pk)
    if tube.campaign_id != campaign.pk:
        raise ValidationError({"tube": _("The tube belongs to another campaign.")})
    if tube.result != Result.POSITIVE:
        raise ValidationError({"tube": _("Home quarantine is ordered here for the persons of a positive tube.")})
    if not 1 <= days <= QUARANTINE_DAYS_MAX:
        raise ValidationError({"days": _("Home quarantine lasts 1 to %(n)s days.") % {"n": QUARANTINE_DAYS_MAX}})
    at = at or timezone.now()
    persons = list(Person.objects.filter(
        pk__in=Retest.objects.filter(source_tube=tube).exclude(status=RetestStatus.NEGATIVE).values("person_id"),
        status=Person.Status.ACTIVE).select_related("community").order_by("id"))
    in_force = restrictions_in_force([p.pk for p in persons], at)
    outcome = QuarantineOutcome(tube=tube)
    reason = _("tube %(code)s positive (%(campaign)s)") % {"code": tube.code, "campaign": campaign.name}
    for person in persons:
        if person.pk in in_force:
            outcome.already.append((person, in_force[person.pk][0]))
            continue
        restriction_create(actor=actor, person=person, kind=RestrictionKind.HOME_QUARANTINE, starts_at=at,
                           ends_at=at + dt.timedelta(days=days), reason=reason[:200], request=request)
        outcome.ordered.append(person)
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, community=campaign.community, obj=tube,
                 summary=f"tube {tube.code}: home quarantine for {days} days ordered for {len(outcome.ordered)} "
                         f"persons; {len(outcome.already)} already restricted", request=request)
    return outcome
