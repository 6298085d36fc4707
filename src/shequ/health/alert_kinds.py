"""The alerts health raises (registered in HealthConfig.ready; see alerts/kinds.py). The messages
name the person masked and never the health status: an alert is read by the office and the grid
worker, who may see health data; the parameters stay short all the same."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shequ.alerts.kinds import AlertKind

FEVER = AlertKind("health_fever", _("fever at a follow-up"),
                  _("%(who)s (%(address)s): %(temperature)s °C at the %(slot)s follow-up: consider a test or a transfer"))
SYMPTOM = AlertKind("health_symptom", _("symptoms at a follow-up"),
                    _("%(who)s (%(address)s) reports symptoms (%(symptoms)s): consider a test or a transfer"))
MISSED = AlertKind("health_missed", _("follow-ups missed"),
                   _("%(who)s (%(address)s): %(count)s follow-ups in a row without seeing them"))

KINDS = (FEVER, SYMPTOM, MISSED)

CARE_NEEDED = AlertKind("health_care_needed", _("care needed at home"),
                        _("%(who)s (%(address)s) stays at home after a transfer and needs care: %(care)s"))

KINDS = (FEVER, SYMPTOM, MISSED, CARE_NEEDED)
