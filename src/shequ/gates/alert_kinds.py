"""The alerts the gates raise (registered in GatesConfig.ready; see alerts/kinds.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shequ.alerts.kinds import AlertKind

GATE_REFUSED = AlertKind("gate_refused", _("refused at a gate"), _("%(gate)s: %(who)s refused (%(reasons)s)"))
GATE_OFFLINE_DIFFERS = AlertKind(
    "gate_offline_differs", _("offline gate decision differs"),
    _("%(gate)s: offline decision for %(who)s differs from the rules (%(reasons)s)"))

KINDS = (GATE_REFUSED, GATE_OFFLINE_DIFFERS)
