"""The street page, its sheet as Excel and PDF, and the charts of the community's page read through
the replica (core/replica.py) and say how old their figures are; the community's own report and
every write stay on the primary.

In tests the ``replica`` alias is a mirror of the default database (tests/conftest.py): the same
rows through a second connection. The tests are transactional because inside a transaction on the
primary (every non-transactional test runs in one) the router keeps reads on the primary, as it must.
Which connection a statement went through is recorded with an execute wrapper on each alias.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django.urls import reverse
from django.utils import timezone

from shequ.core.replica import REPLICA, figures_age_seconds, using_replica
from shequ.registry.models import Community
from shequ.reports import services
from shequ.reports.models import DailyReport

pytestmark = [pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA]),
              pytest.mark.usefixtures("world_tx")]

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|TRUNCATE)\b", re.IGNORECASE)
REPORTS = "reports_dailyreport"


@contextmanager
def statements() -> Iterator[dict[str, list[str]]]:
    """The SQL each alias ran inside the block: {"default": [...], "replica": [...]}."""
    seen: dict[str, list[str]] = {DEFAULT_DB_ALIAS: [], REPLICA: []}

    def recorder(alias: str) -> Any:
        def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            seen[alias].append(sql)
            return execute(sql, params, many, context)
        return wrapper

    with ExitStack() as stack:
        for alias in seen:
            stack.enter_context(connections[alias].execute_wrapper(recorder(alias)))
        yield seen


def writes(sqls: list[str]) -> list[str]:
    return [s for s in sqls if WRITE.match(s)]


def reads_of_reports(sqls: list[str]) -> list[str]:
    return [s for s in sqls if REPORTS in s and not WRITE.match(s)]


def submitted_today(users: dict[str, Any]) -> DailyReport:
    futong = Community.objects.get(code="futong")
    report = services.report_compute(futong, timezone.localdate(), timezone.now())
    return services.report_submit(actor=users["secretary"], report=report, remarks="按时上报")


def test_the_street_page_reads_the_reports_from_the_replica_and_says_how_old_they_are(
        login: Any, users: dict[str, Any]) -> None:
    submitted_today(users)
    client = login("street")
    with statements() as seen:
        page = client.get(reverse("reports:street")).content.decode()
    assert 'data-community="futong"' in page
    assert reads_of_reports(seen[REPLICA]), "the sheet and the history come from the replica"
    assert not reads_of_reports(seen[DEFAULT_DB_ALIAS])
    assert not writes(seen[REPLICA])
    assert '<p class="muted" id="figures-age">数据延迟 0 秒</p>' in page
    english = client.get(reverse("reports:street"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<p class="muted" id="figures-age">Figures 0 seconds old</p>' in english


def test_the_street_sheet_downloads_read_the_replica_and_record_the_export_on_the_primary(
        login: Any, users: dict[str, Any], cjk_font: None) -> None:
    submitted_today(users)
    client = login("street")
    for name in ("reports:street_xlsx", "reports:street_pdf"):
        with statements() as seen:
            response = client.get(reverse(name))
        assert response.status_code == 200
        assert reads_of_reports(seen[REPLICA]) and not reads_of_reports(seen[DEFAULT_DB_ALIAS])
        assert not writes(seen[REPLICA])
        assert any("audit_" in s for s in writes(seen[DEFAULT_DB_ALIAS])), "the export is recorded"


def test_the_community_page_draws_its_charts_from_the_replica_and_its_report_from_the_primary(
        login: Any, users: dict[str, Any]) -> None:
    report = submitted_today(users)
    client = login("secretary")
    with statements() as seen:
        page = client.get(reverse("reports:report", args=[report.pk])).content.decode()
    assert 'id="report"' in page and "<svg" in page
    # The versions of the day (what the secretary has just done) from the primary; the four weeks
    # of submitted reports behind the chart from the replica.
    assert reads_of_reports(seen[DEFAULT_DB_ALIAS])
    assert reads_of_reports(seen[REPLICA])
    assert not writes(seen[REPLICA])
    assert '<p class="muted" id="figures-age">数据延迟 0 秒</p>' in page


def test_computing_correcting_and_submitting_write_nothing_to_the_replica(login: Any) -> None:
    client = login("secretary")
    futong = Community.objects.get(code="futong")
    day = timezone.localdate()
    with statements() as seen:
        client.post(reverse("reports:community"), {
            "community": futong.pk, "day": f"{day:%Y-%m-%d}", "reason": "", "submission_key": "a" * 32},
            follow=True)
        report = DailyReport.objects.get(community=futong, day=day)
        client.post(reverse("reports:report", args=[report.pk]), {
            "key": "persons", "value": 1, "reason": "复核", "submission_key": "b" * 32}, follow=True)
        client.post(reverse("reports:submit", args=[report.pk]), {
            "remarks": "按时上报", "submission_key": "c" * 32}, follow=True)
    report.refresh_from_db()
    assert report.submitted and report.value("persons") == 1
    assert writes(seen[DEFAULT_DB_ALIAS]), "the writes went to the primary"
    assert not writes(seen[REPLICA])
    assert seen[REPLICA], "the pages shown after each write still drew their charts from the replica"


def test_figures_read_from_a_database_that_is_no_standby_are_current() -> None:
    # The mirror is the primary itself (on SQLite no query is needed; on PostgreSQL the primary is
    # not in recovery): its figures are 0 s old, as the pages say.
    assert figures_age_seconds(DEFAULT_DB_ALIAS) == 0.0
    assert figures_age_seconds(REPLICA) == 0.0
    with using_replica():
        assert figures_age_seconds() == 0.0  # outside a transaction: the replica's
