"""The figures of the daily report: what each is, which app counts it (that app's
``selectors.report_figures``), how it is counted and the list behind it.

The order here is the order of the page, the street's sheet and the PDF. Each owning app returns
its figures per community for a window [start of the day, cut-off], in one or two grouped queries,
so the sheet of a whole street costs the same number of queries as one community's report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


@dataclass(frozen=True)
class Figure:
    key: str
    label: str | Promise
    how: str | Promise
    link: str  # a URL name: the list behind the figure
    app: str


F = Figure
FIGURES: tuple[Figure, ...] = (
    F("households", _("households"), _("active households of the roster"), "registry:compounds", "registry"),
    F("persons", _("persons"), _("active persons of active households"), "registry:persons", "registry"),
    F("screened_today", _("households screened today"),
      _("households visited by a door-to-door screening between midnight and the cut-off"), "campaigns:list",
      "campaigns"),
    F("screened_total", _("households screened in all"),
      _("households visited by any door-to-door screening up to the cut-off"), "campaigns:list", "campaigns"),
    F("tested_today", _("persons tested today"), _("persons sampled between midnight and the cut-off"),
      "campaigns:list", "campaigns"),
    F("tubes_today", _("tubes today"), _("tubes that received a sample between midnight and the cut-off"),
      "campaigns:list", "campaigns"),
    F("results_today", _("tube results today"), _("tubes whose result came between midnight and the cut-off"),
      "campaigns:list", "campaigns"),
    F("positives_today", _("positive tubes"),
      _("tubes whose positive result came between midnight and the cut-off"), "campaigns:list", "campaigns"),
    F("retests_pending", _("re-tests pending"), _("re-tests asked for and not resolved at the cut-off"),
      "campaigns:list", "campaigns"),
    F("home_quarantine", _("under home quarantine"), _("persons with a home quarantine in force at the cut-off"),
      "containment:restrictions", "containment"),
    F("home_monitoring", _("under home health monitoring"),
      _("persons with a home health monitoring in force at the cut-off"), "containment:restrictions",
      "containment"),
    F("central_quarantine", _("in central quarantine"),
      _("persons with a central quarantine in force at the cut-off"), "containment:restrictions", "containment"),
    F("transfers_today", _("transfers today"), _("transfers requested between midnight and the cut-off"),
      "health:index", "health"),
    F("confirmed", _("confirmed and asymptomatic cases"),
      _("persons whose latest health status reported by the cut-off is a case"), "health:index", "health"),
    F("suspected", _("suspected cases"),
      _("persons whose latest health status reported by the cut-off is suspected"), "health:index", "health"),
    F("close_contacts", _("close contacts"),
      _("persons whose latest health status reported by the cut-off is close contact"), "health:index", "health"),
    F("sealed_places", _("sealed places"), _("compounds, buildings and units sealed at the cut-off"),
      "containment:areas", "containment"),
    F("controlled_places", _("controlled places"), _("compounds, buildings and units controlled at the cut-off"),
      "containment:areas", "containment"),
    F("precaution_places", _("precaution places"),
      _("compounds, buildings and units in a precaution area at the cut-off"), "containment:areas",
      "containment"),
    F("epidemic_free", _("epidemic-free compounds"), _("compounds epidemic-free at the cut-off (health's rule)"),
      "health:epidemic_free", "health"),
    F("help_opened", _("help requests opened"), _("help requests opened between midnight and the cut-off"),
      "services:requests", "services"),
    F("help_resolved", _("help requests resolved"),
      _("help requests resolved between midnight and the cut-off"), "services:requests", "services"),
    F("help_open_before", _("help requests open at midnight"),
      _("help requests opened before midnight and not resolved by then"), "services:requests", "services"),
    F("orders_today", _("supply orders"), _("orders received between midnight and the cut-off"),
      "supplies:orders", "supplies"),
    F("deliveries_today", _("deliveries"), _("orders delivered between midnight and the cut-off"),
      "supplies:orders", "supplies"),
    F("urgent_orders_today", _("urgent orders"), _("urgent orders received between midnight and the cut-off"),
      "supplies:orders", "supplies"),
    F("urgent_wait_max_min", _("longest urgent wait (minutes)"),
      _("the longest wait of an urgent order of the day, received to delivered (or to the cut-off)"),
      "supplies:orders", "supplies"),
    F("on_duty", pgettext_lazy("report figure", "on duty"), _("persons with a duty on the day's roster"), "workforce:board", "workforce"),
    F("passages_today", _("gate passages"), _("passages recorded at the gates between midnight and the cut-off"),
      "gates:gates", "gates"),
    F("refusals_today", _("gate refusals"), _("passages refused between midnight and the cut-off"),
      "gates:gates", "gates"),
    F("stock_below_minimum", _("prevention supplies below minimum"),
      _("stock rows (an item at a store) below their minimum when computed"), "stock:sheet", "stock"),
)
BY_KEY = {f.key: f for f in FIGURES}
# The figures the charts draw over time (cases, quarantine, tests, orders, requests).
CHARTED = ("confirmed", "home_quarantine", "tested_today", "orders_today", "help_opened")


def _sources() -> list[Callable[..., dict[str, dict[int, int]]]]:
    from shequ.campaigns import selectors as campaigns
    from shequ.containment import selectors as containment
    from shequ.gates import selectors as gates
    from shequ.health import selectors as health
    from shequ.registry import selectors as registry
    from shequ.services import selectors as services
    from shequ.stock import selectors as stock
    from shequ.supplies import selectors as supplies
    from shequ.workforce import selectors as workforce

    return [m.report_figures for m in (registry, campaigns, containment, health, services, supplies,
                                       workforce, gates, stock)]


def count(community_ids: Sequence[int], *, since: dt.datetime, until: dt.datetime) -> dict[int, dict[str, int]]:
    """Every figure of every community in [since, until]: community id -> key -> value."""
    found: dict[str, dict[int, int]] = {}
    for source in _sources():
        found.update(source(community_ids, since=since, until=until))
    return {c: {f.key: int(found.get(f.key, {}).get(c, 0)) for f in FIGURES} for c in community_ids}


def snapshot(values: dict[str, int]) -> dict[str, Any]:
    """The stored form of one community's figures: each with how it was counted and its list."""
    return {f.key: {"value": values[f.key], "how": str(f.how), "link": f.link} for f in FIGURES}
