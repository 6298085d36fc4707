"""The home page: what each role starts from."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from shequ.alerts.selectors import alert_list
from shequ.campaigns import selectors as campaign_selectors
from shequ.campaigns.models import Status
from shequ.core.http import ScopedRequest
from shequ.core.privacy import personal_data
from shequ.disinfection import selectors as disinfection_selectors
from shequ.elder import elder_mode
from shequ.gates import roster
from shequ.gates import selectors as gate_selectors
from shequ.registry import selectors
from shequ.stock import selectors as stock_selectors

LATEST_ALERTS = 5


@personal_data
@login_required
def home(request: ScopedRequest) -> HttpResponse:
    scope = request.scope
    if elder_mode(request):
        # One task per tile: the menu (shequ/menu.py) is the page; residents start here.
        return render(request, "home_elder.html")
    households, grids = scope.granted("household"), scope.granted("grid")
    if households and not scope.can("registry.lists"):
        # A resident starts from their own household card.
        return redirect("registry:household", pk=min(households))
    context: dict = {}
    if scope.can("street.counts") or scope.can("community.dashboard"):
        context["counts"] = selectors.community_counts(selectors.communities_for_counts(scope))
    if grids:
        context["grids"] = [r for r in selectors.grid_list(scope) if r["grid"].pk in grids]
    if scope.can("registry.view_places") and not scope.can("registry.lists"):
        context["compounds"] = selectors.compound_list(scope)
    if scope.can("alerts.read"):
        open_alerts = alert_list(scope)
        context["show_alerts"] = True  # the office, and grid workers for their grid's persons
        context["alerts_open"] = open_alerts.count()
        context["alerts"] = list(open_alerts[:LATEST_ALERTS])
    if scope.can("stock.view"):
        # Items below their minimum or running out within three days.
        context["stock_flags"] = stock_selectors.flagged(scope, now=timezone.now())
    if scope.can("disinfection.record"):
        # The office and the property companies: today's places behind, and (a company) the reminders.
        now = timezone.now()
        today = disinfection_selectors.local_day(now)
        rows = disinfection_selectors.board(scope, day=today, now=now)
        if rows:  # a community without places to disinfect is not told about them
            context["disinfection_behind"] = sum(len(r.behind) for r in rows)
            context["disinfection_reminders"] = disinfection_selectors.reminders_for(scope, day=today)
            context["disinfection_record"] = True
    if scope.can("gates.manage"):
        context["unstaffed"] = roster.unstaffed_for_scope(scope)
        context["has_gates"] = bool(context["unstaffed"]) or gate_selectors.gate_list(scope).exists()
        context["gate_office"] = True
    elif scope.can("gates.screen"):
        # A gate guard or a volunteer: the gates they are posted to, with the screen (and, for a
        # guard, the ledger); a volunteer not posted yet is told how that happens.
        context["my_gates"] = list(gate_selectors.gate_list(scope))
        context["gate_posts"] = True
        context["with_ledger"] = scope.can("gates.ledger")
    if scope.can("campaigns.field") and not scope.can("campaigns.manage"):
        # Samplers and grid workers: the rounds open now, each with the page of their work.
        context["open_campaigns"] = list(campaign_selectors.campaign_list(scope).filter(
            status=Status.OPEN).order_by("-starts_on", "-id"))
        context["field_campaigns"] = True
    return render(request, "home.html", context)
