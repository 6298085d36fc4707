"""JSON API of disinfection (mounted at /api/v1/disinfection).

``POST /disinfection/rounds`` (a form; multipart with a photo): a round of a place, with the caller's ``client_id``
and an optional ``photo``: the same id again returns the first round (``created: "existing"``, 200)
and records nothing. The phone screen's queue and integrations call the same service.
``GET /disinfection/board``: the day's places with rounds done and expected, per property company.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import File, Form, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile
from pydantic import Field

from shequ.disinfection import selectors, services

router = Router(tags=["disinfection"])


def _need(request: HttpRequest, capability: str, community_id: int | None = None) -> None:
    if not request.scope.can(capability, community_id):  # type: ignore[attr-defined]
        raise PermissionDenied


def _unprocessable(exc: ValidationError) -> HttpError:
    errors = [f"{f}: {m}" if f and f != "__all__" else m
              for f, ms in getattr(exc, "message_dict", {"": exc.messages}).items() for m in ms]
    return HttpError(422, "; ".join(errors))


class RoundIn(Schema):
    client_id: uuid.UUID
    place_id: int
    at: dt.datetime | None = None
    agent: str = Field(..., max_length=60)
    concentration: str = Field("", max_length=30)
    operator: str = Field(..., max_length=40)


class RoundOut(Schema):
    id: int
    place_id: int | None
    at: dt.datetime
    created: str  # created | existing
    photo: bool


@router.post("/rounds", response={201: RoundOut, 200: RoundOut}, url_name="disinfection_rounds")
def round_create(request: HttpRequest, data: Form[RoundIn],
                 photo: File[UploadedFile] = None) -> Any:  # type: ignore[assignment]  # ninja: an optional file
    _need(request, "disinfection.record")
    scope = request.scope  # type: ignore[attr-defined]
    # The place first (404 outside the scope), then the insert: a resend of the same client id is
    # answered by its unique constraint (services.round_record), with nothing read before.
    place = selectors.place_for_record(scope, data.place_id)
    _need(request, "disinfection.record", place.community_id)
    try:
        round_, created = services.round_record(
            actor=request.user, place=place, client_id=data.client_id, agent=data.agent,
            operator=data.operator, concentration=data.concentration, at=data.at, photo=photo, request=request)
    except ValidationError as exc:
        raise _unprocessable(exc) from None
    body = {"id": round_.pk, "place_id": round_.place_id, "at": round_.at, "created": "created" if created else "existing",
            "photo": bool(round_.photo)}
    return Status(201 if created else 200, body)


class PlaceOut(Schema):
    id: int
    community_id: int
    compound: str
    property_company: str | None
    name: str
    kind: str
    done: int
    expected: int
    behind: bool


@router.get("/board", response=list[PlaceOut], url_name="disinfection_board")
def board(request: HttpRequest, day: dt.date | None = None) -> list[dict[str, Any]]:
    _need(request, "disinfection.board")
    now = timezone.now()
    rows = selectors.board(request.scope, day=day or selectors.local_day(now), now=now)  # type: ignore[attr-defined]
    return [{"id": p.place.pk, "community_id": p.place.community_id, "compound": p.place.compound.name,
             "property_company": r.company.name if r.company else None, "name": p.place.name, "kind": p.place.kind,
             "done": p.done, "expected": p.expected, "behind": p.behind} for r in rows for p in r.places]

