"""A job's page: its progress while it runs (the page reloads itself every few seconds with a
meta refresh, no script needed), then its result; and the download of its file."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from shequ.core.privacy import personal_data
from shequ.jobs import kinds, selectors

REFRESH_SECONDS = 2


@personal_data
@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = selectors.job_get(request.user, pk)
    kind = kinds.get(job.kind)
    if request.GET.get("partial") == "1":
        return render(request, "jobs/_progress.html", {"job": job, "kind": kind})
    return render(request, "jobs/job.html", {"job": job, "kind": kind, "refresh": REFRESH_SECONDS})


@personal_data
@login_required
def job_download(request: HttpRequest, pk: int) -> HttpResponse:
    job = selectors.job_result(request.user, pk)
    response = HttpResponse(bytes(job.result or b""), content_type=job.result_type or "application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{job.result_name or "result"}"'
    return response
