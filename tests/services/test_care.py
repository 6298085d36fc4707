"""Care of special populations: recurrence of care tasks across month ends and missed days (fixed
clock), today's tasks of the signed-in person (a volunteer sees only their own), done / not reached
once per day, the overdue alert to the secretary once per due day, two missed daily calls of an
elderly person living alone opening one urgent help request, a refill moving the day the medicine
runs out, and the API the offline page sends to."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from shequ.accounts.access import scope_for
from shequ.alerts.models import Alert
from shequ.registry.models import Person, PersonTag
from shequ.services import selectors, services
from shequ.services.models import CareTask, CareVisit, HelpRequest

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def jan30(clock: Any) -> Any:
    """2022-01-30 09:00 local, two days before a month end."""
    clock.set_local(2022, 1, 30, 9, 0)
    return clock


@pytest.fixture
def elder(anchor_household: Any) -> Person:
    """A member of the anchor household (grid 1), tagged elderly living alone for the test."""
    person = Person.objects.filter(household=anchor_household, status="active").order_by("id").first()
    PersonTag.objects.get_or_create(community=person.community, person=person, tag="elderly_alone")
    return person


def _plan(users: Any, person: Person, assignee: str = "volunteer1", **task: Any) -> Any:
    spec = {"kind": "call", "every_days": 1, "starts_on": D(2022, 1, 28)} | task
    return services.care_plan_create(actor=users["staff"], person=person, assignee=users[assignee], tasks=[spec])


def test_due_days_recur_across_month_ends_and_leap_years() -> None:
    weekly = CareTask(kind="visit", every_days=7, starts_on=D(2022, 1, 27))
    assert [d for d in (D(2022, 1, 27) + dt.timedelta(days=i) for i in range(20)) if weekly.is_due(d)] == [
        D(2022, 1, 27), D(2022, 2, 3), D(2022, 2, 10)]
    refill = CareTask(kind="refill", every_days=30, starts_on=D(2024, 1, 31))
    assert refill.due_on_or_before(D(2024, 3, 1)) == D(2024, 3, 1)  # 29 days of a leap February
    assert refill.due_on_or_before(D(2024, 2, 29)) == D(2024, 1, 31)
    assert refill.due_on_or_before(D(2024, 1, 30)) is None


def test_todays_tasks_are_the_signed_in_persons_own_and_an_overdue_one_comes_first(users: Any, elder: Person,
                                                                                   other_grid_household: Any,
                                                                                   jan30: Any) -> None:
    other = Person.objects.filter(household=other_grid_household, status="active").order_by("id").first()
    PersonTag.objects.get_or_create(community=other.community, person=other, tag="chronic")
    mine = _plan(users, elder, kind="visit", every_days=7, starts_on=D(2022, 1, 23))  # due 01-23, 01-30
    _plan(users, other, assignee="grid2")
    rows = selectors.tasks_today(scope_for(users["volunteer1"]), users["volunteer1"])
    assert [(r.task.plan_id, r.due_on, r.overdue) for r in rows] == [(mine.pk, D(2022, 1, 30), False)]
    jan30.set_local(2022, 2, 2, 9, 0)  # the visit of 01-30 was never recorded
    rows = selectors.tasks_today(scope_for(users["volunteer1"]), users["volunteer1"])
    assert [(r.due_on, r.overdue) for r in rows] == [(D(2022, 1, 30), True)]


def test_an_outcome_is_recorded_once_per_task_and_day(users: Any, elder: Person, jan30: Any) -> None:
    task = _plan(users, elder).tasks.get()
    client_id = uuid.uuid4()
    first, created = services.care_visit_record(actor=users["volunteer1"], task=task, due_on=D(2022, 1, 30),
                                                outcome="done", note="老人说身体还好", client_id=client_id)
    again, created_again = services.care_visit_record(actor=users["volunteer1"], task=task, due_on=D(2022, 1, 30),
                                                      outcome="not_reached", client_id=uuid.uuid4())
    assert created and not created_again and again.pk == first.pk and again.outcome == "done"
    with pytest.raises(ValidationError):
        services.care_visit_record(actor=users["volunteer1"], task=task, due_on=D(2022, 1, 31), outcome="done")


def test_two_missed_daily_calls_of_an_elderly_person_alone_open_one_urgent_request(users: Any, elder: Person,
                                                                                   jan30: Any) -> None:
    plan = _plan(users, elder, starts_on=D(2022, 1, 30))
    task = plan.tasks.get()
    assert plan.lives_alone
    services.care_visit_record(actor=users["volunteer1"], task=task, due_on=D(2022, 1, 30), outcome="not_reached")
    jan30.set_local(2022, 1, 31, 9, 0)
    assert services.care_sweep()["escalated"] == 0  # one missed day (01-30) is not two
    jan30.set_local(2022, 2, 1, 9, 0)  # 01-30 not reached, 01-31 never called: two missed days across the month end
    first = services.care_sweep()
    again = services.care_sweep()
    opened = HelpRequest.objects.filter(source="care", household=elder.household)
    assert first["escalated"] == 1 and again["escalated"] == 0 and opened.count() == 1
    assert opened.get().urgency == "urgent" and "2022-01-30, 2022-01-31" in opened.get().text
    jan30.set_local(2022, 2, 2, 9, 0)  # a third missed day: the same run, no second request
    services.care_sweep()
    assert opened.count() == 1
    services.care_visit_record(actor=users["volunteer1"], task=task, due_on=D(2022, 2, 2), outcome="done")
    jan30.set_local(2022, 2, 5, 9, 0)  # called on 02-02, then 02-03 and 02-04 missed: a new run
    services.care_sweep()
    assert opened.count() == 2


def test_an_overdue_task_is_reported_to_the_secretary_once_per_due_day(users: Any, elder: Person, jan30: Any,
                                                                      login: Any) -> None:
    _plan(users, elder, kind="visit", every_days=7, starts_on=D(2022, 1, 29))
    jan30.set_local(2022, 1, 31, 9, 0)
    call_command("care_sweep")
    call_command("care_sweep")
    alerts = Alert.objects.filter(kind="services_care_overdue", params__day="2022-01-29")
    assert alerts.count() == 1
    assert elder.name in login("secretary").get(reverse("alerts:list")).content.decode()
    # The visit is weekly: nothing missed means no request, whoever the person is.
    assert not HelpRequest.objects.filter(source="care").exists()


def test_a_refill_done_moves_the_day_the_medicine_runs_out_and_refills_due_are_listed(users: Any, elder: Person,
                                                                                      jan30: Any) -> None:
    plan = _plan(users, elder, kind="refill", every_days=30, starts_on=D(2022, 1, 29), medicine="胰岛素",
                 dose="每日 20 单位", runs_out_on=D(2022, 2, 1))
    task = plan.tasks.get()
    scope = scope_for(users["staff"])
    assert [t.pk for t in selectors.refills_due(scope)] == [task.pk]  # runs out within three days
    services.care_visit_record(actor=users["volunteer1"], task=task, due_on=D(2022, 1, 29), outcome="done")
    task.refresh_from_db()
    assert task.runs_out_on == D(2022, 3, 3) and selectors.refills_due(scope) == []


def test_one_person_one_plan_asking_again_changes_the_assignee(users: Any, elder: Person) -> None:
    first = _plan(users, elder)
    second = _plan(users, elder, assignee="grid1")
    assert second.pk == first.pk and second.assignee == users["grid1"] and second.tasks.count() == 1


def test_a_plan_needs_a_tagged_person(users: Any, anchor_household: Any) -> None:
    person = Person.objects.filter(household=anchor_household, status="active", tags__isnull=True).first()
    if person is None:
        pytest.skip("every member of the anchor household is tagged")
    with pytest.raises(ValidationError):
        _plan(users, person)


def test_the_today_page_marks_a_call_done_and_a_volunteer_sees_no_other_plan(users: Any, elder: Person,
                                                                             other_grid_household: Any, login: Any,
                                                                             jan30: Any) -> None:
    other = Person.objects.filter(household=other_grid_household, status="active").order_by("id").first()
    PersonTag.objects.get_or_create(community=other.community, person=other, tag="chronic")
    task = _plan(users, elder, starts_on=D(2022, 1, 30)).tasks.get()
    theirs = _plan(users, other, assignee="grid2")
    client = login("volunteer1")
    page = client.get(reverse("services:today")).content.decode()
    assert elder.name in page and other.name not in page
    key = uuid.uuid4().hex
    form = {"task": str(task.pk), "due_on": "2022-01-30", "outcome": "done", "note": "", "submission_key": key}
    assert client.post(reverse("services:today"), form).status_code == 302
    assert client.post(reverse("services:today"), form).status_code == 302
    assert CareVisit.objects.filter(task=task).count() == 1
    assert client.get(reverse("services:care_plan", args=[theirs.pk])).status_code == 404
    other_task = theirs.tasks.get()
    form = {"task": str(other_task.pk), "due_on": "2022-01-28", "outcome": "done", "submission_key": uuid.uuid4().hex}
    assert client.post(reverse("services:today"), form).status_code == 404


def test_the_api_records_each_visit_once_and_says_why_one_is_refused(users: Any, elder: Person, login: Any,
                                                                    jan30: Any) -> None:
    task = _plan(users, elder, starts_on=D(2022, 1, 30)).tasks.get()
    client = login("volunteer1")
    client_id = str(uuid.uuid4())
    body = {"records": [{"client_id": client_id, "task_id": task.pk, "due_on": "2022-01-30", "outcome": "done"},
                        {"client_id": str(uuid.uuid4()), "task_id": task.pk, "due_on": "2022-02-15",
                         "outcome": "done"}]}
    first = client.post(reverse("api:services_visits"), body, content_type="application/json")
    assert first.status_code == 201
    assert [r["status"] for r in first.json()["results"]] == ["recorded", "rejected"]
    assert "2022-02-15" in first.json()["results"][1]["problem"]
    again = client.post(reverse("api:services_visits"), body, content_type="application/json")
    assert again.status_code == 200 and again.json()["results"][0]["status"] == "existing"
    assert CareVisit.objects.filter(task=task).count() == 1


@pytest.mark.parametrize("username", ["staff", "volunteer1", "grid2", "property1", "street", "outsider"])
def test_the_task_an_outcome_is_recorded_for_is_found_exactly_where_the_scope_sees_it(
        username: str, users: Any, elder: Person, other_grid_household: Any, jan30: Any) -> None:
    """selectors.care_task_for_record (the API's one prepared read, the scope checked on the row)
    finds the tasks Scope.filter finds, for each role, with the plan and community the service
    needs; the others are 404."""
    from django.http import Http404

    other = Person.objects.filter(household=other_grid_household, status="active").order_by("id").first()
    PersonTag.objects.get_or_create(community=other.community, person=other, tag="chronic")
    tasks = [_plan(users, elder).tasks.get(), _plan(users, other, assignee="grid2").tasks.get()]
    scope = scope_for(users[username])
    seen = set(scope.filter(CareTask.objects.all()).values_list("id", flat=True))
    found = set()
    for task in tasks:
        try:
            got = selectors.care_task_for_record(scope, task.pk)
        except Http404:
            continue
        assert (got.plan.pk, got.plan.community.pk) == (task.plan_id, task.community_id)
        found.add(task.pk)
    assert found == seen & {t.pk for t in tasks}
    if username == "volunteer1":
        assert found == {tasks[0].pk}
