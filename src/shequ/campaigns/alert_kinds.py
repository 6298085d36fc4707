"""The alerts the test rounds raise (registered in CampaignsConfig.ready; see alerts/kinds.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shequ.alerts.kinds import AlertKind

TUBE_POSITIVE = AlertKind("tube_positive", _("positive tube"),
                          _("%(campaign)s: tube %(tube)s is positive, %(count)s persons to re-test"))
TUBE_INVALID = AlertKind("tube_invalid", _("invalid tube"),
                         _("%(campaign)s: tube %(tube)s is invalid, %(count)s persons to re-test"))

KINDS = (TUBE_POSITIVE, TUBE_INVALID)
