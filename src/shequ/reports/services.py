"""Writes of the daily reports: compute (or compute again) a community's report at the cut-off,
correct a figure, submit, state that there is nothing to report, and set the cut-off.

``report_compute`` is a plain function a background task can call at the cut-off (issue 15 item 4).
Every write is audited in the same transaction. A submitted report is never changed: computing
again after submission makes the next version, kept beside the first, with who and why.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.audit.services import audit_record
from shequ.registry.models import Community, Street
from shequ.reports import figures, validation
from shequ.reports.models import DEFAULT_CUTOFF, DEFAULT_DEADLINE, DailyReport, ReportSetting


def times_for(community: Community, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The cut-off and the deadline of ``community``'s report for ``day``: the community's own
    setting, else its street's, else 15:00 and 16:00, in the server's time zone."""
    rows = {s.community_id: s for s in ReportSetting.objects.filter(street_id=community.street_id)}
    setting = rows.get(community.pk) or rows.get(None)
    cutoff, deadline = (setting.cutoff, setting.deadline) if setting else (DEFAULT_CUTOFF, DEFAULT_DEADLINE)
    tz = timezone.get_current_timezone()
    return (timezone.make_aware(dt.datetime.combine(day, cutoff), tz),
            timezone.make_aware(dt.datetime.combine(day, deadline), tz))


def day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(0, 0)), timezone.get_current_timezone())


def _flags(report: DailyReport) -> list[str]:
    return [] if report.zero else validation.broken(report.value)


@transaction.atomic
def report_compute(community: Community, day: dt.date, cutoff: dt.datetime | None = None, *, actor: Any = None,
                   reason: str = "", request: HttpRequest | None = None) -> DailyReport:
    """Count every figure of ``community`` for ``day`` as at ``cutoff`` (default: the street's
    cut-off) and store it. A draft is counted again in place (its corrections dropped: they were
    of the old figures); after a submission a reason is required and a new version is made."""
    default_cutoff, deadline = times_for(community, day)
    cutoff = cutoff or default_cutoff
    values = figures.count([community.pk], since=day_start(day), until=cutoff)[community.pk]
    latest = (DailyReport.objects.select_for_update().filter(community=community, day=day)
              .order_by("-version").first())
    now = timezone.now()
    if latest is not None and not latest.submitted:
        latest.figures, latest.corrections, latest.cutoff, latest.computed_at = figures.snapshot(values), {}, cutoff, now
        latest.zero = False
        latest.flags = _flags(latest)
        latest.save()
        audit_record(actor=actor, action="update", community=community, obj=latest,
                     summary=f"recomputed at {cutoff:%H:%M}", request=request)
        return latest
    if latest is not None and not reason.strip():
        raise ValidationError({"reason": _("The report of this day is submitted: say why it is sent again.")})
    report = DailyReport(community=community, day=day, version=(latest.version + 1) if latest else 1,
                         cutoff=cutoff, deadline=deadline, computed_at=now, figures=figures.snapshot(values),
                         reason=reason.strip(), created_by=actor)
    report.flags = _flags(report)
    report.full_clean()
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:  # another request made this version at the same moment
        return DailyReport.objects.get(community=community, day=day, version=report.version)
    summary = f"daily report {day:%Y-%m-%d} version {report.version}"
    if report.reason:
        summary += f": {report.reason}"
    audit_record(actor=actor, action="create", community=community, obj=report, summary=summary, request=request)
    return report


@transaction.atomic
def report_correct(*, actor: Any, report: DailyReport, key: str, value: int, reason: str,
                   request: HttpRequest | None = None) -> DailyReport:
    """Correct one figure of a draft, with a reason; the rules are checked again."""
    report = DailyReport.objects.select_for_update().get(pk=report.pk)
    if report.submitted:
        raise ValidationError(_("A submitted report is not changed: compute it again to resubmit."))
    if key not in report.figures:
        raise ValidationError({"key": _("No such figure in this report.")})
    if value < 0:
        raise ValidationError({"value": _("A figure cannot be negative.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the figure is corrected.")})
    before = report.value(key)
    report.corrections = {**report.corrections, key: {"value": value, "reason": reason.strip(),
                                                      "by": getattr(actor, "username", "")}}
    report.flags = _flags(report)
    report.save(update_fields=["corrections", "flags"])
    audit_record(actor=actor, action="update", community=report.community, obj=report,
                 summary=f"corrected {key}: {before} -> {value}", request=request)
    return report


@transaction.atomic
def report_submit(*, actor: Any, report: DailyReport, remarks: str = "", zero: bool = False,
                  request: HttpRequest | None = None) -> DailyReport:
    """Submit a draft to the street. Once only: a second submission of the same report changes
    nothing. A report that breaks a validation rule is refused unless the remarks explain it. A
    zero report ("nothing to report") keeps no figures and counts as a report."""
    report = DailyReport.objects.select_for_update().select_related("community").get(pk=report.pk)
    if report.submitted:
        return report
    remarks = remarks.strip()
    if zero:
        report.zero, report.figures, report.corrections, report.flags = True, {}, {}, []
    else:
        report.flags = _flags(report)  # today's rules judge a draft flagged under earlier ones
    if report.flags and not remarks:
        names = "; ".join(str(validation.BY_CODE[c].text) for c in report.flags if c in validation.BY_CODE)
        raise ValidationError({"remarks": _("These figures look impossible: %(rules)s. Correct them, compute "
                                            "again, or explain them in the remarks.") % {"rules": names}})
    report.remarks, report.status = remarks, DailyReport.Status.SUBMITTED
    report.submitted_by, report.submitted_at = actor, timezone.now()
    report.save()
    what = "nothing to report" if zero else "submitted"
    if report.late:
        what += " late"
    audit_record(actor=actor, action="update", community=report.community, obj=report, summary=what,
                 request=request)
    return report


@transaction.atomic
def report_zero(*, actor: Any, community: Community, day: dt.date, remarks: str = "",
                request: HttpRequest | None = None) -> DailyReport:
    """"Nothing to report" for a day: the day's draft (made if there is none) submitted as a zero report."""
    latest = DailyReport.objects.filter(community=community, day=day).order_by("-version").first()
    if latest is not None and latest.submitted:
        return latest
    if latest is None:
        cutoff, deadline = times_for(community, day)
        latest = DailyReport.objects.create(community=community, day=day, cutoff=cutoff, deadline=deadline,
                                            computed_at=timezone.now(), created_by=actor, zero=True)
        audit_record(actor=actor, action="create", community=community, obj=latest,
                     summary=f"daily report {day:%Y-%m-%d} version 1", request=request)
    return report_submit(actor=actor, report=latest, remarks=remarks, zero=True, request=request)


@transaction.atomic
def setting_set(*, actor: Any, street: Street, cutoff: dt.time, deadline: dt.time,
                request: HttpRequest | None = None) -> ReportSetting:
    """The street's cut-off and deadline for its communities' reports."""
    if deadline < cutoff:
        raise ValidationError({"deadline": _("The deadline cannot be before the cut-off.")})
    setting, _created = ReportSetting.objects.select_for_update().get_or_create(street=street, community=None)
    setting.cutoff, setting.deadline = cutoff, deadline
    setting.save()
    audit_record(actor=actor, action="update", obj=setting,
                 summary=f"cut-off {cutoff:%H:%M}, deadline {deadline:%H:%M}", request=request)
    return setting
