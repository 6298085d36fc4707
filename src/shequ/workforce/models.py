"""Posts, shifts and who is on duty (三班倒, 岗位, 排班), volunteers and call-outs.

A post is a place of work that needs a number of people per shift: a gate (the gate roster is the
post of kind "gate"), deliveries, sampling assistance, sorting, calling the elderly, disinfection.
Shifts are the community's daily windows (three 8-hour shifts by default); a shift that ends at or
before its start runs past midnight and belongs to the day it starts. Every row carries its
community (tenant and future shard key).

workforce imports nothing of gates (gates reads "who is on duty at this gate" from here): a gate post
names its gate by the string "gates.Gate", a foreign key Django resolves without an import.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Post(models.Model):
    """A place of work that needs ``needed`` people in each shift. A gate post points at its gate."""

    class Kind(models.TextChoices):
        GATE = "gate", _("gate")
        DELIVERY = "delivery", _("delivery")
        SAMPLING = "sampling", _("sampling assistance")
        SORTING = "sorting", _("sorting")
        CALLING = "calling", _("calling the elderly")
        DISINFECTION = "disinfection", _("disinfection")
        OTHER = "other", _("other")

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, verbose_name=_("community"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=80)
    gate = models.OneToOneField("gates.Gate", on_delete=models.CASCADE, null=True, blank=True,
                                related_name="workforce_post", verbose_name=_("gate"))
    needed = models.PositiveSmallIntegerField(_("people per shift"), default=1)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["kind", "name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind="gate", gate__isnull=False) | (~Q(kind="gate") & Q(gate__isnull=True)),
                                   name="post_gate_iff_gate_kind"),
            models.CheckConstraint(condition=Q(needed__gte=1), name="post_needs_someone"),
        ]

    def __str__(self) -> str:
        return self.name


class Shift(models.Model):
    """A shift template of a community, e.g. 08:00-16:00 (早班). A shift that ends at or before it
    starts runs past midnight; it belongs to the day it starts."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT)
    name = models.CharField(_("name"), max_length=30)
    starts = models.TimeField(_("starts"))
    ends = models.TimeField(_("ends"))

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["starts", "id"]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="workforce_shift_unique_name")]

    def __str__(self) -> str:
        return f"{self.name} {self.starts:%H:%M}-{self.ends:%H:%M}"


class Assignment(models.Model):
    """A person on duty at a post for one shift on one day (the day the shift starts)."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT)
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("post"))
    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("shift"))
    date = models.DateField(_("date"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments",
                             verbose_name=_("on duty"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("duty")
        verbose_name_plural = _("duties")
        constraints = [
            models.UniqueConstraint(fields=["post", "shift", "date", "user"], name="assignment_unique"),
        ]
        indexes = [models.Index(fields=["community", "date"], name="assignment_community_date"),
                   models.Index(fields=["user", "date"], name="assignment_user_date")]

    def __str__(self) -> str:
        return f"{self.user} {self.post} {self.date} {self.shift.name}"
