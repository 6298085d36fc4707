"""Notices (通知/告示) to a compound, buildings, units or grids, and who was told at their door.

A notice names its targets; none means the whole community. Once published it is not edited (what
was posted and read stays what the record says): it is withdrawn and a new one written. The
door-knock list of a notice holds the targeted households that are told in person (InPerson, or no
phone on record, or everyone 70 or older: notices/selectors.py), one Knock per household.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Notice(models.Model):
    class Kind(models.TextChoices):
        LOCKDOWN = "lockdown", _("lockdown")
        TEST_ROUND = "test_round", _("testing round")
        SUPPLIES = "supplies", _("supply arrangement")
        DISINFECTION = "disinfection", _("disinfection")
        GENERAL = "general", _("general")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")
        WITHDRAWN = "withdrawn", _("withdrawn")

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, verbose_name=_("community"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.GENERAL)
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"))
    signed = models.CharField(_("signed by"), max_length=100, blank=True)
    compounds = models.ManyToManyField("registry.Compound", blank=True, related_name="+", verbose_name=_("compounds"))
    buildings = models.ManyToManyField("registry.Building", blank=True, related_name="+", verbose_name=_("buildings"))
    units = models.ManyToManyField("registry.Unit", blank=True, related_name="+", verbose_name=_("units"))
    grids = models.ManyToManyField("registry.Grid", blank=True, related_name="+", verbose_name=_("grids"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    client_id = models.UUIDField(null=True, blank=True, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        indexes = [models.Index(fields=["community", "status"], name="notice_community_status")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("notices:notice", args=[self.pk])


class Knock(models.Model):
    """A household told of a notice at its door (or found not at home): one row per notice and household;
    "told" is final, "not at home" may become "told" on a later visit."""

    class Outcome(models.TextChoices):
        TOLD = "told", _("told")
        NOT_HOME = "not_home", _("not at home")

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT)
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="knocks")
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    at = models.DateTimeField(_("time"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    client_id = models.UUIDField(null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("door knock")
        verbose_name_plural = _("door knocks")
        constraints = [models.UniqueConstraint(fields=["notice", "household"], name="knock_once_per_household")]

    def __str__(self) -> str:
        return f"{self.notice}: {self.get_outcome_display()}"


class InPerson(models.Model):
    """A household that staff tell in person (no smartphone, not in any WeChat group, cannot read)."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT)
    household = models.OneToOneField("registry.Household", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("household told in person")
        verbose_name_plural = _("households told in person")

    def __str__(self) -> str:
        return self.reason or str(_("told in person"))
