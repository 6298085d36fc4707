"""JSON API of the health app (mounted at /api/v1/health), for the follow-up phone page and devices.

``GET /health/followups/due``: the households with follow-ups due today or overdue, in walking
order, each member's next slot. ``POST /health/followups``: records, each with its own
``client_id``; the same client_id again, or a slot already recorded, returns the first record and
records nothing (``status: "existing"``). A follow-up outside the caller's scope is rejected as not
found, like one that does not exist.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from shequ.core.masking import mask_name
from shequ.core.temperature import parse_temperature
from shequ.health import selectors, services

router = Router(tags=["health"])


def _need(request: HttpRequest, capability: str) -> None:
    if not request.scope.can(capability):  # type: ignore[attr-defined]
        raise PermissionDenied


class SlotOut(Schema):
    followup_id: int
    person_id: int
    name: str
    due_on: dt.date
    slot: str
    overdue: bool


class FollowUpHouseholdOut(Schema):
    household_id: int
    address: str
    slots: list[SlotOut]


class RecordIn(Schema):
    client_id: uuid.UUID
    followup_id: int
    outcome: str
    temperature: str | float | None = None
    symptoms: str = ""


class RecordsIn(Schema):
    records: list[RecordIn]


class RecordOut(Schema):
    client_id: uuid.UUID
    followup_id: int
    status: str  # created | existing | rejected
    problem: str
    alerts: list[str]


class RecordsOut(Schema):
    results: list[RecordOut]


@router.get("/followups/due", response=list[FollowUpHouseholdOut], url_name="health_followups_due")
def due(request: HttpRequest) -> list[dict[str, Any]]:
    _need(request, "health.followup")
    now = timezone.now()
    today = timezone.localdate(now)
    out = []
    for h in selectors.due_today(request.scope, at=now):  # type: ignore[attr-defined]
        out.append({"household_id": h.household.pk, "address": h.household.room.address, "slots": [
            {"followup_id": f.pk, "person_id": f.person_id, "name": mask_name(f.person.name), "due_on": f.due_on,
             "slot": f.slot, "overdue": f.due_on < today or f.due_at <= now} for f in h.visit]})
    return out


def _messages(exc: ValidationError) -> str:
    found = getattr(exc, "message_dict", None) or {"": exc.messages}
    return "; ".join(m for ms in found.values() for m in ms)


@router.post("/followups", response={200: RecordsOut, 201: RecordsOut}, url_name="health_followups_record")
def record(request: HttpRequest, data: RecordsIn) -> Status:
    _need(request, "health.followup")
    scope = request.scope  # type: ignore[attr-defined]
    results = []
    for item in data.records:
        result: dict[str, Any] = {"client_id": item.client_id, "followup_id": item.followup_id, "problem": "",
                                  "alerts": []}
        try:
            followup = selectors.followup_for_record(scope, item.followup_id)
            if not scope.can("health.followup", followup.community_id):
                raise Http404
            temperature: Decimal | None = parse_temperature(item.temperature)
            done = services.followup_record(actor=request.user, followup=followup, outcome=item.outcome,
                                            temperature=temperature, symptoms=item.symptoms,
                                            client_id=item.client_id, request=request)
        except Http404:
            result.update(status="rejected", problem=_("No such follow-up."))
        except ValidationError as exc:
            result.update(status="rejected", problem=_messages(exc))
        else:
            result.update(status="created" if done.created else "existing", followup_id=done.followup.pk,
                          alerts=done.alerts)
        results.append(result)
    return Status(201 if any(r["status"] == "created" for r in results) else 200, {"results": results})
