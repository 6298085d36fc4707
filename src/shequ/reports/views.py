"""Daily report pages: the community's day (compute, correct, submit, nothing to report, charts),
one version of a report, and the street office's page of the day (every community's report,
totals, the sheet as Excel and PDF, the history with charts, the cut-off).

Writes go through reports.services with a one-time key (core.forms.submit_once): a double submit
records once. Reads go through the selectors; a report outside the caller's Scope is a 404.

The street page, its sheet as Excel and PDF, and the charts of the community's page read through
the replica when one is configured (core/replica.py ``using_replica``) and say how old their figures
are. The community's own report, its versions and everything before a write read the primary: a
secretary who has just computed or submitted must see it at once, and a write never goes to the
replica (the router sends every write to ``default``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from shequ.audit.exports import export_record
from shequ.campaigns import selectors as campaigns
from shequ.campaigns.models import Kind as CampaignKind
from shequ.core.forms import submit_once
from shequ.core.http import ScopedRequest
from shequ.core.replica import figures_age_seconds, using_replica
from shequ.core.scoping import require
from shequ.health import selectors as health
from shequ.registry.models import Community
from shequ.reports import charts, exports, selectors, services, validation
from shequ.reports.figures import BY_KEY, CHARTED, FIGURES
from shequ.reports.forms import ComputeForm, CorrectForm, SettingForm, SubmitForm
from shequ.reports.models import DailyReport


def _day(request: ScopedRequest) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        return timezone.localdate()


def _link(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def _figure_rows(report: DailyReport | None) -> list[dict[str, Any]]:
    if report is None or report.zero:
        return []
    flagged = {k for code in report.flags for k in validation.BY_CODE[code].left + validation.BY_CODE[code].right}
    return [{"figure": f, "value": report.value(f.key), "counted": report.figures.get(f.key, {}).get("value"),
             "how": report.figures.get(f.key, {}).get("how", ""), "link": _link(f.link),
             "correction": report.corrections.get(f.key), "flagged": f.key in flagged}
            for f in FIGURES if f.key in report.figures]


def _figures_age() -> str:
    """"Figures N seconds old": the age of what is read from the replica (0 on the primary). Called
    inside ``using_replica()``, before the figures are read: they are at most that old."""
    age = figures_age_seconds()
    if age is None:
        return _("Figures of unknown age: the replica has replayed nothing since it started")
    n = round(age)
    return ngettext("Figures %(n)s second old", "Figures %(n)s seconds old", n) % {"n": n}


def _cells(values: list[int | None]) -> SafeString:
    """Figures as the street page's table cells, ``<td>`` by ``<td>``, a missing one empty. The page
    has about 1,200 of them (20 communities x 30 figures, and x 28 days of one figure); rendered one
    by one by the template (a loop, a lookup, number formatting and escaping each) they were most of
    the page's time after the history's JSON (docs/performance.md)."""
    return mark_safe("".join(f"<td>{'' if v is None else int(v)}</td>" for v in values))  # noqa: S308 -- integers only


def _history_chart(found: dict[str, Any], communities: list[Community], *, title: str) -> dict[str, Any]:
    """The charted figures summed over ``communities`` per day, from ``selectors.history``."""
    series = []
    for key in CHARTED:
        summed: list[int | None] = []
        for i in range(len(found["days"])):
            day_values = [found["values"][c.pk][key][i] for c in communities]
            known = [v for v in day_values if v is not None]
            summed.append(sum(known) if known else None)
        series.append((str(BY_KEY[key].label), summed))
    return {"svg": charts.line_chart(title, found["days"], series), "days": found["days"], "series": series}


def _epidemic_free(scope: Any, community_ids: set[int]) -> list[dict[str, Any]]:
    if not scope.can("health.epidemic_free"):
        return []
    return [r for r in health.epidemic_free_list(scope, at=timezone.now()) if r["community"].pk in community_ids]


def _coverage(scope: Any, community: Community) -> dict[str, Any] | None:
    """The latest test round's coverage by building, as bars."""
    if not scope.can("campaigns.manage", community.pk):
        return None
    round_ = (campaigns.campaign_list(scope).filter(community=community, kind=CampaignKind.TEST_ROUND)
              .exclude(status="draft").order_by("-starts_on", "-id").first())
    if round_ is None:
        return None
    found = campaigns.coverage(scope, round_)
    bars = [(r.label, r.counts.percent) for r in found.buildings]
    return {"campaign": round_, "svg": charts.bar_chart(_("Coverage by building"), bars), "rows": bars}


@require("reports.prepare")
def community_day(request: ScopedRequest) -> HttpResponse:
    """The community's report of a day: the latest version with its figures, how each was counted
    and the list behind it; the rules it breaks; compute (again), correct, submit; the charts."""
    communities = selectors.communities_to_prepare(request.scope)
    if not communities:
        raise PermissionDenied
    chosen = request.POST.get("community") or request.GET.get("community")
    community = next((c for c in communities if str(c.pk) == chosen), communities[0])
    day = _day(request)
    form = ComputeForm(request.POST or None, communities=communities,
                       initial={"community": community.pk, "day": day})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        target = next(c for c in communities if c.pk == data["community"])
        if data["zero"] and not request.scope.can("reports.submit", target.pk):
            raise PermissionDenied

        def act() -> str:
            if data["zero"]:
                report = services.report_zero(actor=request.user, community=target, day=data["day"],
                                              remarks=data["remarks"], request=request)
            else:
                report = services.report_compute(target, data["day"], actor=request.user,
                                                 reason=data["reason"], request=request)
            return reverse("reports:report", args=[report.pk])

        url = submit_once(request, act, form=form)
        if url:
            return redirect(url)
    versions = selectors.day_versions(request.scope, community, day)
    return _render_day(request, community, day, versions[-1] if versions else None, versions, form)


def _render_day(request: ScopedRequest, community: Community, day: dt.date, report: DailyReport | None,
                versions: list[DailyReport], compute_form: ComputeForm, correct_form: CorrectForm | None = None,
                submit_form: SubmitForm | None = None) -> HttpResponse:
    cutoff, deadline = services.times_for(community, day)
    # The charts may be a few seconds old: the replica's. The report above them is the primary's.
    with using_replica():
        figures_age = _figures_age()
        chart = _history_chart(selectors.history(request.scope, [community], until=day, keys=CHARTED), [community],
                               title=_("%(community)s over four weeks") % {"community": community.name})
        coverage = _coverage(request.scope, community)
        epidemic_free = _epidemic_free(request.scope, {community.pk})
    context = {
        "community": community, "day": day, "report": report, "versions": versions,
        "rows": _figure_rows(report), "cutoff": cutoff, "deadline": deadline,
        "broken": [validation.BY_CODE[c] for c in (report.flags if report else [])],
        "compute_form": compute_form, "correct_form": correct_form or CorrectForm(),
        "submit_form": submit_form or SubmitForm(),
        "can_submit": request.scope.can("reports.submit", community.pk),
        "chart": chart, "coverage": coverage, "epidemic_free": epidemic_free, "figures_age": figures_age,
    }
    return render(request, "reports/day.html", context)


@require("reports.prepare")
def report(request: ScopedRequest, pk: int) -> HttpResponse:
    """One version of a report; a POST corrects one of its figures with a reason."""
    found = selectors.report_get(request.scope, pk)
    if not request.scope.can("reports.prepare", found.community_id):
        raise Http404
    correct_form = CorrectForm(request.POST or None)
    if request.method == "POST" and correct_form.is_valid():
        data = correct_form.cleaned_data

        def act() -> str:
            services.report_correct(actor=request.user, report=found, key=data["key"], value=data["value"],
                                    reason=data["reason"], request=request)
            return reverse("reports:report", args=[found.pk])

        url = submit_once(request, act, form=correct_form)
        if url:
            return redirect(url)
        found.refresh_from_db()
    compute_form = ComputeForm(communities=[found.community], initial={"community": found.community_id,
                                                                       "day": found.day})
    return _render_day(request, found.community, found.day, found,
                       selectors.day_versions(request.scope, found.community, found.day), compute_form,
                       correct_form=correct_form)


@require("reports.submit")
@require_POST
def submit(request: ScopedRequest, pk: int) -> HttpResponse:
    found = selectors.report_get(request.scope, pk)
    if not request.scope.can("reports.submit", found.community_id):
        raise Http404
    form = SubmitForm(request.POST)
    if form.is_valid():
        def act() -> str:
            services.report_submit(actor=request.user, report=found, remarks=form.cleaned_data["remarks"],
                                   request=request)
            return reverse("reports:report", args=[found.pk])

        url = submit_once(request, act, form=form)
        if url:
            return redirect(url)
    compute_form = ComputeForm(communities=[found.community], initial={"community": found.community_id,
                                                                       "day": found.day})
    return _render_day(request, found.community, found.day, found,
                       selectors.day_versions(request.scope, found.community, found.day), compute_form,
                       submit_form=form)


@require("reports.street")
def street(request: ScopedRequest) -> HttpResponse:
    """Every community's report of the day (submitted, late, missing), the totals, the history
    of a figure per community over four weeks, the charts; a POST sets the cut-off."""
    streets = selectors.streets(request.scope)
    communities = selectors.street_communities(request.scope)
    day = _day(request)
    current = services.times_for(communities[0], day) if communities else None
    form = SettingForm(request.POST or None, streets=streets, initial={
        "street": streets[0].pk if streets else None,
        "cutoff": current[0].time() if current else None, "deadline": current[1].time() if current else None})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = next(s for s in streets if s.pk == data["street"])

        def act() -> str:
            services.setting_set(actor=request.user, street=chosen, cutoff=data["cutoff"],
                                 deadline=data["deadline"], request=request)
            return reverse("reports:street") + f"?day={day:%Y-%m-%d}"

        url = submit_once(request, act, form=form)
        if url:
            return redirect(url)
    figure = request.GET.get("figure", "")
    figure = figure if figure in BY_KEY else CHARTED[0]
    with using_replica():  # the template too: whatever it reads lazily is the replica's
        figures_age = _figures_age()
        sheet = selectors.sheet(request.scope, communities, day)
        # Once, for both charts: the charted figures and the one whose history is shown.
        found = selectors.history(request.scope, communities, until=day, keys=list(dict.fromkeys((*CHARTED, figure))))
        history = [{"community": c, "values": found["values"][c.pk][figure],
                    "cells": _cells(found["values"][c.pk][figure])} for c in communities]
        history_svg = charts.line_chart(
            str(BY_KEY[figure].label), found["days"],
            [(row["community"].name, row["values"]) for row in history])
        context = {
            "day": day, "sheet": sheet, "figures": FIGURES, "form": form, "figures_age": figures_age,
            "submitted": sheet.count("submitted"), "late": sheet.count("late"), "missing": sheet.count("missing"),
            "totals": _cells([sheet.totals[f.key] for f in FIGURES]),
            "rows": [{"row": r, "values": _cells([r.value(f.key) for f in FIGURES])} for r in sheet.rows],
            "chart": _history_chart(found, communities, title=_("The street over four weeks")),
            "figure": BY_KEY[figure], "history": history, "history_days": found["days"],
            "history_svg": history_svg, "epidemic_free": _epidemic_free(request.scope, {c.pk for c in communities}),
            "previous": day - dt.timedelta(days=1), "next": day + dt.timedelta(days=1),
        }
        return render(request, "reports/street.html", context)


def _sheet_for_download(request: ScopedRequest) -> tuple[selectors.Sheet, dt.date, str]:
    """The day's sheet read from the replica, with its age; the export recorded on the primary."""
    day = _day(request)
    communities = selectors.street_communities(request.scope)
    with using_replica():
        figures_age = _figures_age()
        sheet = selectors.sheet(request.scope, communities, day)
    export_record(actor=request.user, community=None, what=f"daily report sheet {day:%Y-%m-%d}",
                  count=len(sheet.rows), masking=None, request=request)
    return sheet, day, figures_age


@require_GET  # outermost: a POST is 405 for everyone, as for the other downloads
@require("reports.street")
def street_xlsx(request: ScopedRequest) -> HttpResponse:
    sheet, day, _age = _sheet_for_download(request)  # the xlsx keeps the street's layout: no line added
    response = HttpResponse(exports.sheet_xlsx(sheet),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="daily-report-{day:%Y-%m-%d}.xlsx"'
    return response


@require_GET  # outermost: a POST is 405 for everyone, as for the other downloads
@require("reports.street")
def street_pdf(request: ScopedRequest) -> HttpResponse:
    sheet, day, figures_age = _sheet_for_download(request)
    title = _("Daily report of %(day)s") % {"day": f"{day:%Y-%m-%d}"}
    body = exports.sheet_pdf(sheet, title=f"{title} · {figures_age}")
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="daily-report-{day:%Y-%m-%d}.pdf"'
    return response
