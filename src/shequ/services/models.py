"""Resident services (求助/诉求) and the care of special populations (包保).

A help request comes from a phone call, a group message (supplies' inbox opens one for a message
of distress or a call for help), a visit, a gate or the resident's own account. Its life cycle:
open -> assigned (a handler) -> steps -> resolved (an outcome) -> called back (the resident's
satisfaction) -> closed. A distress request is never closed without a recorded call-back.

A care plan belongs to a person tagged in the registry (elderly living alone, chronic disease...),
has one assignee (包保: staff, grid worker or volunteer) and recurring tasks (a daily call, a weekly
visit, a medicine refill every N days). A task's due days are computed from its start and interval;
an outcome is stored per task and day (``CareVisit``), so a missed day is one without an outcome.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Category(models.TextChoices):
    MEDICAL = "medical", _("medical care and hospital transport")
    MEDICINE = "medicine", _("medicine")
    FOOD = "food", _("food")
    UTILITIES = "utilities", _("heating, water or power")
    TRAPPED = "trapped", _("trapped non-residents")
    PSYCHOLOGICAL = "psychological", _("psychological support")
    CONFLICT = "conflict", _("neighbour conflict")
    OTHER = "other", _("other")


# How long a request of each category may stay open (not resolved) before it is flagged.
DEADLINES: dict[str, dt.timedelta] = {
    Category.MEDICAL: dt.timedelta(hours=2),
    Category.PSYCHOLOGICAL: dt.timedelta(hours=2),
    Category.MEDICINE: dt.timedelta(hours=6),
    Category.UTILITIES: dt.timedelta(hours=12),
    Category.FOOD: dt.timedelta(hours=12),
    Category.TRAPPED: dt.timedelta(hours=24),
    Category.CONFLICT: dt.timedelta(hours=48),
    Category.OTHER: dt.timedelta(hours=48),
}
# A request nobody has taken for this long is flagged.
UNASSIGNED_LIMIT = dt.timedelta(minutes=30)


class HelpRequest(models.Model):
    """求助: one person's or household's need, from the first call to the call-back."""

    class Status(models.TextChoices):
        # With a context: a msgid is shared by every app's catalogue and the first app in
        # INSTALLED_APPS wins (gates' "open" is a gate's 开放).
        OPEN = "open", pgettext_lazy("help request", "open")
        ASSIGNED = "assigned", _("being handled")
        RESOLVED = "resolved", _("resolved")
        CALLED_BACK = "called_back", _("called back")
        CLOSED = "closed", pgettext_lazy("help request", "closed")

    class Urgency(models.TextChoices):
        NORMAL = "normal", _("normal")
        URGENT = "urgent", _("urgent")

    class Source(models.TextChoices):
        PHONE = "phone", _("phone call")
        WECHAT = "wechat", _("WeChat message")
        VISIT = "visit", _("visit")
        GATE = "gate", _("at a gate")
        RESIDENT = "resident", _("the resident's account")
        CARE = "care", _("care plan")

    class Satisfaction(models.TextChoices):
        SATISFIED = "satisfied", _("satisfied")
        NEUTRAL = "neutral", _("neither")
        UNSATISFIED = "unsatisfied", _("not satisfied")
        UNREACHED = "unreached", _("not reached")

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, verbose_name=_("community"))
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("household"))
    # The household's grid (copied when it is opened, for the ledger and the grid worker's scope).
    grid = models.ForeignKey("registry.Grid", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("grid"))
    location = models.CharField(_("location"), max_length=200, blank=True)
    contact = models.CharField(_("contact"), max_length=100, blank=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, default=Category.OTHER)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    distress = models.BooleanField(_("words of distress"), default=False)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.PHONE)
    text = models.TextField(_("text"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("handler"))
    opened_at = models.DateTimeField(_("opened"))
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+")
    assigned_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    called_back_at = models.DateTimeField(null=True, blank=True)
    called_back_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                       related_name="+")
    callback_note = models.TextField(_("call-back"), blank=True)
    satisfaction = models.CharField(_("satisfaction"), max_length=12, choices=Satisfaction.choices, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The caller's id for this request (the API, an offline page): the same id again is the same request.
    client_id = models.UUIDField(null=True, blank=True, unique=True)
    # When the late/overdue alert was raised (once per request).
    flagged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("help request")
        verbose_name_plural = _("help requests")
        ordering = ["-opened_at"]
        indexes = [models.Index(fields=["community", "opened_at"], name="helprequest_ledger"),
                   models.Index(fields=["community", "status"], name="helprequest_status")]

    def __str__(self) -> str:
        return self.text[:40]

    @property
    def deadline(self) -> dt.datetime:
        return self.opened_at + DEADLINES.get(self.category, DEADLINES[Category.OTHER])

    @property
    def is_done(self) -> bool:
        return self.status in (self.Status.RESOLVED, self.Status.CALLED_BACK, self.Status.CLOSED)

    def flags(self, now: dt.datetime) -> list[str]:
        """``unassigned`` (no handler for 30 minutes), ``overdue`` (open past its category's deadline)."""
        if self.is_done:
            return []
        flags = []
        if self.handler_id is None and now - self.opened_at >= UNASSIGNED_LIMIT:
            flags.append("unassigned")
        if now >= self.deadline:
            flags.append("overdue")
        return flags


class HelpStep(models.Model):
    """One thing done for a request (called the heating company, drove him home), with who and when."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, verbose_name=_("community"))
    help_request = models.ForeignKey(HelpRequest, on_delete=models.CASCADE, related_name="steps")
    at = models.DateTimeField(_("when"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                           related_name="+", verbose_name=_("by"))
    text = models.TextField(_("step"))

    class Meta:
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.text[:40]


# -- care of special populations -------------------------------------------------------------------
class CarePlan(models.Model):
    """包保: a vulnerable person, the one person responsible for them, and their recurring tasks."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, verbose_name=_("community"))
    person = models.OneToOneField("registry.Person", on_delete=models.PROTECT, related_name="care_plan",
                                  verbose_name=_("person"))
    grid = models.ForeignKey("registry.Grid", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("grid"))
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="care_plans",
                                 verbose_name=_("assignee"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    lives_alone = models.BooleanField(_("elderly living alone"), default=False)
    created_at = models.DateTimeField(_("created"))
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("care plan")
        verbose_name_plural = _("care plans")
        indexes = [models.Index(fields=["assignee", "ended_at"], name="careplan_assignee")]

    def __str__(self) -> str:
        return str(self.person)


class CareTask(models.Model):
    """A recurring task of a plan: every ``every_days`` days from ``starts_on``. A refill also has
    the medicine, its dose and the day the supply runs out (the next refill is due before it)."""

    class Kind(models.TextChoices):
        CALL = "call", _("phone call")
        VISIT = "visit", _("home visit")
        REFILL = "refill", _("medicine refill")

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, verbose_name=_("community"))
    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="tasks")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    every_days = models.PositiveSmallIntegerField(_("every N days"), default=1)
    starts_on = models.DateField(_("from"))
    medicine = models.CharField(_("medicine"), max_length=100, blank=True)
    dose = models.CharField(_("dose"), max_length=100, blank=True)
    runs_out_on = models.DateField(_("runs out on"), null=True, blank=True)
    # The last due day whose overdue alert went to the secretary, and the due day on which two missed
    # calls opened a help request: each is raised once, however often the sweep runs.
    overdue_alerted_on = models.DateField(null=True, blank=True)
    escalated_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("care task")
        verbose_name_plural = _("care tasks")
        constraints = [models.CheckConstraint(condition=models.Q(every_days__gte=1), name="caretask_every_positive")]

    def __str__(self) -> str:
        return _("%(kind)s every %(days)s days") % {"kind": self.get_kind_display(), "days": self.every_days}

    def is_due(self, day: dt.date) -> bool:
        return day >= self.starts_on and (day - self.starts_on).days % self.every_days == 0

    def due_on_or_before(self, day: dt.date) -> dt.date | None:
        """The latest due day up to ``day`` (None before the start)."""
        if day < self.starts_on:
            return None
        return day - dt.timedelta(days=(day - self.starts_on).days % self.every_days)


class CareVisit(models.Model):
    """The outcome of one task on one due day: done, or not reached, with a note. One per task and day."""

    class Outcome(models.TextChoices):
        DONE = "done", _("done")
        NOT_REACHED = "not_reached", _("not reached")

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, verbose_name=_("community"))
    task = models.ForeignKey(CareTask, on_delete=models.CASCADE, related_name="visits")
    due_on = models.DateField(_("due"))
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    at = models.DateTimeField(_("when"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    client_id = models.UUIDField(null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("care visit")
        verbose_name_plural = _("care visits")
        constraints = [models.UniqueConstraint(fields=["task", "due_on"], name="carevisit_once_per_day")]

    def __str__(self) -> str:
        return f"{self.due_on} {self.get_outcome_display()}"
