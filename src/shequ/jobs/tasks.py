"""The one task of Django's tasks API that runs every job kind (jobs/kinds.py).

On Django 5.2 the tasks API is the django-tasks backport (``django_tasks``); Django 6 has it as
``django.tasks`` with the same names."""

from __future__ import annotations

from django_tasks import TaskContext, task

from shequ.jobs.services import job_run


@task(takes_context=True)
def run_job(context: TaskContext, job_id: int) -> str:
    worker_ids = context.task_result.worker_ids
    return job_run(job_id, worker=worker_ids[-1] if worker_ids else "")
