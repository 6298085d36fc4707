"""A community's pass cards as a background job: started once per form, the same print as the
building's (passes issued, the print audited) done once even when its worker dies after it, and
the PDF downloaded from the job's page."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import override_settings
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from pypdf import PdfReader

from shequ.accounts.access import scope_for
from shequ.audit.models import AuditEvent
from shequ.core.submission import new_key
from shequ.gates import cards, selectors
from shequ.jobs.models import Job
from shequ.jobs.services import job_run, jobs_recover
from shequ.passes.models import Pass

pytestmark = pytest.mark.django_db


def _start(client: Any, key: str) -> Any:
    return client.post(reverse("gates:pass_cards_community"), {"submission_key": key})


def _prints(community_id: int) -> int:
    return AuditEvent.objects.filter(action="export", summary__startswith=f"pass cards community={community_id}:").count()


def test_the_secretary_gets_every_card_of_the_community_from_one_job(login: Any, cjk_font: None,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    client = login("secretary")
    key = new_key()
    first, second = _start(client, key), _start(client, key)
    job = Job.objects.get()
    assert first["Location"] == second["Location"] == reverse("jobs:detail", args=[job.pk])
    assert job.kind == "gates.community_cards" and job.community.code == "futong"
    persons = selectors.printable_persons(scope_for(job.user), community=job.community)
    without = len(persons) - Pass.objects.filter(person__in=persons, revoked_at__isnull=True).count()

    # The first run dies after the print committed (passes issued, audited), while laying out cards.
    def dies(*args: Any, **kwargs: Any) -> bytes:
        raise KeyboardInterrupt
    monkeypatch.setattr(cards, "cards_pdf", dies)
    with pytest.raises(KeyboardInterrupt):
        job_run(job.pk, worker="elsewhere:1:a")
    monkeypatch.undo()
    assert _prints(job.community_id) == 1
    DBTaskResult.objects.filter(pk=Job.objects.get().task_id).update(status="RUNNING", worker_ids=["elsewhere:1:a"])
    with override_settings(SHEQU_JOB_LEASE_SECONDS=0):
        assert jobs_recover() == [job.pk]
    job_run(job.pk, worker="elsewhere:2:b")

    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.steps == ["printed"] and job.outcome == {"cards": len(persons)}
    assert _prints(job.community_id) == 1  # the print recorded once, over two runs
    event = AuditEvent.objects.get(action="export", summary__startswith=f"pass cards community={job.community_id}:")
    assert f"{without} passes issued" in event.summary
    download = client.get(reverse("jobs:download", args=[job.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert len(PdfReader(io.BytesIO(download.content)).pages) == -(-len(persons) // cards.PER_PAGE)
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert reverse("jobs:download", args=[job.pk]) in page and "<progress" in page


def test_a_grid_worker_prints_per_grid_not_the_whole_community(login: Any) -> None:
    assert _start(login("grid1"), new_key()).status_code == 403
    assert not Job.objects.exists()
    assert reverse("gates:pass_cards_community") not in login("grid1").get(reverse("gates:passes")).content.decode()
    assert reverse("gates:pass_cards_community") in login("secretary").get(reverse("gates:passes")).content.decode()
