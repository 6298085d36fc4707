"""Health writes: the register (entries, the confirmation of a positive re-test), home quarantine and
monitoring orders (created, restarted from a new exposure, extended, shortened, ended, for one
person or a whole household), and follow-ups (recorded once). Every change of an order changes
containment's movement restrictions in the same transaction, through containment's services.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.alerts.services import alert_raise
from shequ.audit.models import AuditEvent
from shequ.audit.services import audit_record
from shequ.campaigns.models import Retest, RetestStatus
from shequ.containment.models import ContainmentArea, Level, MovementRestriction, RestrictionKind
from shequ.containment.services import area_create, free_text, restriction_create, restriction_end
from shequ.core.masking import mask_name
from shequ.core.temperature import FEVER_AT, in_range, range_message
from shequ.health import alert_kinds, periods
from shequ.health.models import (
    CONTROL_ITEMS,
    RISK_STATUSES,
    SLOT_DUE,
    SLOTS_BY_COUNT,
    TRANSFER_LIVE,
    TRANSFER_NEXT,
    ControlChecklist,
    EpidemicFreeRule,
    Facility,
    FollowUp,
    HealthEntry,
    HomeChecklist,
    LeftBehind,
    OrderChange,
    OrderKind,
    Outcome,
    QuarantineOrder,
    QuarantinePolicy,
    Source,
    Status,
    Transfer,
    TransferState,
    TransferStep,
    parse_days,
)
from shequ.registry.models import Building, Community, Compound, Household, Person, Unit

# Three follow-ups in a row without seeing the person alert the office.
MISSED_IN_A_ROW = 3


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


# -- the register ---------------------------------------------------------------------------------


@transaction.atomic
def entry_record(
    *, actor: Any, person: Person, status: str, source: str, last_exposure_on: dt.date | None = None,
    onset_on: dt.date | None = None, reported_at: dt.datetime | None = None, note: str = "",
    retest: Retest | None = None, request: Any = None,
) -> HealthEntry:
    """A new health status of the person; the one before it stays in the history, no longer current.
    The person's row is locked, so two entries at the same moment are recorded one after the other."""
    person = Person.objects.select_for_update().select_related("community").get(pk=person.pk)
    now = timezone.now()
    errors: dict[str, str] = {}
    if status not in Status.values:
        errors["status"] = _("Choose a health status.")
    if source not in Source.values:
        errors["source"] = _("Choose where the status comes from.")
    reported_at = reported_at or now
    if reported_at > now + dt.timedelta(minutes=5):
        errors["reported_at"] = _("The report time is in the future.")
    today = timezone.localdate(now)
    for name, day in (("last_exposure_on", last_exposure_on), ("onset_on", onset_on)):
        if day is not None and day > today:
            errors[name] = _("The date is in the future.")
    text = free_text(note)
    if len(text) > 300:
        errors["note"] = _("The note can be at most %(limit)s characters (it has %(count)s).") % {
            "limit": 300, "count": len(text)}
    if errors:
        raise ValidationError(errors)
    HealthEntry.objects.filter(person=person, current=True).update(current=False)
    entry = HealthEntry(community_id=person.community_id, person=person, status=status, source=source,
                        last_exposure_on=last_exposure_on, onset_on=onset_on, reported_at=reported_at, note=text,
                        retest=retest, current=True, created_by=_user(actor))
    entry.full_clean()
    entry.save()
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, community=person.community, obj=entry,
                 summary=f"health status {status} ({source}) person={person.pk}", request=request)
    return entry


@transaction.atomic
def retest_confirm(*, actor: Any, retest: Retest, request: Any = None) -> HealthEntry:
    """The proposal of a positive re-test confirmed (one tap): the person is a confirmed case from the
    re-test's result. Confirming twice records one entry (the second finds it)."""
    retest = Retest.objects.select_for_update().select_related("person", "campaign").get(pk=retest.pk)
    if retest.status != RetestStatus.POSITIVE:
        raise ValidationError(_("Only a re-test that came back positive proposes a confirmed case."))
    found = HealthEntry.objects.filter(retest=retest).first()
    if found is not None:
        return found
    note = _("re-test positive (%(campaign)s)") % {"campaign": retest.campaign.name}
    return entry_record(actor=actor, person=retest.person, status=Status.CONFIRMED, source=Source.RETEST,
                        reported_at=retest.resolved_at, note=note[:300], retest=retest, request=request)


# -- policies ---------------------------------------------------------------------------------------


@transaction.atomic
def policy_for_preset(*, community: Community, name: str) -> QuarantinePolicy:
    """The community's policy of that preset name, made from the preset the first time it is used."""
    found = QuarantinePolicy.objects.filter(community=community, name=name).first()
    if found is not None:
        return found
    preset = {p[0]: p for p in periods.PRESETS}.get(name)
    if preset is None:
        raise ValidationError({"policy": _("There is no policy named %(name)s.") % {"name": name}})
    _name, quarantine, monitoring, tests = preset
    return QuarantinePolicy.objects.create(community=community, name=name, quarantine_days=quarantine,
                                           monitoring_days=monitoring, test_days=tests,
                                           is_default=name == periods.DEFAULT_PRESET)


@transaction.atomic
def policy_set(*, actor: Any, community: Community, name: str, quarantine_days: int, monitoring_days: int,
               test_days: str, slots_per_day: int = 2, is_default: bool = False,
               request: Any = None) -> QuarantinePolicy:
    """A community's named policy, new or changed. Orders made before keep the numbers they copied."""
    name = free_text(name)[:40]
    if not name:
        raise ValidationError({"name": _("Name the policy.")})
    if quarantine_days + monitoring_days < 1:
        raise ValidationError({"quarantine_days": _("A policy lasts at least one day.")})
    policy = QuarantinePolicy.objects.filter(community=community, name=name).first() or QuarantinePolicy(
        community=community, name=name)
    policy.quarantine_days, policy.monitoring_days = quarantine_days, monitoring_days
    policy.test_days = ",".join(str(d) for d in parse_days(test_days))
    policy.slots_per_day, policy.is_default = slots_per_day, is_default
    policy.full_clean()
    if is_default:
        QuarantinePolicy.objects.filter(community=community, is_default=True).exclude(pk=policy.pk).update(
            is_default=False)
    policy.save()
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, community=community, obj=policy,
                 summary=f"policy {name}: {quarantine_days}+{monitoring_days} days, tests {policy.test_days}",
                 request=request)
    return policy


# -- orders -------------------------------------------------------------------------------------------


def _period(order: QuarantineOrder) -> periods.Period:
    return periods.Period(order.starts_at, order.quarantine_ends_at, order.ends_at)


def _restriction_reason(order: QuarantineOrder) -> str:
    # Containment's row is seen by the office only; still, it names the order, not the health status.
    return f"health order {order.pk}"


def _sync_restrictions(order: QuarantineOrder, *, actor: Any, at: dt.datetime, request: Any) -> None:
    """Containment's restrictions as the order's period now says, from ``at`` on: a restriction
    whose end is already right stays; another one ends at ``at`` and a new one starts there."""
    period = periods.Period(max(order.starts_at, at), max(order.quarantine_ends_at, at), max(order.ends_at, at))
    if order.state == QuarantineOrder.State.ENDED:
        period = periods.Period(at, at, at)
    wanted = (("quarantine_restriction", RestrictionKind.HOME_QUARANTINE, period.quarantine),
              ("monitoring_restriction", RestrictionKind.HOME_MONITORING, period.monitoring))
    for attr, kind, want in wanted:
        current: MovementRestriction | None = getattr(order, attr)
        if current is not None and want is not None and current.ends_at == want[1] and current.starts_at <= want[0]:
            continue
        if current is not None and want is None and current.ends_at is not None and current.ends_at <= at:
            continue  # over already: the order keeps the link to it
        if current is not None and (current.ends_at is None or current.ends_at > at):
            restriction_end(actor=actor, restriction=current, at=at, request=request)
        new = None
        if want is not None:
            new = restriction_create(actor=actor, person=order.person, kind=kind, starts_at=want[0], ends_at=want[1],
                                     reason=_restriction_reason(order), request=request)
        setattr(order, attr, new)
    order.save(update_fields=["quarantine_restriction", "monitoring_restriction"])


def slot_times(order: QuarantineOrder, *, after: dt.datetime) -> list[tuple[dt.date, str, dt.datetime]]:
    """The follow-up slots of the order due after ``after``: on each day the order is in force, each
    slot whose due time falls while it is (or before its end, on its last day)."""
    zone = periods.local_zone()
    first = timezone.localtime(max(order.starts_at, after), zone).date()
    last = timezone.localtime(order.ends_at, zone).date()
    found = []
    day = first
    while day <= last:
        for slot in SLOTS_BY_COUNT[order.slots_per_day]:
            due = dt.datetime.combine(day, SLOT_DUE[slot], tzinfo=zone)
            if due > max(order.starts_at, after) and periods.day_start(day, zone) < order.ends_at:
                found.append((day, str(slot), due))
        day += dt.timedelta(days=1)
    return found


def _plan_followups(order: QuarantineOrder, *, at: dt.datetime) -> int:
    """The pending slots from ``at`` on made again for the order's period (recorded ones stay)."""
    FollowUp.objects.filter(order=order, outcome="", due_at__gt=at).delete()
    if order.state == QuarantineOrder.State.ENDED:
        return 0
    taken = set(FollowUp.objects.filter(order=order).values_list("due_on", "slot"))
    household = order.person.household
    grid_id = household.room.unit.building.grid_id
    rows = [FollowUp(community_id=order.community_id, order=order, person_id=order.person_id,
                     household_id=household.pk, grid_id=grid_id, due_on=day, slot=slot, due_at=due)
            for day, slot, due in slot_times(order, after=at) if (day, slot) not in taken]
    FollowUp.objects.bulk_create(rows)
    return len(rows)


@transaction.atomic
def order_create(
    *, actor: Any, person: Person, policy: QuarantinePolicy, last_exposure_on: dt.date, reason: str = "",
    at: dt.datetime | None = None, request: Any = None,
) -> QuarantineOrder:
    """Home quarantine (then home monitoring) by the policy, counted from the last exposure; the
    restrictions the gates obey and the follow-up slots are made with it."""
    at = at or timezone.now()
    person = Person.objects.select_for_update().select_related(
        "community", "household__room__unit__building").get(pk=person.pk)
    if person.status != Person.Status.ACTIVE:
        raise ValidationError({"person": _("This person has moved out or died.")})
    if policy.community_id != person.community_id:
        raise ValidationError({"policy": _("The policy is another community's.")})
    if last_exposure_on > timezone.localdate(at):
        raise ValidationError({"last_exposure_on": _("The date is in the future.")})
    live = QuarantineOrder.objects.filter(person=person, state=QuarantineOrder.State.ACTIVE).first()
    if live is not None:
        raise ValidationError({"person": _("%(name)s is already under an order until %(end)s: change that one.") % {
            "name": person.name, "end": f"{timezone.localtime(live.ends_at):%Y-%m-%d %H:%M}"}})
    period = periods.period_for(last_exposure_on=last_exposure_on, quarantine_days=policy.quarantine_days,
                                monitoring_days=policy.monitoring_days, at=at)
    if period.ends_at <= at:
        raise ValidationError({"last_exposure_on": _(
            "Counted from this last exposure, the period of %(policy)s is already over.") % {"policy": policy.name}})
    order = QuarantineOrder(
        community_id=person.community_id, person=person,
        kind=OrderKind.HOME_QUARANTINE if period.quarantine else OrderKind.HOME_MONITORING, policy=policy,
        policy_name=policy.name, quarantine_days=policy.quarantine_days, monitoring_days=policy.monitoring_days,
        test_days=policy.test_days, slots_per_day=policy.slots_per_day, last_exposure_on=last_exposure_on,
        starts_at=period.starts_at, quarantine_ends_at=period.quarantine_ends_at, ends_at=period.ends_at,
        reason=free_text(reason)[:200], created_by=_user(actor))
    order.full_clean(exclude=["quarantine_restriction", "monitoring_restriction"])
    order.save()
    _sync_restrictions(order, actor=actor, at=at, request=request)
    _plan_followups(order, at=at)
    OrderChange.objects.create(community_id=order.community_id, order=order, kind=OrderChange.Kind.ORDERED,
                               reason=order.reason, ends_after=order.ends_at, at=at, by=_user(actor))
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, community=person.community, obj=order,
                 summary=f"{order.kind} {policy.name} person={person.pk} until "
                         f"{timezone.localtime(order.ends_at):%Y-%m-%d %H:%M}", request=request)
    return order


@dataclass
class HouseholdOutcome:
    ordered: list[QuarantineOrder] = field(default_factory=list)
    # Members left as they were, with their live order.
    already: list[QuarantineOrder] = field(default_factory=list)


@transaction.atomic
def orders_for_household(
    *, actor: Any, household: Household, policy: QuarantinePolicy, last_exposure_on: dt.date, reason: str = "",
    at: dt.datetime | None = None, request: Any = None,
) -> HouseholdOutcome:
    """The same order for every active member of the household (one tap); members already under a
    live order keep it and are named. Doing it again orders nothing new."""
    at = at or timezone.now()
    Household.objects.select_for_update().filter(pk=household.pk).first()
    outcome = HouseholdOutcome()
    members = Person.objects.filter(household=household, status=Person.Status.ACTIVE).order_by("id")
    live = {o.person_id: o for o in QuarantineOrder.objects.filter(person__in=members,
                                                                 state=QuarantineOrder.State.ACTIVE)}
    for person in members:
        if person.pk in live:
            outcome.already.append(live[person.pk])
            continue
        outcome.ordered.append(order_create(actor=actor, person=person, policy=policy,
                                            last_exposure_on=last_exposure_on, reason=reason, at=at,
                                            request=request))
    return outcome


def _locked(order: QuarantineOrder) -> QuarantineOrder:
    order = QuarantineOrder.objects.select_for_update(of=("self",)).select_related(
        "person__household__room__unit__building", "community", "quarantine_restriction",
        "monitoring_restriction").get(pk=order.pk)
    if order.state != QuarantineOrder.State.ACTIVE:
        raise ValidationError(_("This order has ended; order anew instead."))
    return order


def _need_reason(reason: str) -> str:
    text = free_text(reason)[:200]
    if not text:
        raise ValidationError({"reason": _("Say why the order changes.")})
    return text


def _changed(order: QuarantineOrder, *, actor: Any, kind: str, reason: str, before: dt.datetime, at: dt.datetime,
             request: Any) -> QuarantineOrder:
    order.save(update_fields=["last_exposure_on", "quarantine_ends_at", "ends_at", "state", "kind"])
    _sync_restrictions(order, actor=actor, at=at, request=request)
    _plan_followups(order, at=at)
    OrderChange.objects.create(community_id=order.community_id, order=order, kind=kind, reason=reason,
                               ends_before=before, ends_after=order.ends_at, at=at, by=_user(actor))
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, community=order.community, obj=order,
                 summary=f"order {kind}: until {timezone.localtime(order.ends_at):%Y-%m-%d %H:%M} ({reason})",
                 request=request)
    return order


@transaction.atomic
def order_restart(*, actor: Any, order: QuarantineOrder, last_exposure_on: dt.date, reason: str,
                  at: dt.datetime | None = None, request: Any = None) -> QuarantineOrder:
    """A new exposure (a household member turned positive): the period counted again from it, with the
    policy the order recorded. The start stays."""
    at = at or timezone.now()
    order = _locked(order)
    text = _need_reason(reason)
    if last_exposure_on > timezone.localdate(at):
        raise ValidationError({"last_exposure_on": _("The date is in the future.")})
    if last_exposure_on < order.last_exposure_on:
        raise ValidationError({"last_exposure_on": _("The new exposure is before the one the order counts from.")})
    before = order.ends_at
    new = periods.period_for(last_exposure_on=last_exposure_on, quarantine_days=order.quarantine_days,
                             monitoring_days=order.monitoring_days, at=order.starts_at)
    order.last_exposure_on = last_exposure_on
    order.quarantine_ends_at, order.ends_at = new.quarantine_ends_at, new.ends_at
    if order.ends_at <= at:
        raise ValidationError({"last_exposure_on": _("Counted from this exposure, the period is already over.")})
    return _changed(order, actor=actor, kind=OrderChange.Kind.RESTARTED, reason=text, before=before, at=at,
                    request=request)


@transaction.atomic
def order_set_end(*, actor: Any, order: QuarantineOrder, ends_at: dt.datetime, reason: str,
                  at: dt.datetime | None = None, request: Any = None) -> QuarantineOrder:
    """Extended or shortened to a new end (an end inside the quarantine drops the monitoring)."""
    at = at or timezone.now()
    order = _locked(order)
    text = _need_reason(reason)
    if ends_at <= at:
        raise ValidationError({"ends_at": _("The new end has passed: end the order instead.")})
    if ends_at == order.ends_at:
        return order
    before = order.ends_at
    new = periods.with_end(_period(order), ends_at)
    order.quarantine_ends_at, order.ends_at = new.quarantine_ends_at, new.ends_at
    kind = OrderChange.Kind.EXTENDED if ends_at > before else OrderChange.Kind.SHORTENED
    return _changed(order, actor=actor, kind=kind, reason=text, before=before, at=at, request=request)


@transaction.atomic
def order_end(*, actor: Any, order: QuarantineOrder, reason: str, at: dt.datetime | None = None,
              request: Any = None) -> QuarantineOrder:
    """Ended now: the restrictions end, the slots not yet due go."""
    at = at or timezone.now()
    order = _locked(order)
    text = _need_reason(reason)
    before = order.ends_at
    order.state = QuarantineOrder.State.ENDED
    order.ends_at = max(order.starts_at, min(order.ends_at, at))
    order.quarantine_ends_at = min(order.quarantine_ends_at, order.ends_at)
    return _changed(order, actor=actor, kind=OrderChange.Kind.ENDED, reason=text, before=before, at=at,
                    request=request)


def orders_finish(*, at: dt.datetime | None = None) -> int:
    """Orders whose period is over are marked ended (their restrictions ended by themselves): one
    UPDATE, run by the follow-up sweep."""
    at = at or timezone.now()
    return QuarantineOrder.objects.filter(state=QuarantineOrder.State.ACTIVE, ends_at__lte=at).update(
        state=QuarantineOrder.State.ENDED)


# -- follow-ups -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FollowUpIn:
    followup_id: int
    outcome: str
    temperature: Decimal | None = None
    symptoms: str = ""
    client_id: uuid.UUID | None = None


@dataclass
class Recorded:
    followup: FollowUp
    created: bool
    alerts: list[str] = field(default_factory=list)


def _who(person: Person) -> dict[str, str]:
    return {"who": mask_name(person.name), "address": person.household.room.address}


def _missed_in_a_row(person_id: int, upto: dt.datetime) -> int:
    """Slots due by ``upto`` without seeing the person (recorded as missed, or never recorded),
    counted back from the latest until one where they were seen."""
    count = 0
    for outcome in FollowUp.objects.filter(person_id=person_id, due_at__lte=upto).order_by("-due_at").values_list(
            "outcome", flat=True)[:MISSED_IN_A_ROW + 1]:
        if outcome == Outcome.SEEN:
            break
        count += 1
    return count


def _alert_missed(row: FollowUp) -> bool:
    """The "missed" alert for the person of ``row``, unless one about them is still open."""
    from shequ.alerts.models import Alert

    if Alert.objects.filter(community_id=row.community_id, kind=alert_kinds.MISSED.code, acknowledged_at__isnull=True,
                            params__person=row.person_id).exists():
        return False
    alert_raise(community_id=row.community_id, kind=alert_kinds.MISSED,
                url=reverse("health:person", args=[row.person_id]), grids=[row.grid_id] if row.grid_id else [],
                params={**_who(row.person), "count": MISSED_IN_A_ROW, "person": row.person_id, "followup": row.pk})
    return True


MISSED_OUTCOMES = (Outcome.NOT_SEEN, Outcome.UNREACHABLE, Outcome.REFUSED)
RECORDED_FIELDS = ("outcome", "temperature", "symptoms", "client_id", "self_reported", "recorded_at", "recorded_by")


def _record_once(row: FollowUp) -> bool:
    """The slot's outcome written if it has none yet: one conditional UPDATE (atomic by itself; a
    savepoint inside a transaction, so that a repeated client id fails this statement only).
    False when the slot was recorded already (another phone, a moment earlier)."""
    values = {name: getattr(row, name) for name in RECORDED_FIELDS}
    slot = FollowUp.objects.filter(pk=row.pk, outcome="")
    if not connection.in_atomic_block:
        return slot.update(**values) == 1
    with transaction.atomic():
        return slot.update(**values) == 1


def _earlier(row: FollowUp, client_id: uuid.UUID | None) -> Recorded | None:
    """The first record of a repeat: the same client id (for any slot), or the slot recorded."""
    if client_id is not None:
        earlier = FollowUp.objects.filter(community_id=row.community_id, client_id=client_id).first()
        if earlier is not None:
            return Recorded(earlier, False)
    fresh = FollowUp.objects.get(pk=row.pk)
    return Recorded(fresh, False) if fresh.outcome else None


def followup_record(*, actor: Any, followup: FollowUp, outcome: str, temperature: Decimal | None = None,
                    symptoms: str = "", client_id: uuid.UUID | None = None, self_reported: bool = False,
                    at: dt.datetime | None = None, request: Any = None) -> Recorded:
    """One follow-up recorded once: the same ``client_id`` again, or the slot already recorded (a double
    tap, a retry, a second phone), returns the first record and changes nothing. A temperature at or
    above the fever threshold or a symptom alerts the office (and the person's grid worker); so do
    three slots in a row without seeing the person. Follow-ups are their own ledger (who recorded
    what, when): like passages at a gate they write no audit event.

    The write comes first and answers the repeat: a conditional UPDATE of a slot still without an
    outcome, the unique client id per community refusing a second slot. The phone's queue sends most
    follow-ups once, so the usual path reads nothing more than the slot with its order
    (selectors.followup_for_record) and, outside an alert, runs in no transaction (bench/health.py:
    followup_ratio). An outcome that alerts is written with its alerts in one transaction."""
    at = at or timezone.now()
    if followup.outcome:
        return _earlier(followup, client_id) or Recorded(followup, False)
    order = followup.order
    errors: dict[str, str] = {}
    if outcome not in Outcome.values:
        errors["outcome"] = _("Choose seen, not seen, unreachable or refused.")
    if outcome == Outcome.SEEN and temperature is not None and not in_range(temperature):
        errors["temperature"] = range_message()
    if outcome != Outcome.SEEN and (temperature is not None or symptoms.strip()):
        errors["outcome"] = _("A temperature or symptoms are recorded only for a person seen.")
    if order.state != QuarantineOrder.State.ACTIVE and followup.due_at > order.ends_at:
        errors["followup"] = _("The order has ended.")
    if errors:
        # A repeat of a record made before the order ended stands as it was.
        earlier = _earlier(followup, client_id)
        if earlier is not None:
            return earlier
        raise ValidationError(errors)
    row = followup
    row.outcome, row.temperature, row.symptoms = outcome, temperature, free_text(symptoms)[:200]
    row.client_id, row.self_reported, row.recorded_at, row.recorded_by = client_id, self_reported, at, _user(actor)
    fever = temperature is not None and temperature >= FEVER_AT
    if not (fever or row.symptoms or outcome in MISSED_OUTCOMES):
        try:
            written = _record_once(row)
        except IntegrityError:
            written = False
        if not written:
            return _repeat(row, client_id)
        return Recorded(row, True)
    with transaction.atomic():
        try:
            written = _record_once(row)
        except IntegrityError:
            written = False
        if not written:
            return _repeat(row, client_id)
        return _alert(row, fever=fever)


def _repeat(row: FollowUp, client_id: uuid.UUID | None) -> Recorded:
    """What a write that changed nothing answers: the first record (the same client id arrived at
    the same moment for another slot, or the slot was recorded first by another phone)."""
    found = _earlier(row, client_id)
    if found is None:  # neither: the slot is gone (its order was deleted meanwhile)
        raise ValidationError({"followup": _("No such follow-up.")})
    return found


def _alert(row: FollowUp, *, fever: bool) -> Recorded:
    """The alerts of an outcome just recorded: fever, symptoms, three missed slots in a row."""
    recorded = Recorded(row, True)
    person = Person.objects.select_related("household__room__unit__building").get(pk=row.person_id)
    row.person = person
    grids = [row.grid_id] if row.grid_id else []
    url = reverse("health:person", args=[person.pk])
    slot = row.get_slot_display()
    if fever:
        alert_raise(community_id=row.community_id, kind=alert_kinds.FEVER, url=url, grids=grids,
                    params={**_who(person), "temperature": str(row.temperature), "slot": str(slot),
                            "followup": row.pk})
        recorded.alerts.append(alert_kinds.FEVER.code)
    if row.symptoms:
        alert_raise(community_id=row.community_id, kind=alert_kinds.SYMPTOM, url=url, grids=grids,
                    params={**_who(person), "symptoms": row.symptoms[:60], "followup": row.pk})
        recorded.alerts.append(alert_kinds.SYMPTOM.code)
    if row.missed and _missed_in_a_row(person.pk, row.due_at) >= MISSED_IN_A_ROW and _alert_missed(row):
        recorded.alerts.append(alert_kinds.MISSED.code)
    return recorded


@transaction.atomic
def household_visit_record(*, actor: Any, household: Household, records: Sequence[FollowUpIn],
                           at: dt.datetime | None = None, request: Any = None) -> list[Recorded]:
    """One visit records every member's slot at once (the slots must be the household's)."""
    rows = {f.pk: f for f in FollowUp.objects.filter(pk__in=[r.followup_id for r in records],
                                                      household=household).select_related("order")}
    missing = [r.followup_id for r in records if r.followup_id not in rows]
    if missing:
        raise ValidationError({"followup": _("Follow-up %(id)s is not one of this household's.") % {"id": missing[0]}})
    return [followup_record(actor=actor, followup=rows[r.followup_id], outcome=r.outcome, temperature=r.temperature,
                            symptoms=r.symptoms, client_id=r.client_id, at=at, request=request) for r in records]


def followups_sweep(*, at: dt.datetime | None = None, community_ids: Iterable[int] | None = None) -> int:
    """Alerts for persons whose last three slots passed without seeing them (never recorded, or not
    seen), once per run of three; and orders whose period is over marked ended. For a periodic job
    (``shequ health-sweep``). Returns the alerts raised."""
    at = at or timezone.now()
    orders_finish(at=at)
    qs = FollowUp.objects.filter(due_at__lte=at, due_at__gt=at - dt.timedelta(days=1), outcome="")
    if community_ids is not None:
        qs = qs.filter(community_id__in=list(community_ids))
    raised = 0
    for person_id in sorted(set(qs.values_list("person_id", flat=True))):
        newest = (FollowUp.objects.filter(person_id=person_id, due_at__lte=at).order_by("-due_at")
                  .select_related("person__household__room__unit__building").first())
        if newest is not None and _missed_in_a_row(person_id, at) >= MISSED_IN_A_ROW and _alert_missed(newest):
            raised += 1
    return raised


# -- transfers --------------------------------------------------------------------------------------


def _transfer_summary(transfer: Transfer, what: str) -> str:
    return f"transfer {what}: person={transfer.person_id} ({transfer.destination})"


@transaction.atomic
def facility_set(*, actor: Any, community: Community, name: str, kind: str, capacity: int, address: str = "",
                 request: Any = None) -> Facility:
    """A facility of the community, new or changed (by name)."""
    name = free_text(name)[:100]
    if not name:
        raise ValidationError({"name": _("Name the facility.")})
    facility = Facility.objects.filter(community=community, name=name).first() or Facility(community=community,
                                                                                           name=name)
    facility.kind, facility.capacity, facility.address = kind, capacity, free_text(address)[:200]
    facility.full_clean()
    facility.save()
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, community=community, obj=facility,
                 summary=f"facility {name}: {kind}, {capacity} rooms", request=request)
    return facility


@transaction.atomic
def transfer_request(*, actor: Any, persons: Sequence[Person], destination: str, reason: str,
                     at: dt.datetime | None = None, request: Any = None) -> list[Transfer]:
    """A transfer for one person or several members of one household together (one group, one home
    checklist). A person with a live transfer is refused: one at a time."""
    at = at or timezone.now()
    if not persons:
        raise ValidationError({"persons": _("Choose who is transferred.")})
    households = {p.household_id for p in persons}
    if len(households) != 1:
        raise ValidationError({"persons": _("A transfer together is for members of one household.")})
    text = free_text(reason)[:200]
    if not text:
        raise ValidationError({"reason": _("Say why the transfer is needed.")})
    if destination not in Transfer.Destination.values:
        raise ValidationError({"destination": _("Choose central quarantine or hospital.")})
    locked = list(Person.objects.select_for_update().filter(pk__in=[p.pk for p in persons]).order_by("id"))
    live = {t.person_id for t in Transfer.objects.filter(person__in=locked, state__in=TRANSFER_LIVE)}
    for person in locked:
        if person.pk in live:
            raise ValidationError({"persons": _("%(name)s already has a transfer under way.") % {"name": person.name}})
        if person.status != Person.Status.ACTIVE:
            raise ValidationError({"persons": _("This person has moved out or died.")})
    group = uuid.uuid4()
    household_id = households.pop()
    HomeChecklist.objects.create(community_id=locked[0].community_id, household_id=household_id, group=group)
    made = []
    for person in locked:
        transfer = Transfer.objects.create(community_id=person.community_id, person=person, household_id=household_id,
                                           group=group, destination=destination, reason=text)
        TransferStep.objects.create(community_id=person.community_id, transfer=transfer,
                                    state=TransferState.REQUESTED, at=at, by=_user(actor))
        audit_record(actor=actor, action=AuditEvent.Action.CREATE, community=person.community, obj=transfer,
                     summary=_transfer_summary(transfer, "requested"), request=request)
        made.append(transfer)
    return made


@transaction.atomic
def checklist_record(*, actor: Any, checklist: HomeChecklist, left: Sequence[tuple[Person, str]] | None = None,
                     pets: str | None = None, keys: str | None = None, disinfected: bool = False,
                     at: dt.datetime | None = None, request: Any = None) -> HomeChecklist:
    """Answers of the home checklist. ``left``: the members staying at home with the care each needs
    (an empty list: nobody); each alerts the office to open a care task. ``pets``: "" means none."""
    at = at or timezone.now()
    checklist = HomeChecklist.objects.select_for_update().get(pk=checklist.pk)
    if left is not None:
        for person, care in left:
            if person.household_id != checklist.household_id:
                raise ValidationError({"left": _("%(name)s does not live in this household.") % {"name": person.name}})
            text = free_text(care)[:200]
            if not text:
                raise ValidationError({"left": _("Say what care %(name)s needs.") % {"name": person.name}})
            row, created = LeftBehind.objects.get_or_create(community_id=checklist.community_id, checklist=checklist,
                                                            person=person, defaults={"care": text})
            if created:
                person = Person.objects.select_related("household__room__unit__building").get(pk=person.pk)
                alert_raise(community_id=checklist.community_id, kind=alert_kinds.CARE_NEEDED,
                            url=reverse("health:person", args=[person.pk]),
                            grids=[g for g in [person.household.room.unit.building.grid_id] if g is not None],
                            params={**_who(person), "care": text[:80], "person": person.pk})
        checklist.left_checked = True
    if pets is not None:
        checklist.pets, checklist.pets_checked = free_text(pets)[:200], True
    if keys is not None and free_text(keys):
        checklist.keys = free_text(keys)[:200]
    if disinfected and checklist.disinfected_at is None:
        checklist.disinfected_at, checklist.disinfected_by = at, _user(actor)
    checklist.save()
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, community=checklist.community, obj=checklist,
                 summary=f"home checklist household={checklist.household_id}", request=request)
    return checklist


@transaction.atomic
def transfer_advance(*, actor: Any, transfer: Transfer, to: str, note: str = "", vehicle: str = "", driver: str = "",
                     driver_phone: str = "", facility: Facility | None = None, room: str = "",
                     then_monitoring: QuarantinePolicy | None = None, at: dt.datetime | None = None,
                     request: Any = None) -> Transfer:
    """The next step of a transfer, never a skipped one. Vehicle arranged needs the vehicle, the
    driver and their phone; picked up needs the home checklist's members, pets and keys answered;
    arrived needs the facility (central quarantine: the room) and changes the person's restriction
    from home to central quarantine (their home order ends); coming back ends it, and with
    ``then_monitoring`` puts them under home health monitoring. Closing needs the final
    disinfection of the home."""
    at = at or timezone.now()
    transfer = Transfer.objects.select_for_update(of=("self",)).select_related("person__household__room__unit__building",
                                                                    "community").get(pk=transfer.pk)
    if to not in TRANSFER_NEXT[transfer.state]:
        raise ValidationError({"state": _("A transfer that is %(state)s cannot go to %(to)s.") % {
            "state": transfer.get_state_display(), "to": TransferState(to).label if to in TransferState.values else to}})
    checklist = HomeChecklist.objects.get(group=transfer.group)
    if to == TransferState.VEHICLE:
        errors = {}
        for name, value in (("vehicle", vehicle), ("driver", driver), ("driver_phone", driver_phone)):
            if not free_text(value):
                errors[name] = _("Enter the vehicle, the driver and the driver's phone.")
        if errors:
            raise ValidationError(errors)
        transfer.vehicle, transfer.driver, transfer.driver_phone = (free_text(vehicle)[:40], free_text(driver)[:40],
                                                                    free_text(driver_phone)[:20])
    elif to == TransferState.PICKED_UP and not checklist.before_pickup_done:
        raise ValidationError({"checklist": _(
            "Answer the home checklist first: who stays at home, pets, who holds the keys.")})
    elif to == TransferState.ARRIVED:
        if facility is None or facility.community_id != transfer.community_id:
            raise ValidationError({"facility": _("Choose the facility.")})
        if transfer.destination == Transfer.Destination.CENTRAL and not free_text(room):
            raise ValidationError({"room": _("Enter the room.")})
        transfer.facility, transfer.room = facility, free_text(room)[:20]
        live = QuarantineOrder.objects.filter(person=transfer.person, state=QuarantineOrder.State.ACTIVE).first()
        if live is not None:
            order_end(actor=actor, order=live, reason=_("transferred to %(facility)s") % {"facility": facility.name},
                      at=at, request=request)
        transfer.restriction = restriction_create(
            actor=actor, person=transfer.person, kind=RestrictionKind.CENTRAL_QUARANTINE, starts_at=at,
            reason=f"health transfer {transfer.pk}", request=request)
    elif to in (TransferState.DISCHARGED, TransferState.RETURNED):
        if checklist.disinfected_at is None:
            raise ValidationError({"checklist": _("Record the final disinfection of the home first.")})
        if transfer.restriction is not None:
            restriction_end(actor=actor, restriction=transfer.restriction, at=at, request=request)
        if to == TransferState.RETURNED and then_monitoring is not None:
            order_create(actor=actor, person=transfer.person, policy=then_monitoring,
                         last_exposure_on=timezone.localdate(at), reason=_("back from central quarantine"), at=at,
                         request=request)
    transfer.state = to
    transfer.save()
    TransferStep.objects.create(community_id=transfer.community_id, transfer=transfer, state=to, at=at,
                                by=_user(actor), note=free_text(note)[:200])
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, community=transfer.community, obj=transfer,
                 summary=_transfer_summary(transfer, to), request=request)
    return transfer


# -- epidemic-free status -------------------------------------------------------------------------


@transaction.atomic
def epidemic_free_rule_set(*, actor: Any, community: Community, days: int = 14, checklist_required: bool = False,
                           request: Any = None) -> EpidemicFreeRule:
    if not 1 <= days <= 60:
        raise ValidationError({"days": _("Between 1 and 60 days.")})
    rule, _created = EpidemicFreeRule.objects.update_or_create(
        community=community, defaults={"days": days, "checklist_required": checklist_required})
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, community=community, obj=rule,
                 summary=f"epidemic-free rule: {days} days, checklist {'required' if checklist_required else 'not required'}",
                 request=request)
    return rule


@transaction.atomic
def control_checklist_set(*, actor: Any, compound: Any, items: dict[str, bool], request: Any = None) -> ControlChecklist:
    """The six control items of a compound as ticked now (items not named keep their value)."""
    checklist, _created = ControlChecklist.objects.get_or_create(community_id=compound.community_id,
                                                                 compound=compound)
    for name, _label in CONTROL_ITEMS:
        if name in items:
            setattr(checklist, name, bool(items[name]))
    checklist.save()
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, community=compound.community, obj=checklist,
                 summary=f"control checklist compound={compound.pk}: "
                         + ", ".join(n for n, _l in CONTROL_ITEMS if getattr(checklist, n)), request=request)
    return checklist


# -- sealing from the case card -------------------------------------------------------------------------

SEAL_PLACES = ("unit", "building", "compound")


@transaction.atomic
def case_seal(*, actor: Any, person: Person, place: str, reason: str = "", request: Any = None) -> ContainmentArea:
    """Seal the unit, building or compound where a case or close contact lives, in one step: a
    containment area made by containment's service (which ends a level in force there first). The
    area's reason is what staff write (the gate never learns the health status from it)."""
    current = HealthEntry.objects.filter(person=person, current=True).only("status").first()
    if current is None or current.status not in RISK_STATUSES:
        raise ValidationError(_("Only the home of a confirmed case, an asymptomatic infection or a close contact "
                                "is sealed from the health card."))
    room = person.household.room
    places: dict[str, Compound | Building | Unit] = {"unit": room.unit, "building": room.unit.building,
                                                     "compound": room.unit.building.compound}
    target = places.get(place)
    if target is None:
        raise ValidationError({"place": _("Choose the unit, the building or the compound.")})
    return area_create(actor=actor, level=Level.SEALED, place=target, reason=free_text(reason)[:200],
                       request=request)
