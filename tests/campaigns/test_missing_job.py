"""A round's missing list as PDF in the background: the same PDF as the page's link, for what the
user may see, its export audited once, in the transaction that stores the file."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from shequ.audit.models import AuditEvent
from shequ.campaigns import exports
from shequ.core.masking import mask_phone
from shequ.core.submission import new_key
from shequ.jobs.models import Job
from shequ.jobs.services import job_run
from tests.campaigns.test_missing_exports import LANDLINE, MOBILE, pdf_text, phones  # noqa: F401 - fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def _exports(campaign: Any) -> int:
    return AuditEvent.objects.filter(action="export", summary__startswith="campaign missing list pdf").count()


def test_the_missing_pdf_job_gives_the_pages_pdf_and_audits_it_once(
        login: Any, test_round: Any, building9: Any, phones: Any, cjk_font: None,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    client = login("grid1")
    url = reverse("campaigns:missing_pdf_job", args=[test_round.pk]) + f"?building={building9.pk}"
    key = new_key()
    assert client.post(url, {"submission_key": key}).status_code == 302
    assert client.post(url, {"submission_key": key}).status_code == 302
    job = Job.objects.get()
    assert job.params["filters"]["building"] == building9.pk

    # A run that dies while printing leaves neither the file nor the export's event.
    real = exports.missing_pdf_content

    def dies(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt
    monkeypatch.setattr(exports, "missing_pdf_content", dies)
    with pytest.raises(KeyboardInterrupt):
        job_run(job.pk, worker="elsewhere:1:a")
    assert _exports(test_round) == 0
    monkeypatch.setattr(exports, "missing_pdf_content", real)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED)  # as jobs_recover leaves it
    job_run(job.pk, worker="elsewhere:2:b")

    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.result_name == f"missing-{test_round.pk}.pdf"
    [event] = AuditEvent.objects.filter(action="export", summary__startswith="campaign missing list pdf")
    assert event.actor_username == "grid1" and "masked" in event.summary
    text = pdf_text(client.get(reverse("jobs:download", args=[job.pk])).content)
    for person in phones:
        assert person.name in text and mask_phone(person.phone) in text and person.phone not in text
    # The page's own link gives the same persons.
    direct = pdf_text(client.get(reverse("campaigns:missing", args=[test_round.pk]),
                                 {"format": "pdf", "building": building9.pk}).content)
    assert direct == text
    assert MOBILE and LANDLINE


def test_a_long_missing_list_offers_the_background_pdf_only(login: Any, test_round: Any,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from shequ.campaigns import views

    page = login("secretary").get(reverse("campaigns:missing", args=[test_round.pk])).content.decode()
    assert "format=pdf" in page and reverse("campaigns:missing_pdf_job", args=[test_round.pk]) in page
    monkeypatch.setattr(views, "MISSING_PDF_AT_ONCE", 0)
    page = login("secretary").get(reverse("campaigns:missing", args=[test_round.pk])).content.decode()
    assert "format=pdf" not in page and reverse("campaigns:missing_pdf_job", args=[test_round.pk]) in page
