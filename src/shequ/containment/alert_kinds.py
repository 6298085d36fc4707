"""The alerts containment raises (registered in ContainmentConfig.ready; see alerts/kinds.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shequ.alerts.kinds import AlertKind

PERMIT_REQUESTED = AlertKind("permit_requested", _("permit requested"),
                             _("%(where)s: a permit is requested for %(who)s (%(reason)s)"))

KINDS = (PERMIT_REQUESTED,)
