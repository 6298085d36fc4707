"""JSON API of resident services (mounted at /api/v1/services).

``POST /services/requests``: a help request, with the caller's ``client_id``: the same id again
returns the first request (``created: "existing"``) and records nothing.
``POST /services/visits``: care task outcomes (done / not reached), each with its own
``client_id``; the today page's offline queue sends them (static/services/today.js).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from shequ.core.http import ApiRequest
from shequ.registry import selectors as registry
from shequ.registry.models import Community
from shequ.services import selectors, services
from shequ.services.models import CareVisit, Category, HelpRequest

router = Router(tags=["services"])


def _need(request: ApiRequest, capability: str, community_id: int | None = None) -> None:
    if not request.scope.can(capability, community_id):
        raise PermissionDenied


def _unprocessable(exc: ValidationError) -> HttpError:
    errors = [f"{f}: {m}" if f and f != "__all__" else m
              for f, ms in getattr(exc, "message_dict", {"": exc.messages}).items() for m in ms]
    return HttpError(422, "; ".join(errors))


class RequestIn(Schema):
    client_id: uuid.UUID
    community_id: int | None = None
    household_id: int | None = None
    location: str = Field("", max_length=200)
    contact: str = Field("", max_length=100)
    category: str = Category.OTHER
    urgency: str = HelpRequest.Urgency.NORMAL
    source: str = HelpRequest.Source.PHONE
    text: str = Field(..., max_length=5000)


class RequestOut(Schema):
    id: int
    status: str
    created: str  # created | existing
    urgency: str


@router.post("/requests", response={201: RequestOut, 200: RequestOut}, url_name="services_requests")
def request_create(request: ApiRequest, data: RequestIn) -> Any:
    _need(request, "services.requests")
    household = None
    if data.household_id is not None:
        household = registry.household_get(request.scope, data.household_id)  # 404 outside
        community_id = household.community_id
    elif data.community_id is not None:
        community_id = data.community_id
    else:
        raise HttpError(422, "community_id: give the household or the community.")
    _need(request, "services.requests", community_id)
    earlier = HelpRequest.objects.filter(client_id=data.client_id).exists()
    try:
        item = services.help_request_open(
            actor=request.user, community=Community.objects.get(pk=community_id), household=household,
            location=data.location, contact=data.contact, category=data.category, urgency=data.urgency,
            source=data.source, text=data.text, client_id=data.client_id, request=request)
    except ValidationError as exc:
        raise _unprocessable(exc) from None
    body = {"id": item.pk, "status": item.status, "created": "existing" if earlier else "created",
            "urgency": item.urgency}
    return Status(200 if earlier else 201, body)


class VisitIn(Schema):
    client_id: uuid.UUID
    task_id: int
    due_on: dt.date
    outcome: str
    note: str = Field("", max_length=500)


class VisitsIn(Schema):
    records: list[VisitIn] = Field(..., max_length=200)


class VisitResult(Schema):
    client_id: uuid.UUID
    status: str  # recorded | existing | rejected
    problem: str = ""


class VisitsOut(Schema):
    results: list[VisitResult]


@router.post("/visits", response={200: VisitsOut, 201: VisitsOut}, url_name="services_visits")
def visits_record(request: ApiRequest, data: VisitsIn) -> Any:
    """Each record on its own: one that is refused (not due that day, not the caller's) is
    reported with the reason, and the others are kept."""
    _need(request, "services.tasks")
    results = []
    created_any = False
    for record in data.records:
        try:
            task = selectors.care_task_for_record(request.scope, record.task_id)
            if record.outcome not in CareVisit.Outcome.values:
                raise ValidationError({"outcome": "done | not_reached"})
            _visit, created = services.care_visit_record(
                actor=request.user, task=task, due_on=record.due_on, outcome=record.outcome, note=record.note,
                client_id=record.client_id, request=request)
        except Http404:
            results.append({"client_id": record.client_id, "status": "rejected", "problem": "task: not found"})
            continue
        except ValidationError as exc:
            results.append({"client_id": record.client_id, "status": "rejected", "problem": "; ".join(exc.messages)})
            continue
        created_any = created_any or created
        results.append({"client_id": record.client_id, "status": "recorded" if created else "existing"})
    return Status(201 if created_any else 200, {"results": results})
