"""Resident services routes in the authorization matrix (merged by tests/test_authorization_matrix.py).

Help requests are the community's (secretary, staff) and the grid worker's of the request's grid;
a resident sees and opens their own; the ledger and care plans are the office's. A care plan is
seen by the office and by its assignee (volunteer1 here) and by no grid worker; today's tasks are
each person's own. Property companies, gate guards, samplers and the street get nothing (403).
outsider is staff of another community: lists open (their own rows), futong's rows are a 404. The
rows are made through the services: a request of the anchor household (富通小区 9-2-502, grid 1)
and a care plan of a tagged futong person assigned to volunteer1."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from tests.test_authorization_matrix import ANON, Json, Write, like, only, refused

OFFICE = only({ANON: 302, "secretary": 200, "staff": 200, "outsider": 200}, 403)
HANDLERS = only({ANON: 302, "secretary": 200, "staff": 200, "grid1": 200, "grid2": 200, "outsider": 200}, 403)
MINE = only({ANON: 302, "resident1": 200}, 403)
TASKS = only({ANON: 302, "secretary": 200, "staff": 200, "grid1": 200, "grid2": 200, "volunteer1": 200,
              "outsider": 200}, 403)


def _in_grid(w: Any, r: str | None) -> int:
    if r is ANON:
        return 302
    if r in ("secretary", "staff"):
        return 200
    if r in ("grid1", "grid2"):
        return 200 if w.in_grid(r) else 404
    return 404 if r == "outsider" else 403


def _tagged_person(w: Any, r: str | None) -> int:
    if r is ANON:
        return 302
    if r in ("secretary", "staff"):
        return 200
    return 404 if r == "outsider" else 403


def _plan(w: Any, r: str | None) -> int:
    if r is ANON:
        return 302
    if r in ("secretary", "staff", "volunteer1"):
        return 200  # the office, and the plan's assignee
    return 404 if r in ("grid1", "grid2", "outsider") else 403


def rows(w: Any) -> Any:
    """A help request of the anchor household, and a care plan (daily call) assigned to volunteer1,
    made once per world; and a tagged person without a plan."""
    if not hasattr(w, "services_rows"):
        from django.utils import timezone

        from shequ.accounts.models import User
        from shequ.registry.models import Person
        from shequ.services import services

        staff = User.objects.get(username="staff")
        community = w.household.community
        help_request = services.help_request_open(actor=staff, community=community, household=w.household,
                                                  category="food", text="矩阵: 家里没有菜了")
        tagged = list(Person.objects.filter(community=community, status="active", tags__isnull=False,
                                            care_plan__isnull=True).distinct().order_by("id")[:2])
        plan = services.care_plan_create(
            actor=staff, person=tagged[0], assignee=User.objects.get(username="volunteer1"),
            tasks=[{"kind": "call", "every_days": 1, "starts_on": timezone.localdate() - dt.timedelta(days=7)}])
        w.services_rows = {"request": help_request, "plan": plan, "task": plan.tasks.get(), "untagged": tagged[1]}
    return w.services_rows


def pk(name: str) -> Any:
    return lambda w: {"pk": rows(w)[name].pk}


ROUTES: dict[str, Any] = {
    "services:requests": (lambda w: {}, HANDLERS),
    "services:request": (pk("request"), _in_grid),
    "services:ledger": (lambda w: {}, OFFICE),
    "services:ledger_xlsx": (lambda w: {}, OFFICE),
    "services:mine": (lambda w: {}, MINE),
    "services:care": (lambda w: {}, OFFICE),
    "services:care_new": (lambda w: {"person_pk": rows(w)["untagged"].pk}, _tagged_person),
    "services:care_plan": (pk("plan"), _plan),
    "services:today": (lambda w: {}, TASKS),
    # POST only: a GET is refused before anything else.
    "api:services_requests": (lambda w: {}, only({}, 405)),
    "api:services_visits": (lambda w: {}, only({}, 405)),
}


def key() -> str:
    return uuid.uuid4().hex


def _take(w: Any, r: str | None) -> tuple[int, bool | str]:
    status = _in_grid(w, r)
    if r == "outsider":
        return refused(200)  # no 富通小区9-2-502 in their community: a form error
    if r in ("grid1", "grid2"):
        return (302, True) if status == 200 else refused(status)
    return (302, True) if status == 200 else refused(HANDLERS(w, r))


def _today(w: Any, r: str | None) -> tuple[int, bool | str]:
    status = _plan(w, r)
    if r in ("grid1", "grid2", "outsider"):
        return refused(404)  # the task is not theirs
    return (302, True) if status == 200 else refused(status)


def _api_request(w: Any, r: str | None) -> tuple[int, bool | str]:
    if r is ANON:
        return refused(401)
    status = _in_grid(w, r)
    return (201, True) if status == 200 else refused(status)


def _api_visits(w: Any, r: str | None) -> tuple[int, bool | str]:
    if r is ANON:
        return refused(401)
    if r in ("grid1", "grid2", "outsider"):
        return refused(200)  # answered, the record rejected: not their task
    status = _plan(w, r)
    return (201, True) if status == 200 else refused(status)


def _today_iso() -> str:
    from django.utils import timezone

    return timezone.localdate().isoformat()


WRITES: dict[str, Write] = {
    "services:requests": Write(lambda w: {}, lambda w, f: {
        "address": "富通小区9-2-502", "location": "", "contact": "", "category": "food", "urgency": "normal",
        "source": "phone", "text": "矩阵: 需要买菜", "submission_key": key()}, _take),
    "services:request": Write(pk("request"), lambda w, f: {"action": "step", "text": "矩阵: 已联系超市",
                                                           "submission_key": key()}, like(_in_grid)),
    "services:mine": Write(lambda w: {}, lambda w, f: {"category": "medicine", "text": "矩阵: 降压药快吃完了",
                                                       "submission_key": key()}, like(MINE)),
    "services:care_new": Write(lambda w: {"person_pk": rows(w)["untagged"].pk}, lambda w, f: {
        "person": str(rows(w)["untagged"].pk), "assignee": str(rows(w)["plan"].assignee_id), "call_daily": "on",
        "submission_key": key()}, like(_tagged_person)),
    "services:today": Write(lambda w: {}, lambda w, f: {
        "task": str(rows(w)["task"].pk), "due_on": _today_iso(), "outcome": "done", "note": "矩阵",
        "submission_key": key()}, _today, table="services_carevisit"),  # outcomes are their own ledger
    "api:services_requests": Write(lambda w: {}, lambda w, f: Json({
        "client_id": str(uuid.uuid4()), "household_id": w.household.pk, "category": "food",
        "text": "矩阵: 需要米"}), _api_request),
    "api:services_visits": Write(lambda w: {}, lambda w, f: Json({"records": [{
        "client_id": str(uuid.uuid4()), "task_id": rows(w)["task"].pk, "due_on": _today_iso(),
        "outcome": "done"}]}), _api_visits, table="services_carevisit"),
}

READS: dict[str, Any] = {
    "services:ledger": 405, "services:ledger_xlsx": 405, "services:care": None, "services:care_plan": None,
}
