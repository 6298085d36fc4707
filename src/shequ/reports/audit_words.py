"""How the daily reports' audit events read (audit/words.py): one entry per summary services.py
and views.py write."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shequ.audit.words import Words, export_list, translated
from shequ.reports.figures import FIGURES

WORDS = (
    Words("dailyreport", r"daily report (?P<day>\S+) version (?P<version>\d+)",
          _("Daily report of %(day)s, version %(version)s."), action="create"),
    Words("dailyreport", r"daily report (?P<day>\S+) version (?P<version>\d+): (?P<reason>.*)",
          _("Daily report of %(day)s, version %(version)s, sent again: %(reason)s."), action="create"),
    Words("dailyreport", r"recomputed at (?P<cutoff>\S+)", _("Computed the report again at %(cutoff)s.")),
    Words("dailyreport", r"corrected (?P<figure>\w+): (?P<before>\S+) -> (?P<after>\S+)",
          _("Corrected %(figure)s: %(before)s → %(after)s."),
          values={"figure": translated({f.key: f.label for f in FIGURES})}),
    Words("dailyreport", r"submitted", _("Submitted the daily report.")),
    Words("dailyreport", r"submitted late", _("Submitted the daily report after the deadline.")),
    Words("dailyreport", r"nothing to report", _("Reported nothing to report (zero report).")),
    Words("dailyreport", r"nothing to report late", _("Reported nothing to report (zero report), after the deadline.")),
    Words("reportsetting", r"cut-off (?P<cutoff>\S+), deadline (?P<deadline>\S+)",
          _("Set the daily report's cut-off to %(cutoff)s and its deadline to %(deadline)s.")),
    export_list(r"daily report sheet (?P<day>\S+)", _("the daily report sheet of %(day)s")),
)
