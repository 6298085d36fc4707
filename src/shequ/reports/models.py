"""The daily report (日报) of a community, and the street's cut-off (截止时间).

A report is a frozen snapshot: ``figures`` holds each figure as it was counted at the cut-off
(value, how it was counted, the list behind it), so a later edit of the records never changes a
report. Before submission it may be computed again; once submitted it is never changed, and a
resubmission is a new row (``version`` + 1) beside the first, with who and why.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

DEFAULT_CUTOFF = dt.time(15, 0)
DEFAULT_DEADLINE = dt.time(16, 0)


class ReportSetting(models.Model):
    """When a street's communities count their figures (the cut-off) and by when the report is
    due (the deadline). A row with a community overrides the street's row for that community."""

    street = models.ForeignKey("registry.Street", on_delete=models.CASCADE, related_name="+",
                               verbose_name=_("street"))
    community = models.ForeignKey("registry.Community", on_delete=models.CASCADE, null=True, blank=True,
                                  related_name="+", verbose_name=_("community"))
    cutoff = models.TimeField(_("cut-off"), default=DEFAULT_CUTOFF)
    deadline = models.TimeField(_("deadline"), default=DEFAULT_DEADLINE)

    class Meta:
        verbose_name = _("report setting")
        constraints = [
            models.UniqueConstraint(fields=["street", "community"], name="report_setting_once"),
            models.UniqueConstraint(fields=["street"], condition=models.Q(community__isnull=True),
                                    name="report_setting_street_once"),
        ]

    def __str__(self) -> str:
        return f"{self.community or self.street} {self.cutoff:%H:%M}"


class DailyReport(models.Model):
    """One version of a community's report for one day."""

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("report", "draft")
        SUBMITTED = "submitted", pgettext_lazy("report", "submitted")

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, verbose_name=_("community"))
    day = models.DateField(_("day"))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    cutoff = models.DateTimeField(_("cut-off"))
    deadline = models.DateTimeField(_("deadline"))
    computed_at = models.DateTimeField(_("computed"))
    # key -> {"value": int, "how": str, "link": str}: see reports.figures.
    figures = models.JSONField(default=dict, blank=True)
    # key -> {"value": int, "reason": str, "by": username}: a figure the office corrected.
    corrections = models.JSONField(default=dict, blank=True)
    # The validation rules the effective figures break (reports.validation), by code.
    flags = models.JSONField(default=list, blank=True)
    remarks = models.TextField(_("remarks"), blank=True)
    # "Nothing to report" (零报告): submitted without figures; counts as a report.
    zero = models.BooleanField(_("nothing to report"), default=False)
    # Why a version after the first was made (a resubmission).
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("made by"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("submitted by"))
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)

    class Meta:
        verbose_name = _("daily report")
        verbose_name_plural = _("daily reports")
        ordering = ["community_id", "-day", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["community", "day", "version"], name="daily_report_version_once"),
        ]

    def __str__(self) -> str:
        return f"{self.community} {self.day} v{self.version}"

    @property
    def submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED

    @property
    def late(self) -> bool:
        return self.submitted_at is not None and self.submitted_at > self.deadline

    def value(self, key: str) -> int | None:
        """The figure as reported: the correction if the office made one, else as counted."""
        if key in self.corrections:
            return int(self.corrections[key]["value"])
        figure = self.figures.get(key)
        return None if figure is None else int(figure["value"])
