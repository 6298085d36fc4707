"""The gate devices' API (mounted at /api/v1/gates).

``POST /gates/{gate_id}/passages`` is the device's one call: a credential (pass token, ID number or
phone), the checks, and a client_id. It goes through ``services.record_passage`` like the screen;
the same client_id again returns the first result and records nothing. A gate outside the caller's
scope (another compound's guard, a device token bound to another gate) is a 404.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import HttpError

from shequ.core.masking import mask_name
from shequ.gates import selectors, services
from shequ.gates.models import Passage
from shequ.gates.rules import reason_labels

router = Router(tags=["gates"])


def _need(request: HttpRequest, capability: str) -> None:
    if not request.scope.can(capability):  # type: ignore[attr-defined]
        raise PermissionDenied


class GateOut(Schema):
    id: int
    compound_id: int
    compound: str
    name: str
    status: str


class PassageIn(Schema):
    credential: str
    direction: Literal["in", "out"]
    temperature: Decimal | None = None
    health_code: Literal["green", "yellow", "red"]
    mask: bool
    client_id: uuid.UUID
    recorded_at: dt.datetime | None = None
    # Set by an offline screen when it syncs: what it showed the guard.
    offline_decision: Literal["allow", "deny", ""] = ""


class PersonBrief(Schema):
    id: int | None
    name: str
    address: str


class PassageOut(Schema):
    decision: str
    reasons: list[str]
    reason_labels: list[str]
    person: PersonBrief | None
    passage_id: int
    created: bool
    recorded_at: dt.datetime
    offline: bool


def passage_out(passage: Passage, *, created: bool) -> dict:
    subject = None
    if passage.person_id is not None:
        person = passage.person
        subject = {"id": person.pk, "name": mask_name(person.name), "address": f"{person.household.room.unit.building.compound.name} {person.household.room.address}"}
    elif passage.visitor_id is not None:
        visitor = passage.visitor
        host = visitor.host_household
        subject = {"id": None, "name": mask_name(visitor.name), "address": f"{host.room.unit.building.compound.name} {host.room.address}"}
    return {
        "decision": passage.decision, "reasons": passage.reasons, "reason_labels": reason_labels(passage.reasons),
        "person": subject, "passage_id": passage.pk, "created": created, "recorded_at": passage.recorded_at,
        "offline": passage.offline,
    }


@router.get("/", response=list[GateOut], url_name="gates")
def gates(request: HttpRequest) -> list[dict]:
    _need(request, "gates.screen")
    return [{"id": g.pk, "compound_id": g.compound_id, "compound": g.compound.name, "name": g.name,
             "status": g.status} for g in selectors.gate_list(request.scope)]  # type: ignore[attr-defined]


@router.post("/{gate_id}/passages", response={200: PassageOut, 201: PassageOut}, url_name="gate_passages")
def post_passage(request: HttpRequest, gate_id: int, data: PassageIn) -> tuple[int, dict]:
    _need(request, "gates.screen")
    gate = selectors.gate_get(request.scope, gate_id)  # type: ignore[attr-defined]
    try:
        checks = services.parse_checks(direction=data.direction, temperature=data.temperature,
                                       health_code=data.health_code, mask=data.mask)
        recorded_at = data.recorded_at
        if recorded_at is not None and timezone.is_naive(recorded_at):
            recorded_at = timezone.make_aware(recorded_at)
        result = services.record_passage(
            gate=gate, actor=request.user, checks=checks, client_id=data.client_id, recorded_at=recorded_at,
            credential=data.credential, offline_decision=data.offline_decision,
        )
    except services.ClientIdConflict:
        raise HttpError(409, _("This client_id was used at another gate.")) from None
    except ValidationError as e:
        errors = [{"field": f, "reason": str(m)} for f, ms in getattr(e, "message_dict", {"": e.messages}).items()
                  for m in ms]
        raise HttpError(422, "; ".join(f"{x['field']}: {x['reason']}" if x["field"] else x["reason"]
                                       for x in errors)) from None
    return (201 if result.created else 200), passage_out(result.passage, created=result.created)
