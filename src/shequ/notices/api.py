"""JSON API of notices (mounted at /api/v1/notices).

``GET /notices``: the caller's notices (every status for those who write them, published ones for
grid workers). ``POST /notices/drafts``: a draft, with the caller's ``client_id`` (the same id again returns
the first, ``created: "existing"``). ``POST /notices/{id}/publish``. ``GET /notices/{id}/door-knock``:
the households of the caller's scope told in person, and who has been. ``POST
/notices/{id}/knocks``: tick one, with its ``client_id`` (a retry records nothing new).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from shequ.core.http import ScopedRequest
from shequ.notices import selectors, services
from shequ.notices.models import Knock, Notice
from shequ.registry import selectors as registry
from shequ.registry.models import Community

router = Router(tags=["notices"])


def _need(request: ScopedRequest, capability: str, community_id: int | None = None) -> None:
    if not request.scope.can(capability, community_id):
        raise PermissionDenied


def _unprocessable(exc: ValidationError) -> HttpError:
    errors = [f"{f}: {m}" if f and f != "__all__" else m
              for f, ms in getattr(exc, "message_dict", {"": exc.messages}).items() for m in ms]
    return HttpError(422, "; ".join(errors))


class NoticeOut(Schema):
    id: int
    community_id: int
    kind: str
    title: str
    body: str
    status: str
    published_at: str | None
    places: list[str]


def _out(n: Notice) -> dict[str, Any]:
    return {"id": n.pk, "community_id": n.community_id, "kind": n.kind, "title": n.title, "body": n.body,
            "status": n.status, "published_at": n.published_at.isoformat() if n.published_at else None,
            "places": selectors.target_labels(n)}


@router.get("", response=list[NoticeOut], url_name="notices")
def notice_list(request: ScopedRequest) -> list[dict[str, Any]]:
    _need(request, "notices.knock")
    qs = (selectors.notice_list(request.scope) if request.scope.can("notices.manage")
          else selectors.published_for_members(request.scope))
    return [_out(n) for n in qs[:200]]


class NoticeIn(Schema):
    client_id: uuid.UUID
    community_id: int
    kind: str = Notice.Kind.GENERAL
    title: str = Field(..., max_length=120)
    body: str = Field(..., max_length=services.MAX_BODY)
    signed: str = Field("", max_length=100)
    compound_ids: list[int] = Field(default_factory=list, max_length=500)
    building_ids: list[int] = Field(default_factory=list, max_length=2000)
    unit_ids: list[int] = Field(default_factory=list, max_length=5000)
    grid_ids: list[int] = Field(default_factory=list, max_length=500)


class CreatedOut(NoticeOut):
    created: str  # created | existing


@router.post("/drafts", response={201: CreatedOut, 200: CreatedOut}, url_name="notices_create")
def notice_create(request: ScopedRequest, data: NoticeIn) -> Any:
    _need(request, "notices.manage", data.community_id)
    community = Community.objects.get(pk=data.community_id)
    earlier = Notice.objects.filter(client_id=data.client_id).first()
    if earlier is not None and earlier.community_id != community.pk:
        raise HttpError(409, "client_id already used for another community's notice")
    try:
        notice = services.notice_create(
            actor=request.user, community=community, kind=data.kind, title=data.title, body=data.body,
            signed=data.signed, compounds=data.compound_ids, buildings=data.building_ids, units=data.unit_ids,
            grids=data.grid_ids, client_id=data.client_id, request=request)
    except ValidationError as exc:
        raise _unprocessable(exc) from None
    return Status(200 if earlier else 201, {**_out(notice), "created": "existing" if earlier else "created"})


@router.post("/{notice_id}/publish", response=NoticeOut, url_name="notices_publish")
def notice_publish(request: ScopedRequest, notice_id: int) -> dict[str, Any]:
    _need(request, "notices.manage")
    notice = selectors.notice_get(request.scope, notice_id)
    _need(request, "notices.manage", notice.community_id)
    try:
        return _out(services.notice_publish(actor=request.user, notice=notice, request=request))
    except ValidationError as exc:
        raise _unprocessable(exc) from None


class KnockRowOut(Schema):
    household_id: int
    compound: str
    address: str
    head: str
    reason: str
    outcome: str


@router.get("/{notice_id}/door-knock", response=list[KnockRowOut], url_name="notices_knock_list")
def knock_list(request: ScopedRequest, notice_id: int) -> list[dict[str, Any]]:
    _need(request, "notices.knock")
    notice = selectors.notice_get(request.scope, notice_id)
    _need(request, "notices.knock", notice.community_id)
    return [{"household_id": r.household_id, "compound": r.compound, "address": r.address, "head": r.head,
             "reason": r.reason, "outcome": r.outcome} for r in selectors.door_knock_list(request.scope, notice)]


class KnockIn(Schema):
    client_id: uuid.UUID
    household_id: int
    outcome: str = Knock.Outcome.TOLD
    note: str = Field("", max_length=200)


class KnockOut(Schema):
    id: int
    household_id: int
    outcome: str
    created: str  # created | existing


@router.post("/{notice_id}/knocks", response={201: KnockOut, 200: KnockOut}, url_name="notices_knock")
def knock(request: ScopedRequest, notice_id: int, data: KnockIn) -> Any:
    _need(request, "notices.knock")
    notice = selectors.notice_get(request.scope, notice_id)
    _need(request, "notices.knock", notice.community_id)
    household = registry.household_get(request.scope, data.household_id)  # 404 outside the caller's scope
    earlier = Knock.objects.filter(client_id=data.client_id).exists()
    try:
        row = services.knock_record(actor=request.user, notice=notice, household=household, outcome=data.outcome,
                                    note=data.note, client_id=data.client_id, request=request)
    except ValidationError as exc:
        raise _unprocessable(exc) from None
    return Status(200 if earlier else 201, {"id": row.pk, "household_id": row.household_id, "outcome": row.outcome,
                                            "created": "existing" if earlier else "created"})
