"""Starting a job, running it in a worker, reporting its progress, and taking back the jobs of a
worker that died (docs/tasks.md).

One task of Django's tasks API (``tasks.run_job``) runs every kind: it calls ``job_run``, which
claims the job, calls its kind's ``run`` (the same service the synchronous page calls) and writes
the result. A worker killed mid-job leaves its task result row "running"; ``jobs_recover`` (every
``shequ worker`` calls it at start and then every ``RECOVER_EVERY`` seconds) finds such rows whose
worker is gone and queues the job again. That run skips the steps that had committed
(``Progress.once``), and the result is only ever written once, with the status ``done``.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from shequ.jobs import kinds
from shequ.jobs.models import Job

logger = logging.getLogger(__name__)
T = TypeVar("T")

RUN_JOB_TASK = "shequ.jobs.tasks.run_job"


class JobError(Exception):
    """A job refused with a message for the user (a roster that cannot be read): not retried."""


class Superseded(Exception):
    """This run no longer holds the job (it was given to another worker): its writes are undone."""


def lease_seconds() -> int:
    """A running job whose worker has not said it is alive for this long is taken back."""
    return int(getattr(settings, "SHEQU_JOB_LEASE_SECONDS", 300))


# -- starting --------------------------------------------------------------------------------------


@transaction.atomic
def job_start(*, user: Any, kind: str, title: str, community: Any = None, params: dict[str, Any] | None = None,
              upload: bytes | None = None, upload_name: str = "", back: str = "") -> Job:
    """Record a job and queue its task, in one transaction (the database backend's task row commits
    with the job, or neither does). The page calls it through ``submit_once``, so a form sent twice
    starts one job. The job runs in the language of the user who started it."""
    kinds.get(kind)  # a kind no app registered is refused here, not in the worker
    job = Job.objects.create(kind=kind, user=user, community=community, title=title[:200],
                             params={"language": translation.get_language() or settings.LANGUAGE_CODE,
                                     **(params or {})},
                             upload=upload, upload_name=upload_name[:255], back=back[:300],
                             message=_("Waiting for a worker."))
    _enqueue(job)
    return job


def _enqueue(job: Job) -> None:
    from shequ.jobs.tasks import run_job

    result = run_job.enqueue(job.pk)
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id))
    job.task_id = str(result.id)


# -- running ---------------------------------------------------------------------------------------


def this_worker() -> str:
    """host:pid of this process: what the worker id of ``shequ worker`` starts with, so that a
    worker on the same host can tell that a run's process is gone."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


class Progress:
    """What a job's ``run`` reports through: ``set`` (done of total, a message), ``once`` (a step
    with effects, recorded with them) and ``job`` (the row as claimed)."""

    def __init__(self, job: Job, worker: str) -> None:
        self.job = job
        self.worker = worker
        self._written: tuple[int, int | None, str] | None = None
        self._percent = -1

    def set(self, done: int, total: int | None = None, message: str = "") -> None:
        """Written when the whole percent or the message changes (not on every row), in its own
        statement outside the job's transactions, so that the page sees it at once."""
        total = self.job.total if total is None else total
        percent = done * 100 // total if total else done
        if self._written is not None and percent == self._percent and message == self._written[2]:
            return
        self._percent = percent
        self._written = (done, total, message)
        self.job.done, self.job.total, self.job.message = done, total, message
        Job.objects.filter(pk=self.job.pk, worker=self.worker).update(
            done=done, total=total, message=message[:300], heartbeat_at=timezone.now())

    def once(self, step: str, fn: Callable[[], T]) -> tuple[bool, T | None]:
        """Run ``fn`` (a step whose effects must happen once: passes issued, an audit event) unless
        an earlier run of this job committed it. Its effects and the step's mark commit together:
        a worker killed before the commit leaves neither, after it leaves both. Returns (ran, value)."""
        if step in self.job.steps:
            return False, None
        with transaction.atomic():
            value = fn()
            steps = [*self.job.steps, step]
            if not Job.objects.filter(pk=self.job.pk, worker=self.worker, status=Job.Status.RUNNING).update(
                    steps=steps, heartbeat_at=timezone.now()):
                raise Superseded(self.job.pk)
        self.job.steps = steps
        return True, value


@contextmanager
def _heartbeat(job: Job, worker: str) -> Iterator[None]:
    """While a step runs long without progress, a thread says every lease/5 seconds that the
    worker is alive, so that ``jobs_recover`` on another host does not take the job back."""
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(max(1.0, lease_seconds() / 5)):
                try:
                    Job.objects.filter(pk=job.pk, worker=worker).update(heartbeat_at=timezone.now())
                except Exception:  # a locked SQLite file: the next beat will do
                    logger.debug("heartbeat of job %s skipped", job.pk, exc_info=True)
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"job-{job.pk}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)


def _claim(job_id: int, worker: str) -> Job | None:
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.finished:
            return None
        job.status = Job.Status.RUNNING
        job.worker = worker
        job.attempts += 1
        job.started_at = job.started_at or timezone.now()
        job.heartbeat_at = timezone.now()
        job.message = _("Started.")
        job.save(update_fields=["status", "worker", "attempts", "started_at", "heartbeat_at", "message"])
        return job


def job_run(job_id: int, *, worker: str) -> str:
    """Run the job (the body of the task). A job that is done already is left alone: a task run
    twice, or a job queued again after its worker died and finished meanwhile, does nothing."""
    job = _claim(job_id, worker)
    if job is None:
        return "nothing to do"
    kind = kinds.get(job.kind)
    progress = Progress(job, worker)
    try:
        with _heartbeat(job, worker), translation.override(job.params.get("language")):
            result = kind.run(job, progress)
            with transaction.atomic():
                if result.effects is not None:
                    result.effects()
                written = Job.objects.filter(pk=job.pk, worker=worker, status=Job.Status.RUNNING).update(
                    status=Job.Status.DONE, result=result.content, result_name=result.filename[:200],
                    result_type=result.content_type[:100], outcome=result.outcome, upload=None,
                    done=progress.job.total or progress.job.done, message=_("Done."), finished_at=timezone.now())
                if not written:
                    raise Superseded(job.pk)
    except Superseded:
        logger.warning("job %s was given to another worker; this run's writes are undone", job.pk)
        return "superseded"
    except JobError as exc:
        _fail(job, worker, str(exc))
        return "refused"
    except Exception as exc:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        with translation.override(job.params.get("language")):
            _fail(job, worker, _("The job stopped because of an error on the server (%(error)s).")
                  % {"error": type(exc).__name__})
        raise
    return "done"


def _fail(job: Job, worker: str, error: str) -> None:
    Job.objects.filter(pk=job.pk, worker=worker).update(
        status=Job.Status.FAILED, error=error, message=error[:300], upload=None, finished_at=timezone.now())


# -- taking back the jobs of a worker that died ------------------------------------------------------


def _gone(worker_id: str) -> bool:
    """A worker id of this host whose process no longer exists (kill -9, a crash, a reboot)."""
    host, _sep, rest = worker_id.partition(":")
    pid = rest.split(":", 1)[0]
    if host != socket.gethostname()[:40] or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def jobs_recover() -> list[int]:
    """Queue again every job whose run died with its worker; returns their ids.

    A run is dead when its task result row is still "running" and its worker's process is gone
    (same host: the pid no longer exists) or its job has not had a heartbeat for the lease
    (another host). Its task result row is marked failed, and the job queued with a new task, in
    one transaction; the new run resumes after the steps that had committed."""
    from django_tasks_db.models import DBTaskResult

    recovered = []
    stale_before = timezone.now() - timedelta(seconds=lease_seconds())
    running = DBTaskResult.objects.filter(status="RUNNING", task_path=RUN_JOB_TASK)
    for row in running.only("id", "worker_ids", "args_kwargs"):
        worker_id = (row.worker_ids or [""])[-1]
        job_id = (row.args_kwargs or {}).get("args", [None])[0]
        job = Job.objects.filter(pk=job_id).first() if job_id is not None else None
        heartbeat = job.heartbeat_at if job is not None else None
        if not (_gone(worker_id) or (heartbeat is not None and heartbeat < stale_before)):
            continue
        with transaction.atomic():
            DBTaskResult.objects.filter(pk=row.pk, status="RUNNING").update(
                status="FAILED", finished_at=timezone.now(), exception_class_path="shequ.jobs.WorkerDied",
                traceback=f"worker {worker_id} died while running this task")
            if job is not None and not job.finished and job.task_id == str(row.pk):
                Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED, worker="",
                                                     message=_("The worker stopped; waiting for another."))
                _enqueue(job)
                recovered.append(job.pk)
                logger.warning("job %s queued again: worker %s died running it", job.pk, worker_id)
    return recovered


class Origin:
    """What the audit log reads of a request (the client's address), for a job's services: the
    address of the request that started the job, stored in its parameters."""

    def __init__(self, address: str | None) -> None:
        self.META = {"REMOTE_ADDR": address} if address else {}
        self.GET: dict[str, str] = {}


def origin(job: Job) -> Any:
    return Origin(job.params.get("client"))
