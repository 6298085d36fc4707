"""The alerts resident services raise (registered in ServicesConfig.ready; see alerts/kinds.py).

"On duty" is, for now, the community's secretary and staff (who see every alert of their
community) and the grid workers of the request's grid; the duty board of the workforce app may
narrow it later."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shequ.alerts.kinds import AlertKind

# An urgent help request was opened: the staff on duty are paged.
URGENT = AlertKind("services_urgent", _("urgent help request"), _("%(where)s needs help urgently: %(text)s"))
# Nobody took a request for 30 minutes, or it is open past its category's deadline.
LATE = AlertKind("services_late", _("help request waiting"), _("The help request of %(where)s is still waiting: %(text)s"))
# A care task was not done on its day: the secretary is told.
CARE_OVERDUE = AlertKind("services_care_overdue", _("care task overdue"),
                         _("%(task)s for %(who)s was due on %(day)s and is not done"))

KINDS = (URGENT, LATE, CARE_OVERDUE)
