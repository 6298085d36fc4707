"""A background job (后台任务) and what its page shows: how far it is, and its result."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shequ.jobs import kinds


class Job(models.Model):
    """One long piece of work a user started from a page (a roster import, a community's pass cards,
    a round's missing list), run by a worker (``shequ worker``) through Django's tasks API.

    The task result row of the tasks backend (``task_id``) says which run of the worker holds it;
    this row is what the user's page reads: ``done`` of ``total`` and a ``message`` while it runs,
    then the result (a file in ``result``, or a short report in ``outcome``) or an ``error``. The
    result is written in one UPDATE with the status ``done``, so a page never sees half of it.
    ``steps`` lists the steps with effects that have committed (``jobs.services.Progress.once``): a
    run after a worker died skips them, so nothing is done twice."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting for a worker")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    kind = models.CharField(_("kind"), max_length=60, choices=kinds.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("started by"))
    community = models.ForeignKey("registry.Community", on_delete=models.CASCADE, null=True, blank=True,
                                  related_name="+", verbose_name=_("community"))
    title = models.CharField(_("title"), max_length=200)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    # The file the job reads (an uploaded roster), kept until the job is done.
    upload = models.BinaryField(_("uploaded file"), null=True, blank=True)
    upload_name = models.CharField(_("uploaded file name"), max_length=255, blank=True)
    # The URL of the page that started the job: its page links back there.
    back = models.CharField(_("back to"), max_length=300, blank=True)

    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), null=True, blank=True)
    message = models.CharField(pgettext_lazy("job", "message"), max_length=300, blank=True)
    steps = models.JSONField(_("steps done"), default=list, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    task_id = models.CharField(_("task"), max_length=64, blank=True)
    # host:pid of the worker running it, and when it last said it was alive.
    worker = models.CharField(_("worker"), max_length=120, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    result = models.BinaryField(_("result file"), null=True, blank=True)
    result_name = models.CharField(_("result file name"), max_length=200, blank=True)
    result_type = models.CharField(_("result content type"), max_length=100, blank=True)
    outcome = models.JSONField(_("outcome"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        indexes = [
            models.Index(fields=["user", "-created_at"], name="jobs_job_user_idx"),
            models.Index(fields=["status"], name="jobs_job_status_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int | None:
        if self.status == self.Status.DONE:
            return 100
        if not self.total:
            return None
        return min(100, self.done * 100 // self.total)
