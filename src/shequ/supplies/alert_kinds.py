"""The alerts supplies raises (registered in SuppliesConfig.ready; see alerts/kinds.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shequ.alerts.kinds import AlertKind

# A message of despair or self-harm: the secretary is alerted at once, before anyone reviews it.
DISTRESS = AlertKind("supplies_distress", _("words of distress"),
                     _("%(where)s wrote words of distress in the group: %(text)s. Call them now."))
# Someone fell, a leak, someone trapped.
HELP = AlertKind("supplies_help", _("help request"), _("%(where)s asks for help: %(text)s"))
# Urgent medicine (insulin...) or infant formula: the staff on duty are paged.
URGENT_ORDER = AlertKind("supplies_urgent", _("urgent order"), _("%(where)s needs %(what)s urgently"))

KINDS = (DISTRESS, HELP, URGENT_ORDER)
