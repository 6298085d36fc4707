"""A lab results file that cannot be read to its end: nothing of it is imported (every row is read and
checked before anything is written), the page says why, and the file imported whole works."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.urls import reverse

from shequ.audit.models import AuditEvent
from shequ.campaigns import results, services
from shequ.campaigns.models import Tube
from tests.campaigns.conftest import sample_in
from tests.campaigns.test_services import active_persons

# On the fixed clock (tests/conftest.py): timezone.now() here and in the code under test is one moment.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def _lines(*, broken: bool) -> bytes:
    rows = ["管号,结果,时间", "P-0,阴性,2022-01-26 18:30", "P-1,阳性,2022-01-26 18:31",
            "P-2," + ("x" * 200_000 if broken else "阴性") + ",2022-01-26 18:32", "P-3,阴性,2022-01-26 18:33"]
    return "\n".join(rows).encode()


@pytest.fixture
def tubes(test_round: Any, building9: Any, secretary: Any) -> list[Tube]:
    persons = active_persons(building9)
    return [services.tube_register(actor=secretary, campaign=test_round, code=f"P-{i}", pooling=1,
                                   samples=[sample_in(persons[i])]).tube for i in range(4)]


def test_a_results_file_broken_halfway_imports_nothing(login: Any, test_round: Any, tubes: list[Tube],
                                                       secretary: Any, audit_log: Any) -> None:
    with pytest.raises(results.ResultsFileError):
        results.results_import(actor=secretary, campaign=test_round, file=_lines(broken=True), filename="r.csv")
    upload = io.BytesIO(_lines(broken=True))
    upload.name = "r.csv"
    client = login("staff")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post(reverse("campaigns:results", args=[test_round.pk]), {"file": upload})
    assert response.status_code == 200
    assert any("cannot be read" in e for e in response.context["upload"].errors["file"])
    assert set(Tube.objects.filter(campaign=test_round).values_list("result", flat=True)) == {""}
    assert audit_log() == []
    whole = io.BytesIO(_lines(broken=False))
    whole.name = "r.csv"
    response = client.post(reverse("campaigns:results", args=[test_round.pk]), {"file": whole})
    assert response.context["report"].imported == 4
    assert dict(Tube.objects.filter(campaign=test_round).values_list("code", "result")) == {
        "P-0": "negative", "P-1": "positive", "P-2": "negative", "P-3": "negative"}
    assert [e.action for e in audit_log(action="import")] == ["import"]
    assert isinstance(AuditEvent.objects.filter(action="import").latest("id").summary, str)
