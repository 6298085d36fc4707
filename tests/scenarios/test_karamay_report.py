"""Karamay, "马上将数据统计好上报!": at the cut-off futong's report is computed; a figure is flagged
by a validation rule (a positive result of yesterday's tube came today: more positive tubes than
today's tubes) and corrected with a reason; the secretary submits; nanxincun reports late; the
street's sheet shows both, with totals."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from shequ.campaigns.models import Campaign, Tube
from shequ.registry.models import Community
from shequ.reports import services
from shequ.reports.figures import FIGURES
from shequ.reports.models import DailyReport

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def test_report_the_figures_now(login: Any, users: dict[str, Any], clock: Any) -> None:
    futong, nanxincun = Community.objects.get(code="futong"), Community.objects.get(code="nanxincun")
    day = timezone.localdate()
    cutoff, deadline = services.times_for(futong, day)
    clock.set(cutoff)
    # The results of tubes of an earlier day come in this morning: three positives.
    round_ = Campaign.objects.filter(community=futong).order_by("id").first()
    assert round_ is not None
    earlier = cutoff - dt.timedelta(days=2)
    for i in range(3):
        tube = Tube.objects.create(community=futong, campaign=round_, code=f"KLMY-{i}", pooling=10, size=0,
                                   result="positive", result_at=cutoff - dt.timedelta(hours=3))
        Tube.objects.filter(pk=tube.pk).update(created_at=earlier)

    secretary = login("secretary")
    response = secretary.post("/reports/", {"community": futong.pk, "day": f"{day:%Y-%m-%d}",
                                            "submission_key": "a" * 32})
    assert response.status_code == 302
    report = DailyReport.objects.get(community=futong, day=day)
    # Three results of earlier tubes came this morning: today's positives, among today's results.
    assert (report.value("positives_today") or 0) >= 3 and report.flags == []
    counted = report.figures["positives_today"]["value"]

    # A figure phoned in by the lab that cannot be (more positives than results today) is flagged.
    results = report.value("results_today") or 0
    secretary.post(f"/reports/{report.pk}/", {"key": "positives_today", "value": results + 5, "reason": "化验室电话",
                                              "submission_key": "c" * 32})
    report.refresh_from_db()
    assert "positives_le_results" in report.flags
    page = secretary.get(f"/reports/{report.pk}/").content.decode()
    assert 'data-rule="positives_le_results"' in page

    # Submitting as it is is refused; correcting the figure with a reason lets it through.
    refused = secretary.post(f"/reports/{report.pk}/submit/", {"submission_key": "b" * 32})
    assert refused.status_code == 200 and not DailyReport.objects.get(pk=report.pk).submitted
    secretary.post(f"/reports/{report.pk}/", {"key": "positives_today", "value": counted, "reason": "核对化验单",
                                              "submission_key": "d" * 32})
    report.refresh_from_db()
    assert report.flags == [] and report.corrections["positives_today"]["reason"] == "核对化验单"
    assert secretary.post(f"/reports/{report.pk}/submit/", {"submission_key": "e" * 32,
                                                            "remarks": "按时上报"}).status_code == 302
    report.refresh_from_db()
    assert report.submitted and not report.late

    # nanxincun reports after the deadline.
    clock.set(deadline + dt.timedelta(minutes=40))
    other = services.report_compute(nanxincun, day, actor=users["outsider"])
    # (nanxincun's office is outsider's; the service is the page's, which lets only a secretary in.)
    other = services.report_submit(actor=users["outsider"], report=other, remarks="网络故障")
    assert other.late

    street = login("street")
    page = street.get(f"/reports/street/?day={day:%Y-%m-%d}").content.decode()
    assert 'class="state-submitted" data-community="futong"' in page
    assert 'class="state-late" data-community="nanxincun"' in page
    sheet = load_workbook(io.BytesIO(street.get(f"/reports/street/sheet.xlsx?day={day:%Y-%m-%d}").content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    states = {r[0]: r[1] for r in rows[1:-1]}
    assert states == {"富通社区": "已上报", "南新村社区": "逾期"}
    for i, f in enumerate(FIGURES):
        assert rows[-1][4 + i] == (report.value(f.key) or 0) + (other.value(f.key) or 0), f.key
    positives = 4 + [f.key for f in FIGURES].index("positives_today")
    assert rows[1 + [r[0] for r in rows[1:-1]].index("富通社区")][positives] == counted
