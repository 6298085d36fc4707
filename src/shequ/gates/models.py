"""Gates (checkpoints), passages and visitors (passes: shequ.passes; exit quotas: containment; the duty
roster: a gate is a post of shequ.workforce).

Every row carries its community (tenant and future shard key). A passage is written once and never
changed: it is the gate's ledger ("信息必录").
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Gate(models.Model):
    """A staffed entrance of a compound. Staff may close all but one ("only the main gate stays open")."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("gate status", "open")
        CLOSED = "closed", pgettext_lazy("gate status", "closed")

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, verbose_name=_("community"))
    compound = models.ForeignKey("registry.Compound", on_delete=models.PROTECT, related_name="gates",
                                 verbose_name=_("compound"))
    name = models.CharField(_("name"), max_length=60)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("gate")
        verbose_name_plural = _("gates")
        ordering = ["compound_id", "name"]
        constraints = [models.UniqueConstraint(fields=["compound", "name"], name="gate_unique_name")]

    def __str__(self) -> str:
        return f"{self.compound.name} {self.name}"


class GateGuard(models.Model):
    """A guard (or volunteer) posted to a gate: the gates their screen may record at."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT)
    gate = models.ForeignKey(Gate, on_delete=models.CASCADE, related_name="guards")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="gate_posts")

    class Meta:
        verbose_name = _("gate post")
        verbose_name_plural = _("gate posts")
        constraints = [models.UniqueConstraint(fields=["gate", "user"], name="gate_guard_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.gate}"


class GateDevice(models.Model):
    """An API token bound to one gate: the device may read and post at that gate and nowhere else."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT)
    gate = models.ForeignKey(Gate, on_delete=models.CASCADE, related_name="devices")
    token = models.OneToOneField("accounts.ApiToken", on_delete=models.CASCADE, related_name="gate_device")

    class Meta:
        verbose_name = _("gate device")
        verbose_name_plural = _("gate devices")

    def __str__(self) -> str:
        return f"{self.token} @ {self.gate}"


class Visitor(models.Model):
    """Someone not in the registry who comes to a household: registered at the gate."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT)
    name = models.CharField(_("name"), max_length=60)
    phone = models.CharField(_("phone"), max_length=20)
    id_number = models.CharField(_("ID number"), max_length=18, blank=True)
    host_household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="visitors",
                                       verbose_name=_("host household"))
    reason = models.CharField(_("reason"), max_length=200)
    vehicle_plate = models.CharField(_("vehicle plate"), max_length=16, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    class Meta:
        verbose_name = _("visitor")
        verbose_name_plural = _("visitors")

    def __str__(self) -> str:
        return self.name


class Direction(models.TextChoices):
    IN = "in", _("in")
    OUT = "out", _("out")


class HealthCode(models.TextChoices):
    GREEN = "green", _("green")
    YELLOW = "yellow", _("yellow")
    RED = "red", _("red")


class Decision(models.TextChoices):
    # Labels read as the state of a passage in the ledger ("allowed", not the verb).
    ALLOW = "allow", _("allowed")
    DENY = "deny", _("refused")


class Passage(models.Model):
    """One person (or visitor) at one gate at one moment, with the checks and the decision.

    ``client_id`` is chosen by the device (a UUID per passage) and unique per community: a retried or
    duplicated post finds the first record instead of making a second one. ``offline`` passages were
    decided on the device without the server; ``offline_decision`` keeps what the guard was shown.
    """

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT)
    gate = models.ForeignKey(Gate, on_delete=models.PROTECT, related_name="passages", verbose_name=_("gate"))
    guard = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("guard"))
    client_id = models.UUIDField(default=uuid.uuid4)
    recorded_at = models.DateTimeField(_("time"))
    received_at = models.DateTimeField(auto_now_add=True)
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="passages", verbose_name=_("person"))
    visitor = models.ForeignKey(Visitor, on_delete=models.PROTECT, null=True, blank=True, related_name="passages",
                                verbose_name=_("visitor"))
    # The person's household at the time (or the visitor's host): exit quotas count per household.
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    credential = models.CharField(_("identified by"), max_length=10, blank=True)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    temperature = models.DecimalField(_("temperature"), max_digits=3, decimal_places=1, null=True, blank=True)
    health_code = models.CharField(_("health code"), max_length=6, choices=HealthCode.choices)
    mask = models.BooleanField(_("mask"))
    decision = models.CharField(_("decision"), max_length=5, choices=Decision.choices)
    reasons = models.JSONField(_("reasons"), default=list)
    offline = models.BooleanField(_("decided offline"), default=False)
    offline_decision = models.CharField(max_length=5, choices=Decision.choices, blank=True)
    # The permit that let this passage through a containment rule (rules.Verdict.permit).
    permit = models.ForeignKey("containment.Permit", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="passages", verbose_name=_("permit"))

    class Meta:
        verbose_name = _("passage")
        verbose_name_plural = _("passages")
        constraints = [
            models.UniqueConstraint(fields=["community", "client_id"], name="passage_client_id_once"),
            models.CheckConstraint(condition=Q(person__isnull=True) | Q(visitor__isnull=True),
                                   name="passage_person_or_visitor"),
        ]
        indexes = [
            models.Index(fields=["gate", "recorded_at"], name="passage_gate_time"),
            models.Index(fields=["household", "direction", "recorded_at"], name="passage_household_exits"),
            models.Index(fields=["person", "recorded_at"], name="passage_person_time"),
        ]

    def __str__(self) -> str:
        return f"{self.gate} {self.get_direction_display()} {self.get_decision_display()}"


class Presence(models.Model):
    """Where a person last went through a gate of a compound: "who is out now" without scanning
    the ledger. Updated with each allowed passage that is newer than the one it holds."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT)
    person = models.OneToOneField("registry.Person", on_delete=models.CASCADE, related_name="presence")
    compound = models.ForeignKey("registry.Compound", on_delete=models.CASCADE, related_name="+")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    at = models.DateTimeField()
    passage = models.ForeignKey(Passage, on_delete=models.PROTECT, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["compound", "direction"], name="presence_compound_dir")]
        verbose_name = _("presence")
        verbose_name_plural = _("presences")

    def __str__(self) -> str:
        return f"{self.person} {self.get_direction_display()} {self.at:%Y-%m-%d %H:%M}"
