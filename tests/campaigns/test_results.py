"""Results import: a bad file is reported row by row (row, column, reason) and imports nothing wrong."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.utils import timezone, translation
from openpyxl import Workbook

from shequ.campaigns import results, services
from shequ.campaigns.models import Retest, Tube
from tests.campaigns.conftest import sample_in
from tests.campaigns.test_services import active_persons

# On the fixed clock (tests/conftest.py): timezone.now() here and in the code under test is one moment.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


@pytest.fixture
def tubes(test_round: Any, building9: Any, secretary: Any) -> list[Tube]:
    p = active_persons(building9)
    made = []
    for i in range(3):
        made.append(services.tube_register(actor=secretary, campaign=test_round, code=f"R{i}", pooling=5,
                                           samples=[sample_in(x) for x in p[i * 5:(i + 1) * 5]]).tube)
    # An empty tube, as registrations left them before they were refused (issue 10.7).
    Tube.objects.create(community_id=test_round.community_id, campaign=test_round, code="EMPTY", pooling=5)
    return made


def csv_bytes(*lines: str) -> bytes:
    return "\n".join(lines).encode("utf-8")


def test_good_rows_are_imported_and_bad_rows_reported(test_round: Any, tubes: list[Tube], secretary: Any) -> None:
    data = csv_bytes(
        "检测结果汇总",  # a title row above the header
        "管号,结果,时间",
        "R0,阴性,2022-11-12 18:30",
        "R1,阳性,2022/11/12 18:40",
        "R9,阴性,2022-11-12 18:30",  # unknown tube
        "R2,maybe,2022-11-12 18:30",  # unknown result
        "R2,阴性,tomorrow",  # bad time
        "EMPTY,阴性,2022-11-12 18:30",  # tube without samples
        "R0,阳性,2022-11-12 18:50",  # contradicts row 3
        ",阴性,2022-11-12 18:30",  # no code
        "R2,阴性,2099-01-01 00:00",  # future
    )
    with translation.override("en"):
        report = results.results_import(actor=secretary, campaign=test_round, file=data, filename="r.csv")
    assert report.rows == 9
    assert report.imported == 2
    bad = {(b.row, b.column) for b in report.bad}
    assert bad == {(5, "tube code"), (6, "result"), (7, "time"), (8, "tube code"), (9, "result"),
                   (10, "tube code"), (11, "time")}
    reasons = {b.row: b.reason for b in report.bad}
    assert "R9" in reasons[5] and "maybe" in reasons[6] and "tomorrow" in reasons[7]
    assert "row 3" in reasons[9]
    states = dict(Tube.objects.filter(campaign=test_round).values_list("code", "result"))
    assert states == {"R0": "negative", "R1": "positive", "R2": "", "EMPTY": ""}
    assert Retest.objects.filter(campaign=test_round).count() == 5


def test_importing_the_same_file_again_changes_nothing(test_round: Any, tubes: list[Tube], secretary: Any) -> None:
    data = csv_bytes("tube code,result,time", "R0,negative,2022-11-12 18:30", "R1,invalid,2022-11-12 18:31")
    first = results.results_import(actor=secretary, campaign=test_round, file=data, filename="r.csv")
    again = results.results_import(actor=secretary, campaign=test_round, file=data, filename="r.csv")
    assert (first.imported, again.imported, again.unchanged) == (2, 0, 2)
    assert Retest.objects.filter(campaign=test_round).count() == 5


def test_xlsx_with_typed_cells(test_round: Any, tubes: list[Tube], secretary: Any) -> None:
    import datetime as dt

    wb = Workbook()
    ws = wb.active
    ws.append(["试管编码", "检测结果", "报告时间"])
    ws.append(["r2", "阴性", dt.datetime(2022, 11, 12, 19, 5)])
    buffer = io.BytesIO()
    wb.save(buffer)
    report = results.results_import(actor=secretary, campaign=test_round, file=buffer.getvalue(), filename="r.xlsx")
    assert (report.imported, report.bad) == (1, [])
    tube = Tube.objects.get(campaign=test_round, code="R2")
    assert tube.result == "negative" and timezone.localtime(tube.result_at).hour == 19


def test_a_file_without_the_columns_is_refused(test_round: Any, secretary: Any) -> None:
    with pytest.raises(results.ResultsFileError):
        results.results_import(actor=secretary, campaign=test_round, file=csv_bytes("a,b", "1,2"), filename="x.csv")


def test_results_page_lists_bad_rows(login: Any, test_round: Any, tubes: list[Tube]) -> None:
    from django.urls import reverse

    upload = io.BytesIO(csv_bytes("管号,结果,时间", "R0,阴性,2022-11-12 18:30", "NOPE,阴性,2022-11-12 18:30"))
    upload.name = "r.csv"
    response = login("staff").post(reverse("campaigns:results", args=[test_round.pk]), {"file": upload})
    html = response.content.decode()
    assert response.status_code == 200
    assert "NOPE" in html and 'class="bad-rows"' in html
    assert Tube.objects.get(campaign=test_round, code="R0").result == "negative"


def test_manual_entry(login: Any, test_round: Any, tubes: list[Tube]) -> None:
    from django.urls import reverse

    client = login("secretary")
    url = reverse("campaigns:results", args=[test_round.pk])
    response = client.post(url, {"code": "r1", "result": "positive", "at": "2022-11-12T20:00"})
    assert response.status_code == 302
    assert Tube.objects.get(campaign=test_round, code="R1").result == "positive"
    bad = client.post(url, {"code": "NOPE", "result": "positive"})
    assert bad.status_code == 200 and "NOPE" in bad.content.decode()
