"""The alerts the prevention supplies raise (registered in StockConfig.ready; see alerts/kinds.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shequ.alerts.kinds import AlertKind

# An issue took an item's stock at a store below its minimum: buy or move some before it runs out.
BELOW_MINIMUM = AlertKind("stock_below_minimum", _("supplies below minimum"),
                          _("%(item)s at %(store)s: %(quantity)s left, the minimum is %(minimum)s."))

KINDS = (BELOW_MINIMUM,)
