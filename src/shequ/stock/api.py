"""JSON API of the prevention supplies (mounted at /api/v1/stock).

``GET /stock/sheet``: every stock of the caller's scope with its minimum, burn rate and days left.
``POST /stock/issues``: supplies taken from a store, with the caller's ``client_id``: the same id
again returns the first issue (200) and takes nothing more.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from shequ.stock import selectors, services
from shequ.stock.models import Movement

router = Router(tags=["stock"])


def _need(request: HttpRequest, capability: str, community_id: int | None = None) -> None:
    if not request.scope.can(capability, community_id):  # type: ignore[attr-defined]
        raise PermissionDenied


class StockOut(Schema):
    item_id: int
    item: str
    store_id: int
    store: str
    quantity: int
    minimum: int
    per_day: float
    days_left: float | None
    below_minimum: bool
    running_out: bool


@router.get("/sheet", response=list[StockOut], url_name="stock_sheet")
def sheet(request: HttpRequest) -> list[dict[str, Any]]:
    _need(request, "stock.view")
    rows = selectors.sheet(request.scope, now=timezone.now())  # type: ignore[attr-defined]
    return [{"item_id": r.stock.item_id, "item": r.stock.item.name, "store_id": r.stock.store_id,
             "store": r.stock.store.name, "quantity": r.stock.quantity, "minimum": r.stock.minimum,
             "per_day": float(r.rate.per_day), "days_left": None if r.days_left is None else float(r.days_left),
             "below_minimum": r.below_minimum, "running_out": r.running_out} for r in rows]


class IssueIn(Schema):
    client_id: uuid.UUID
    item_id: int
    store_id: int
    quantity: int = Field(..., gt=0, le=10_000_000)
    taken_by: str = Field(..., max_length=60)
    post: str = Field("", max_length=100)
    note: str = Field("", max_length=200)


class IssueOut(Schema):
    id: int
    quantity_left: int
    created: str  # created | existing


@router.post("/issues", response={201: IssueOut, 200: IssueOut}, url_name="stock_issues")
def issue(request: HttpRequest, data: IssueIn) -> Any:
    _need(request, "stock.manage")
    scope = request.scope  # type: ignore[attr-defined]
    item, store = selectors.item_get(scope, data.item_id), selectors.store_get(scope, data.store_id)  # 404 outside
    _need(request, "stock.manage", item.community_id)
    earlier = Movement.objects.filter(client_id=data.client_id, item=item).exists()
    try:
        movement = services.record_once(lambda: services.issue(
            actor=request.user, item=item, store=store, quantity=data.quantity, taken_by=data.taken_by,
            post=data.post, note=data.note, client_id=data.client_id, request=request), data.client_id)
    except ValidationError as exc:
        raise HttpError(422, "; ".join(exc.messages)) from None
    left = selectors.sheet_quantity(item, store)
    return Status(200 if earlier else 201, {"id": movement.pk, "quantity_left": left,
                                            "created": "existing" if earlier else "created"})
