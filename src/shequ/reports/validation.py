"""Validation rules in the spirit of DHIS2's: a left side that must not exceed a right side, each
a sum of figures. A rule broken by the effective figures (corrections applied) flags the report;
a flagged report is submitted only when a correction or a new computation makes the rules hold,
or the secretary explains it in the remarks (reports.services.report_submit).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Rule:
    code: str
    left: tuple[str, ...]
    right: tuple[str, ...]
    text: str | Promise

    def holds(self, value: Callable[[str], int | None]) -> bool:
        """True also when the report holds no value for one of its figures (a report computed
        before that figure existed): what it does not hold cannot be judged."""
        left, right = [value(k) for k in self.left], [value(k) for k in self.right]
        if None in left or None in right:
            return True
        return sum(v or 0 for v in left) <= sum(v or 0 for v in right)


RULES: tuple[Rule, ...] = (
    Rule("tested_le_persons", ("tested_today",), ("persons",), _("persons tested today <= persons")),
    # Like with like: a positive counted today is a result that came today, and the result of an
    # earlier day's tube often comes the next morning (the tubes sampled today are another set).
    Rule("positives_le_results", ("positives_today",), ("results_today",), _("positive tubes <= tube results today")),
    Rule("tubes_le_tested", ("tubes_today",), ("tested_today",), _("tubes today <= persons tested today")),
    Rule("screened_le_households", ("screened_today",), ("households",),
         _("households screened today <= households")),
    Rule("screened_today_le_total", ("screened_today",), ("screened_total",),
         _("households screened today <= households screened in all")),
    Rule("resolved_le_open", ("help_resolved",), ("help_opened", "help_open_before"),
         _("help requests resolved <= opened today + open at midnight")),
    Rule("urgent_le_orders", ("urgent_orders_today",), ("orders_today",), _("urgent orders <= supply orders")),
    Rule("restricted_le_persons", ("home_quarantine", "home_monitoring", "central_quarantine"), ("persons",),
         _("persons under restriction <= persons")),
    Rule("health_le_persons", ("confirmed", "suspected", "close_contacts"), ("persons",),
         _("cases, suspected cases and close contacts <= persons")),
)
BY_CODE = {r.code: r for r in RULES}


def broken(value: Callable[[str], int | None]) -> list[str]:
    """The codes of the rules the figures break, in the order of RULES."""
    return [r.code for r in RULES if not r.holds(value)]
