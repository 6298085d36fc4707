"""Alerts for community staff: things that need a person to act (a fever at a gate, a positive tube).

An alert stores its kind (registered by the app that raises it: alerts/kinds.py) and parameters,
not a sentence, so it reads in the language of whoever opens it. Acknowledging one records who and when; alerts are never deleted.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shequ.alerts import kinds


class Alert(models.Model):
    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, verbose_name=_("community"))
    kind = models.CharField(_("kind"), max_length=kinds.CODE_LENGTH, choices=kinds.choices)
    params = models.JSONField(default=dict)
    url = models.CharField(max_length=300, blank=True)
    # The grids of the persons it is about: their grid workers see it too (a positive tube's people).
    # None: an alert for the community's secretary and staff only.
    grids = models.ManyToManyField("registry.Grid", blank=True, related_name="+", verbose_name=_("grids"))
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                        blank=True, related_name="+")

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        indexes = [models.Index(fields=["community", "acknowledged_at", "created_at"], name="alert_open")]

    def __str__(self) -> str:
        return self.message

    @property
    def message(self) -> str:
        kind = kinds.kind_of(self.kind)
        if kind is None:
            return self.kind
        template = kind.message
        try:
            # A list parameter holds English msgids (e.g. refusal reasons), translated here.
            params = {k: gettext(", ").join(gettext(x) for x in v) if isinstance(v, list) else v for k, v in self.params.items()}
            return str(template) % params
        except (KeyError, TypeError, ValueError):
            return str(self.get_kind_display())

