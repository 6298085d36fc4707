"""Health reads: the register, a person's health card (history, orders, the proposal of a positive
re-test), risk places, today's follow-ups of a grid worker in walking order, and overdue buckets.
Each read of rows takes the caller's Scope (core/scoping.py); ``risk_places`` is the one read for
other apps' decisions (deliveries to a risk place are staff-only) and takes communities instead."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from shequ.campaigns.models import Retest, RetestStatus
from shequ.core.rows import ChainReader
from shequ.core.scoping import Scope
from shequ.health.models import (
    RISK_STATUSES,
    TRANSFER_LIVE,
    Facility,
    FollowUp,
    HealthEntry,
    HomeChecklist,
    OrderChange,
    Outcome,
    QuarantineOrder,
    QuarantinePolicy,
    Status,
    Transfer,
    TransferState,
    TransferStep,
)
from shequ.health.periods import PRESETS
from shequ.registry.models import Household, Person, Unit

VIEW = "health.view"
PERSON_PLACE = "person__household__room__unit__building__compound"


# -- the register --------------------------------------------------------------------------------------


def health_person_get(scope: Scope, pk: int) -> Person:
    """A person whose health card the user may open (the ``health.view`` variant of Person's scope:
    the community's office, the grid worker of their grid, the medical role); 404 otherwise."""
    qs = Person.objects.select_related("household__room__unit__building__compound", "community")
    return get_object_or_404(scope.filter(qs, variant=VIEW), pk=pk)


def visit_household_get(scope: Scope, pk: int) -> Household:
    """A household with follow-ups the user may see (a visit page with nothing due now)."""
    qs = Household.objects.filter(pk__in=followup_list(scope).values("household_id"))
    return get_object_or_404(qs.select_related("room__unit__building__compound"), pk=pk)


def register_list(scope: Scope, *, status: str | None = None, current_only: bool = True) -> QuerySet[HealthEntry]:
    """Health entries the user may see (current ones by default), newest first."""
    qs = scope.filter(HealthEntry.objects.all())
    if current_only:
        qs = qs.filter(current=True).exclude(status=Status.CLEARED)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related(PERSON_PLACE).order_by("-reported_at", "-id")


def person_entries(scope: Scope, person: Person) -> list[HealthEntry]:
    return list(scope.filter(HealthEntry.objects.filter(person=person)).select_related("created_by")
                .order_by("-reported_at", "-id"))


def current_status(scope: Scope, person_ids: Iterable[int]) -> dict[int, HealthEntry]:
    """person id -> their current entry (none for persons without one, or out of scope)."""
    return {e.person_id: e for e in scope.filter(HealthEntry.objects.filter(person_id__in=list(person_ids),
                                                                           current=True))}


def retest_proposals(scope: Scope, person: Person) -> list[Retest]:
    """Positive re-tests of the person that no entry has confirmed yet: each proposes a confirmed
    case on the person's card."""
    if not scope.can("health.view", person.community_id):
        return []
    confirmed = HealthEntry.objects.filter(person=person, retest__isnull=False).values("retest_id")
    return list(Retest.objects.filter(person=person, status=RetestStatus.POSITIVE).exclude(pk__in=confirmed)
                .select_related("campaign", "source_tube").order_by("resolved_at", "id"))


def retest_get(scope: Scope, person: Person, pk: int) -> Retest:
    found = {r.pk: r for r in retest_proposals(scope, person)}
    if pk not in found:
        raise Http404
    return found[pk]


# -- policies and orders ----------------------------------------------------------------------------


def policy_choices(scope: Scope, community_id: int) -> list[tuple[str, str]]:
    """(value, label) of the community's policies and of the presets it has not used yet:
    "policy:<id>" or "preset:<name>" (made on first use by services.policy_for_preset)."""
    own = list(scope.filter(QuarantinePolicy.objects.filter(community_id=community_id)).order_by("-is_default", "name"))
    names = {p.name for p in own}
    choices = [(f"policy:{p.pk}", _policy_label(p.name, p.quarantine_days, p.monitoring_days, p.test_days))
               for p in own]
    choices += [(f"preset:{name}", _policy_label(name, q, m, tests)) for name, q, m, tests in PRESETS
                if name not in names]
    return choices


def _policy_label(name: str, quarantine: int, monitoring: int, tests: str) -> str:
    from django.utils.translation import gettext as _

    return _("%(name)s: %(q)s days home quarantine + %(m)s days home monitoring, tests on days %(tests)s") % {
        "name": name, "q": quarantine, "m": monitoring, "tests": tests or "-"}


def policy_get(scope: Scope, pk: int) -> QuarantinePolicy:
    return get_object_or_404(scope.filter(QuarantinePolicy.objects.all()), pk=pk)


def order_list(scope: Scope, *, live_only: bool = True) -> QuerySet[QuarantineOrder]:
    qs = scope.filter(QuarantineOrder.objects.all())
    if live_only:
        qs = qs.filter(state=QuarantineOrder.State.ACTIVE)
    return qs.select_related(PERSON_PLACE).order_by("ends_at", "id")


def order_get(scope: Scope, pk: int) -> QuarantineOrder:
    return get_object_or_404(order_list(scope, live_only=False), pk=pk)


def person_orders(scope: Scope, person: Person) -> list[QuarantineOrder]:
    return list(order_list(scope, live_only=False).filter(person=person).order_by("-starts_at", "-id"))


def order_changes(scope: Scope, order: QuarantineOrder) -> list[OrderChange]:
    return list(scope.filter(OrderChange.objects.filter(order=order)).select_related("by").order_by("at", "id"))


def household_orders(scope: Scope, household: Household) -> list[QuarantineOrder]:
    return list(order_list(scope).filter(person__household=household))


# -- risk places -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RiskPlaces:
    """Buildings and units where a confirmed case (or asymptomatic infection) or a close contact
    lives whose status is current: deliveries there are staff-only."""

    buildings: frozenset[int] = frozenset()
    units: frozenset[int] = frozenset()

    def covers(self, *, unit_id: int | None = None, building_id: int | None = None) -> bool:
        return (unit_id is not None and unit_id in self.units) or (
            building_id is not None and building_id in self.buildings)


def risk_places(*, community_ids: Iterable[int] | None = None) -> RiskPlaces:
    """The risk places of the communities (all when None), from the current entries of the register:
    one query. A status is current until a newer entry (cleared, say) replaces it."""
    qs = HealthEntry.objects.filter(current=True, status__in=RISK_STATUSES,
                                    person__status=Person.Status.ACTIVE)
    if community_ids is not None:
        qs = qs.filter(community_id__in=list(community_ids))
    rows = qs.values_list("person__household__room__unit_id", "person__household__room__unit__building_id")
    units, buildings = set(), set()
    for unit_id, building_id in rows:
        units.add(unit_id)
        buildings.add(building_id)
    return RiskPlaces(buildings=frozenset(buildings), units=frozenset(units))


# -- follow-ups ---------------------------------------------------------------------------------------


def followup_list(scope: Scope) -> QuerySet[FollowUp]:
    return scope.filter(FollowUp.objects.all())


def followup_get(scope: Scope, pk: int) -> FollowUp:
    return get_object_or_404(followup_list(scope).select_related("person__household__room__unit__building"), pk=pk)


# A slot with its order, by primary key: the API's read before recording (bench/health.py: the ORM's
# scoped select_related query cost 3.3 ms of the 8 ms the API spent per follow-up, profiled).
_FOLLOWUP_ROW = ChainReader([(FollowUp, None, None), (QuarantineOrder, "order_id", "order")], "t0.id = %s")


def followup_for_record(scope: Scope, pk: int) -> FollowUp:
    """A slot to record (the API: a phone's queue), with its order, in one prepared statement
    (core/rows.py), the scope checked on the row read (FollowUp's paths are its own columns); 404
    outside the scope, like a slot that does not exist."""
    row = _FOLLOWUP_ROW.first([pk])
    if row is None or not scope.sees(FollowUp, id=row.pk, community_id=row.community_id, grid_id=row.grid_id,
                                     household_id=row.household_id):
        raise Http404
    return row


@dataclass
class HouseholdDue:
    """A household on today's list: its slots due (pending, oldest first) and done, by member."""

    household: Household
    walk: tuple[Any, ...]
    pending: list[FollowUp] = field(default_factory=list)
    done: list[FollowUp] = field(default_factory=list)

    @property
    def next_slot(self) -> tuple[dt.date, str] | None:
        return (self.pending[0].due_on, self.pending[0].slot) if self.pending else None

    @property
    def visit(self) -> list[FollowUp]:
        """The slots one visit now records: each member's earliest pending slot."""
        first: dict[int, FollowUp] = {}
        for f in self.pending:
            first.setdefault(f.person_id, f)
        return list(first.values())


def _walk_key(household: Household) -> tuple[Any, ...]:
    room = household.room
    unit = room.unit
    building = unit.building
    return (building.compound.name, building.sort_key, building.number, unit.sort_key, unit.number, room.floor,
            room.number)


def due_today(scope: Scope, *, at: dt.datetime, grid_id: int | None = None) -> list[HouseholdDue]:
    """Households with a follow-up due today or overdue (pending slots of live orders up to the end
    of today, the last 14 days), with today's recorded ones, in walking order: compound, building,
    unit, floor, room.

    Five queries, each model instance built once (bench/health.py, one grid's 58 households on
    SQLite under a load of 5 on two cores: 47 ms in one query with select_related, which scanned
    the grid's 14 days of slots and built a person per slot and a compound per household; 24 ms
    now): the pending slots (a partial index) and today's recorded ones, the persons' names, the
    households with their rooms, the units with their buildings and compounds."""
    today = timezone.localdate(at)
    live = followup_list(scope).filter(order__state=QuarantineOrder.State.ACTIVE)
    if grid_id is not None:
        live = live.filter(grid_id=grid_id)
    fields = ("id", "community_id", "person_id", "household_id", "grid_id", "due_on", "slot", "due_at", "outcome",
              "temperature", "self_reported")
    pending = live.filter(outcome="", due_on__lte=today, due_on__gte=today - dt.timedelta(days=14))
    done_today = live.filter(due_on=today).exclude(outcome="")
    slots = sorted([*pending.only(*fields), *done_today.only(*fields)], key=lambda f: (f.due_at, f.pk))
    persons = Person.objects.only("id", "name").in_bulk({f.person_id for f in slots})
    for f in slots:
        f.person = persons[f.person_id]
    households = {h.pk: h for h in Household.objects.filter(pk__in={f.household_id for f in slots}).select_related(
        "room")}
    units = {u.pk: u for u in Unit.objects.filter(pk__in={h.room.unit_id for h in households.values()})
             .select_related("building__compound")}
    for h in households.values():
        h.room.unit = units[h.room.unit_id]
    by_household: dict[int, HouseholdDue] = {}
    for f in slots:
        entry = by_household.get(f.household_id)
        if entry is None:
            household = households[f.household_id]
            entry = by_household[f.household_id] = HouseholdDue(household, _walk_key(household))
        (entry.done if f.outcome else entry.pending).append(f)
    return sorted(by_household.values(), key=lambda h: h.walk)


BUCKETS = ("slot", "day", "two_days", "three_days", "never_seen")


# The slots looked back at: the three days of the last bucket before "never seen" (a person unseen
# in all of them has missed three days' slots or more).
OVERDUE_WINDOW = dt.timedelta(days=3)


def overdue_buckets(scope: Scope, *, at: dt.datetime, grid_id: int | None = None,
                    community_id: int | None = None) -> dict[str, list[int]]:
    """Persons under a live order by how long they have gone unseen, as SORMAS shows them: missed the
    last slot, a day (2+ slots), two days (4+), three days or more (6+, by slots per day), never seen
    since the order began. Values are person ids, ascending.

    One statement: the unseen slots of the last three days after which the order has no seen slot
    (the missed run at the end; a person has one live order, the constraint order_one_live_per_person),
    counted per person, with whether the order was ever seen; the partial index followup_order_seen
    answers both questions per slot (bench/health.py's PostgreSQL district, 1,000,000 persons, 100,000
    under order, timed alternately in one process: 1.14 s with a per-person aggregate over every slot
    of the three days and the unseen slots fetched to Python, 0.45 s this way)."""
    from django.db.models import Exists, OuterRef

    qs = followup_list(scope).filter(order__state=QuarantineOrder.State.ACTIVE, due_at__lte=at)
    if grid_id is not None:
        qs = qs.filter(grid_id=grid_id)
    if community_id is not None:
        qs = qs.filter(community_id=community_id)
    since = at - OVERDUE_WINDOW
    seen = FollowUp.objects.filter(order_id=OuterRef("order_id"), outcome=Outcome.SEEN, due_at__lte=at)
    # "> since" is implied by "> this slot's due_at"; said, it keeps the planner to the window's rows.
    caught_up = Exists(seen.filter(due_at__gt=since).filter(due_at__gt=OuterRef("due_at")))
    missed = (qs.filter(due_at__gt=since).exclude(outcome=Outcome.SEEN).alias(caught_up=caught_up)
              .filter(caught_up=False).annotate(ever_seen=Exists(seen)).order_by()
              .values("person_id", "ever_seen").annotate(slots=Count("id"), per_day=Max("order__slots_per_day"))
              .values_list("person_id", "ever_seen", "slots", "per_day"))
    buckets: dict[str, list[int]] = {b: [] for b in BUCKETS}
    for person_id, ever_seen, count, per_day in sorted(missed):
        if not ever_seen:
            buckets["never_seen"].append(person_id)
            continue
        days = count / per_day
        bucket = "three_days" if days >= 3 else "two_days" if days >= 2 else "day" if days >= 1 else "slot"
        buckets[bucket].append(person_id)
    return buckets


def own_orders(scope: Scope) -> list[QuarantineOrder]:
    """A resident's household's orders (health.own)."""
    return list(order_list(scope, live_only=False).order_by("-starts_at"))


def own_due(scope: Scope, *, at: dt.datetime) -> list[FollowUp]:
    """A resident's household's slots pending today and before (for the self-report)."""
    today = timezone.localdate(at)
    return list(followup_list(scope).filter(outcome="", due_on__lte=today, due_on__gte=today - dt.timedelta(days=1),
                                            order__state=QuarantineOrder.State.ACTIVE)
                .select_related("person").order_by("due_at", "person_id"))


# -- transfers and facilities ------------------------------------------------------------------------


def transfer_list(scope: Scope, *, live_only: bool = False) -> QuerySet[Transfer]:
    qs = scope.filter(Transfer.objects.all())
    if live_only:
        qs = qs.filter(state__in=TRANSFER_LIVE)
    return qs.select_related(PERSON_PLACE, "facility").order_by("-created_at", "-id")


def transfer_get(scope: Scope, pk: int) -> Transfer:
    return get_object_or_404(transfer_list(scope), pk=pk)


def transfer_steps(scope: Scope, transfer: Transfer) -> list[TransferStep]:
    return list(scope.filter(TransferStep.objects.filter(transfer=transfer)).select_related("by").order_by("at", "id"))


def transfer_checklist(scope: Scope, transfer: Transfer) -> HomeChecklist:
    return get_object_or_404(scope.filter(HomeChecklist.objects.prefetch_related("left_behind__person")),
                             group=transfer.group)


def transfer_group(scope: Scope, transfer: Transfer) -> list[Transfer]:
    return list(transfer_list(scope).filter(group=transfer.group).order_by("id"))


def facility_list(scope: Scope) -> list[dict[str, Any]]:
    """Facilities with their occupancy: persons arrived and not yet gone."""
    from django.db.models import Count, Q

    rows = scope.filter(Facility.objects.all()).annotate(
        occupied=Count("transfers", filter=Q(transfers__state=TransferState.ARRIVED))).order_by("name")
    return [{"facility": f, "occupied": f.occupied, "free": max(f.capacity - f.occupied, 0)} for f in rows]


def facility_get(scope: Scope, pk: int) -> Facility:
    return get_object_or_404(scope.filter(Facility.objects.all()), pk=pk)


# -- epidemic-free status ------------------------------------------------------------------------------


def epidemic_free_list(scope: Scope, *, at: dt.datetime) -> list[dict[str, Any]]:
    """Every compound of the communities the user sees whole or as the street office, with its
    epidemic-free verdict (health.epidemic_free) and since when. Counts only, no person: the events
    are read without the health scope (a street office sees no health data), aggregated per compound."""
    from shequ.registry.models import Community

    communities = list(scope.filter(Community.objects.select_related("street"), variant="health.epidemic_free")
                       .order_by("code"))
    return epidemic_free_rows(communities, at=at)


def epidemic_free_rows(communities: Sequence[Any], *, at: dt.datetime) -> list[dict[str, Any]]:
    """``epidemic_free_list`` for communities already chosen (by a selector that scoped them): the
    daily report counts the compounds free at its cut-off."""
    from shequ.health.epidemic_free import verdict
    from shequ.health.models import ControlChecklist, EpidemicFreeRule
    from shequ.registry.models import Compound

    ids = [c.pk for c in communities]
    rules = {r.community_id: r for r in EpidemicFreeRule.objects.filter(community_id__in=ids)}
    checklists = {c.compound_id: c.done for c in ControlChecklist.objects.filter(community_id__in=ids)}
    events: dict[int, list[tuple[dt.datetime, int, str]]] = defaultdict(list)
    first: dict[int, dt.datetime] = {}
    for when, person_id, status, compound_id, community_id in HealthEntry.objects.filter(
            community_id__in=ids, reported_at__lte=at).values_list(
            "reported_at", "person_id", "status", "person__household__room__unit__building__compound_id",
            "community_id"):
        events[compound_id].append((when, person_id, status))
        first[community_id] = min(first.get(community_id, when), when)
    rows = []
    by_id = {c.pk: c for c in communities}
    for compound in Compound.objects.filter(community_id__in=ids).order_by("community_id", "name"):
        rule = rules.get(compound.community_id)
        days, required = (rule.days, rule.checklist_required) if rule else (14, False)
        found = verdict(events.get(compound.pk, []), at=at, days=days,
                        checklist_done=(not required) or checklists.get(compound.pk, False),
                        counted_from=first.get(compound.community_id))
        rows.append({"community": by_id[compound.community_id], "compound": compound, "verdict": found})
    return rows


# -- settings ------------------------------------------------------------------------------------------


def community_policies(scope: Scope, community_id: int) -> list[QuarantinePolicy]:
    return list(scope.filter(QuarantinePolicy.objects.filter(community_id=community_id)).order_by("-is_default",
                                                                                                    "name"))


def community_settings(scope: Scope, community_id: int) -> tuple[Any, list[tuple[Any, Any]]]:
    """The epidemic-free rule (None: the default) and every compound with its control checklist
    (None: nothing ticked yet) of a community where the user holds health.manage (else nothing)."""
    from shequ.health.models import ControlChecklist, EpidemicFreeRule
    from shequ.registry.models import Compound

    if not scope.can("health.manage", community_id):
        return None, []
    rule = EpidemicFreeRule.objects.filter(community_id=community_id).first()
    ticked = {c.compound_id: c for c in ControlChecklist.objects.filter(community_id=community_id)}
    compounds = list(Compound.objects.filter(community_id=community_id).order_by("name"))
    return rule, [(c, ticked.get(c.pk)) for c in compounds]


# -- the floor plan --------------------------------------------------------------------------------------


def floor_plan_building_get(scope: Scope, pk: int) -> Any:
    from shequ.registry.models import Building

    return get_object_or_404(scope.filter(Building.objects.select_related("compound", "grid"), variant="health.view"),
                             pk=pk)


def building_health_marks(scope: Scope, building: Any) -> dict[int, list[HealthEntry]]:
    """room id -> the current health entries (not cleared) of the persons living there whom the
    user may see, most serious first: what the health floor plan marks."""
    order = {s: i for i, s in enumerate(Status.values)}
    marks: dict[int, list[HealthEntry]] = defaultdict(list)
    for entry in register_list(scope).filter(person__household__room__unit__building=building,
                                             person__status=Person.Status.ACTIVE):
        marks[entry.person.household.room_id].append(entry)
    for entries in marks.values():
        entries.sort(key=lambda e: order.get(e.status, 99))
    return dict(marks)


# -- the daily report's figures (reports.figures reads them) --------------------------------------------

def report_figures(community_ids: Sequence[int], *, since: dt.datetime, until: dt.datetime) -> dict[str, dict[int, int]]:
    """Health figures per community for the daily report, as at ``until`` (the cut-off): transfers
    requested in [since, until]; persons whose latest status reported by until is a case (confirmed
    or asymptomatic), suspected, or close contact (an entry reported after the cut-off does not
    count, so the figure is the same when computed again later); compounds epidemic-free at until."""
    transfers = dict(Transfer.objects.filter(community_id__in=community_ids, created_at__gte=since,
                                             created_at__lte=until).values_list("community_id")
                     .annotate(n=Count("id")))
    latest = HealthEntry.objects.filter(community_id__in=community_ids, reported_at__lte=until)
    last_at = dict(latest.values_list("person_id").annotate(at=Max("reported_at")))
    status_of: dict[int, tuple[dt.datetime, int, str, int]] = {}
    for person_id, when, pk, status, community_id in latest.values_list("person_id", "reported_at", "id",
                                                                         "status", "community_id"):
        if when == last_at[person_id] and (person_id not in status_of or pk > status_of[person_id][1]):
            status_of[person_id] = (when, pk, status, community_id)
    out: dict[str, dict[int, int]] = {"transfers_today": transfers, "confirmed": {}, "suspected": {},
                                      "close_contacts": {}}
    key_of = {Status.CONFIRMED: "confirmed", Status.ASYMPTOMATIC: "confirmed", Status.SUSPECTED: "suspected",
              Status.CLOSE_CONTACT: "close_contacts"}
    for _when, _pk, status, community_id in status_of.values():
        key = key_of.get(status)  # type: ignore[call-overload]
        if key:
            out[key][community_id] = out[key].get(community_id, 0) + 1
    out["epidemic_free"] = {}
    from shequ.registry.models import Community

    for row in epidemic_free_rows(list(Community.objects.filter(pk__in=community_ids)), at=until):
        if row["verdict"].free:
            out["epidemic_free"][row["compound"].community_id] = out["epidemic_free"].get(
                row["compound"].community_id, 0) + 1
    return out
