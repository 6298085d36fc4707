"""The alerts disinfection raises (registered in DisinfectionConfig.ready; see alerts/kinds.py).

The reminder to a property company is not an alert: alerts are the office's (alerts/access.py
reaches them through the community and grids), while a reminder is addressed to the company's own
accounts (models.Reminder, shown on their pages)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shequ.alerts.kinds import AlertKind

# A transferred household's home was disinfected: the office may now close the transfer (health
# closes a transfer only after its home's final disinfection).
FINAL_DONE = AlertKind("disinfection_final_done", _("final disinfection done"),
                       _("The final disinfection of %(where)s was recorded by %(operator)s."))

KINDS = (FINAL_DONE,)
