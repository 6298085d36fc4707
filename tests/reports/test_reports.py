"""The daily report: each figure against an independent count, the frozen snapshot, the validation
rules, late, resubmitted and zero reports, once-only submission, the street's sheet read back from
the xlsx, and who may do what."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from shequ.campaigns.models import Campaign, Kind, Result, Retest, Sample, Tube, Visit
from shequ.containment.models import ContainmentArea, MovementRestriction
from shequ.gates.models import Passage
from shequ.health.models import HealthEntry, Transfer
from shequ.registry.models import Community, Household, Person
from shequ.reports import services
from shequ.reports.figures import FIGURES
from shequ.reports.models import DailyReport, ReportSetting
from shequ.services.models import HelpRequest
from shequ.stock.models import Stock
from shequ.supplies.models import Order
from shequ.workforce.models import Assignment

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def futong() -> Community:
    return Community.objects.get(code="futong")


def nanxincun() -> Community:
    return Community.objects.get(code="nanxincun")


def window() -> tuple[dt.date, dt.datetime, dt.datetime]:
    now = timezone.now()
    day = timezone.localdate(now)
    return day, services.day_start(day), now


def in_force(row: Any, at: dt.datetime) -> bool:
    return row.starts_at <= at and (row.ends_at is None or row.ends_at > at)


def independent(c: Community, since: dt.datetime, until: dt.datetime) -> dict[str, int]:
    """Every figure by walking the rows in Python (no GROUP BY, no shared code with the selectors)."""
    def inside(t: dt.datetime | None) -> bool:
        return t is not None and since <= t <= until

    persons = [p for p in Person.objects.filter(community=c).select_related("household")
               if p.status == "active" and p.household.status == "active"]
    visits = [v for v in Visit.objects.filter(community=c).select_related("campaign")
              if v.campaign.kind == Kind.SCREENING and v.visited_at <= until]
    samples = [s for s in Sample.objects.filter(community=c) if inside(s.sampled_at)]
    latest: dict[int, HealthEntry] = {}
    for e in HealthEntry.objects.filter(community=c).order_by("reported_at", "id"):
        if e.reported_at <= until:
            latest[e.person_id] = e
    statuses = [e.status for e in latest.values()]
    restrictions = list(MovementRestriction.objects.filter(community=c))
    areas = list(ContainmentArea.objects.filter(community=c))
    requests = list(HelpRequest.objects.filter(community=c))
    orders = list(Order.objects.filter(community=c))
    urgent = [o for o in orders if o.urgent and inside(o.received_at)]
    waits = [int(((o.delivered_at if o.delivered_at and o.delivered_at <= until else until) - o.received_at)
                  .total_seconds() // 60) for o in urgent]
    passages = [p for p in Passage.objects.filter(community=c) if inside(p.recorded_at)]
    from shequ.health.selectors import epidemic_free_rows

    return {
        "households": Household.objects.filter(community=c, status="active").count(),
        "persons": len(persons),
        "screened_today": len({v.household_id for v in visits if v.visited_at >= since}),
        "screened_total": len({v.household_id for v in visits}),
        "tested_today": len({s.person_id for s in samples}),
        "tubes_today": len({s.tube_id for s in samples}),
        "results_today": sum(1 for t in Tube.objects.filter(community=c) if inside(t.result_at)),
        "positives_today": sum(1 for t in Tube.objects.filter(community=c)
                               if t.result == Result.POSITIVE and inside(t.result_at)),
        "retests_pending": sum(1 for r in Retest.objects.filter(community=c)
                               if r.created_at <= until and (r.resolved_at is None or r.resolved_at > until)),
        "home_quarantine": len({r.person_id for r in restrictions if r.kind == "home_quarantine" and in_force(r, until)}),
        "home_monitoring": len({r.person_id for r in restrictions
                                if r.kind == "home_health_monitoring" and in_force(r, until)}),
        "central_quarantine": len({r.person_id for r in restrictions
                                   if r.kind == "central_quarantine" and in_force(r, until)}),
        "transfers_today": sum(1 for t in Transfer.objects.filter(community=c) if inside(t.created_at)),
        "confirmed": sum(1 for s in statuses if s in ("confirmed", "asymptomatic")),
        "suspected": statuses.count("suspected"),
        "close_contacts": statuses.count("close_contact"),
        "sealed_places": sum(1 for a in areas if a.level == "sealed" and in_force(a, until)),
        "controlled_places": sum(1 for a in areas if a.level == "controlled" and in_force(a, until)),
        "precaution_places": sum(1 for a in areas if a.level == "precaution" and in_force(a, until)),
        "epidemic_free": sum(1 for r in epidemic_free_rows([c], at=until) if r["verdict"].free),
        "help_opened": sum(1 for r in requests if inside(r.opened_at)),
        "help_resolved": sum(1 for r in requests if inside(r.resolved_at)),
        "help_open_before": sum(1 for r in requests if r.opened_at < since
                                and (r.resolved_at is None or r.resolved_at >= since)),
        "orders_today": sum(1 for o in orders if inside(o.received_at)),
        "deliveries_today": sum(1 for o in orders if inside(o.delivered_at)),
        "urgent_orders_today": len(urgent),
        "urgent_wait_max_min": max(waits, default=0),
        "on_duty": len({a.user_id for a in Assignment.objects.filter(community=c, date=timezone.localdate(until))
                        if a.created_at <= until}),
        "passages_today": len(passages),
        "refusals_today": sum(1 for p in passages if p.decision == "deny"),
        "stock_below_minimum": sum(1 for s in Stock.objects.filter(community=c) if s.quantity < s.minimum),
    }


@pytest.mark.parametrize("code", ["futong", "nanxincun"])
def test_each_figure_matches_an_independent_count(code: str) -> None:
    c = Community.objects.get(code=code)
    day, since, now = window()
    report = services.report_compute(c, day, now)
    expected = independent(c, since, now)
    assert {f.key: report.figures[f.key]["value"] for f in FIGURES} == expected
    # The demo world has something to count: not every figure is zero.
    assert expected["persons"] > 0 and expected["households"] > 0
    assert all(report.figures[f.key]["how"] and report.figures[f.key]["link"] for f in FIGURES)


def test_a_submitted_report_is_not_changed_by_later_edits(users: dict[str, Any], clock: Any) -> None:
    c = futong()
    day, _since, now = window()
    report = services.report_compute(c, day, now)
    services.report_submit(actor=users["secretary"], report=report, remarks="已核")
    frozen = DailyReport.objects.get(pk=report.pk).figures
    household = Household.objects.filter(community=c, status="active").first()
    assert household is not None
    Person.objects.filter(household=household).update(status="moved_out")
    clock.advance(minutes=10)
    assert DailyReport.objects.get(pk=report.pk).figures == frozen
    # Computing now (a resubmission) counts the change; the first version stays as it was.
    again = services.report_compute(c, day, timezone.now(), actor=users["secretary"], reason="迁出一户")
    assert again.version == 2 and again.figures["persons"]["value"] < frozen["persons"]["value"]
    assert DailyReport.objects.get(pk=report.pk).figures == frozen


def test_a_draft_is_computed_again_in_place(users: dict[str, Any]) -> None:
    c = futong()
    day, _since, now = window()
    first = services.report_compute(c, day, now)
    second = services.report_compute(c, day, now)
    assert first.pk == second.pk and DailyReport.objects.filter(community=c, day=day).count() == 1


def test_a_broken_rule_blocks_submission_until_corrected_or_explained(users: dict[str, Any]) -> None:
    from django.core.exceptions import ValidationError

    c = futong()
    day, _since, now = window()
    report = services.report_compute(c, day, now)
    results = report.value("results_today") or 0
    report = services.report_correct(actor=users["staff"], report=report, key="positives_today",
                                     value=results + 1, reason="化验室电话")
    assert "positives_le_results" in report.flags
    with pytest.raises(ValidationError):
        services.report_submit(actor=users["secretary"], report=report)
    assert not DailyReport.objects.get(pk=report.pk).submitted
    report = services.report_correct(actor=users["staff"], report=report, key="positives_today", value=0,
                                     reason="核对后为零")
    assert "positives_le_results" not in report.flags
    # An explanation in the remarks lets a flagged report through; the flag is kept on it.
    report = services.report_correct(actor=users["staff"], report=report, key="help_resolved", value=10_000,
                                     reason="含上周")
    assert report.flags == ["resolved_le_open"]
    submitted = services.report_submit(actor=users["secretary"], report=report, remarks="含上周已办结的求助")
    assert submitted.submitted and submitted.flags == ["resolved_le_open"]


def test_results_of_yesterdays_tubes_arriving_after_midnight_break_no_rule(users: dict[str, Any],
                                                                            clock: Any) -> None:
    """At 01:00 the day has no samples yet, and the lab's results of last night's tubes come in: the
    report counts them as today's positives among today's results, and nothing looks impossible."""
    c = futong()
    day = clock.local().date() + dt.timedelta(days=1)  # every row of the demo's world is of an earlier day
    round_ = Campaign.objects.filter(community=c).order_by("id").first()
    assert round_ is not None
    results_at = clock.set_local(day.year, day.month, day.day, 0, 40)
    for i, result in enumerate(("positive", "positive", "negative")):
        Tube.objects.create(community=c, campaign=round_, code=f"NIGHT-{i}", pooling=10, size=0,
                            result=result, result_at=results_at)
    clock.set_local(day.year, day.month, day.day, 1, 0)
    report = services.report_compute(c, day, timezone.now())
    assert report.value("tubes_today") == 0 and report.value("tested_today") == 0
    assert report.value("results_today") == 3 and report.value("positives_today") == 2
    assert report.flags == []
    assert services.report_submit(actor=users["secretary"], report=report).submitted


def test_a_draft_flagged_under_an_earlier_rule_is_judged_by_todays(users: dict[str, Any]) -> None:
    """A draft computed before results_today existed, flagged by the rule it replaced: submitted,
    it is judged by the rules of now, and a rule whose figure it does not hold is not judged."""
    day, _since, now = window()
    report = services.report_compute(futong(), day, now)
    figures = {k: v for k, v in report.figures.items() if k != "results_today"}
    figures["positives_today"] = {**figures["positives_today"], "value": 2}
    DailyReport.objects.filter(pk=report.pk).update(figures=figures, flags=["positives_le_tubes"])
    submitted = services.report_submit(actor=users["secretary"], report=report)
    assert submitted.submitted and submitted.flags == []


@pytest.mark.parametrize(("rule", "key", "value"), [
    ("tested_le_persons", "tested_today", 10 ** 6), ("tubes_le_tested", "tubes_today", 10 ** 6),
    ("positives_le_results", "positives_today", 10 ** 6),
    ("screened_le_households", "screened_today", 10 ** 6), ("urgent_le_orders", "urgent_orders_today", 10 ** 6),
    ("restricted_le_persons", "home_quarantine", 10 ** 6), ("health_le_persons", "suspected", 10 ** 6),
])
def test_each_rule_flags_an_impossible_figure(users: dict[str, Any], rule: str, key: str, value: int) -> None:
    day, _since, now = window()
    report = services.report_compute(futong(), day, now)
    assert rule not in report.flags
    report = services.report_correct(actor=users["staff"], report=report, key=key, value=value, reason="试")
    assert rule in report.flags


def test_late_submission_and_resubmission_are_kept_beside_the_first(users: dict[str, Any], clock: Any,
                                                                     audit_log: Any) -> None:
    from django.core.exceptions import ValidationError

    c = futong()
    day, _since, _now = window()
    cutoff, deadline = services.times_for(c, day)
    clock.set(deadline + dt.timedelta(minutes=5))
    first = services.report_submit(actor=users["secretary"], report=services.report_compute(c, day),
                                   remarks="晚了")
    assert first.late and first.cutoff == cutoff
    with pytest.raises(ValidationError):
        services.report_compute(c, day, actor=users["secretary"])
    second = services.report_compute(c, day, actor=users["secretary"], reason="补报转运一人")
    services.report_submit(actor=users["secretary"], report=second)
    versions = list(DailyReport.objects.filter(community=c, day=day).order_by("version"))
    assert [(v.version, v.submitted, v.reason) for v in versions] == [(1, True, ""), (2, True, "补报转运一人")]
    summaries = [e.summary for e in audit_log(object_type="dailyreport")]
    assert "submitted late" in summaries and f"daily report {day:%Y-%m-%d} version 2: 补报转运一人" in summaries


def test_double_submission_makes_one_submission(users: dict[str, Any], audit_log: Any) -> None:
    day, _since, now = window()
    report = services.report_compute(futong(), day, now)
    services.report_submit(actor=users["secretary"], report=report)
    again = services.report_submit(actor=users["secretary"], report=report, remarks="again")
    assert again.remarks == "" and len(audit_log(object_type="dailyreport", action="update")) == 1


def test_double_post_of_the_submit_form_makes_one_submission(login: Any, audit_log: Any) -> None:
    day, _since, now = window()
    report = services.report_compute(futong(), day, now)
    client = login("secretary")
    for _ in range(2):
        response = client.post(f"/reports/{report.pk}/submit/", {"submission_key": "k" * 32, "remarks": "好"})
        assert response.status_code == 302
    assert len(audit_log(object_type="dailyreport", action="update")) == 1


def test_a_zero_report_counts_as_a_report(users: dict[str, Any]) -> None:
    from shequ.accounts.access import scope_for
    from shequ.reports import selectors

    day, _since, _now = window()
    zero = services.report_zero(actor=users["secretary"], community=futong(), day=day, remarks="无")
    assert zero.submitted and zero.zero and zero.figures == {}
    scope = scope_for(users["street"])
    sheet = selectors.sheet(scope, selectors.street_communities(scope), day)
    states = {r.community.code: r.state for r in sheet.rows}
    assert states["futong"] in ("submitted", "late") and states["nanxincun"] == "missing"


def test_the_street_sets_the_cutoff(login: Any, users: dict[str, Any]) -> None:
    client = login("street")
    street_id = futong().street_id
    response = client.post("/reports/street/", {"submission_key": "s" * 32, "street": street_id,
                                                "cutoff": "14:00", "deadline": "15:30"})
    assert response.status_code == 302
    assert ReportSetting.objects.get(street_id=street_id, community=None).cutoff == dt.time(14, 0)
    day, _since, _now = window()
    cutoff, deadline = services.times_for(futong(), day)
    assert (timezone.localtime(cutoff).time(), timezone.localtime(deadline).time()) == (dt.time(14), dt.time(15, 30))


def test_the_street_sheet_reads_back_from_the_xlsx(login: Any, users: dict[str, Any], audit_log: Any) -> None:
    day, _since, now = window()
    f = services.report_submit(actor=users["secretary"], report=services.report_compute(futong(), day, now))
    response = login("street").get(f"/reports/street/sheet.xlsx?day={day:%Y-%m-%d}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = rows[0]
    assert header[:2] == ["社区", "状态"] and len(header) == 4 + len(FIGURES)
    by_name = {r[0]: r for r in rows[1:-1]}
    assert set(by_name) == {"富通社区", "南新村社区"}
    persons = 4 + [x.key for x in FIGURES].index("persons")
    assert by_name["富通社区"][persons] == f.value("persons")
    assert by_name["南新村社区"][1] == "未报" and by_name["南新村社区"][persons] is None
    assert rows[-1][0] == "合计" and rows[-1][persons] == f.value("persons")
    assert [e.summary for e in audit_log(action="export")] == [f"daily report sheet {day:%Y-%m-%d}: 2 rows"]


def test_the_street_sheet_as_pdf(login: Any, users: dict[str, Any], cjk_font: None) -> None:
    day, _since, now = window()
    services.report_submit(actor=users["secretary"], report=services.report_compute(futong(), day, now))
    response = login("street").get(f"/reports/street/sheet.pdf?day={day:%Y-%m-%d}")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_pages_show_the_report_and_charts(login: Any, users: dict[str, Any]) -> None:
    day, _since, now = window()
    services.report_submit(actor=users["secretary"], report=services.report_compute(futong(), day, now))
    page = login("secretary").get(f"/reports/?day={day:%Y-%m-%d}").content.decode()
    assert "<svg" in page and 'id="report"' in page and 'data-key="persons"' in page
    street = login("street").get(f"/reports/street/?day={day:%Y-%m-%d}").content.decode()
    assert "<svg" in street and 'data-community="futong"' in street and 'class="totals"' in street
    assert "ef-" in street  # the epidemic-free list, coloured


@pytest.mark.parametrize(("username", "community_page", "street_page"), [
    ("secretary", 200, 403), ("staff", 200, 403), ("grid1", 403, 403), ("volunteer1", 403, 403),
    ("gate1", 403, 403), ("resident1", 403, 403), ("street", 403, 200), ("outsider", 200, 403),
])
def test_access_per_role(login: Any, username: str, community_page: int, street_page: int) -> None:
    client = login(username)
    assert client.get("/reports/").status_code == community_page
    assert client.get("/reports/street/").status_code == street_page


def test_only_the_secretary_submits_and_others_see_no_report(login: Any, users: dict[str, Any]) -> None:
    day, _since, now = window()
    report = services.report_compute(futong(), day, now)
    assert login("staff").post(f"/reports/{report.pk}/submit/", {"submission_key": "x" * 32}).status_code == 403
    assert login("outsider").get(f"/reports/{report.pk}/").status_code == 404
    assert login("grid1").get(f"/reports/{report.pk}/").status_code == 403
    assert not DailyReport.objects.get(pk=report.pk).submitted


def test_the_history_shows_each_day_as_submitted_with_its_corrections(login: Any, users: dict[str, Any]) -> None:
    from shequ.accounts.access import scope_for
    from shequ.reports import selectors

    day, _since, now = window()
    report = services.report_compute(futong(), day, now)
    services.report_correct(actor=users["secretary"], report=report, key="confirmed", value=7, reason="复核")
    services.report_submit(actor=users["secretary"], report=report, remarks="已核实")
    services.report_zero(actor=users["outsider"], community=nanxincun(), day=day - dt.timedelta(days=1))
    found = selectors.history(scope_for(users["street"]), [futong(), nanxincun()], until=day,
                              keys=("confirmed", "persons"))
    assert found["days"][-1] == day and len(found["days"]) == 28
    ours, theirs = found["values"][futong().pk], found["values"][nanxincun().pk]
    assert ours["confirmed"][-1] == 7 and ours["persons"][-1] == report.figures["persons"]["value"]
    assert ours["confirmed"][-2] is None  # no report that day
    assert theirs["confirmed"][-2] == 0 and theirs["persons"][-1] is None  # a zero report, then none
    page = login("street").get(f"/reports/street/?day={day:%Y-%m-%d}&figure=confirmed").content.decode()
    assert "<td>7</td>" in page
