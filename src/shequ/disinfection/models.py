"""Disinfection (消杀): the places of a compound to disinfect with their target rounds a day, the
rounds recorded (with a photo), the final disinfection of a home after a transfer, and the
secretary's daily reminder to a property company that is behind."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Place(models.Model):
    """A place of a compound disinfected several times a day (a stairwell, a lift, a gate...)."""

    class Kind(models.TextChoices):
        STAIRWELL = "stairwell", _("stairwell")
        LIFT = "lift", _("lift")
        GATE = "gate", _("gate")
        GARBAGE = "garbage_point", _("garbage point")
        SERVICE_HALL = "service_hall", _("service hall")
        OTHER = "other", _("other place")

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, verbose_name=_("community"))
    compound = models.ForeignKey("registry.Compound", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("compound"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    target_per_day = models.PositiveSmallIntegerField(_("rounds a day"), default=5)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("place to disinfect")
        verbose_name_plural = _("places to disinfect")
        ordering = ["compound_id", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["compound", "name"], name="disinfection_place_unique_name"),
            models.CheckConstraint(condition=Q(target_per_day__gte=1, target_per_day__lte=48),
                                   name="disinfection_place_target_range"),
        ]

    def __str__(self) -> str:
        return self.name


class Round(models.Model):
    """One disinfection: of a place (a round of the day) or, ``kind=final``, of a home after its
    household was transferred (``room`` and ``checklist_group``: health's home checklist). The
    compound is copied from the place or the room: the property company's scope path."""

    class Kind(models.TextChoices):
        ROUND = "round", _("round")
        FINAL = "final", _("final disinfection")

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, verbose_name=_("community"))
    compound = models.ForeignKey("registry.Compound", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.ROUND)
    place = models.ForeignKey(Place, on_delete=models.PROTECT, null=True, blank=True, related_name="rounds",
                              verbose_name=_("place"))
    room = models.ForeignKey("registry.Room", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("room"))
    checklist_group = models.UUIDField(null=True, blank=True)
    at = models.DateTimeField(_("time"))
    agent = models.CharField(_("agent"), max_length=60)
    concentration = models.CharField(_("concentration"), max_length=30, blank=True)
    operator = models.CharField(_("operator"), max_length=40)
    photo = models.ImageField(_("photo"), upload_to="disinfection/%Y/%m/", blank=True)
    thumbnail = models.ImageField(upload_to="disinfection/%Y/%m/", blank=True)
    client_id = models.UUIDField(unique=True, default=uuid.uuid4)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("disinfection round")
        verbose_name_plural = _("disinfection rounds")
        indexes = [models.Index(fields=["community", "at"], name="disinfection_round_day")]
        constraints = [
            models.CheckConstraint(condition=(Q(kind="round", place__isnull=False, room__isnull=True)
                                              | Q(kind="final", place__isnull=True, room__isnull=False)),
                                   name="disinfection_round_place_or_room"),
        ]

    def __str__(self) -> str:
        return f"{self.place or self.room} {self.at:%Y-%m-%d %H:%M}"


class Reminder(models.Model):
    """The secretary's reminder to a property company behind on the day's rounds: one a day per
    company; its accounts see it on their disinfection pages."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT)
    property_company = models.ForeignKey("registry.PropertyCompany", on_delete=models.PROTECT, related_name="+",
                                         verbose_name=_("property company"))
    day = models.DateField(_("day"))
    places_behind = models.PositiveIntegerField(_("places behind"))
    sent_at = models.DateTimeField()
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = _("disinfection reminder")
        verbose_name_plural = _("disinfection reminders")
        constraints = [models.UniqueConstraint(fields=["property_company", "day"],
                                               name="disinfection_reminder_once_a_day")]

    def __str__(self) -> str:
        return f"{self.property_company} {self.day}"
