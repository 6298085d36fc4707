"""Alerts for community staff: things that need a person to act (a fever at a gate, a positive tube).

An alert stores its kind and parameters, not a sentence, so it reads in the language of whoever
opens it. Acknowledging one records who and when; alerts are never deleted.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    GATE_REFUSED = "gate_refused", _("refused at a gate")
    GATE_OFFLINE_DIFFERS = "gate_offline_differs", _("offline gate decision differs")
    TUBE_POSITIVE = "tube_positive", _("positive tube")
    TUBE_INVALID = "tube_invalid", _("invalid tube")
    PERMIT_REQUESTED = "permit_requested", _("permit requested")


# kind -> message with %(name)s-style parameters from Alert.params
MESSAGES: dict[str, Any] = {
    Kind.GATE_REFUSED: _("%(gate)s: %(who)s refused (%(reasons)s)"),
    Kind.GATE_OFFLINE_DIFFERS: _("%(gate)s: offline decision for %(who)s differs from the rules (%(reasons)s)"),
    Kind.TUBE_POSITIVE: _("%(campaign)s: tube %(tube)s is positive, %(count)s persons to re-test"),
    Kind.TUBE_INVALID: _("%(campaign)s: tube %(tube)s is invalid, %(count)s persons to re-test"),
    Kind.PERMIT_REQUESTED: _("%(where)s: a permit is requested for %(who)s (%(reason)s)"),
}


class Alert(models.Model):
    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, verbose_name=_("community"))
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
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
        template = MESSAGES.get(self.kind)
        if template is None:
            return self.kind
        try:
            # A list parameter holds English msgids (e.g. refusal reasons), translated here.
            params = {k: gettext(", ").join(gettext(x) for x in v) if isinstance(v, list) else v for k, v in self.params.items()}
            return str(template) % params
        except (KeyError, TypeError, ValueError):
            return str(self.get_kind_display())

