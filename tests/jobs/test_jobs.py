"""Background jobs: started once per submitted form, run through the same service as the page,
shown only to the user who started them, with a progress bar that needs no script."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from shequ.jobs import kinds
from shequ.jobs.models import Job
from shequ.jobs.services import Progress, job_run, job_start, jobs_recover
from shequ.registry.jobs import ROSTER_IMPORT
from shequ.registry.models import Person

pytestmark = pytest.mark.django_db


def _roster(n: int, compound: str = "任务小区") -> bytes:
    return ("姓名,小区,楼栋,单元,房号\n" + "".join(f"居民{i},{compound},1,1,{100 + i}\n" for i in range(n))).encode()


def run_queued(job: Job) -> Job:
    """What a worker does with the job's task, in this process."""
    job_run(job.pk, worker="testhost:1:test")
    job.refresh_from_db()
    return job


@override_settings(SHEQU_IMPORT_BACKGROUND_BYTES=100)
def test_a_large_roster_upload_becomes_one_job_even_when_the_form_is_sent_twice(login: Any) -> None:
    client = login("staff")
    page = client.get(reverse("registry:import"))
    key = page.context["form"]["submission_key"].value()
    content = _roster(30)
    responses = [client.post(reverse("registry:import"), {"file": SimpleUploadedFile("名单.csv", content),
                                                          "submission_key": key}) for _ in range(2)]
    job = Job.objects.get()
    assert [r.status_code for r in responses] == [302, 302]
    assert {r["Location"] for r in responses} == {reverse("jobs:detail", args=[job.pk])}
    assert DBTaskResult.objects.filter(pk=job.task_id, status="READY").count() == 1
    assert job.kind == ROSTER_IMPORT and job.community.code == "futong" and job.upload_name == "名单.csv"
    # Queued: the page refreshes itself and shows a bar.
    html = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert 'http-equiv="refresh"' in html and "<progress" in html
    assert not Person.objects.filter(name__startswith="居民", community__code="futong").exists()

    job = run_queued(job)
    assert (job.status, job.done, job.total, job.upload) == (Job.Status.DONE, 30, 30, None)
    assert Person.objects.filter(name__startswith="居民", community__code="futong").count() == 30
    assert job.outcome["created"] == 30 and job.outcome["rejected_rows"] == 0
    html = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert 'http-equiv="refresh"' not in html and 'class="created">30<' in html


def test_a_small_upload_is_still_imported_at_once(login: Any) -> None:
    response = login("staff").post(reverse("registry:import"), {"file": SimpleUploadedFile("名单.csv", _roster(3))})
    assert response.status_code == 200 and not Job.objects.exists()
    assert Person.objects.filter(name__startswith="居民", community__code="futong").count() == 3


def test_rejected_rows_of_a_job_are_listed_and_downloadable(login: Any, users: dict[str, Any]) -> None:
    content = _roster(2) + "无名小区的人,,1,1,101\n".encode()
    job = job_start(user=users["staff"], kind=ROSTER_IMPORT, community=_futong(), title="名单",
                    upload=content, upload_name="名单.csv")
    job = run_queued(job)
    assert job.outcome["rejected_rows"] == 1 and job.result_name == "rejected-rows.xlsx"
    client = login("staff")
    download = client.get(reverse("jobs:download", args=[job.pk]))
    assert download.status_code == 200 and download.content[:2] == b"PK"
    assert "no-store" in download["Cache-Control"]


def _futong() -> Any:
    from shequ.registry.models import Community

    return Community.objects.get(code="futong")


def test_a_user_sees_only_their_own_jobs(login: Any, users: dict[str, Any]) -> None:
    job = job_start(user=users["staff"], kind=ROSTER_IMPORT, community=_futong(), title="名单",
                    upload=_roster(2), upload_name="名单.csv")
    run_queued(job)
    for other in ("secretary", "outsider", "grid1"):
        client = login(other)
        assert client.get(reverse("jobs:detail", args=[job.pk])).status_code == 404
        assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 404
    assert login("staff").get(reverse("jobs:detail", args=[job.pk])).status_code == 200
    assert login(None).get(reverse("jobs:detail", args=[job.pk])).status_code == 302


def test_an_unreadable_file_fails_the_job_with_the_reason(users: dict[str, Any]) -> None:
    job = job_start(user=users["staff"], kind=ROSTER_IMPORT, community=_futong(), title="x",
                    upload=b"\x00\x01 not a spreadsheet", upload_name="x.xlsx")
    job = run_queued(job)
    assert job.status == Job.Status.FAILED and job.error and job.upload is None


def test_a_job_done_already_is_not_run_again(users: dict[str, Any]) -> None:
    job = run_queued(job_start(user=users["staff"], kind=ROSTER_IMPORT, community=_futong(), title="名单",
                               upload=_roster(4), upload_name="名单.csv"))
    assert job_run(job.pk, worker="testhost:2:again") == "nothing to do"
    job.refresh_from_db()
    assert job.attempts == 1


def test_a_step_with_effects_runs_once_across_runs(users: dict[str, Any]) -> None:
    calls = []

    def run(job: Job, progress: Progress) -> kinds.Result:
        progress.once("effect", lambda: calls.append(job.attempts))
        if job.attempts == 1:
            raise KeyboardInterrupt  # the worker dies after the step committed
        return kinds.Result(outcome={"ok": True})

    kinds.register(kinds.JobKind("tests.once", "once", run))
    job = job_start(user=users["staff"], kind="tests.once", title="once")
    with pytest.raises(KeyboardInterrupt):
        job_run(job.pk, worker="testhost:99999999:dead")
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING and job.steps == ["effect"]
    # The dead worker's task row, as the database worker leaves it.
    DBTaskResult.objects.filter(pk=job.task_id).update(status="RUNNING", worker_ids=["testhost:99999999:dead"])
    with override_settings(SHEQU_JOB_LEASE_SECONDS=0):
        assert jobs_recover() == [job.pk]
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED and DBTaskResult.objects.get(pk=job.task_id).status == "READY"
    job = run_queued(job)
    assert job.status == Job.Status.DONE and job.attempts == 2 and calls == [1]


def test_a_live_worker_keeps_its_job(users: dict[str, Any]) -> None:
    job = job_start(user=users["staff"], kind=ROSTER_IMPORT, community=_futong(), title="名单",
                    upload=_roster(2), upload_name="名单.csv")
    from django.utils import timezone

    from shequ.jobs.services import this_worker

    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, worker=f"{this_worker()}:x",
                                         heartbeat_at=timezone.now())
    DBTaskResult.objects.filter(pk=job.task_id).update(status="RUNNING", worker_ids=[f"{this_worker()}:x"])
    assert jobs_recover() == []


def test_a_kind_no_app_registered_is_refused(users: dict[str, Any]) -> None:
    with pytest.raises(LookupError):
        job_start(user=users["staff"], kind="nobody.nothing", title="x")
