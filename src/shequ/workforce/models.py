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
from django.utils.translation import pgettext_lazy


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


class Volunteer(models.Model):
    """Someone who signed up to help (志愿者报名), from the QR poster or a link, and the staff's vetting.

    Approved, they get a volunteer account (accounts' member_create, role "volunteer") linked here as
    ``user``; ``person`` is their row in the registry when their phone matches one of the community's
    persons (containment's restrictions are on persons). One sign-up per phone and community: a
    second submit finds the first."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for vetting")
        APPROVED = "approved", pgettext_lazy("volunteer vetting", "approved")
        REFUSED = "refused", pgettext_lazy("volunteer vetting", "refused")

    class Skill(models.TextChoices):
        DRIVER = "driver", _("driver")
        MEDICAL = "medical", _("medical")
        SIGN_LANGUAGE = "sign_language", _("sign language")
        PSYCHOLOGY = "psychology", _("psychological support")
        IT = "it", _("phones and computers")

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, verbose_name=_("community"))
    name = models.CharField(_("name"), max_length=60)
    phone = models.CharField(_("phone"), max_length=20)
    building = models.ForeignKey("registry.Building", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name=_("building"))
    skills = models.JSONField(_("skills"), default=list, blank=True)
    languages = models.CharField(_("languages"), max_length=100, blank=True)
    availability = models.CharField(_("availability"), max_length=200, blank=True)
    # On standby: offered the shifts of a call-out.
    standby = models.BooleanField(_("on standby for call-outs"), default=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="volunteer", verbose_name=_("account"))
    person = models.ForeignKey("registry.Person", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        constraints = [models.UniqueConstraint(fields=["community", "phone"], name="volunteer_phone_once")]

    def __str__(self) -> str:
        return self.name

    def skill_labels(self) -> list[str]:
        labels = dict(self.Skill.choices)
        return [str(labels.get(s, s)) for s in self.skills]


class HealthDeclaration(models.Model):
    """A person's own health status for one day: the temperature they took (自报体温). 37.3 °C or above
    is a fever, and with a fever nobody is put on duty that day."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    date = models.DateField(_("date"))
    temperature = models.DecimalField(_("temperature"), max_digits=3, decimal_places=1)
    declared_at = models.DateTimeField()

    class Meta:
        verbose_name = _("health status")
        verbose_name_plural = _("health statuses")
        constraints = [models.UniqueConstraint(fields=["user", "date"], name="health_declaration_once_a_day")]

    def __str__(self) -> str:
        return f"{self.user} {self.date} {self.temperature}"


class CallOut(models.Model):
    """A shift of a post short of people, offered to the volunteers on standby (召集). The first to
    accept gets it (one conditional update decides): ``accepted_by``, ``accepted_at`` and the duty
    it made; the office sees how fast that was."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("call-out status", "open")
        FILLED = "filled", pgettext_lazy("call-out status", "filled")
        CANCELLED = "cancelled", pgettext_lazy("call-out status", "cancelled")

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT)
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="callouts", verbose_name=_("post"))
    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="callouts", verbose_name=_("shift"))
    date = models.DateField(_("date"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+")
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("accepted by"))
    accepted_at = models.DateTimeField(null=True, blank=True)
    assignment = models.ForeignKey(Assignment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("call-out")
        verbose_name_plural = _("call-outs")
        constraints = [
            # One open call-out per post, shift and day: calling twice is the same call.
            models.UniqueConstraint(fields=["post", "shift", "date"], condition=Q(status="open"),
                                    name="callout_open_once"),
        ]
        indexes = [models.Index(fields=["community", "status"], name="callout_community_status")]

    def __str__(self) -> str:
        return f"{self.post} {self.date} {self.shift.name} {self.get_status_display()}"

    @property
    def minutes_to_fill(self) -> int | None:
        if self.accepted_at is None:
            return None
        return int((self.accepted_at - self.created_at).total_seconds() // 60)
