"""Reads of the daily reports, scoped by the user: a community's reports (its office), the street's
(the street office), the day's sheet with totals, and the history of a figure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.db.models.fields.json import KT
from django.shortcuts import get_object_or_404

from shequ.core.scoping import Scope
from shequ.registry import selectors as registry
from shequ.registry.models import Community, Street
from shequ.reports.figures import FIGURES
from shequ.reports.models import DailyReport


def report_list(scope: Scope) -> QuerySet[DailyReport]:
    return scope.filter(DailyReport.objects.select_related("community", "submitted_by"))


def report_get(scope: Scope, pk: int) -> DailyReport:
    return get_object_or_404(report_list(scope), pk=pk)


def communities_to_prepare(scope: Scope) -> list[Community]:
    return list(registry.communities_where(scope, "reports.prepare"))


def street_communities(scope: Scope) -> list[Community]:
    """The communities of the street office's streets."""
    return [c for c in registry.communities_for_counts(scope) if c.street_id in scope.granted("street")]


def streets(scope: Scope) -> list[Street]:
    return list(Street.objects.filter(pk__in=scope.granted("street")).order_by("code"))


def day_versions(scope: Scope, community: Community, day: dt.date) -> list[DailyReport]:
    """Every version of a community's report of a day, the first first."""
    return list(report_list(scope).filter(community=community, day=day).order_by("version"))


@dataclass
class SheetRow:
    community: Community
    report: DailyReport | None  # the latest submitted version, or the draft when none is submitted
    versions: int = 0

    @property
    def state(self) -> str:
        if self.report is None or not self.report.submitted:
            return "missing"
        return "late" if self.report.late else "submitted"

    def value(self, key: str) -> int | None:
        if self.report is None or not self.report.submitted or self.report.zero:
            return None
        return self.report.value(key)


@dataclass
class Sheet:
    day: dt.date
    rows: list[SheetRow]
    totals: dict[str, int] = field(default_factory=dict)

    def count(self, state: str) -> int:
        return sum(1 for r in self.rows if r.state == state)


def sheet(scope: Scope, communities: list[Community], day: dt.date) -> Sheet:
    """The day's sheet: one row per community with its report as submitted (the latest submitted
    version), or missing; totals over the submitted reports (a zero report adds nothing)."""
    reports: dict[int, list[DailyReport]] = {}
    for r in report_list(scope).filter(community__in=communities, day=day).order_by("version"):
        reports.setdefault(r.community_id, []).append(r)
    rows = []
    for c in communities:
        versions = reports.get(c.pk, [])
        submitted = [r for r in versions if r.submitted]
        chosen = submitted[-1] if submitted else (versions[-1] if versions else None)
        rows.append(SheetRow(c, chosen, len(versions)))
    totals = {f.key: sum(r.value(f.key) or 0 for r in rows) for f in FIGURES}
    return Sheet(day, rows, totals)


def history(scope: Scope, communities: list[Community], *, until: dt.date, days: int = 28,
            keys: Sequence[str] | None = None) -> dict[str, Any]:
    """Submitted figures per community and day over the last ``days`` days: {"days": [...],
    "values": {community id: {key: [value or None per day]}}}, for ``keys`` (default: every figure).

    The values come out of the stored JSON in the database (``KT``: a corrected figure's correction,
    else the count), not as whole snapshots: a street's four weeks are 560 reports of 30 figures,
    each with how it was counted, and decoding them in Python was most of the street page's time
    (194 of 270 ms with --quick's world; docs/performance.md)."""
    keys = tuple(keys) if keys is not None else tuple(f.key for f in FIGURES)
    since = until - dt.timedelta(days=days - 1)
    span = [since + dt.timedelta(days=i) for i in range(days)]
    index = {d: i for i, d in enumerate(span)}
    values: dict[int, dict[str, list[int | None]]] = {
        c.pk: {key: [None] * days for key in keys} for c in communities}
    extracted: dict[str, Any] = {}
    for i, key in enumerate(keys):
        extracted[f"counted_{i}"] = KT(f"figures__{key}__value")
        extracted[f"corrected_{i}"] = KT(f"corrections__{key}__value")
    found = (report_list(scope).filter(community__in=communities, day__gte=since, day__lte=until,
                                       status=DailyReport.Status.SUBMITTED)
             .annotate(**extracted).order_by("day", "version")
             .values_list("community_id", "day", "zero", *extracted))
    for community_id, day, zero, *pairs in found:
        for i, key in enumerate(keys):
            counted, corrected = pairs[2 * i], pairs[2 * i + 1]
            value = corrected if corrected is not None else counted
            values[community_id][key][index[day]] = 0 if zero else (None if value is None else int(value))
    return {"days": span, "values": values}
