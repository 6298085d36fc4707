"""The campaigns' background job: a round's missing list as PDF (docs/tasks.md).

It calls ``exports.missing_pdf_content``, the function of the page's PDF link, on the targets
``selectors.missing_targets`` gives the user now, and writes the export's audit event in the
transaction that stores the file (``Result.effects``): a run killed before that leaves no event and
no file, and the next run starts from clean."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.accounts.access import scope_for
from shequ.audit.exports import export_masking
from shequ.campaigns import exports, selectors
from shequ.jobs.kinds import JobKind, Result
from shequ.jobs.models import Job
from shequ.jobs.services import JobError, Progress, origin

MISSING_PDF = "campaigns.missing_pdf"


def run_missing_pdf(job: Job, progress: Progress) -> Result:
    scope = scope_for(job.user)
    try:
        campaign = selectors.campaign_get(scope, int(job.params.get("campaign", 0)))
    except Http404:
        campaign = None
    if campaign is None or not scope.can("campaigns.field", campaign.community_id):
        raise JobError(_("This round is no longer yours to print."))
    filters = {k: job.params.get("filters", {}).get(k) for k in ("compound", "building", "unit", "grid")}
    qs = selectors.missing_targets(scope, campaign, **filters)
    request = origin(job)
    masking = export_masking(scope, [campaign.community_id], request=request)
    progress.set(0, None, _("Reading the list."))
    content, count = exports.missing_pdf_content(
        campaign, qs, masking, progress=lambda done, total: progress.set(done, total, _("Printing the list.")))

    def audit() -> None:
        exports.missing_pdf_audit(actor=job.user, campaign=campaign, count=count, masking=masking, filters=filters,
                                  request=request)
    return Result(content=content, filename=exports.missing_pdf_name(campaign), content_type="application/pdf",
                  outcome={"persons": count}, effects=audit)


KINDS = [JobKind(MISSING_PDF, gettext_lazy("Missing list (PDF)"), run_missing_pdf)]
