"""The gate devices' API (mounted at /api/v1/gates); docs/gate-api.md shows it with curl.

- ``GET /gates/``: the gates the caller may record at (a device token: its one gate).
- ``POST /gates/{gate_id}/passages``: the device's one call: a credential (pass token, ID number or
  phone), the checks, and a client_id chosen by the device. It goes through
  ``services.record_passage`` like the screen. 201 with the verdict the first time; the same
  client_id again is a 200 with the first result, and nothing new is recorded (also when two copies
  arrive at the same moment). 409 when the client_id was used at another gate; 422 names the field.
- ``GET /gates/{gate_id}/passages/{client_id}``: what became of a passage the device queued (404 when
  the server never received it, so the device sends it again).

These three routes admit gate device tokens (``shequ gate_device create``) besides general tokens and
sessions; every other route of the API refuses a gate device token (core/api_tokens.py). A gate
outside the caller's scope (another compound's guard, a device token bound to another gate, another
community) is a 404, the same as a gate that does not exist.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import StrictBool

from shequ.core.api_tokens import GATE_DEVICE, GENERAL, for_tokens
from shequ.core.http import ScopedRequest
from shequ.core.masking import mask_id_number, mask_name, mask_phone
from shequ.gates import selectors, services
from shequ.gates.models import Gate, Passage
from shequ.gates.rules import reason_labels

router = Router(tags=["gates"])


def _need(request: ScopedRequest, capability: str) -> None:
    if not request.scope.can(capability):
        raise PermissionDenied


def _gate(request: ScopedRequest, gate_id: int) -> Gate:
    """The gate, if the caller may record there; else 404 (missing and forbidden look the same)."""
    _need(request, "gates.screen")
    scope = request.scope
    # A device token bound to a gate acts as its user: the Scope refuses the gate unless the user
    # still holds a gate role in its community (gates/access.py, the device_gate grant).
    return selectors.gate_for_recording(scope, gate_id)


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
    # true or false only: "yes", 1 or "false" are not read as a boolean (a device sending "false"
    # must not be recorded as wearing a mask).
    mask: StrictBool
    client_id: uuid.UUID
    recorded_at: dt.datetime | None = None
    # Set by an offline screen when it syncs: what it showed the guard.
    offline_decision: Literal["allow", "deny", ""] = ""


class SubjectOut(Schema):
    kind: Literal["resident", "visitor"]
    id: int | None
    name: str
    id_number: str
    phone: str
    address: str


class PermitOut(Schema):
    id: int
    approved_by: str
    ends_at: dt.datetime


class PassageOut(Schema):
    decision: Literal["allow", "deny"]
    reasons: list[str]
    reason_labels: list[str]
    # The permit that let the passage through a containment rule (show "permit by <approved_by>").
    permit: PermitOut | None
    person: SubjectOut | None
    passage_id: int
    client_id: uuid.UUID
    gate_id: int
    created: bool
    recorded_at: dt.datetime
    offline: bool


class FieldError(Schema):
    field: str | None
    reason: str


class ErrorOut(Schema):
    message: str
    errors: list[FieldError] = []


def _address(household: Any) -> str:
    room = household.room
    return f"{room.unit.building.compound.name} {room.address}"


def passage_out(passage: Passage, *, created: bool) -> dict[str, Any]:
    """The verdict as the device shows it; names and numbers masked as on the gate screen."""
    subject = None
    if passage.person is not None:
        person = passage.person
        subject = {"kind": "resident", "id": person.pk, "name": mask_name(person.name),
                   "id_number": mask_id_number(person.id_number), "phone": mask_phone(person.phone),
                   "address": _address(person.household)}
    elif passage.visitor is not None:
        visitor = passage.visitor
        subject = {"kind": "visitor", "id": None, "name": mask_name(visitor.name),
                   "id_number": mask_id_number(visitor.id_number), "phone": mask_phone(visitor.phone),
                   "address": _address(visitor.host_household)}
    permit = passage.permit if passage.permit_id is not None else None
    return {
        "decision": passage.decision, "reasons": passage.reasons, "reason_labels": reason_labels(passage.reasons),
        "permit": {"id": permit.pk, "approved_by": permit.approver, "ends_at": permit.ends_at} if permit else None,
        "person": subject, "passage_id": passage.pk, "client_id": passage.client_id, "gate_id": passage.gate_id,
        "created": created, "recorded_at": passage.recorded_at, "offline": passage.offline,
    }


def _invalid(e: ValidationError) -> Status:
    errors: list[dict[str, Any]] = [{"field": field or None, "reason": str(m)}
              for field, messages in getattr(e, "message_dict", {"": e.messages}).items() for m in messages]
    message = "; ".join(f"{x['field']}: {x['reason']}" if x["field"] else x["reason"] for x in errors)
    return Status(422, {"message": message, "errors": errors})


@router.get("/", response=list[GateOut], url_name="gates")
@for_tokens(GENERAL, GATE_DEVICE)
def gates(request: ScopedRequest) -> list[dict]:
    _need(request, "gates.screen")
    return [{"id": g.pk, "compound_id": g.compound_id, "compound": g.compound.name, "name": g.name,
             "status": g.status} for g in selectors.gate_list(request.scope)]


@router.post("/{gate_id}/passages", response={200: PassageOut, 201: PassageOut, 409: ErrorOut, 422: ErrorOut},
             url_name="gate_passages")
@for_tokens(GENERAL, GATE_DEVICE)
def post_passage(request: ScopedRequest, gate_id: int, data: PassageIn) -> Status:
    gate = _gate(request, gate_id)
    try:
        if not data.credential.strip():
            raise ValidationError({"credential": _("Send a pass token, an ID number or a phone number.")})
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
        return Status(409, {"message": _("This client_id was used for a passage at another gate; send a new one."),
                            "errors": [{"field": "client_id", "reason": _("used at another gate")}]})
    except ValidationError as e:
        return _invalid(e)
    return Status(201 if result.created else 200, passage_out(result.passage, created=result.created))


@router.get("/{gate_id}/passages/{client_id}", response=PassageOut, url_name="gate_passage")
@for_tokens(GENERAL, GATE_DEVICE)
def get_passage(request: ScopedRequest, gate_id: int, client_id: uuid.UUID) -> dict:
    gate = _gate(request, gate_id)
    found = services.passage_by_client_id(gate=gate, client_id=client_id)
    if found is None:
        raise Http404
    return passage_out(found, created=False)
