"""Reads of the gates app, always through the user's Scope (a gate outside it is a 404)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from shequ.containment.models import Permit
from shequ.core.rows import ChainReader
from shequ.core.scoping import Scope
from shequ.gates import gatecache
from shequ.gates.access import device_gate
from shequ.gates.models import Decision, Gate, Passage
from shequ.registry.models import Building, Community, Compound, Household, Person
from shequ.registry.selectors import SearchResult, search_within
from shequ.workforce import selectors as workforce
from shequ.workforce.models import Shift


def gate_list(scope: Scope) -> QuerySet[Gate]:
    return scope.filter(Gate.objects.select_related("compound", "community")).order_by("community_id", "compound__name", "compound_id", "name")


def gate_get(scope: Scope, pk: int) -> Gate:
    return get_object_or_404(gate_list(scope), pk=pk)


_GATE_ROW = ChainReader([(Gate, None, None)], "t0.id = %s")


def gate_for_recording(scope: Scope, pk: int) -> Gate:
    """The gate a passage is recorded at, without its compound and community (ids only), the scope
    checked without a query; 404 outside the scope.

    The row is remembered in this process for API_TOKEN_CACHE_SECONDS (gates/gatecache.py): a gate
    closed or opened through another app server is obeyed by the API within that time, through this
    one at once (the gates services forget what was remembered). Callers get a copy of their own and
    may read related objects onto it."""
    bound = device_gate(scope)
    if bound is not None and pk != bound:
        raise Http404
    gate = gatecache.recall(pk)
    if gate is None:
        gate = _GATE_ROW.first([pk])
        if gate is None:
            raise Http404
        gatecache.remember(gate)
    if not scope.sees(Gate, id=gate.pk, community_id=gate.community_id):
        raise Http404
    return gate


def passage_list(scope: Scope) -> QuerySet[Passage]:
    """Passages at the gates the user may see."""
    gates = scope.filter(Gate.objects.all()).values("id")
    return Passage.objects.filter(gate_id__in=gates).select_related(
        "gate__compound", "person__household__room__unit__building", "visitor__host_household__room__unit__building",
        "guard", "permit__decided_by",
    )


def passage_get(scope: Scope, pk: int) -> Passage:
    return get_object_or_404(passage_list(scope), pk=pk)


# -- passes ---------------------------------------------------------------------------------------------

PRINT_ORDER = (
    "household__room__unit__building__compound__name", "household__room__unit__building__sort_key",
    "household__room__unit__sort_key", "household__room__floor", "household__room__number", "household_id", "id",
)
_LIVING_HERE = Q(status=Person.Status.ACTIVE, household__status=Household.Status.ACTIVE)


def printable_persons(scope: Scope, **where: Any) -> list[Person]:
    """Persons who get a card: living in a household that lives here, in print order."""
    qs = scope.filter(Person.objects.filter(_LIVING_HERE, **where))
    return list(qs.select_related("household__room__unit__building__compound", "community").order_by(*PRINT_ORDER))


def pass_coverage(scope: Scope, buildings: QuerySet[Building]) -> dict[int, tuple[int, int]]:
    """building id -> (persons living there, of whom with an active pass)."""
    rows = (
        scope.filter(Person.objects.filter(_LIVING_HERE, household__room__unit__building__in=buildings))
        .values_list("household__room__unit__building")
        .annotate(n=Count("id", distinct=True),
                  with_pass=Count("passes", filter=Q(passes__revoked_at__isnull=True), distinct=True))
    )
    return {b: (n, w) for b, n, w in rows}


def own_households(scope: Scope) -> QuerySet[Household]:
    """The households the user lives in (a resident's membership), whatever other roles they have."""
    return scope.filter(Household.objects.filter(id__in=sorted(scope.granted("household")),
                                                 status=Household.Status.ACTIVE)).select_related(
        "room__unit__building__compound", "community").order_by("id")


def compound_persons(gate: Gate) -> QuerySet[Person]:
    """The persons who live behind a gate (its compound)."""
    return Person.objects.filter(
        community_id=gate.community_id, household__room__unit__building__compound_id=gate.compound_id
    ).select_related("household__room__unit__building__compound")


def lookup_at_gate(gate: Gate, q: str, *, limit: int = 20) -> SearchResult:
    """The guard's lookup: a room (9-2-502), a name, pinyin initials, or the last digits of a phone
    or ID number, among the persons of the gate's compound."""
    households = Household.objects.filter(
        community_id=gate.community_id, room__unit__building__compound_id=gate.compound_id
    ).select_related("room__unit__building__compound")
    return search_within(persons=compound_persons(gate), households=households, q=q, limit=limit)


# -- the duty roster (gates/roster.py computes with these) ---------------------------------------------


def compounds_for_gates(scope: Scope) -> QuerySet[Compound]:
    """Compounds of the communities whose gates the reader manages (to add a gate to)."""
    return Compound.objects.filter(community_id__in=sorted(scope.communities_where("gates.manage"))).order_by(
        "community_id", "name")


def roster_communities(scope: Scope) -> QuerySet[Community]:
    """The communities whose duty roster the user manages: those they run whole (secretary, staff)."""
    return scope.filter(Community.objects.all(), "whole").order_by("id")


def community_for_roster(scope: Scope, pk: int | None = None) -> Community:
    """The community whose roster the user manages (secretary or staff): the one asked for, or the
    first of theirs. 404 for a community outside the user's."""
    qs = roster_communities(scope)
    if pk is not None:
        return get_object_or_404(qs, pk=pk)
    community = qs.first()
    if community is None:
        raise Http404
    return community


def community_gates(scope: Scope, community: Community) -> QuerySet[Gate]:
    return scope.filter(Gate.objects.filter(community=community).select_related("compound")).order_by(
        "compound__name", "name")


def shift_at(community_id: int, at: dt.datetime, *, gate: Gate | None = None) -> tuple[Shift, dt.date] | None:
    """The shift running at ``at`` that started last, and the day it started; with ``gate``, the one
    that started last among those with someone on duty there (the screen names the guards' shift)."""
    return workforce.shift_at_gate(community_id, at, gate_id=gate.pk if gate is not None else None)


def on_duty(gate: Gate, at: dt.datetime | None = None) -> list[Any]:
    """The guards on duty at a gate now, in every shift running now (the gate's post in workforce)."""
    return workforce.on_duty_at_gate(gate.pk, gate.community_id, at)


def permits_at_gate(gate: Gate, at: dt.datetime, *, requested_since: dt.timedelta = dt.timedelta(hours=24)
                    ) -> QuerySet[Permit]:
    """What the gate screen shows of permits: those at a place of the gate's compound that are in
    force now, and the requests made in the last ``requested_since`` (whatever became of them).
    ``gate`` comes from a scoped selector: this is the scoping."""
    compound = gate.compound_id
    here = (Q(compound_id=compound) | Q(building__compound_id=compound) | Q(unit__building__compound_id=compound)
            | Q(room__unit__building__compound_id=compound))
    current = Q(status=Permit.Status.APPROVED, starts_at__lte=at, ends_at__gt=at)
    asked = Q(requested_at__gte=at - requested_since)
    return (Permit.objects.filter(here, current | asked, community_id=gate.community_id)
            .select_related("person__household__room__unit__building", "room__unit__building", "unit__building",
                            "building", "compound", "decided_by")
            .order_by(F("requested_at").desc(nulls_last=True), "-id"))


# -- the daily report's figures (reports.figures reads them) --------------------------------------------

def report_figures(community_ids: Sequence[int], *, since: dt.datetime, until: dt.datetime) -> dict[str, dict[int, int]]:
    """Gate passages and refusals per community for the daily report, recorded in [since, until]."""
    passages = Passage.objects.filter(community_id__in=community_ids, recorded_at__gte=since,
                                      recorded_at__lte=until)
    def per(qs: QuerySet[Any]) -> dict[int, int]:
        return dict(qs.values_list("community_id").annotate(n=Count("id")))

    return {"passages_today": per(passages), "refusals_today": per(passages.filter(decision=Decision.DENY))}
