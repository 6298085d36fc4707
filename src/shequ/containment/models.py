"""Movement restrictions on persons and containment levels of areas (sealed, controlled, precaution).

Gates and deliveries obey them through ``containment.selectors``; the later health issue (home
quarantine with daily follow-ups, transfers to central quarantine) builds on these rows rather than
replacing them. A row is in force from ``starts_at`` until ``ends_at`` (open-ended when empty);
ending one early sets ``ends_at``, so the history of who was restricted when is never lost.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RestrictionKind(models.TextChoices):
    HOME_QUARANTINE = "home_quarantine", _("home quarantine")
    HOME_MONITORING = "home_health_monitoring", _("home health monitoring")
    CENTRAL_QUARANTINE = "central_quarantine", _("central quarantine")
    OTHER = "other", _("other restriction")


class MovementRestriction(models.Model):
    """A person may not leave home (or their quarantine place) while this is in force."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, verbose_name=_("community"))
    person = models.ForeignKey(
        "registry.Person", on_delete=models.CASCADE, related_name="restrictions", verbose_name=_("person")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=RestrictionKind.choices)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("movement restriction")
        verbose_name_plural = _("movement restrictions")
        indexes = [models.Index(fields=["person", "starts_at"], name="restriction_person_start")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                                   name="restriction_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.get_kind_display()}"


class Level(models.TextChoices):
    """Containment levels, strictest first (the order ``STRICTNESS`` relies on)."""

    SEALED = "sealed", _("sealed area")
    CONTROLLED = "controlled", _("controlled area")
    PRECAUTION = "precaution", _("precaution area")


STRICTNESS = {Level.SEALED: 3, Level.CONTROLLED: 2, Level.PRECAUTION: 1}


class ContainmentArea(models.Model):
    """A compound, building or unit at a containment level for a period. Exactly one place is set; a
    household is at the strictest level in force over its unit, its building or its compound."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, verbose_name=_("community"))
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    compound = models.ForeignKey("registry.Compound", on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="containment_areas", verbose_name=_("compound"))
    building = models.ForeignKey("registry.Building", on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="containment_areas", verbose_name=_("building"))
    unit = models.ForeignKey("registry.Unit", on_delete=models.CASCADE, null=True, blank=True,
                             related_name="containment_areas", verbose_name=_("unit"))
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("containment area")
        verbose_name_plural = _("containment areas")
        indexes = [models.Index(fields=["community", "starts_at"], name="area_community_start")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(compound__isnull=False, building__isnull=True, unit__isnull=True)
                    | Q(compound__isnull=True, building__isnull=False, unit__isnull=True)
                    | Q(compound__isnull=True, building__isnull=True, unit__isnull=False)
                ),
                name="area_exactly_one_place",
            ),
            models.CheckConstraint(condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                                   name="area_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.place} {self.get_level_display()}"

    @property
    def place(self) -> models.Model:
        return self.unit or self.building or self.compound  # type: ignore[return-value]

