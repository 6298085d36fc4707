"""Reads of the gate office: the ledger of a gate and day, who is out now, counts per hour.

Every function takes the user's Scope (or a gate already fetched through it), so a gate or compound
outside the scope is a 404, the same as a missing one. Days are the community's local days
(settings.TIME_ZONE): the ledger of 2022-04-05 runs from 00:00 to 24:00 Shanghai time, not UTC.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import ExtractHour
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.containment.models import Permit
from shequ.core.scoping import Scope
from shequ.gates.models import Decision, Direction, Gate, Passage, Presence
from shequ.gates.selectors import gate_list
from shequ.registry.models import Compound

# Values of the ledger's "who" filter.
SUBJECT_PERSON = "person"
SUBJECT_VISITOR = "visitor"
SUBJECT_UNIDENTIFIED = "unidentified"


def local_today() -> dt.date:
    return timezone.localdate(timezone.now(), timezone.get_default_timezone())


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a local day as aware datetimes (the community's time zone, not the server's)."""
    tz = timezone.get_default_timezone()
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min), tz)
    end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min), tz)
    return start, end


@dataclass(frozen=True)
class LedgerFilters:
    direction: str | None = None  # Direction value
    decision: str | None = None  # Decision value
    subject: str | None = None  # SUBJECT_*
    offline_only: bool = False


def ledger(gate: Gate, day: dt.date, filters: LedgerFilters | None = None) -> QuerySet[Passage]:
    """The passages of one gate on one local day, oldest first (the order of the paper register).

    ``gate`` must come from ``selectors.gate_get(scope, pk)``: that lookup is the scoping."""
    f = filters or LedgerFilters()
    start, end = day_bounds(day)
    qs = Passage.objects.filter(gate=gate, recorded_at__gte=start, recorded_at__lt=end)
    if f.direction:
        qs = qs.filter(direction=f.direction)
    if f.decision:
        qs = qs.filter(decision=f.decision)
    if f.subject == SUBJECT_PERSON:
        qs = qs.filter(person__isnull=False)
    elif f.subject == SUBJECT_VISITOR:
        qs = qs.filter(visitor__isnull=False)
    elif f.subject == SUBJECT_UNIDENTIFIED:
        qs = qs.filter(person__isnull=True, visitor__isnull=True)
    if f.offline_only:
        qs = qs.filter(offline=True)
    return qs.select_related(
        "person__household__room__unit__building",
        "visitor__host_household__room__unit__building",
        "guard", "permit__decided_by",
    ).order_by("recorded_at", "id")


def passage_address(passage: Passage) -> str:
    """The subject's short address (9-2-502); a visitor's is their host's."""
    if passage.person is not None:
        return passage.person.household.room.address
    if passage.visitor is not None:
        return passage.visitor.host_household.room.address
    return ""


def _until(moment: dt.datetime) -> str:
    """A permit's end as the guard reads it: the time today, else the day and time (local)."""
    local = timezone.localtime(moment, timezone.get_default_timezone())
    return f"{local:%H:%M}" if local.date() == local_today() else f"{local:%m-%d %H:%M}"


def permit_label(permit: Permit) -> str:
    """"permit by 王芳, until 18:00": how the screen, the ledger and its export name the permit
    that let a passage through (the API gives the same as fields)."""
    return _("permit by %(by)s, until %(until)s") % {"by": permit.approver, "until": _until(permit.ends_at)}


# -- counts per hour -------------------------------------------------------------------------------
@dataclass
class HourRow:
    hour: int
    entered: int = 0  # allowed in
    left: int = 0  # allowed out
    refused: int = 0


@dataclass
class GateHours:
    gate: Gate
    hours: list[HourRow]

    @property
    def total(self) -> HourRow:
        t = HourRow(hour=-1)
        for h in self.hours:
            t.entered += h.entered
            t.left += h.left
            t.refused += h.refused
        return t


def hourly_counts(scope: Scope, day: dt.date, *, gate_ids: list[int] | None = None) -> list[GateHours]:
    """Per gate the user may see, per local hour of ``day``: entered, left, refused (one grouped query)."""
    gates = list(gate_list(scope))
    if gate_ids is not None:
        gates = [g for g in gates if g.pk in gate_ids]
    start, end = day_bounds(day)
    rows = (
        Passage.objects.filter(gate_id__in=[g.pk for g in gates], recorded_at__gte=start, recorded_at__lt=end)
        .annotate(hour=ExtractHour("recorded_at", tzinfo=timezone.get_default_timezone()))
        .values("gate_id", "hour")
        .annotate(
            entered=Count("id", filter=Q(decision=Decision.ALLOW, direction=Direction.IN)),
            left=Count("id", filter=Q(decision=Decision.ALLOW, direction=Direction.OUT)),
            refused=Count("id", filter=Q(decision=Decision.DENY)),
        )
    )
    table = {g.pk: {h: HourRow(hour=h) for h in range(24)} for g in gates}
    for r in rows:
        cell = table[r["gate_id"]][r["hour"]]
        cell.entered, cell.left, cell.refused = r["entered"], r["left"], r["refused"]
    return [GateHours(gate=g, hours=list(table[g.pk].values())) for g in gates]


# -- who is out now --------------------------------------------------------------------------------
def compounds_with_gates(scope: Scope) -> QuerySet[Compound]:
    """Compounds that have a gate the user may see (a guard: the compounds of their posts)."""
    gates = gate_list(scope).values("compound_id")
    return Compound.objects.filter(id__in=gates).order_by("name")


def compound_get(scope: Scope, pk: int) -> Compound:
    return get_object_or_404(compounds_with_gates(scope), pk=pk)


def out_counts(scope: Scope) -> list[dict[str, Any]]:
    """Each compound the user may see with the number of persons out now (one query for all)."""
    compounds = list(compounds_with_gates(scope))
    counts = dict(
        Presence.objects.filter(compound_id__in=[c.pk for c in compounds], direction=Direction.OUT)
        .values("compound_id").annotate(n=Count("id")).values_list("compound_id", "n")
    )
    return [{"compound": c, "out": counts.get(c.pk, 0)} for c in compounds]


def persons_out(compound: Compound) -> QuerySet[Presence]:
    """Persons whose last allowed passage at a gate of the compound was going out: longest out first.

    Presence is kept up to date by a database trigger on each allowed passage (migration gates
    0002), so this reads one row per person instead of the whole ledger."""
    return (
        Presence.objects.filter(compound=compound, direction=Direction.OUT)
        .select_related("person__household__room__unit__building", "passage__gate")
        .order_by("at", "id")
    )


def visitors_inside(compound: Compound, day: dt.date) -> QuerySet[Passage]:
    """Visitors let in at the compound's gates on ``day`` who have not been let out since."""
    start, end = day_bounds(day)
    left_later = Passage.objects.filter(
        visitor_id=OuterRef("visitor_id"), direction=Direction.OUT, decision=Decision.ALLOW,
        recorded_at__gte=OuterRef("recorded_at"),
    )
    return (
        Passage.objects.filter(
            gate__compound=compound, visitor__isnull=False, direction=Direction.IN, decision=Decision.ALLOW,
            recorded_at__gte=start, recorded_at__lt=end,
        )
        .exclude(Exists(left_later))
        .select_related("visitor__host_household__room__unit__building", "gate")
        .order_by("recorded_at", "id")
    )
