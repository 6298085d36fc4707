"""Reads of jobs: a user sees only the jobs they started (missing and someone else's: 404 alike)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from shequ.jobs.models import Job


def job_list_for_user(user: Any) -> QuerySet[Job]:
    if not getattr(user, "is_authenticated", False):
        return Job.objects.none()
    # The files stay in the database until a download asks for one.
    return Job.objects.filter(user_id=user.pk).defer("upload", "result").order_by("-created_at", "-id")


def job_get(user: Any, pk: int) -> Job:
    return get_object_or_404(job_list_for_user(user), pk=pk)


def job_result(user: Any, pk: int) -> Job:
    """A finished job's file, read with it (job_list_for_user leaves the files out)."""
    if not getattr(user, "is_authenticated", False):
        raise Http404
    return get_object_or_404(Job.objects.filter(user_id=user.pk, status=Job.Status.DONE)
                             .exclude(result=None).defer("upload"), pk=pk)
